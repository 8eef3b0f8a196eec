"""Governed waivers: accepted risks with an owner, an approver and an expiry date.

A waiver never hides anything. A waived finding or control keeps all its evidence
and gets status ``waived`` with the waiver's data; an expired waiver stops applying
and says so; a waiver that matches nothing is reported as stale. The file is linted
like the checklist: one positioned line per mistake.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor import yamlnodes
from auditor.checklist import Checklist
from auditor.controls import ControlResult, Status
from auditor.errors import InputError
from auditor.evidence import CollectorResult, Finding, Severity

DEFAULT_MAX_DAYS = {
    Severity.CRITICAL: 90,
    Severity.HIGH: 90,
    Severity.MEDIUM: 365,
    Severity.LOW: 365,
}
EXPIRING_SOON_DAYS = 14
_KEYS = {"justification", "owner", "approved_by", "created", "expires"}
_OPTIONAL = {"control", "fingerprint", "rule", "paths", "ticket"}


class WaiverError(InputError):
    """The waiver file is invalid."""


@dataclass(frozen=True)
class Waiver:
    number: int
    line: int
    source: str
    control: str | None
    fingerprint: str | None
    rule: str | None
    paths: tuple[str, ...]
    justification: str
    owner: str
    approved_by: str
    created: dt.date
    expires: dt.date
    ticket: str | None

    @property
    def target(self) -> str:
        if self.control:
            return f"control {self.control}"
        if self.fingerprint:
            return f"finding {self.fingerprint}"
        return f"rule {self.rule}" + (f" in {', '.join(self.paths)}" if self.paths else "")

    def applies_to(self, control_id: str, finding: Finding | None) -> bool:
        """Control waivers match a control; the others match findings."""
        if self.control is not None:
            return finding is None and self.control == control_id
        if finding is None:
            return False
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        if finding.rule_id != self.rule:
            return False
        return not self.paths or any(
            fnmatch.fnmatchcase(finding.location.path, g) for g in self.paths
        )

    def state(self, today: dt.date) -> str:
        if today > self.expires:
            return "expired"
        if (self.expires - today).days <= EXPIRING_SOON_DAYS:
            return "expiring_soon"
        return "active"

    def describe(self) -> str:
        ticket = f", ticket {self.ticket}" if self.ticket else ""
        return (
            f"waiver #{self.number} ({self.source}:{self.line}): {self.justification}; "
            f"owner {self.owner}, approved by {self.approved_by}, "
            f"{self.created} to {self.expires}{ticket}"
        )

    def to_dict(self, today: dt.date, matched: int) -> dict[str, Any]:
        return {
            "number": self.number,
            "source": f"{self.source}:{self.line}",
            "target": self.target,
            "justification": self.justification,
            "owner": self.owner,
            "approved_by": self.approved_by,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "ticket": self.ticket,
            "state": "stale" if matched == 0 else self.state(today),
            "matched": matched,
        }


def load(
    path: Path,
    checklist: Checklist,
    max_days: Mapping[Severity, int] = DEFAULT_MAX_DAYS,
    display: str | None = None,
) -> tuple[Waiver, ...]:
    name = display or str(path)
    root = yamlnodes.load(path, WaiverError, name)
    top = root.mapping("waiver file", {"waivers"})
    controls = {c.id: c for c in checklist.controls()}
    rule_severity: dict[str, Severity] = {}
    order = list(Severity)
    for c in controls.values():
        for r in c.evidence.rules:
            prev = rule_severity.get(r)
            if prev is None or order.index(c.severity) < order.index(prev):
                rule_severity[r] = c.severity
    waivers = []
    for n, node in enumerate(top["waivers"].sequence("waivers"), 1):
        f = node.mapping("waiver", _KEYS, _OPTIONAL)
        targets = [k for k in ("control", "fingerprint", "rule") if k in f]
        if len(targets) != 1:
            raise node.fail("expected exactly one of control, fingerprint or rule in a waiver")
        if "paths" in f and "rule" not in f:
            raise f["paths"].fail("expected paths only together with rule")
        control = f["control"].string("control") if "control" in f else None
        if control is not None and control not in controls:
            raise f["control"].fail(
                f"expected a control id of checklist {checklist.id}, got '{control}'"
            )
        rule = f["rule"].string("rule") if "rule" in f else None
        if rule is not None and rule not in rule_severity:
            raise f["rule"].fail(f"expected a rule id that decides a control, got '{rule}'")
        owner = f["owner"].string("owner").strip()
        approver = f["approved_by"].string("approved_by").strip()
        if owner.lower() == approver.lower():
            raise f["approved_by"].fail("expected approved_by to name someone other than the owner")
        created = f["created"].date("created")
        expires = f["expires"].date("expires")
        if expires <= created:
            raise f["expires"].fail("expected expires after created")
        if control is not None:
            severity = controls[control].severity
        elif rule is not None:
            severity = rule_severity[rule]
        else:
            severity = Severity.CRITICAL  # a bare fingerprint gets the strictest limit
        limit = max_days[severity]
        if (expires - created).days > limit:
            days = (expires - created).days
            raise f["expires"].fail(
                f"expected at most {limit} days for a {severity} waiver, got {days}"
            )
        waivers.append(
            Waiver(
                number=n,
                line=node.line,
                source=name,
                control=control,
                fingerprint=f["fingerprint"].string("fingerprint") if "fingerprint" in f else None,
                rule=rule,
                paths=f["paths"].strings("paths") if "paths" in f else (),
                justification=f["justification"].string("justification"),
                owner=owner,
                approved_by=approver,
                created=created,
                expires=expires,
                ticket=f["ticket"].string("ticket") if "ticket" in f else None,
            )
        )
    return tuple(waivers)


def waive_collected(
    collected: Mapping[str, CollectorResult], waivers: Sequence[Waiver], today: dt.date
) -> tuple[dict[str, CollectorResult], dict[int, int], dict[str, str]]:
    """Mark findings covered by a live finding waiver (fingerprint, or rule + paths).

    Returns the new collector results, how many things each waiver matched, and a
    note per finding whose only matching waiver has expired."""
    matched: dict[int, int] = {}
    expired: dict[str, str] = {}
    finding_waivers = [w for w in waivers if w.control is None]
    out: dict[str, CollectorResult] = {}
    for name, result in collected.items():
        findings = []
        for f in result.findings:
            hit = next((w for w in finding_waivers if w.applies_to("", f)), None)
            if hit is None:
                findings.append(f)
                continue
            matched[hit.number] = matched.get(hit.number, 0) + 1
            if hit.state(today) == "expired":
                expired[f.fingerprint] = f"waiver #{hit.number} expired on {hit.expires}"
                findings.append(f)
            else:
                findings.append(replace(f, waived_by=hit.describe()))
        out[name] = replace(result, findings=tuple(findings))
    return out, matched, expired


def waive_controls(
    results: Sequence[ControlResult],
    waivers: Sequence[Waiver],
    today: dt.date,
    matched: dict[int, int],
    expired: Mapping[str, str],
) -> tuple[ControlResult, ...]:
    """Apply control waivers to failing controls and attach every waiver note."""
    out = []
    for r in results:
        notes = sorted({expired[f.fingerprint] for f in r.findings if f.fingerprint in expired})
        for w in waivers:
            if w.control != r.control.id:
                continue
            if r.status is not Status.FAIL:
                continue
            matched[w.number] = matched.get(w.number, 0) + 1
            state = w.state(today)
            if state == "expired":
                notes.append(f"waiver #{w.number} expired on {w.expires}")
                continue
            if state == "expiring_soon":
                notes.append(f"waiver #{w.number} expires on {w.expires}")
            r = replace(
                r, status=Status.WAIVED, reason=f"failing, waived: {r.reason}", waiver=w.describe()
            )
        for f in r.findings:
            if f.waived_by and f.fingerprint not in expired:
                number = int(f.waived_by.split()[1].lstrip("#"))
                w = next(x for x in waivers if x.number == number)
                if w.state(today) == "expiring_soon":
                    notes.append(f"waiver #{w.number} expires on {w.expires}")
        out.append(replace(r, notes=tuple(sorted(set(notes)))) if notes else r)
    return tuple(out)


def report(
    waivers: Sequence[Waiver], today: dt.date, matched: Mapping[int, int]
) -> list[dict[str, Any]]:
    return [w.to_dict(today, matched.get(w.number, 0)) for w in waivers]
