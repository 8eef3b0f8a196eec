"""Enumerate the files of an audited tree without trusting it.

Symlinks are never followed (a link to ``/etc/passwd`` or out of the repo is
skipped and reported), special files are skipped, and excluded folders are
pruned before descent so a huge ``node_modules`` costs nothing.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from auditor import observed

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "node_modules",
    "site-packages",
    "test",
    "tests",
    "testing",
    "fixtures",
    "test_*.py",
    "*_test.py",
    "conftest.py",
)
"""Folder and file name patterns skipped by code scanners, shown in every result."""


@dataclass
class FileSet:
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Relative path -> why it was not scanned."""


def _excluded(rel: str, name: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if "/" in pattern:
            if fnmatch.fnmatchcase(rel, pattern):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


MAX_FILE_BYTES = 5 * 1024 * 1024
"""Default size limit of a file handed to an analyser; bigger files are skipped, with
the reason in the evidence (a 200 MB generated file must not stall an audit)."""
MAX_FILES = 100_000


def walk(
    root: Path,
    suffixes: tuple[str, ...],
    excludes: Iterable[str],
    max_bytes: int = MAX_FILE_BYTES,
    max_files: int = MAX_FILES,
) -> FileSet:
    """Regular files under ``root`` ending in ``suffixes``, relative, sorted."""
    patterns = tuple(excludes)
    result = FileSet()
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root, rel_dir) if rel_dir else str(root)
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError as e:
            result.skipped[rel_dir or "."] = f"unreadable directory: {e.strerror}"
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as e:
                result.skipped[rel] = f"cannot stat: {e.strerror}"
                continue
            if stat.S_ISLNK(st.st_mode):
                if entry.name.endswith(suffixes):
                    result.skipped[rel] = "symbolic link (not followed)"
                continue
            if stat.S_ISDIR(st.st_mode):
                if _excluded(rel, entry.name, patterns):
                    continue
                if _is_virtualenv(entry.path):
                    result.skipped[rel] = "virtualenv (has pyvenv.cfg)"
                    continue
                stack.append(rel)
            elif entry.name.endswith(suffixes):
                if _excluded(rel, entry.name, patterns):
                    continue
                if not stat.S_ISREG(st.st_mode):
                    result.skipped[rel] = "not a regular file"
                    continue
                if st.st_size > max_bytes:
                    size = st.st_size
                    result.skipped[rel] = f"larger than the {max_bytes}-byte limit ({size} bytes)"
                    continue
                if len(result.files) >= max_files:
                    result.skipped[rel] = f"over the limit of {max_files} files per analyser"
                    continue
                result.files.append(rel)
    result.files.sort()
    obs = observed.current()
    if obs is not None:
        key = observed.walk_key(suffixes, patterns, max_bytes, max_files)
        obs.walks[key] = observed.listing(result.files, result.skipped)
    return result
