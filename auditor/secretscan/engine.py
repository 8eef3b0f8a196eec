"""The scanning engine: detectors run over the part of a blob that is new.

History repeats itself: a commit changes a few lines of a file and git stores the whole
new version. When the version it replaced (the parent blob, from ``log --raw``) was just
scanned, only the region between their common prefix and common suffix is scanned; the
parent's hits outside it are carried over with their line numbers shifted. Per-blob
results therefore stay complete (every blob that holds a secret reports it, so a blob's
result can be cached and looked up on its own) while each commit's change is scanned
once, like ``git log -p`` would show it, but found with two binary searches instead of
a line diff.

A combined keyword regex finds, in one pass, the lines of that region worth running
detectors on; each detector's own regex then runs on those lines only. Whole-file
detectors (PEM blocks) run on the whole blob whenever the blob, or any version before
it, had one of their keywords. The raw value of a match exists only in local variables
here: what leaves is a ``Hit`` with the redacted value and a fingerprint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.evidence import fingerprint
from auditor.redact import redact
from auditor.secretscan.detectors import Detector, DetectorSet
from auditor.secretscan.keywords import Plan, keyword_lines, make_plan
from auditor.secretscan.validators import VALIDATORS, entropy

BINARY_SNIFF = 8000
"""Like git: a NUL byte in the first 8000 bytes makes a file binary (no line numbers)."""


@dataclass(frozen=True, order=True)
class Hit:
    """One detector match in one blob; no raw value, by construction."""

    line: int
    """1-based; 0 in a binary file."""
    rule_id: str
    """The detector id, or ``<id>-placeholder`` for a known placeholder or example."""
    detector: str
    fingerprint: str
    redacted: str

    @property
    def placeholder(self) -> bool:
        return self.rule_id != self.detector


@dataclass(frozen=True)
class Parent:
    """The version a blob replaced, as just scanned: content, hits, and whether it (or an
    earlier version) held a whole-file detector's keyword."""

    data: bytes
    hits: tuple[Hit, ...]
    sticky: bool

    @property
    def binary(self) -> bool:
        return self.data.find(b"\0", 0, BINARY_SNIFF) >= 0


@dataclass
class Stats:
    blobs: int = 0
    bytes: int = 0
    fresh_bytes: int = 0
    """Bytes actually searched: whole blobs, or the changed region of a new version."""
    rejected: int = 0
    """Matches dropped by entropy or a structural check (counted, never shown)."""


@dataclass
class _Pass:
    data: bytes
    binary: bool
    hits: list[Hit] = field(default_factory=list)
    specific: list[bytes] = field(default_factory=list)
    """Values that specific detectors matched (memory only): a fallback detector does
    not report them a second time, wherever in the file it meets them."""

    def line_at(self, offset: int) -> int:
        """Counted only for a hit: most blobs have none."""
        return 0 if self.binary else self.data.count(b"\n", 0, offset) + 1


class Scanner:
    def __init__(self, detectors: DetectorSet) -> None:
        self.detectors = detectors
        self.stats = Stats()
        self._plans: dict[frozenset[str], Plan] = {}
        self._start = [d for d in detectors.detectors if d.scope == "file-start"]
        self._whole = frozenset(d.id for d in detectors.detectors if d.scope != "line")

    def scan(
        self, data: bytes, klass: frozenset[str] = frozenset(), parent: Parent | None = None
    ) -> tuple[tuple[Hit, ...], bool]:
        """Hits in ``data`` and whether it holds a whole-file keyword; ``klass`` names the
        path-restricted detectors that apply, ``parent`` the version it replaced."""
        self.stats.blobs += 1
        self.stats.bytes += len(data)
        work = _Pass(data, data.find(b"\0", 0, BINARY_SNIFF) >= 0)
        plan = self._plans.get(klass)
        if plan is None:
            plan = self._plans[klass] = make_plan(self.detectors, klass)
        for d in self._start:
            match = d.regex.match(data)
            if match is not None:
                self._emit(work, d, _value(d, match, data), 0)
        start, end, sticky = 0, len(data), False
        if parent is not None and not work.binary and not parent.binary:
            start, end = self._carry(work, parent)
            sticky = parent.sticky
        region = data[start:end]
        self.stats.fresh_bytes += len(region)
        found = keyword_lines(plan, region.lower())
        sticky = sticky or any(not k.isdisjoint(plan.blob_keywords) for k in found.values())
        if sticky:
            for d in plan.blob:
                if all(r.search(data) for r in d.requires):
                    for match in d.regex.finditer(data):
                        line = work.line_at(match.start())
                        self._emit(work, d, _value(d, match, data), line)
        for (a, b), keywords in found.items():
            rules: set[int] = set()
            for k in keywords:
                rules.update(plan.by_keyword.get(k, ()))
            if rules:
                self._line(work, plan, sorted(rules), region[a:b], start + a)
        return tuple(sorted(set(work.hits))), sticky

    def _carry(self, work: _Pass, parent: Parent) -> tuple[int, int]:
        """The changed region (whole lines) of ``work.data`` against its parent, after
        carrying over the parent's line hits outside it."""
        new, old = work.data, parent.data
        p = _common_prefix(old, new)
        s = _common_suffix(old, new, min(len(old), len(new)) - p)
        start = new.rfind(b"\n", 0, p) + 1
        end = new.find(b"\n", len(new) - s)
        end = len(new) if end < 0 else end
        carried = [h for h in parent.hits if h.detector not in self._whole]
        if carried:  # whole-file detectors run again on the whole new version
            first = new.count(b"\n", 0, start) + 1
            old_last = first + old.count(b"\n", start, len(old) - (len(new) - end))
            delta = first + new.count(b"\n", start, end) - old_last
            for h in carried:
                if h.line < first:
                    work.hits.append(h)
                elif h.line > old_last:
                    work.hits.append(Hit(h.line + delta, *_tail(h)))
        return start, end

    def _line(self, work: _Pass, plan: Plan, rules: list[int], text: bytes, at: int) -> None:
        taken: list[tuple[int, int]] = []
        for n in rules:
            d = plan.line[n]
            for match in d.regex.finditer(text):
                span = match.span("secret" if "secret" in d.regex.groupindex else 0)
                if d.fallback and any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                if self._emit(work, d, _value(d, match, work.data), work.line_at(at)):
                    taken.append(span)

    def _emit(self, work: _Pass, d: Detector, value: bytes, line: int) -> bool:
        if d.fallback and any(value in v or v in value for v in work.specific):
            return False
        placeholder = self.detectors.is_placeholder(d, value)
        if not placeholder and not _plausible(d, value):
            self.stats.rejected += 1
            return False
        text = value.hex() if d.whole_file else value.decode("utf-8", "surrogateescape")
        rule_id = f"{d.id}-placeholder" if placeholder else d.id
        if not d.fallback:
            work.specific.append(value)
        work.hits.append(
            Hit(line, rule_id, d.id, fingerprint("secrets", rule_id, text), redact(text))
        )
        return True


def _tail(h: Hit) -> tuple[str, str, str, str]:
    return h.rule_id, h.detector, h.fingerprint, h.redacted


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix, by binary search over slice comparisons (memcmp)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    lo, hi = 0, max(limit, 0)
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _value(d: Detector, match: re.Match[bytes], data: bytes) -> bytes:
    if d.whole_file:
        return data
    return match.group("secret") if "secret" in d.regex.groupindex else match.group()


def _plausible(d: Detector, value: bytes) -> bool:
    if d.entropy is not None and entropy(value) < d.entropy:
        return False
    return all(VALIDATORS[name](value) for name in d.validators)
