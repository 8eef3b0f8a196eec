"""Builders shared by the tests: real git repositories, fake tools at the process edge."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

from auditor.git import empty_config_file

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    env["GIT_CONFIG_GLOBAL"] = empty_config_file()
    out = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_repo(root: Path, *commits: dict[str, str]) -> Path:
    """A real repository with one commit per mapping of files."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for n, files in enumerate(commits):
        write_files(root, files)
        git(root, "add", "-A")
        git(root, "commit", "-q", "--no-verify", "-m", f"commit {n}")
    return root


def fake_tool(bin_dir: Path, name: str, script: str) -> Path:
    """An executable stand-in for a tool: how we make a tool hang, crash or print garbage."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def load_results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    return data


def strip_volatile(doc: Any) -> Any:
    """Remove time fields (the only ones allowed to differ between two audits)."""
    if isinstance(doc, dict):
        return {
            k: strip_volatile(v)
            for k, v in doc.items()
            if k not in ("generated_at", "duration_seconds", "cpu_seconds", "cache")
        }
    if isinstance(doc, list):
        return [strip_volatile(v) for v in doc]
    return doc


def control(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    for c in doc["controls"]:
        if c["id"] == cid:
            return dict(c)
    raise KeyError(cid)
