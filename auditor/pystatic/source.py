"""Read and parse one Python file of an audited repository without trusting it.

Every failure a hostile file can cause (a symlink, a huge file, bytes that are
not valid source, a syntax error, nesting deep enough to exhaust the parser)
becomes a ``SourceError`` with a reason, never an exception, so one bad file
costs one unknown fact instead of the audit.
"""

from __future__ import annotations

import ast
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from auditor import observed

MAX_SOURCE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Parsed:
    path: str
    """Relative to the repository root, with forward slashes."""
    tree: ast.Module


@dataclass(frozen=True)
class SourceError:
    path: str
    reason: str


def is_regular_file(root: Path, rel: str) -> bool:
    """True when every component of ``rel`` exists and none is a symbolic link,
    so resolving an import can never leave the tree through a link."""
    answer = _is_regular_file(root, rel)
    obs = observed.current()
    if obs is not None:
        obs.probes[rel] = answer
    return answer


def _is_regular_file(root: Path, rel: str) -> bool:
    current = str(root)
    parts = rel.split("/")
    for i, part in enumerate(parts):
        if part in ("", ".", ".."):
            return False
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode):
            return False
        last = i == len(parts) - 1
        if last and not stat.S_ISREG(st.st_mode):
            return False
        if not last and not stat.S_ISDIR(st.st_mode):
            return False
    return True


def read_bytes(root: Path, rel: str, limit: int = MAX_SOURCE_BYTES) -> bytes | SourceError:
    result = _read_bytes(root, rel, limit)
    obs = observed.current()
    if obs is not None:
        seen = observed.content(result) if isinstance(result, bytes) else "!" + result.reason
        obs.reads[observed.read_key(rel, limit)] = seen
    return result


def read_screened(
    root: Path, rel: str, screen: observed.Screen, limit: int = MAX_SOURCE_BYTES
) -> bytes | SourceError | None:
    """``read_bytes``, or None when ``screen`` finds the bytes irrelevant; a recorded run
    then remembers only that they were irrelevant, not what they were."""
    result = _read_bytes(root, rel, limit)
    obs = observed.current()
    relevant = not isinstance(result, bytes) or screen.relevant(result)
    if obs is not None:
        if relevant:
            seen = observed.content(result) if isinstance(result, bytes) else "!" + result.reason
            obs.reads[observed.read_key(rel, limit)] = seen
        else:
            obs.screened[observed.screened_key(screen.name, rel, limit)] = ""
    return result if relevant else None


def _read_bytes(root: Path, rel: str, limit: int) -> bytes | SourceError:
    if not is_regular_file(root, rel):
        return SourceError(rel, "not a regular file inside the repository (or a symbolic link)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(os.path.join(root, rel), flags)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        return SourceError(rel, f"unreadable: {e.strerror}")
    if len(data) > limit:
        return SourceError(rel, f"larger than {limit // (1024 * 1024)} MB, not analysed")
    return data


def parse_source(rel: str, data: bytes) -> Parsed | SourceError:
    """``ast.parse`` on bytes honours PEP 263 coding cookies, exactly like the
    interpreter would, and turns undecodable bytes into a SyntaxError."""
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as e:
        where = f" at line {e.lineno}" if e.lineno else ""
        return SourceError(rel, f"not valid Python{where}: {e.msg}")
    except (ValueError, RecursionError, MemoryError) as e:
        obs = observed.current()
        if obs is not None and isinstance(e, MemoryError):
            obs.volatile = True  # depends on the machine, not on the file
        return SourceError(rel, f"cannot be parsed: {type(e).__name__}: {str(e)[:200]}")
    return Parsed(rel, tree)


def parse_file(root: Path, rel: str) -> Parsed | SourceError:
    data = read_bytes(root, rel)
    if isinstance(data, SourceError):
        return data
    return parse_source(rel, data)
