"""Control results -> practice scores -> overall score. See docs/scoring.md.

Pure functions. ``error`` and ``not_implemented`` count as zero (a control we
could not evaluate earns nothing) and are reported separately, so a score with
unknowns always says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.checklist import Checklist
from auditor.controls import ControlResult, Status
from auditor.evidence import Severity

MAX_SCORE = 100.0
SEVERITY_WEIGHT = {
    Severity.CRITICAL: 4.0,
    Severity.HIGH: 3.0,
    Severity.MEDIUM: 2.0,
    Severity.LOW: 1.0,
}
UNEVALUATED = (Status.ERROR, Status.NOT_IMPLEMENTED, Status.UNVERIFIED)
EXCLUDED = (Status.NOT_APPLICABLE, Status.WAIVED, Status.DISABLED)
"""Left out of the denominator: they do not apply, or the risk was accepted (and is
counted and listed separately)."""


@dataclass(frozen=True)
class PracticeScore:
    practice_id: str
    score: float | None
    """None when every control is not applicable: the practice is left out of the total."""
    counts: dict[str, int]


@dataclass(frozen=True)
class Score:
    overall: float | None
    practices: tuple[PracticeScore, ...]
    counts: dict[str, int]
    unevaluated: int
    summary: str

    @property
    def complete(self) -> bool:
        return self.unevaluated == 0


def _counts(results: Sequence[ControlResult]) -> dict[str, int]:
    c = Counter(r.status.value for r in results)
    return {s.value: c.get(s.value, 0) for s in Status}


def practice_score(results: Sequence[ControlResult]) -> float | None:
    total = earned = 0.0
    for r in results:
        if r.status in EXCLUDED:
            continue
        w = SEVERITY_WEIGHT[r.control.severity]
        total += w
        if r.status is Status.PASS:
            earned += w
    if total == 0:
        return None
    return round(MAX_SCORE * earned / total, 1)


def score(checklist: Checklist, results: Sequence[ControlResult]) -> Score:
    by_practice: dict[str, list[ControlResult]] = {p.id: [] for p in checklist.practices}
    for r in results:
        by_practice[r.control.practice_id].append(r)
    practices = []
    weighted = weights = 0.0
    for p in checklist.practices:
        s = practice_score(by_practice[p.id])
        practices.append(PracticeScore(p.id, s, _counts(by_practice[p.id])))
        if s is not None:
            weighted += p.weight * s
            weights += p.weight
    overall = round(weighted / weights, 1) if weights else None
    counts = _counts(results)
    unevaluated = sum(counts[s.value] for s in UNEVALUATED)
    return Score(overall, tuple(practices), counts, unevaluated, _summary(overall, counts))


def _summary(overall: float | None, counts: dict[str, int]) -> str:
    head = "no applicable controls" if overall is None else f"{overall:g}/100"
    parts = []
    if counts[Status.ERROR.value]:
        parts.append(f"{counts[Status.ERROR.value]} errored")
    if counts[Status.NOT_IMPLEMENTED.value]:
        parts.append(f"{counts[Status.NOT_IMPLEMENTED.value]} not implemented")
    if counts[Status.UNVERIFIED.value]:
        parts.append(f"{counts[Status.UNVERIFIED.value]} unverified")
    n = sum(counts[s.value] for s in UNEVALUATED)
    if n:
        noun = "control" if n == 1 else "controls"
        return f"{head}, {n} {noun} could not be evaluated ({', '.join(parts)})"
    return f"{head}, every control evaluated"
