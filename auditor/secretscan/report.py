"""Turn occurrences into findings and facts: one finding per distinct secret.

The same key copied into three files, or kept through fifty edits of one file, is one
leaked secret with one fingerprint (rule and value, deliberately not path: a rename must
not make it new, and one allowlist entry must cover every copy). Its location is where
it is now (HEAD, then the working tree) or, when it survives only in history, where it
was brought in; the introducing commit is the oldest reachable commit that brought in a
blob holding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.evidence import Fact, Finding, Location, Severity
from auditor.secretscan.allowlist import AllowEntry
from auditor.secretscan.detectors import DetectorSet
from auditor.secretscan.history import Occurrence, Outcome

TOOL = "secretscan"
MAX_LISTED = 20
STATUS_TEXT = {
    "head": "present at HEAD",
    "worktree": "in the working tree, not committed",
    "untracked": "in an untracked file that is not ignored",
    "history": "only in history (no longer at HEAD)",
}


@dataclass
class _Secret:
    first: Occurrence
    places: list[Occurrence] = field(default_factory=list)


def _line(occ: Occurrence) -> int | None:
    return occ.hit.line or None


def _where(occ: Occurrence) -> str:
    return f"{occ.path}:{occ.hit.line}" if occ.hit.line else occ.path


def build(
    outcome: Outcome,
    detectors: DetectorSet,
    allow: Mapping[str, AllowEntry],
    version: str,
) -> tuple[list[Finding], list[Fact]]:
    secrets: dict[str, _Secret] = {}
    for occ in sorted(outcome.occurrences):
        secrets.setdefault(occ.hit.fingerprint, _Secret(occ)).places.append(occ)
    order = outcome.graph.index
    intro_commits = {o.commit for o in outcome.occurrences if o.kind == "history" and o.commit}
    containing = outcome.graph.refs_containing(intro_commits, outcome.refs)
    findings: list[Finding] = []
    facts: list[Fact] = []
    for fp, secret in sorted(secrets.items()):
        hit = secret.first.hit
        detector = detectors.by_id(hit.detector)
        by_kind: dict[str, list[Occurrence]] = {}
        for occ in secret.places:
            by_kind.setdefault(occ.kind, []).append(occ)
        intros = by_kind.get("history", [])
        dated = [o for o in intros if o.commit]
        intro = min(dated, key=lambda o: (order.get(o.commit, 1 << 62), o.path), default=None)
        if intro is None and intros:
            intro = intros[0]
        status = next((k for k in ("head", "worktree", "untracked") if k in by_kind), "history")
        here = by_kind[status][0] if status != "history" else (intro or secret.first)
        refs = sorted(
            {r for o in dated for r in containing.get(o.commit, ())}
            | {o.path.partition(":")[0] for o in intros if not o.commit}
        )
        entry = allow.get(fp)
        introduced: dict[str, Any] | None = None
        if intro is not None:
            introduced = {
                "commit": intro.commit or None,
                "author_date": outcome.graph.date(intro.commit),
                "path": intro.path,
                "line": _line(intro),
            }
        message = _message(detector.title, hit.redacted, status, introduced, refs)
        if hit.placeholder:
            message += "; a known placeholder or documentation example, not counted as a secret"
        findings.append(
            Finding(
                rule_id=hit.rule_id,
                location=Location(here.path, _line(here)),
                severity=Severity.LOW if hit.placeholder else detector.severity,
                message=message,
                tool=TOOL,
                tool_version=version,
                fingerprint=fp,
                confidence=detector.confidence,
                suppressed_by=entry.label() if entry else None,
            )
        )
        value = {
            "rule_id": hit.rule_id,
            "detector": hit.detector,
            "fingerprint": fp,
            "redacted": hit.redacted,
            "placeholder": hit.placeholder,
            "status": status,
            "at_head": status == "head",
            "introduced": introduced,
            "refs": refs[:MAX_LISTED],
            "ref_count": len(refs),
            "paths_now": sorted({_where(o) for o in secret.places if o.kind != "history"})[
                :MAX_LISTED
            ],
            "allowlisted": entry.label() if entry else None,
        }
        facts.append(
            Fact(
                "secrets.occurrence",
                value,
                Location(here.path, _line(here)),
                "blob scan of every ref's history (git log --raw, git cat-file --batch) "
                "and of the files on disk",
            )
        )
    return findings, facts


def _message(
    title: str, redacted: str, status: str, introduced: Mapping[str, Any] | None, refs: list[str]
) -> str:
    parts = [f"{title} {redacted}", STATUS_TEXT[status]]
    if introduced and introduced["commit"]:
        where = introduced["path"] + (f":{introduced['line']}" if introduced["line"] else "")
        date = introduced["author_date"] or "unknown date"
        parts.append(f"introduced by commit {introduced['commit']} ({date}) in {where}")
    elif introduced:
        parts.append(f"in {introduced['path']}")
    if refs:
        shown = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
        parts.append(f"reachable from {shown}")
    return "; ".join(parts)


def summaries(occurrences: list[Fact]) -> list[Fact]:
    """The lists controls decide on: unsuppressed real secrets, at HEAD (or on disk) and
    only in history; and, for the record, allowlisted ones and placeholders."""
    lists: dict[str, list[str]] = {k: [] for k in SUMMARY_HOW}
    for fact in occurrences:
        v = fact.value
        label = f"{v['rule_id']} {fact.source} {v['redacted']} [{v['status']}]"
        if v["placeholder"]:
            lists["secrets.placeholders"].append(label)
        elif v["allowlisted"]:
            lists["secrets.allowlisted"].append(f"{label} ({v['allowlisted']})")
        else:
            lists["secrets.found"].append(label)
            where = "secrets.history_only" if v["status"] == "history" else "secrets.at_head"
            lists[where].append(label)
    return [Fact(k, sorted(v), None, SUMMARY_HOW[k]) for k, v in lists.items()]


SUMMARY_HOW = {
    "secrets.found": "secrets that are neither allowlisted nor placeholders, anywhere",
    "secrets.at_head": "of those, present at HEAD, in the working tree or in untracked files",
    "secrets.history_only": "of those, reachable only through history",
    "secrets.allowlisted": "matched by .auditor/secrets-allowlist.yaml (still reported)",
    "secrets.placeholders": "known placeholders and documentation examples (not counted)",
}
