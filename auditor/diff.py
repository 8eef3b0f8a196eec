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
        "weakening": weakening(old, new),
        "newly_waived": sorted(
            c for c, st in after.items() if st == "waived" and before.get(c) != "waived"
        ),
        "waiver_expired": sorted(
            c["id"] for c in new["controls"] if any("expired on" in n for n in c.get("notes", []))
        ),
        "previous_generated_at": old.get("generated_at"),
        "previous_commit": (old.get("target") or {}).get("head_commit"),
        "previous_score": old_score,
        "new_score": new["score"]["overall"],
        "score_delta": _score_delta(old_score, new["score"]["overall"]),
        "new_failures": new_failures,
        "fixed": fixed,
        "changed": changed,
        "practices": practices,
    }


def _suppressions(doc: dict[str, Any]) -> set[str]:
    return {
        f["fingerprint"]
        for c in doc.get("collectors", [])
        for f in c.get("findings", [])
        if f.get("suppressed_by")
    }


def weakening(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Changes that make the audit itself less strict, so a reviewer sees them."""
    out = []
    old_settings = {s["name"]: s for s in old.get("settings", [])}
    for s in new.get("settings", []):
        before = old_settings.get(s["name"])
        if s["from_audited_repo"] and (before is None or before["value"] != s["value"]):
            out.append(f"setting '{s['name']}' set by the audited repository to {s['value']!r}")
    added = set(new["excludes"]["effective"]) - set(old.get("excludes", {}).get("effective", []))
    if added:
        out.append(f"new exclusions: {', '.join(sorted(added))}")
    was_disabled = {c["id"] for c in old["controls"] if c.get("status") == "disabled"}
    for c in new["controls"]:
        if c["status"] == "disabled" and c["id"] not in was_disabled:
            out.append(f"control {c['id']} disabled: {c.get('disabled')}")
    old_waivers = {w["target"] for w in old.get("governance", {}).get("waivers", [])}
    for w in new.get("governance", {}).get("waivers", []):
        if w["target"] not in old_waivers:
            out.append(f"new waiver #{w['number']} for {w['target']} ({w['source']})")
    new_silenced = len(_suppressions(new) - _suppressions(old))
    if new_silenced:
        out.append(f"{new_silenced} finding(s) newly silenced by inline comments")
    return out


def render_text(changes: dict[str, Any]) -> str:
    lines = []
    delta = changes["score_delta"]
    lines.append(
        f"Score: {changes['previous_score']} -> {changes['new_score']}"
        + (f" ({delta:+.1f})" if delta is not None else "")
    )
    for label, key in (
        ("New failures", "new_failures"),
        ("Fixed", "fixed"),
        ("Newly waived", "newly_waived"),
        ("Waiver expired", "waiver_expired"),
    ):
        lines.append(f"{label}: {', '.join(changes[key]) or 'none'}")
    for c in changes["changed"]:
        lines.append(f"Changed: {c['id']} {c['before']} -> {c['after']}")
    for p in changes["practices"]:
        if p["delta"]:
            lines.append(f"Practice {p['id']}: {p['before']} -> {p['after']} ({p['delta']:+.1f})")
    for w in changes["weakening"]:
        lines.append(f"WEAKENED: {w}")
    return "\n".join(lines) + "\n"
