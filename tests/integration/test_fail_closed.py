"""A collector that is missing, hangs or prints garbage gives `error`, exit 3, never `pass`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor import proc
from auditor.cli import main
from tests.helpers import fake_tool, load_results, make_repo

SOURCE = {"app/a.py": "import subprocess\nsubprocess.call('ls ' + x, shell=True)\n"}
VERSION = 'if [ "$1" = "--version" ]; then echo "bandit 9.9.9"; exit 0; fi'


def assert_bandit_errored(out: Path, reason: str) -> None:
    doc = load_results(out)
    [bandit] = [c for c in doc["collectors"] if c["name"] == "bandit"]
    assert bandit["status"] == "error" and reason in bandit["reason"]
    decided = [c for c in doc["controls"] if c["collector"] == "bandit"]
    assert decided and all(c["status"] == "error" for c in decided)
    assert not any(c["status"] == "pass" for c in decided)
    assert doc["score"]["complete"] is False and doc["exit_code"] == 3
    html = (out / "index.html").read_text()
    assert "This audit is incomplete" in html and reason in html


@pytest.mark.parametrize(
    ("script", "args", "reason"),
    [
        (VERSION + "\nsleep 60", ["--timeout", "1"], "did not finish within 1s and was killed"),
        (VERSION + "\necho 'this is not json'; exit 1", [], "printed output that is not JSON"),
        (
            VERSION + '\necho \'{"results": [{"filename": "/etc/passwd"}]}\'; exit 1',
            [],
            "malformed result",
        ),
        (VERSION + "\necho 'Traceback: boom' >&2; exit 2", [], "bandit exited with status 2"),
        ('echo "no version here"', [], "did not print a version"),
    ],
    ids=["timeout", "garbage", "malformed", "crash", "bad-version"],
)
def test_broken_bandit_is_an_error(
    tmp_path: Path, auditor_cli: Callable[..., Any], script: str, args: list[str], reason: str
) -> None:
    repo = make_repo(tmp_path / "repo", SOURCE)
    fake = tmp_path / "bin"
    fake_tool(fake, "bandit", script)
    out = tmp_path / "out"
    result = auditor_cli(
        "audit",
        str(repo),
        "--out",
        str(out),
        *args,
        env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 3, result.stderr
    assert_bandit_errored(out, reason)


def test_missing_bandit_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", SOURCE)
    real_dirs = proc._tool_dirs()
    without = [d for d in real_dirs if not (Path(d) / "bandit").exists()]
    monkeypatch.setattr(proc, "_tool_dirs", lambda: without)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["audit", str(repo), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert_bandit_errored(out, "bandit is not installed")
    listing = CliRunner().invoke(main, ["collectors"])
    assert listing.exit_code == 3 and "MISSING" in listing.output


def test_crashing_collector_code_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.collectors.bandit import BanditCollector

    def boom(self: object, ctx: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(BanditCollector, "collect", boom)
    repo = make_repo(tmp_path / "repo", SOURCE)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["audit", str(repo), "--out", str(out)])
    assert result.exit_code == 3
    assert_bandit_errored(out, "crashed: RuntimeError: unexpected")
