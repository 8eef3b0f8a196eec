"""End to end: real git repositories, real bandit, the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import control, load_results, make_repo, strip_volatile, write_files

VULNERABLE = {
    "app/run.py": (
        "import subprocess\n"
        "\n"
        "def handler(name):\n"
        '    return subprocess.call("ls " + name, shell=True)\n'
    ),
    "app/store.py": (
        "def find(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"
    ),
    "tests/test_run.py": "import subprocess\nsubprocess.call('x', shell=True)\n",
    "README.md": "demo\n",
}


def test_bandit_finding_fails_its_control_with_location_and_version(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    control_for_rule: Callable[[str], str],
    bandit_version: str,
    validate_results: Callable[[dict[str, Any]], None],
) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"}, VULNERABLE)
    out = tmp_path / "out"
    proc = auditor_cli("audit", str(repo), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    doc = load_results(out)
    validate_results(doc)
    c = control(doc, control_for_rule("B602"))
    assert c["status"] == "fail"
    [f] = [f for f in c["evidence"]["findings"] if f["rule_id"] == "B602"]
    assert (f["location"]["path"], f["location"]["line"]) == ("app/run.py", 4)
    assert f["tool_version"] == bandit_version and c["tool_version"] == bandit_version
    assert doc["target"]["is_git"] and len(doc["target"]["head_commit"]) == 40
    # the tests/ folder is excluded by default, and the exclusion is on record
    assert all(not f["location"]["path"].startswith("tests/") for f in c["evidence"]["findings"])
    assert "tests" in doc["excludes"]["effective"]
    html = (out / "index.html").read_text()
    assert "app/run.py:4" in html and f"bandit {bandit_version}" in html


def test_passing_controls_carry_evidence_too(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    control_for_rule: Callable[[str], str],
    bandit_version: str,
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "app/ok.py": "def f(x):\n    return x + 1\n",
            "SECURITY.md": "Report to security@example.invalid\n",
        },
    )
    out = tmp_path / "out"
    auditor_cli("audit", str(repo), "--out", str(out))
    doc = load_results(out)
    c = control(doc, control_for_rule("B602"))
    assert c["status"] == "pass"
    assert c["tool_version"] == bandit_version and "1 files" in c["reason"]
    policy = control(doc, control_for_rule("repo.security_policy"))
    assert policy["status"] == "pass"
    assert policy["evidence"]["facts"][0]["source"]["path"] == "SECURITY.md"


def test_two_audits_give_identical_results(tmp_path: Path, auditor_cli: Callable[..., Any]) -> None:
    repo = make_repo(tmp_path / "repo", VULNERABLE)
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "a"))
    auditor_cli("audit", str(repo), "--out", str(tmp_path / "b"))
    a, b = load_results(tmp_path / "a"), load_results(tmp_path / "b")
    assert strip_volatile(a) == strip_volatile(b)
    # byte-identical once the volatile fields are removed
    import json

    dump = lambda d: json.dumps(strip_volatile(d), sort_keys=True, indent=2)  # noqa: E731
    assert dump(a) == dump(b)


def test_plain_directory_marks_history_controls_not_applicable(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    control_for_rule: Callable[[str], str],
) -> None:
    plain = tmp_path / "plain"
    write_files(plain, VULNERABLE)
    out = tmp_path / "out"
    proc = auditor_cli("audit", str(plain), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    doc = load_results(out)
    assert doc["target"] == {"path": str(plain.resolve()), "is_git": False, "head_commit": None}
    history = [c for c in doc["controls"] if c["requires_git"]]
    assert history and all(c["status"] == "not_applicable" for c in history)
    assert all("not a git repository" in c["reason"] for c in history)
    assert control(doc, control_for_rule("B602"))["status"] == "fail"


def test_failed_run_leaves_previous_results_byte_for_byte(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "repo", VULNERABLE)
    out = tmp_path / "out"
    auditor_cli("audit", str(repo), "--out", str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\n")
    proc = auditor_cli("audit", str(repo), "--out", str(out), "--checklist", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "bad.yaml:1:1: expected key" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # bad configuration in the audited repository: same guarantee
    write_files(repo, {"pyproject.toml": "[tool.auditor]\ntimeout = 'soon'\n"})
    proc = auditor_cli("audit", str(repo), "--out", str(out))
    assert proc.returncode == 2 and "pyproject.toml:2:" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_repository_config_is_applied_and_shown(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    control_for_rule: Callable[[str], str],
) -> None:
    files = dict(VULNERABLE)
    files["pyproject.toml"] = '[tool.auditor]\nexclude = ["app"]\n'
    repo = make_repo(tmp_path / "repo", files)
    out = tmp_path / "out"
    auditor_cli("audit", str(repo), "--out", str(out))
    doc = load_results(out)
    [setting] = [s for s in doc["settings"] if s["name"] == "exclude"]
    assert setting == {
        "name": "exclude",
        "value": ["app"],
        "from_audited_repo": True,
        "source": "audited repository: pyproject.toml [tool.auditor]",
    }
    assert control(doc, control_for_rule("B602"))["status"] == "pass"  # weakened, and visibly so
    html = (out / "index.html").read_text()
    assert "Settings taken from the audited repository" in html
