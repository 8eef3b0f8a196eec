"""Code-level controls end to end: a small Flask app and a small Django app with planted
flaws, each marked `# FLAW: <family>` on its line, committed into real git repositories.
Every marked line must be the evidence of a failing control; the clean twins fail no
code-level control."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.demo import OSV_DB
from tests.helpers import git, load_results

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "e2e"
CODE_LEVEL = {"bandit", "semgrep"}


def committed(app: str, tmp_path: Path) -> Path:
    repo = tmp_path / app
    shutil.copytree(FIXTURES / app, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{app} fixture")
    return repo


def planted(repo: Path) -> dict[tuple[str, int], str]:
    marks = {}
    for path in sorted(repo.rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.search(r"# FLAW: (\S+)", line)
            if m:
                marks[(path.relative_to(repo).as_posix(), n)] = m.group(1)
    return marks


def evidence_locations(doc: dict[str, Any]) -> dict[tuple[str, int], list[str]]:
    where: dict[tuple[str, int], list[str]] = {}
    for c in doc["controls"]:
        if c["status"] != "fail":
            continue
        locations = [f["location"] for f in c["evidence"]["findings"]]
        locations += [f["source"] for f in c["evidence"]["facts"] if f["source"]]
        for loc in locations:
            where.setdefault((loc["path"], loc["line"]), []).append(c["id"])
    for c in doc["collectors"]:  # facts listing problems carry file:line in their text
        for f in c["facts"]:
            for text in f["value"] if isinstance(f["value"], list) else []:
                for path, line in re.findall(r"\(([\w/.]+\.py):(\d+)\)", str(text)):
                    where.setdefault((path, int(line)), []).append(f["key"])
    return where


@pytest.mark.parametrize("app", ["flask_vuln", "django_vuln"])
def test_each_planted_flaw_fails_a_control_at_its_line(
    app: str, tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    repo = committed(app, tmp_path)
    out = tmp_path / "out"
    proc = auditor_cli("audit", str(repo), "--out", str(out), "--no-cache", "--osv-db", str(OSV_DB))
    assert proc.returncode == 1, proc.stderr
    where = evidence_locations(load_results(out))
    missing = {mark: family for mark, family in planted(repo).items() if mark not in where}
    assert missing == {}
    assert len(planted(repo)) >= 10


@pytest.mark.parametrize("app", ["flask_clean", "django_clean"])
def test_clean_twins_fail_no_code_level_control(
    app: str, tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    repo = committed(app, tmp_path)
    out = tmp_path / "out"
    auditor_cli("audit", str(repo), "--out", str(out), "--no-cache", "--osv-db", str(OSV_DB))
    doc = load_results(out)
    failing = [
        (c["id"], c["reason"])
        for c in doc["controls"]
        if c["collector"] in CODE_LEVEL and c["status"] in ("fail", "error")
    ]
    assert failing == []
    assert {c["status"] for c in doc["collectors"] if c["name"] in CODE_LEVEL} == {"ok"}
