"""OSV range evaluation for PyPI, exactly as the OSV schema's ``IsVulnerable`` pseudocode:
events sorted by version, ``introduced: "0"`` before everything, ``limit`` bounding the
range, and the explicit ``versions`` list as an alternative. Ordering is PEP 440's
(``packaging.version``): pre-, post- and dev-releases, epochs and local versions.

Versions are parsed lazily and memoized, because a database holds a million
version strings and a repository needs a few hundred of them.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from .osv import Affected

_EVALUATED = frozenset({"ECOSYSTEM", "SEMVER"})
_ORDER = {"fixed": 0, "last_affected": 0, "introduced": 1}
"""At equal versions a range closes before the next opens, so ``fixed: X`` followed by
``introduced: X`` (adjacent sub-ranges, as real PyPI records write them) leaves X
affected: erring toward reporting, never toward silence."""


@functools.lru_cache(maxsize=1 << 20)
def parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


@functools.lru_cache(maxsize=1 << 20)
def equality_key(text: str) -> Hashable:
    """Equal for PEP 440-equal versions ("1.0" and "1.0.0"), exact text otherwise."""
    version = parse(text)
    if version is None:
        return ("unparseable", text.strip())
    if version.is_prerelease or version.is_postrelease or version.local or version.epoch:
        return version
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return tuple(release)


@dataclass(frozen=True)
class CompiledRange:
    events: tuple[tuple[str, Version | None], ...]
    """Sorted; ``None`` is ``introduced: "0"``."""
    limits: tuple[Version | None, ...]
    """``None`` is ``limit: "*"`` (infinity). Empty means no limit."""


@dataclass(frozen=True)
class Compiled:
    ranges: tuple[CompiledRange, ...]
    versions: frozenset[Hashable]
    fixed: tuple[str, ...]
    unusable: tuple[str, ...]
    """Ranges skipped because a version in them is not PEP 440 (listed, never hidden)."""


def _sort_key(item: tuple[str, Version | None]) -> tuple[int, Version | int, int]:
    kind, version = item
    return (0, 0, 0) if version is None else (1, version, _ORDER[kind])


def compile_affected(affected: Affected) -> Compiled:
    ranges = []
    unusable = []
    fixed: dict[Version, str] = {}
    for rng in affected.ranges:
        if rng.type not in _EVALUATED:
            continue
        events: list[tuple[str, Version | None]] = []
        limits: list[Version | None] = []
        bad = []
        for event in rng.events:
            zero = event.kind == "introduced" and event.version == "0"
            infinite = event.kind == "limit" and "*" in event.version
            version = None if zero or infinite else parse(event.version)
            if version is None and not (zero or infinite):
                bad.append(f"{event.kind} '{event.version}'")
                continue
            if event.kind == "limit":
                limits.append(version)
            else:
                events.append((event.kind, version))
            if event.kind == "fixed" and version is not None:
                fixed[version] = event.version
        if bad:
            unusable.append(f"{affected.package}: {', '.join(bad)} is not a PEP 440 version")
            continue
        ranges.append(CompiledRange(tuple(sorted(events, key=_sort_key)), tuple(limits)))
    return Compiled(
        tuple(ranges),
        frozenset(equality_key(v) for v in affected.versions),
        tuple(fixed[v] for v in sorted(fixed)),
        tuple(unusable),
    )


def _in_range(version: Version, rng: CompiledRange) -> bool:
    if rng.limits and not any(limit is None or version < limit for limit in rng.limits):
        return False
    vulnerable = False
    for kind, bound in rng.events:
        if kind == "introduced":
            if bound is None or version >= bound:
                vulnerable = True
        elif kind == "fixed":
            if bound is not None and version >= bound:
                vulnerable = False
        elif kind == "last_affected" and bound is not None and version > bound:
            vulnerable = False
    return vulnerable


def affects(compiled: Compiled, version: str) -> bool:
    """IncludedInVersions || IncludedInRanges. An unparseable pinned version can only
    match the explicit list."""
    parsed = parse(version)
    if parsed is not None and any(_in_range(parsed, r) for r in compiled.ranges):
        return True
    return equality_key(version) in compiled.versions
