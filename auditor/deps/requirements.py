"""pip requirements files (``requirements*.txt``, ``*.in``, constraints), read as pip reads them.

Line joining, comment stripping and the split between requirement and options
follow pip's own ``req_file`` rules, so what we report is what pip would install;
the requirement itself is parsed by ``packaging``.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from auditor.evidence import Location

from . import specs
from .model import Dependency, IndexUse, Manifest, Problem
from .repofiles import Unreadable, confined, read_text

_COMMENT = re.compile(r"(^|\s+)#.*$")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HASH = re.compile(r"(sha256|sha384|sha512):[0-9a-fA-F]+")
_LONG = (
    "requirement constraint editable index-url extra-index-url find-links trusted-host "
    "only-binary no-binary use-feature hash config-settings global-option install-option"
)
_VALUE_OPTIONS = {
    **{f"--{name}": f"--{name}" for name in _LONG.split()},
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
    "-i": "--index-url",
    "-f": "--find-links",
}
_FLAGS = frozenset({"--no-index", "--pre", "--prefer-binary", "--require-hashes"})
_PER_REQUIREMENT = frozenset({"--hash", "--config-settings", "--global-option", "--install-option"})


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, text without comments), exactly as pip's join_lines and
    ignore_comments produce them: a comment line ends a continuation."""
    pending: list[str] = []
    first = 0
    joined: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        is_comment = _COMMENT.match(line) is not None
        if not line.endswith("\\") or is_comment:
            line = " " + line if is_comment else line
            if pending:
                joined.append((first, "".join([*pending, line])))
                pending = []
            else:
                joined.append((number, line))
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        joined.append((first, "".join(pending)))
    for number, line in joined:
        stripped = _COMMENT.sub("", line).strip()
        if stripped:
            yield number, stripped


def _split(line: str) -> tuple[str, str]:
    """pip's break_args_options: the requirement ends at the first token starting with '-'."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip(), " ".join(tokens[i:])
    return line.strip(), ""


def _options(text: str) -> list[tuple[str, str | None]]:
    """Option tokens -> (long name, value); ValueError names what was expected."""
    try:
        tokens = shlex.split(text)
    except ValueError as e:
        raise ValueError(f"expected balanced quotes in options ({e})") from None
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token in _FLAGS:
            out.append((token, None))
            continue
        name, eq, value = token.partition("=")
        if name not in _VALUE_OPTIONS and len(token) > 2 and token[:2] in _VALUE_OPTIONS:
            name, value, eq = token[:2], token[2:], "="
        if name not in _VALUE_OPTIONS:
            raise ValueError(f"expected a pip requirements-file option, got '{token}'")
        if not eq:
            if i >= len(tokens):
                raise ValueError(f"expected a value after '{token}'")
            value = tokens[i]
            i += 1
        out.append((_VALUE_OPTIONS[name], value))
    return out


def _looks_like_url(text: str) -> bool:
    lower = text.lower()
    return (
        "://" in text
        or specs.is_vcs(text)
        or lower.startswith(("file:", ".", "/", "~"))
        or lower.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))
    )


def _name_from_url(url: str) -> str:
    egg = specs.egg_name(url)
    if egg:
        return egg
    base = posixpath.basename(url.split("#", 1)[0].split("?", 1)[0].rstrip("/"))
    try:
        if base.endswith(".whl"):
            return str(parse_wheel_filename(base)[0])
        return str(parse_sdist_filename(base)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        pass
    local = not specs.is_remote(url) and _NAME.fullmatch(base) is not None
    return base if local and base not in (".", "..") else ""


def requirement(
    text: str, loc: Location, group: str, *, hashed: bool = False, editable: bool = False
) -> Dependency | Problem:
    """One requirement string (PEP 508, or a bare URL or path as pip accepts it)."""
    try:
        req = Requirement(text)
    except InvalidRequirement as e:
        if not _looks_like_url(text):
            reason = str(e).splitlines()[0]
            hint = " (environment variables are not expanded)" if "${" in text else ""
            return Problem(loc, f"expected a PEP 508 requirement, got '{text}': {reason}{hint}")
        url, _, marker = text.partition("; ")
        url = url.strip()
        name = _name_from_url(url)
        remote = specs.is_remote(url)
        return Dependency(
            name=canonicalize_name(name) if name else "",
            display=name or specs.redact_url(url),
            spec=specs.redact_url(url),
            location=loc,
            group=group,
            allowed=None,
            hashed=hashed,
            url=specs.redact_url(url),
            url_pinned=specs.url_pinned(url, hashed) if remote else True,
            local=not remote,
            editable=editable,
            markers=marker.strip() or None,
        )
    spec = str(req.specifier)
    return Dependency(
        name=canonicalize_name(req.name),
        display=req.name,
        spec=spec if not req.url else f"@ {specs.redact_url(req.url)}",
        location=loc,
        group=group,
        version=None if req.url else specs.exact_version(req.specifier),
        allowed=None if req.url else (spec,),
        hashed=hashed,
        url=specs.redact_url(req.url) if req.url else None,
        url_pinned=specs.url_pinned(req.url, hashed) if req.url else None,
        local=bool(req.url) and not specs.is_remote(req.url or ""),
        editable=editable,
        markers=str(req.marker) if req.marker else None,
    )


class _Builder:
    """Accumulates one file's results; a class only to keep ``parse`` short."""

    def __init__(self, root: str, rel: str, group: str) -> None:
        self.root, self.rel, self.group = root, rel, group
        self.deps: list[Dependency] = []
        self.problems: list[Problem] = []
        self.indexes: list[IndexUse] = []
        self.includes: list[str] = []
        self.constraints: list[str] = []

    def add(self, item: Dependency | Problem) -> None:
        if isinstance(item, Problem):
            self.problems.append(item)
        else:
            self.deps.append(item)

    def line(self, loc: Location, line: str) -> None:
        args, opts = _split(line)
        try:
            options = _options(opts)
        except ValueError as e:
            self.problems.append(Problem(loc, str(e)))
            return
        hashes = [v or "" for k, v in options if k == "--hash"]
        bad = [h for h in hashes if not _HASH.fullmatch(h)]
        if bad:
            expected = "expected --hash=<sha256|sha384|sha512>:<hex digest>"
            self.problems.append(Problem(loc, f"{expected}, got '{bad[0]}'"))
            return
        if args:
            extra = [k for k, _ in options if k not in _PER_REQUIREMENT]
            if extra:
                expected = "expected only per-requirement options after a requirement"
                self.problems.append(Problem(loc, f"{expected}, got '{extra[0]}'"))
                return
            self.add(requirement(args, loc, self.group, hashed=bool(hashes)))
            return
        for key, value in options:
            self.option(loc, key, value or "", bool(hashes))

    def option(self, loc: Location, key: str, value: str, hashed: bool) -> None:
        if key in ("--requirement", "--constraint"):
            if "://" in value:
                self.problems.append(
                    Problem(loc, f"expected a local file for {key}, got a URL (not fetched)")
                )
                return
            try:
                target = confined(self.root, self.rel, value)
            except Unreadable as e:
                self.problems.append(Problem(loc, f"{key}: {e}"))
                return
            (self.includes if key == "--requirement" else self.constraints).append(target)
        elif key == "--editable":
            self.add(requirement(value, loc, self.group, hashed=hashed, editable=True))
        elif key == "--extra-index-url" or (key == "--find-links" and specs.is_remote(value)):
            self.indexes.append(IndexUse(loc, f"{key} {specs.redact_url(value)}"))


def parse(root: str, rel: str, kind: str = "requirements") -> Manifest:
    """Parse one file; ``kind`` is ``constraints`` for files named by ``-c``."""
    try:
        text = read_text(root, rel)
    except Unreadable as e:
        return Manifest(rel, kind, problems=(Problem(Location(rel), str(e)),))
    b = _Builder(root, rel, "constraint" if kind == "constraints" else "requirements")
    for number, line in logical_lines(text):
        b.line(Location(rel, number), line)
    return Manifest(
        rel,
        kind,
        tuple(b.deps),
        tuple(b.problems),
        tuple(b.indexes),
        includes=tuple(b.includes),
        constraints=tuple(b.constraints),
    )
