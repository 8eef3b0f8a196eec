"""Reading files of the audited tree without trusting it, and locating values in them.

``tomllib`` and ``json`` give no positions, so the line of a value is found by
searching the text for it after its table header. Positions are a pointer for
a human; the values themselves always come from the real parsers.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import tomllib
from collections.abc import Callable
from typing import Any

from auditor.evidence import Location

from .model import Problem

MAX_BYTES = 20 * 1024 * 1024
Matcher = Callable[[str], bool]
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


class Unreadable(Exception):
    """A manifest we cannot read at all; turned into a Problem by the caller."""


def read_text(root: str, rel: str) -> str:
    """The file's text; a symlink, special file, huge file or non-UTF-8 file is refused."""
    path = os.path.join(root, rel)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise Unreadable(f"expected a readable regular file ({e.strerror})") from None
    try:
        opened = os.fdopen(fd, "rb")
    except OSError as e:  # a directory opens O_RDONLY, then fails here
        os.close(fd)
        raise Unreadable(f"expected a regular file ({e.strerror})") from None
    with opened as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise Unreadable("expected a regular file")
        try:
            data = fh.read(MAX_BYTES + 1)
        except OSError as e:
            raise Unreadable(f"expected a readable regular file ({e.strerror})") from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f"expected a file under {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unreadable(f"expected UTF-8 text (invalid byte at offset {e.start})") from None


def confined(root: str, base_rel: str, target: str) -> str:
    """``target`` (as written in ``base_rel``) as a repo-relative path, if it stays in
    the repository and no part of it is a symbolic link."""
    if not target or os.path.isabs(target) or target.startswith("~"):
        raise Unreadable(f"expected a relative path inside the repository, got '{target}'")
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(base_rel), target))
    if rel == ".." or rel.startswith("../"):
        raise Unreadable(f"expected a path inside the repository, got '{target}'")
    walked = root
    for part in rel.split("/"):
        walked = os.path.join(walked, part)
        try:
            mode = os.lstat(walked).st_mode
        except (OSError, ValueError):
            raise Unreadable(f"expected an existing file, got '{target}'") from None
        if stat.S_ISLNK(mode):
            raise Unreadable(f"'{target}' is a symbolic link (not followed)")
    return rel


def load_toml(path: str, text: str) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        return tomllib.loads(text), None
    except RecursionError:
        return None, Problem(Location(path, None), "expected TOML nested less deeply")
    except tomllib.TOMLDecodeError as e:
        match = _TOML_POS.search(str(e))
        line = int(match.group(1)) if match else None
        message = _TOML_POS.sub("", str(e)).strip()
        return None, Problem(Location(path, line), f"expected valid TOML: {message}")


def _header_key(line: str) -> str | None:
    s = line.strip()
    if not s.startswith("["):
        return None
    end = s.find("]]") + 2 if s.startswith("[[") else s.find("]") + 1
    if end <= 0:
        return None
    return s[:end].replace(" ", "").replace('"', "").replace("'", "")


def header_lines(lines: list[str], header: str) -> list[int]:
    """1-based lines of a TOML header such as ``[project]`` or ``[[package]]``."""
    return [n for n, line in enumerate(lines, 1) if _header_key(line) == header]


def find_line(lines: list[str], match: Matcher, start: int = 1) -> int | None:
    """First line at or after ``start`` that matches, stopping at the next table
    header so a value is not attributed to a later table."""
    for n in range(max(start, 1), len(lines) + 1):
        text = lines[n - 1]
        if n > start and _header_key(text) is not None:
            return None
        if match(text):
            return n
    return None


def contains(*needles: str) -> Matcher:
    return lambda text: any(needle in text for needle in needles)


def quoted(value: str) -> Matcher:
    return contains(f'"{value}"', f"'{value}'")


def assigns(key: str) -> Matcher:
    """A line assigning ``key`` (bare or quoted), not merely mentioning it."""
    pattern = re.compile(r"""^\s*["']?""" + re.escape(key) + r"""["']?\s*=""")
    return lambda text: pattern.match(text) is not None


def locate(path: str, lines: list[str], header: str, match: Matcher) -> Location:
    """Where a value under ``header`` is written; the header itself if not found."""
    starts = header_lines(lines, header)
    for start in starts or [1]:
        n = find_line(lines, match, start)
        if n is not None:
            return Location(path, n)
    return Location(path, starts[0] if starts else None)
