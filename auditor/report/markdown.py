"""A Markdown summary sized for a pull-request comment or $GITHUB_STEP_SUMMARY.

Everything from the audited repository is escaped: Markdown and HTML metacharacters
cannot open links, tables or tags, and a leading ``=`` cannot become a formula when the
table is pasted into a spreadsheet."""

from __future__ import annotations

import re
from typing import Any

MAX_CHARS = 60_000
_ESCAPE = re.compile(r"([\\`*_{}\[\]()#+!|<>~&])")
_ICON = {
    "pass": "✅",
    "fail": "❌",
    "error": "⚠️",
    "not_applicable": "\u2796",
    "not_implemented": "⭕",
    "waived": "\U0001f6a9",
    "unverified": "\u2753",
    "disabled": "\u26d4",
}


def esc(text: object) -> str:
    s = " ".join(str(text).split())
    s = _ESCAPE.sub(r"\\\1", s)
    if s[:1] in ("=", "@", "+", "-"):
        s = "\u200b" + s
    return s


def render(doc: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    out = [f"## Security audit: {esc(doc['score']['summary'])}", ""]
    errored = [c for c in doc["collectors"] if c["status"] == "error"]
    if errored:
        reasons = "; ".join(f"{esc(c['name'])}: {esc(c['reason'])}" for c in errored)
        out.append(f"> ⚠️ **This audit is incomplete.** Collectors that errored: {reasons}")
        out.append("")
    commit = doc["target"]["head_commit"] or "no commit"
    out.append(f"Checklist `{esc(doc['checklist']['id'])}` {esc(doc['checklist']['version'])}, "
               f"commit `{esc(commit[:12])}`, auditor {esc(doc['auditor_version'])}.")  # fmt: skip
    out.append("")
    counts = doc["score"]["counts"]
    out.append(" · ".join(f"{_ICON[s]} {s.replace('_', ' ')}: {n}" for s, n in counts.items()))
    out.append("")
    if changes:
        new = changes["new_failures"]
        fixed = changes["fixed"]
        out.append(
            f"**Since the last audit:** {len(new)} new failures ({esc(', '.join(new) or 'none')}),"
            f" {len(fixed)} fixed ({esc(', '.join(fixed) or 'none')})."
        )
        out.append("")
    out += ["| Practice | Score | Fail | Error |", "|---|---:|---:|---:|"]
    for p in doc["practices"]:
        score = "n/a" if p["score"] is None else f"{p['score']:g}"
        out.append(f"| {esc(p['id'])} {esc(p['title'])} | {score} | "
                   f"{p['counts']['fail']} | {p['counts']['error']} |")  # fmt: skip
    out.append("")
    failing = [c for c in doc["controls"] if c["status"] in ("fail", "error")]
    if failing:
        out += ["### Failing controls", ""]
        for c in failing:
            where = ""
            if c["evidence"]["findings"]:
                loc = c["evidence"]["findings"][0]["location"]
                where = f" (`{esc(loc['path'])}:{loc['line']}`)"
            out.append(f"- {_ICON[c['status']]} **{esc(c['id'])}** [{esc(c['severity'])}] "
                       f"{esc(c['title'])}: {esc(c['reason'])}{where}")  # fmt: skip
    text = "\n".join(out) + "\n"
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS - 200)
        text = text[:cut] + "\n\n_Summary truncated; see the full dashboard and results.json._\n"
    return text


def render_changes(changes: dict[str, Any]) -> str:
    delta = changes["score_delta"]
    shown = "n/a" if delta is None else f"{delta:+.1f}"
    out = [
        f"## Audit changes: score {changes['previous_score']} → {changes['new_score']} ({shown})",
        "",
    ]
    for label, key in (
        ("New failures", "new_failures"),
        ("Fixed", "fixed"),
        ("Newly waived", "newly_waived"),
        ("Waiver expired", "waiver_expired"),
    ):
        out.append(f"- **{label}:** {esc(', '.join(changes[key]) or 'none')}")
    if changes["weakening"]:
        out += ["", "### ⚠️ The audit itself was weakened", ""]
        out += [f"- {esc(w)}" for w in changes["weakening"]]
    return "\n".join(out) + "\n"
