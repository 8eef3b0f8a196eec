"""Normalized evidence: the only thing collectors hand to the rest of the pipeline.

Values only, no I/O. Every type has ``to_dict`` so results are built from
one place and serialised deterministically.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any

JSONValue = Any


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class CollectorStatus(enum.StrEnum):
    OK = "ok"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, order=True)
class Location:
    """Where a piece of evidence came from; ``path`` is relative to the audited repo."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
        return text

    def to_dict(self) -> dict[str, JSONValue]:
        return {"path": self.path, "line": self.line, "column": self.column}


def fingerprint(*parts: str) -> str:
    """A stable id for a finding: built from rule, path and normalized code, not
    line numbers, so it survives unrelated edits above it."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class Finding:
    """One tool-reported problem at one place."""

    rule_id: str
    location: Location
    severity: Severity
    message: str
    tool: str
    tool_version: str
    fingerprint: str
    confidence: str | None = None
    suppressed_by: str | None = None
    """The inline comment that silenced it (``# nosec``), if any: shown, never hidden."""
    waived_by: str | None = None
    """The governed waiver that accepts it, if any: shown, never hidden."""

    def sort_key(self) -> tuple[str, str, int, int, str]:
        loc = self.location
        return (self.rule_id, loc.path, loc.line or 0, loc.column or 0, self.fingerprint)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "rule_id": self.rule_id,
            "location": self.location.to_dict(),
            "severity": str(self.severity),
            "confidence": self.confidence,
            "message": self.message,
            "tool": self.tool,
            "tool_version": self.tool_version,
            "fingerprint": self.fingerprint,
            "suppressed_by": self.suppressed_by,
            "waived_by": self.waived_by,
        }


@dataclass(frozen=True)
class Fact:
    """An observed value, with where and how it was obtained."""

    key: str
    value: JSONValue
    source: Location | None
    how: str
    unknown: str | None = None
    """Why the value could not be determined; an unknown fact never passes a control."""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "key": self.key,
            "value": self.value,
            "source": self.source.to_dict() if self.source else None,
            "how": self.how,
            "unknown": self.unknown,
        }


@dataclass(frozen=True)
class CollectorResult:
    """What one collector produced in one audit, including when it produced nothing."""

    name: str
    tool: str
    tool_version: str | None
    status: CollectorStatus
    reason: str | None = None
    findings: tuple[Finding, ...] = ()
    facts: tuple[Fact, ...] = ()
    details: dict[str, JSONValue] = field(default_factory=dict)
    duration_seconds: float = 0.0
    cpu_seconds: float = 0.0

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "cpu_seconds": round(self.cpu_seconds, 3),
            "name": self.name,
            "tool": self.tool,
            "tool_version": self.tool_version,
            "status": str(self.status),
            "reason": self.reason,
            "duration_seconds": round(self.duration_seconds, 3),
            "details": self.details,
            "finding_count": len(self.findings),
            "fact_count": len(self.facts),
        }
