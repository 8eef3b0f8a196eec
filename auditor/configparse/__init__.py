"""Readers for configuration files found in an audited repository.

Every byte read here is hostile: a path is refused if any component is a
symbolic link (a link could point out of the repository), the size is capped
before anything is read, and text must be valid UTF-8. A problem is a
``FileProblem`` carrying the file and, where known, the line, so a collector
can turn it into one per-file error fact and carry on with the next file.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from auditor import __version__
from auditor.evidence import (
    CollectorResult,
    CollectorStatus,
    Fact,
    Finding,
    Location,
    Severity,
    fingerprint,
)

MAX_CONFIG_BYTES = 2 * 1024 * 1024


class FileProblem(Exception):
    """One file could not be read or parsed; the audit goes on without it."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def regular_file(root: Path, rel: str) -> bool:
    """Whether ``rel`` is a regular file reached without passing through a symlink."""
    current = str(root)
    for part in rel.split("/"):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode):
            return False
    return stat.S_ISREG(st.st_mode)


def is_symlink(root: Path, rel: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(os.path.join(root, rel)).st_mode)
    except OSError:
        return False


def read_bytes(root: Path, rel: str, limit: int = MAX_CONFIG_BYTES) -> bytes:
    """The file's bytes; links are never followed, even in parent folders."""
    if is_symlink(root, rel):
        raise FileProblem(rel, None, "symbolic link, not followed")
    if not regular_file(root, rel):
        raise FileProblem(rel, None, "not a regular file reachable without symbolic links")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(os.path.join(root, rel), flags)
    except OSError as e:
        raise FileProblem(rel, None, f"unreadable: {e.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise FileProblem(rel, None, f"{size} bytes, over the {limit}-byte limit; not read")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileProblem(rel, None, f"grew past the {limit}-byte limit while read; not read")
    return data


def read_text(root: Path, rel: str, limit: int = MAX_CONFIG_BYTES) -> str:
    data = read_bytes(root, rel, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileProblem(rel, line, f"not valid UTF-8 (byte offset {e.start})") from None


def make_finding(
    rule: str,
    severity: Severity,
    rel: str,
    line: int | None,
    message: str,
    value: str,
    tool: tuple[str, str] = ("auditor", __version__),
) -> Finding:
    """A finding of one of the built-in config collectors; the fingerprint uses the
    normalized offending value, never the line, so it survives edits above it."""
    fp = fingerprint(rule, rel, " ".join(value.split()))
    return Finding(rule, Location(rel, line), severity, message, *tool, fp)


def unique(findings: list[Finding]) -> tuple[Finding, ...]:
    """Sorted, with repeated fingerprints numbered so each stays distinct and stable."""
    seen: dict[str, int] = {}
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        n = seen.get(f.fingerprint, 0)
        seen[f.fingerprint] = n + 1
        out.append(f if n == 0 else replace(f, fingerprint=fingerprint(f.fingerprint, str(n))))
    return tuple(out)


def error_facts(key: str, problems: dict[str, str]) -> list[Fact]:
    """One fact per file that could not be read or parsed: ``unknown`` says why, so a
    control decided from this key is ``error``, never ``pass``."""
    out = []
    for rel, why in sorted(problems.items()):
        line = re.match(r"line (\d+):", why)
        where = Location(rel, int(line.group(1)) if line else 1)
        out.append(Fact(key, rel, where, "reading and parsing the file", why))
    return out


def describe(problem: FileProblem) -> str:
    return f"line {problem.line}: {problem.reason}" if problem.line else problem.reason


class Hits:
    """The findings of one file, added with one short call each."""

    def __init__(
        self,
        rules: Mapping[str, tuple[Severity, str]],
        rel: str,
        tool: tuple[str, str] = ("auditor", __version__),
    ) -> None:
        self.rules = rules
        self.rel = rel
        self.tool = tool
        self.items: list[Finding] = []

    def __call__(self, rule: str, line: int | None, message: str, value: str) -> None:
        sev = self.rules[rule][0]
        self.items.append(make_finding(rule, sev, self.rel, line, message, value, self.tool))


def result(
    name: str,
    findings: list[Finding],
    facts: list[Fact],
    skipped: dict[str, str],
    scanned: int,
    absent: str | None = None,
    tool: tuple[str, str] = ("auditor", __version__),
) -> CollectorResult:
    """The collector's result; ``absent`` (why nothing was there to read) makes it
    ``not_applicable`` when no file was found, readable or not."""
    status = CollectorStatus.NOT_APPLICABLE if absent else CollectorStatus.OK
    details: dict[str, object] = {"files_scanned": scanned - len(skipped), "skipped": skipped}
    return CollectorResult(name, *tool, status, absent, unique(findings), tuple(facts), details)
