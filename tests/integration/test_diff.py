"""`auditor diff` on two real audits of one repository, before and after a commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import git, make_repo, write_files

SHELL = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n'
)
SAFE = 'import subprocess\n\n\ndef run(name):\n    return subprocess.call(["ls", name])\n'
EVAL = "def calc(expr):\n    return eval(expr)\n"


def commit(repo: Path, files: dict[str, str]) -> None:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")


def test_diff_reports_exactly_the_fixed_and_the_new_failure(
    tmp_path: Path, auditor_cli: Callable[..., Any], control_for_rule: Callable[[str], str]
) -> None:
    repo = make_repo(
        tmp_path / "r", {"app/run.py": SHELL, "app/calc.py": "def calc(x):\n    return x\n"}
    )
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "before"))
    commit(repo, {"app/run.py": SAFE, "app/calc.py": EVAL})
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "after"))
    old, new = tmp_path / "before" / "results.json", tmp_path / "after" / "results.json"
    proc = auditor_cli("diff", str(old), str(new), "--format", "json", "--fail-on-regression")
    assert proc.returncode == 1
    changes = json.loads(proc.stdout)
    assert changes["new_failures"] == [control_for_rule("B307")]
    assert changes["fixed"] == [control_for_rule("B602")]
    assert changes["changed"] == [] and changes["weakening"] == []
    text = auditor_cli("diff", str(old), str(new))
    assert text.returncode == 0
    assert f"New failures: {control_for_rule('B307')}" in text.stdout
    same = auditor_cli("diff", str(new), str(new), "--fail-on-regression")
    assert same.returncode == 0 and "New failures: none" in same.stdout


def test_diff_shows_that_the_audit_was_weakened(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL})
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "before"))
    commit(
        repo,
        {
            "pyproject.toml": '[tool.auditor]\nexclude = ["legacy"]\n',
            "app/run.py": SHELL.replace("shell=True)", "shell=True)  # nosec"),
        },
    )
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "after"))
    proc = auditor_cli(
        "diff", str(tmp_path / "before" / "results.json"), str(tmp_path / "after" / "results.json"),
        "--format", "markdown",
    )  # fmt: skip
    assert proc.returncode == 0
    assert "The audit itself was weakened" in proc.stdout
    assert "new exclusions: legacy" in proc.stdout
    assert "newly silenced by inline comments" in proc.stdout


def test_config_from_trusted_ref_ignores_the_pull_requests_weakening(
    tmp_path: Path, auditor_cli: Callable[..., Any], control_for_rule: Callable[[str], str]
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL})
    git(repo, "checkout", "-qb", "pr")
    waiver = (
        "waivers:\n  - rule: B602\n    justification: trust me\n    owner: mallory\n"
        "    approved_by: mallory2\n    created: 2026-11-01\n    expires: 2027-01-20\n"
    )
    commit(
        repo,
        {"pyproject.toml": '[tool.auditor]\nexclude = ["app"]\n', ".auditor/waivers.yaml": waiver},
    )
    out = tmp_path / "out"
    proc = auditor_cli(
        "audit", str(repo), "--out", str(out), "--config-from", "main", "--today", "2026-11-26"
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((out / "results.json").read_text())
    assert [c["status"] for c in doc["controls"] if c["id"] == control_for_rule("B602")] == ["fail"]
    assert doc["governance"]["waivers"] == []
    exclude = next(s for s in doc["settings"] if s["name"] == "exclude")
    assert exclude["value"] == [] and exclude["source"] == "default"
    bad = auditor_cli("audit", str(repo), "--out", str(tmp_path / "x"), "--config-from", "nope")
    assert bad.returncode == 2 and "trusted ref, got 'nope'" in bad.stderr
