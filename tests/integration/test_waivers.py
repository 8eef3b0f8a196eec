"""Governed waivers end to end: real repositories, real bandit, the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import control, git, load_results, make_repo, write_files

SHELL = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n'
)
TODAY = "2026-11-26"


def waiver_file(body: str) -> str:
    return "waivers:\n" + body


WAIVE_RULE = """\
  - rule: B602
    paths: ["app/*.py"]
    justification: "Input is validated upstream; tracked in SEC-12"
    owner: alice
    approved_by: bob
    created: {created}
    expires: {expires}
"""


def audit(cli: Callable[..., Any], repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    proc = cli("audit", str(repo), "--out", str(out), "--today", TODAY, *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return load_results(out)


@pytest.fixture
def b602(control_for_rule: Callable[[str], str]) -> str:
    return control_for_rule("B602")


def test_active_waiver_waives_and_stays_visible(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    b602: str,
    validate_results: Callable[[dict[str, Any]], None],
) -> None:
    body = WAIVE_RULE.format(created="2026-11-01", expires="2027-01-20")
    repo = make_repo(
        tmp_path / "r", {"app/run.py": SHELL, ".auditor/waivers.yaml": waiver_file(body)}
    )
    doc = audit(auditor_cli, repo, tmp_path / "out")
    validate_results(doc)
    c = control(doc, b602)
    assert c["status"] == "waived"
    [f] = [f for f in c["evidence"]["findings"] if f["rule_id"] == "B602"]
    assert f["waived_by"].startswith("waiver #1 (.auditor/waivers.yaml:2)")
    assert doc["score"]["counts"]["waived"] >= 1
    [w] = doc["governance"]["waivers"]
    assert (w["state"], w["matched"]) == ("active", 1)
    html = (tmp_path / "out" / "index.html").read_text()
    assert "Waived" in html and "Input is validated upstream" in html


def test_waived_finding_moving_20_lines_stays_waived_but_a_copy_elsewhere_does_not(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    b602: str,
    control_for_rule: Callable[[str], str],
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL})
    doc = audit(auditor_cli, repo, tmp_path / "a")
    [f] = [f for f in control(doc, b602)["evidence"]["findings"] if f["rule_id"] == "B602"]
    body = (
        f"  - fingerprint: {f['fingerprint']}\n    justification: accepted\n    owner: alice\n"
        "    approved_by: bob\n    created: 2026-11-01\n    expires: 2027-01-20\n"
    )
    write_files(repo, {".auditor/waivers.yaml": waiver_file(body), "app/run.py": "\n" * 20 + SHELL})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "shift")
    moved = audit(auditor_cli, repo, tmp_path / "b")
    assert control(moved, b602)["status"] == "waived"
    write_files(repo, {"lib/copy.py": SHELL})
    copied = audit(auditor_cli, repo, tmp_path / "c")
    c = control(copied, b602)
    assert c["status"] == "fail"
    by_path = {
        x["location"]["path"]: x for x in c["evidence"]["findings"] if x["rule_id"] == "B602"
    }
    assert by_path["app/run.py"]["waived_by"] and by_path["lib/copy.py"]["waived_by"] is None


@pytest.mark.parametrize(
    ("created", "expires", "state", "status", "note"),
    [
        ("2026-01-01", "2026-03-01", "expired", "fail", "waiver #1 expired on 2026-03-01"),
        ("2026-11-01", "2026-12-01", "expiring_soon", "waived", "waiver #1 expires on 2026-12-01"),
    ],
)
def test_expired_and_expiring_waivers(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    b602: str,
    created: str,
    expires: str,
    state: str,
    status: str,
    note: str,
) -> None:
    body = WAIVE_RULE.format(created=created, expires=expires)
    repo = make_repo(
        tmp_path / "r", {"app/run.py": SHELL, ".auditor/waivers.yaml": waiver_file(body)}
    )
    doc = audit(auditor_cli, repo, tmp_path / "out")
    c = control(doc, b602)
    assert c["status"] == status
    assert note in c["notes"]
    assert doc["governance"]["waivers"][0]["state"] == state


def test_waiver_matching_nothing_is_stale(tmp_path: Path, auditor_cli: Callable[..., Any]) -> None:
    body = WAIVE_RULE.format(created="2026-11-01", expires="2027-01-20")
    repo = make_repo(
        tmp_path / "r", {"app/ok.py": "x = 1\n", ".auditor/waivers.yaml": waiver_file(body)}
    )
    doc = audit(auditor_cli, repo, tmp_path / "out")
    assert doc["governance"]["waivers"][0]["state"] == "stale"
    assert "Stale: matches nothing" in (tmp_path / "out" / "index.html").read_text()


@pytest.mark.parametrize(
    ("edit", "line", "fragment"),
    [
        (("approved_by: bob", "approved_by: Alice"), 6, "someone other than the owner"),
        (("expires: 2027-01-20", "expires: 2027-06-01"), 8, "at most 90 days for a high waiver"),
        (("created: 2026-11-01", "created: 2026-13-01"), 7, "expected a date YYYY-MM-DD"),
        (("    owner: alice\n", ""), 2, "expected key 'owner'"),
        (("rule: B602", "control: P99-C99"), 2, "expected a control id"),
    ],
)
def test_bad_waiver_file_is_one_positioned_line(
    tmp_path: Path, auditor_cli: Callable[..., Any], edit: tuple[str, str], line: int, fragment: str
) -> None:
    body = WAIVE_RULE.format(created="2026-11-01", expires="2027-01-20").replace(*edit)
    if edit[0].startswith("rule"):
        body = body.replace('    paths: ["app/*.py"]\n', "")
    repo = make_repo(
        tmp_path / "r", {"app/run.py": SHELL, ".auditor/waivers.yaml": waiver_file(body)}
    )
    proc = auditor_cli("audit", str(repo), "--out", str(tmp_path / "out"), "--today", TODAY)
    assert proc.returncode == 2
    [message] = proc.stderr.strip().splitlines()
    assert f".auditor/waivers.yaml:{line}:" in message and fragment in message
    assert not (tmp_path / "out").exists()


def test_inline_suppressions_are_honoured_as_the_checklist_says(
    tmp_path: Path, auditor_cli: Callable[..., Any], b602: str
) -> None:
    silenced = SHELL.replace("shell=True)", "shell=True)  # nosec")
    repo = make_repo(tmp_path / "r", {"app/run.py": silenced})
    default = audit(auditor_cli, repo, tmp_path / "a")
    c = control(default, b602)
    assert c["status"] == "pass" and "suppressed by inline comment (honoured)" in c["reason"]
    strict = audit(auditor_cli, repo, tmp_path / "b", "--checklist", "pre-release")
    c = control(strict, b602)
    assert c["status"] == "fail" and "(not honoured)" in c["reason"]
    assert strict["checklist"]["honour_inline_suppressions"] is False
    [f] = [f for f in c["evidence"]["findings"] if f["rule_id"] == "B602"]
    assert f["suppressed_by"] == "# nosec at line 5"
