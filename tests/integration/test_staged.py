"""The pre-commit hook: a staged secret stops the commit, shown only redacted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import git, make_repo
from tests.unit.test_secrets_samples import samples

ROOT = Path(__file__).resolve().parents[2]


def test_staged_secret_stops_the_commit(tmp_path: Path, auditor_cli: Callable[..., Any]) -> None:
    token = next(s for s in samples() if s.rule == "github-pat-classic")
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    clean = auditor_cli("staged-secrets", str(repo))
    assert clean.returncode == 0, clean.stderr
    (repo / "deploy.txt").write_bytes(token.content)
    git(repo, "add", "deploy.txt")
    proc = auditor_cli("staged-secrets", str(repo))
    assert proc.returncode == 1
    assert "deploy.txt:1: github-pat-classic" in proc.stderr
    assert token.secret not in proc.stderr + proc.stdout
    (repo / "ok.txt").write_text("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")
    git(repo, "rm", "-q", "--cached", "deploy.txt")
    git(repo, "add", "ok.txt")
    assert auditor_cli("staged-secrets", str(repo)).returncode == 0  # a documentation example


def test_pre_commit_hook_definition() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "auditor staged-secrets" and hook["pass_filenames"] is False
