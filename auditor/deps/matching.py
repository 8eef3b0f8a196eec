"""Match pinned versions against the OSV index, one result per vulnerability.

The same vulnerability often has several records (PYSEC-, GHSA-, a CVE alias);
records linked through ids or aliases (transitively, as the OSV schema says
aliases are) are merged into one match, so it is reported once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import Version

from auditor.evidence import Severity

from . import cvss, ranges
from .analysis import Pinned
from .osv import Advisory, Affected, Database

_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


@dataclass(frozen=True)
class Match:
    pinned: Pinned
    ids: tuple[str, ...]
    aliases: tuple[str, ...]
    primary: str
    """The id the finding's fingerprint uses: the first CVE if any (the id every database
    shares, so the fingerprint survives a database adding a record), else the first id."""
    summary: str
    severity: Severity
    severity_text: str | None
    fixed: tuple[str, ...]


class Matcher:
    """Holds the compiled ranges of the packages looked up so far."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._compiled: dict[int, ranges.Compiled] = {}
        self.unusable: set[str] = set()

    def _compile(self, affected: Affected, advisory: Advisory) -> ranges.Compiled:
        key = id(affected)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = ranges.compile_affected(affected)
            self.unusable.update(f"{advisory.id}: {u}" for u in compiled.unusable)
        return compiled

    def advisories(self, name: str, version: str) -> list[tuple[Advisory, ranges.Compiled]]:
        hits = []
        for advisory, affected in self.db.by_package.get(name, ()):
            compiled = self._compile(affected, advisory)
            if ranges.affects(compiled, version):
                hits.append((advisory, compiled))
        return hits

    def match(self, pinned: Sequence[Pinned]) -> list[Match]:
        out = []
        for item in pinned:
            hits = self.advisories(item.dependency.name, item.version)
            out += [_merge(item, group) for group in _groups(hits)]
        return out


def _groups(
    hits: list[tuple[Advisory, ranges.Compiled]],
) -> list[list[tuple[Advisory, ranges.Compiled]]]:
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (advisory, _) in enumerate(hits):
        for name in (advisory.id, *advisory.aliases):
            if name in owner:
                parent[find(i)] = find(owner[name])
            else:
                owner[name] = i
    groups: dict[int, list[tuple[Advisory, ranges.Compiled]]] = {}
    for i, hit in enumerate(hits):
        groups.setdefault(find(i), []).append(hit)
    return list(groups.values())


def _severity(advisories: list[Advisory]) -> tuple[Severity, str | None]:
    texts: list[str] = []
    levels: list[Severity] = []
    for advisory in advisories:
        named = [advisory.database_severity] + [a.database_severity for a in advisory.affected]
        for text in named:
            if text and text.upper() in cvss.NAMED:
                levels.append(cvss.NAMED[text.upper()])
                texts.append(text)
        for vector in (*advisory.severity, *(v for a in advisory.affected for v in a.severity)):
            texts.append(vector)
            score = cvss.base_score(vector)
            if score is not None:
                levels.append(cvss.rating(score))
    unique = list(dict.fromkeys(texts))
    if not levels:
        return Severity.HIGH, "; ".join(unique) or None
    return max(levels, key=_RANK.__getitem__), "; ".join(unique)


def _merge(item: Pinned, group: list[tuple[Advisory, ranges.Compiled]]) -> Match:
    advisories = sorted((a for a, _ in group), key=lambda a: a.id)
    ids = tuple(a.id for a in advisories)
    aliases = tuple(sorted({x for a in advisories for x in a.aliases} - set(ids)))
    cves = sorted(x for x in (*ids, *aliases) if x.startswith("CVE-"))
    fixed: dict[object, str] = {}
    for _, compiled in group:
        for text in compiled.fixed:
            fixed.setdefault(ranges.equality_key(text), text)
    ordered = sorted(fixed.values(), key=lambda t: ranges.parse(t) or Version("0"))
    severity, shown = _severity(advisories)
    summary = next((a.summary for a in advisories if a.summary), "")
    return Match(
        item, ids, aliases, cves[0] if cves else ids[0], summary, severity, shown, tuple(ordered)
    )
