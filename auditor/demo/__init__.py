"""The bundled demo: a small Flask app, written by us, built into a real git
repository with several commits, so the auditor can be shown with no repository
of the user's. The ``insecure`` variant is the showcase of what the auditor finds;
``secure`` is the same app done right.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from auditor.errors import AuditorError
from auditor.git import Git
from auditor.resources import package_file

VARIANTS = ("insecure", "secure")
OSV_DB = package_file("demo", "osv")
"""Six real advisories (facts: ids, packages, ranges) for the demo's pinned versions."""
MARKER = "auditor-demo"
_AUTHOR = {"user.name": "Auditor Demo", "user.email": "demo@example.invalid"}
_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z: fixed dates give the same commit ids every run


def _plan(variant: str) -> list[tuple[str, list[str], list[str]]]:
    """(message, files added, files deleted) per commit."""
    source = package_file("demo", "apps", f"{variant}.commits.yaml")
    data = yaml.safe_load(source.read_text("utf-8"))
    return [
        (
            str(c["message"]),
            [str(f) for f in c.get("files", [])],
            [str(f) for f in c.get("delete", [])],
        )
        for c in data
    ]


def build(variant: str, dest: Path) -> Path:
    """Create ``dest`` as a git repository holding the variant, commit by commit."""
    if variant not in VARIANTS:
        raise AuditorError(f"unknown demo variant '{variant}'")
    if dest.exists():
        if not (dest / ".git" / MARKER).is_file():
            raise AuditorError(f"{dest}: exists and is not a demo repository; not overwriting it")
        shutil.rmtree(dest)
    src = package_file("demo", "apps", variant)
    dest.mkdir(parents=True)
    git = Git(dest)
    git.run("init", "-q", "-b", "main")
    (dest / ".git" / MARKER).write_text("built by `auditor demo`; safe to delete\n")
    config = [arg for k, v in _AUTHOR.items() for arg in ("-c", f"{k}={v}")]
    for n, (message, paths, deleted) in enumerate(_plan(variant)):
        for rel in paths:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, target)
        date = f"@{_EPOCH + n * 86_400} +0000"
        if paths:
            git.run("add", "--", *paths)
        if deleted:
            git.run("rm", "-q", "--", *deleted)
        git.run(
            *config,
            "commit",
            "-q",
            "--no-verify",
            "--no-gpg-sign",
            "-m",
            message,
            extra_env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
        )
    return dest
