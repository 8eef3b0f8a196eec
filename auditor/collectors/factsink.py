"""Facts and findings accumulated by the settings collectors (Django, Flask/FastAPI),
with one rule for turning a policy verdict into a fact and one sort order."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.evidence import Fact, Finding, Location, Severity, fingerprint


class FactSink:
    def __init__(self, tool: str, version: str) -> None:
        self.tool = tool
        self.version = version
        self.facts: list[Fact] = []
        self.findings: dict[tuple[str, Location, str], Finding] = {}

    def finding(
        self, rule: str, where: Location, severity: Severity, message: str,
        suppressed: str | None = None,
    ) -> None:  # fmt: skip
        text = " ".join(message.split())
        self.findings.setdefault(
            (rule, where, text),
            Finding(
                rule_id=rule, location=where, severity=severity, message=text, tool=self.tool,
                tool_version=self.version, fingerprint=fingerprint(rule, where.path, text),
                suppressed_by=suppressed,
            ),
        )  # fmt: skip

    def problem_fact(
        self, key: str, shown: list[str], where: Location, how: str, unknown: Sequence[str]
    ) -> None:
        """A list of proven problems; parts that could not be decided make the fact
        unknown only when nothing was proven (a proven problem already fails it)."""
        reason = None
        if unknown and not shown:
            reason = "; ".join(unknown)
        elif unknown:
            how += "; also undecided: " + "; ".join(unknown)
        self.facts.append(Fact(key, shown, where, how, reason))

    def sorted_facts(self) -> tuple[Fact, ...]:
        def key(f: Fact) -> tuple[str, str, int, str]:
            src = f.source or Location("")
            return (f.key, src.path, src.line or 0, repr(f.value))

        return tuple(sorted(self.facts, key=key))

    def sorted_findings(self) -> tuple[Finding, ...]:
        return tuple(sorted(self.findings.values(), key=Finding.sort_key))
