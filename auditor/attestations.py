"""Attestations: signed-off statements for what no tool can prove (a penetration test,
MFA on admin accounts, an incident response plan).

A manual control passes only on a current attestation; without one it is
``unverified`` (distinct from not applicable), and an expired one fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from auditor import yamlnodes
from auditor.checklist import Checklist
from auditor.errors import InputError
from auditor.evidence import Fact, Location

MAX_VALID_DAYS = 3 * 365
_KEYS = {"control", "statement", "evidence", "attested_by", "date", "valid_days"}


class AttestationError(InputError):
    """The attestation file is invalid."""


@dataclass(frozen=True)
class Attestation:
    control: str
    statement: str
    evidence: str
    attested_by: str
    date: dt.date
    valid_days: int
    source: str
    line: int

    @property
    def valid_until(self) -> dt.date:
        return self.date + dt.timedelta(days=self.valid_days)

    def fact(self) -> Fact:
        value = {
            "statement": self.statement,
            "evidence": self.evidence,
            "attested_by": self.attested_by,
            "date": self.date.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }
        return Fact("attestation", value, Location(self.source, self.line), "attested in writing")


def load(
    path: Path, checklist: Checklist, today: dt.date, display: str | None = None
) -> dict[str, Attestation]:
    name = display or str(path)
    root = yamlnodes.load(path, AttestationError, name)
    top = root.mapping("attestation file", {"attestations"})
    manual = {c.id for c in checklist.controls() if c.evidence.collector == "attestation"}
    out: dict[str, Attestation] = {}
    for node in top["attestations"].sequence("attestations"):
        f = node.mapping("attestation", _KEYS)
        control = f["control"].string("control")
        if control not in manual:
            raise f["control"].fail(
                f"expected the id of a manual control ({', '.join(sorted(manual))})"
            )
        if control in out:
            raise f["control"].fail(
                f"expected one attestation per control, got a second for {control}"
            )
        date = f["date"].date("date")
        if date > today:
            raise f["date"].fail(f"expected a date not after today ({today})")
        days = f["valid_days"].number("valid_days")
        if not days.is_integer() or not 1 <= days <= MAX_VALID_DAYS:
            raise f["valid_days"].fail(
                f"expected a whole number of days from 1 to {MAX_VALID_DAYS}"
            )
        out[control] = Attestation(
            control=control,
            statement=f["statement"].string("statement"),
            evidence=f["evidence"].string("evidence"),
            attested_by=f["attested_by"].string("attested_by"),
            date=date,
            valid_days=int(days),
            source=name,
            line=node.line,
        )
    return out
