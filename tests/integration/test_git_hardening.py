"""The audited repository's git config cannot make the auditor run anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import git, load_results, make_repo


def test_hostile_git_config_executes_nothing(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "repo", {"app/a.py": "x = 1\n", ".gitignore": ".env\n"})
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "post-index-change"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / hook).chmod(0o755)
    for key, value in {
        "core.fsmonitor": str(evil),
        "core.hooksPath": str(hooks),
        "core.pager": str(evil),
        "core.sshCommand": str(evil),
        "diff.external": str(evil),
        "diff.evil.textconv": str(evil),
        "filter.evil.clean": str(evil),
        "filter.evil.smudge": str(evil),
        "credential.helper": f"!{evil}",
        "alias.ls-files": f"!{evil}",
    }.items():
        git(repo, "config", key, value)
    (repo / ".gitattributes").write_text("* diff=evil filter=evil\n")
    marker.unlink(missing_ok=True)
    out = tmp_path / "out"
    proc = auditor_cli("audit", str(repo), "--out", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists()
    doc = load_results(out)
    assert doc["target"]["is_git"]
    [repo_collector] = [c for c in doc["collectors"] if c["name"] == "repository"]
    assert repo_collector["status"] == "ok"
