"""What a change does to the audit itself, in PR mode: settings the repository changed,
waivers it added, inline suppressions it introduced. A reviewer must see that a pull
request made its own audit weaker, not just its result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from auditor import config, git
from auditor.errors import AuditorError

_SUPPRESSION = re.compile(rb"#\s*(nosec|nosemgrep)\b", re.IGNORECASE)


def _repo_settings(path: Path | None, display: str) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return config.read_table(path, in_pyproject=True, display=display)
    except AuditorError:
        return {"(unreadable)": display}


def weakening(root: Path, ref: str) -> list[str]:
    found: list[str] = []
    base = git.Git(root).text("merge-base", ref, "HEAD")
    before = _repo_settings(git.file_at(root, base, "pyproject.toml"), f"{ref}:pyproject.toml")
    current = root / "pyproject.toml"
    now = _repo_settings(current if current.is_file() else None, "pyproject.toml")
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key):
            found.append(f"[tool.auditor] {key}: {before.get(key)!r} -> {now.get(key)!r}")
    for rel in (
        ".auditor/waivers.yaml",
        ".auditor/attestations.yaml",
        ".auditor/secrets-allowlist.yaml",
    ):
        old = git.file_at(root, base, rel)
        new = root / rel
        old_bytes = old.read_bytes() if old else b""
        new_bytes = new.read_bytes() if new.is_file() and not new.is_symlink() else b""
        if old_bytes != new_bytes:
            found.append(f"{rel} changed")
    diff = (
        git.Git(root)
        .run("diff", "-U0", "--no-ext-diff", "--no-textconv", "--no-color", base, "--", check=False)
        .stdout
    )
    path = ""
    line = 0
    for raw in diff.splitlines():
        if raw.startswith(b"+++ "):
            path = raw[6:].decode("utf-8", "replace") if raw.startswith(b"+++ b/") else ""
        elif raw.startswith(b"@@"):
            m = re.search(rb"\+(\d+)", raw)
            line = int(m.group(1)) if m else 0
        elif raw.startswith(b"+") and not raw.startswith(b"+++"):
            if _SUPPRESSION.search(raw):
                found.append(f"inline suppression added at {path}:{line}")
            line += 1
    return found
