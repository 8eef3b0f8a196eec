"""Files on disk: the working tree of a repository (tracked and untracked-not-ignored
files whose content is not already HEAD's), or every file of a plain folder.

Read like any audited file: never through a symbolic link, regular files only, capped in
size. A file whose content git already holds is looked up by its blob id, not rescanned.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from auditor import files
from auditor.secretscan.engine import Hit


class Results(Protocol):
    """Per-blob results that consult and fill the cache (``history.Results``)."""

    def cached(self, sha: str, klass: frozenset[str]) -> tuple[Hit, ...] | None: ...

    def scan(
        self, sha: str, content: bytes, klass: frozenset[str]
    ) -> tuple[tuple[Hit, ...], bool]: ...


def blob_id(data: bytes, width: int = 40) -> str:
    """The id git would give ``data`` (sha1, or sha256 in a sha256 repository)."""
    algo = hashlib.sha256 if width == 64 else hashlib.sha1
    return algo(b"blob %d\0" % len(data) + data).hexdigest()


def candidates(
    root: Path, excludes: Iterable[str], listing: Mapping[str, bool] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Path -> kind (worktree | untracked) to read, and path -> why one was skipped.

    ``listing`` is git's view (path -> tracked); None for a plain folder. Our own walk
    decides what may be read, so exclusions and the no-symlink rule hold either way."""
    found = files.walk(root, ("",), (*excludes, ".git"))
    skipped = {p: r for p, r in found.skipped.items() if "symbolic link" not in r}
    if listing is None:
        return dict.fromkeys(found.files, "worktree"), skipped
    allowed = set(found.files)
    picked = {
        p: ("worktree" if tracked else "untracked")
        for p, tracked in listing.items()
        if p in allowed
    }
    return picked, {p: r for p, r in skipped.items() if p in listing}


def read(root: Path, rel: str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why it was not read."""
    path = os.path.join(root, rel)
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_size > max_bytes:
            return None, f"larger than {max_bytes} bytes"
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as e:
        return None, f"unreadable ({e.strerror})"
    if len(data) > max_bytes:
        return None, f"larger than {max_bytes} bytes"
    return data, None


@dataclass
class DiskScan:
    found: list[tuple[str, str, Hit]] = field(default_factory=list)
    """(kind, path, hit) for files whose content is not HEAD's."""
    unread: dict[str, str] = field(default_factory=dict)
    read: int = 0
    stats: dict[str, tuple[int, int, int, str]] = field(default_factory=dict)
    """Path -> (size, mtime_ns, inode, blob id), for the next run."""


def scan(
    root: Path,
    picked: Mapping[str, str],
    head: Mapping[str, str],
    path_rules: Callable[[str], frozenset[str]],
    results: Results,
    max_bytes: int,
    width: int,
    known: Mapping[str, tuple[int, int, int, str]],
    trusted_before: int,
) -> DiskScan:
    """Scan the picked files. A file whose size, mtime and inode match what ``known``
    recorded (and that was not touched in the two seconds before that record) is not
    read again: its blob id, and so its result, is the recorded one."""
    out = DiskScan()
    for rel in sorted(picked):
        klass = path_rules(rel)
        try:
            st = os.lstat(os.path.join(root, rel))
        except OSError as e:
            out.unread[rel] = f"cannot stat ({e.strerror})"
            continue
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        entry = known.get(rel)
        hits: tuple[Hit, ...] | None = None
        sha = ""
        if entry and entry[:3] == signature and st.st_mtime_ns < trusted_before:
            sha = entry[3]
            hits = () if head.get(rel) == sha else results.cached(sha, klass)
        if hits is None:
            data, why = read(root, rel, max_bytes)
            if data is None:
                out.unread[rel] = why or "not read"
                continue
            out.read += 1
            sha = blob_id(data, width)
            hits = () if head.get(rel) == sha else results.scan(sha, data, klass)[0]
        out.stats[rel] = (*signature, sha)
        out.found += [(picked[rel], rel, h) for h in hits]
    return out
