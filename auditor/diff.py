"""Control-level differences between two finished results (what changed since the last audit).

Works on result documents, so an old ``results.json`` from any machine can be compared.
"""

from __future__ import annotations

from typing import Any

from auditor.errors import InputError


def _score_delta(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return round(after - before, 1)


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New failures, fixed controls, other status changes, and score deltas."""
    try:
        before = {c["id"]: c["status"] for c in old["controls"]}
        after = {c["id"]: c["status"] for c in new["controls"]}
        old_practices = {p["id"]: p["score"] for p in old["practices"]}
        old_score = old["score"]["overall"]
    except (KeyError, TypeError) as e:
        raise InputError(
            "previous results", None, None, f"expected an auditor results document ({e!r})"
        ) from None
    new_failures = sorted(c for c, s in after.items() if s == "fail" and before.get(c) != "fail")
    fixed = sorted(c for c, s in after.items() if s == "pass" and before.get(c) == "fail")
    listed = set(new_failures) | set(fixed)
    changed = [
        {"id": c, "before": before.get(c, "absent"), "after": s}
        for c, s in sorted(after.items())
        if before.get(c) != s and c not in listed
    ]
    changed += [
        {"id": c, "before": s, "after": "absent"}
        for c, s in sorted(before.items())
        if c not in after
    ]
    practices = [
        {
            "id": p["id"],
            "before": old_practices.get(p["id"]),
            "after": p["score"],
            "delta": _score_delta(old_practices.get(p["id"]), p["score"]),
        }
        for p in new["practices"]
    ]
    return {
        "previous_generated_at": old.get("generated_at"),
        "previous_commit": (old.get("target") or {}).get("head_commit"),
        "previous_score": old_score,
        "score_delta": _score_delta(old_score, new["score"]["overall"]),
        "new_failures": new_failures,
        "fixed": fixed,
        "changed": changed,
        "practices": practices,
    }
