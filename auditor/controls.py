"""Decide each control from the evidence its collector produced.

Pure functions: evidence in, a status with its reason out. Anything that is
not positive proof of compliance is not ``pass``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace

from auditor.attestations import Attestation
from auditor.checklist import Control
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Finding


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"
    NOT_IMPLEMENTED = "not_implemented"
    WAIVED = "waived"
    UNVERIFIED = "unverified"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: Status
    reason: str
    findings: tuple[Finding, ...] = ()
    facts: tuple[Fact, ...] = ()
    tool: str | None = None
    tool_version: str | None = None
    waiver: str | None = None
    notes: tuple[str, ...] = ()
    satisfied_by: str | None = None
    """Which compensating evidence made the control pass, when the primary did not."""


def evaluate(
    control: Control,
    collected: Mapping[str, CollectorResult],
    *,
    is_git: bool,
    honour_suppressions: bool,
    attestations: Mapping[str, Attestation] | None = None,
    today: dt.date | None = None,
) -> ControlResult:
    """Decide ``control``; when its evidence fails, try its compensating evidence."""
    primary = _evaluate(
        control, collected, is_git=is_git, honour_suppressions=honour_suppressions,
        attestations=attestations, today=today,
    )  # fmt: skip
    if primary.status is not Status.FAIL or not control.evidence.alternatives:
        return primary
    for n, alt in enumerate(control.evidence.alternatives, 1):
        other = _evaluate(
            replace(control, evidence=alt), collected, is_git=is_git,
            honour_suppressions=honour_suppressions, attestations=attestations, today=today,
        )  # fmt: skip
        if other.status is Status.PASS:
            path = f"alternative {n} ({alt.collector}): {alt.description}"
            reason = (
                f"satisfied by {path} {other.reason}; the primary evidence failed: {primary.reason}"
            )
            return replace(
                other, control=control, reason=reason, satisfied_by=path,
                findings=(*primary.findings, *other.findings), facts=(*primary.facts, *other.facts),
            )  # fmt: skip
    return primary


def _evaluate(
    control: Control,
    collected: Mapping[str, CollectorResult],
    *,
    is_git: bool,
    honour_suppressions: bool,
    attestations: Mapping[str, Attestation] | None = None,
    today: dt.date | None = None,
) -> ControlResult:
    spec = control.evidence
    if control.disabled is not None:
        return ControlResult(
            control, Status.DISABLED, f"disabled by the checklist overlay: {control.disabled}"
        )
    if control.manual:
        return _by_attestation(
            control, (attestations or {}).get(control.id), today or dt.date.today()
        )
    if control.requires_git and not is_git:
        return ControlResult(
            control,
            Status.NOT_APPLICABLE,
            "the audited path is not a git repository; this control is decided from git",
        )
    if not control.implemented:
        return ControlResult(
            control, Status.NOT_IMPLEMENTED, f"collector '{spec.collector}' is not built yet"
        )
    result = collected.get(spec.collector)
    if result is None:
        return ControlResult(control, Status.ERROR, f"collector '{spec.collector}' did not run")
    tool = (result.tool, result.tool_version)
    if result.status is CollectorStatus.ERROR:
        return ControlResult(
            control, Status.ERROR, f"{spec.collector}: {result.reason}", (), (), *tool
        )
    if result.status is CollectorStatus.NOT_APPLICABLE:
        return ControlResult(control, Status.NOT_APPLICABLE, result.reason or "", (), (), *tool)
    if spec.applies_if:
        gate = _applicability(control, result, spec.applies_if)
        if gate is not None:
            return gate
    decided = (
        _by_rules(control, result, honour_suppressions) if spec.rules else _by_fact(control, result)
    )
    return _unread_files_block_pass(decided, result)


def _unread_files_block_pass(decided: ControlResult, result: CollectorResult) -> ControlResult:
    """A pass is only as good as what was read: when the collector could not read one of
    its files (``*.file_error`` facts), a would-be pass becomes ``error``."""
    if decided.status is not Status.PASS:
        return decided
    unread = [f for f in result.facts if f.key.endswith(".file_error") and f.unknown]
    if not unread:
        return decided
    where = f" ({unread[0].source})" if unread[0].source else ""
    reason = (
        f"{len(unread)} file(s) could not be read, so a pass cannot be vouched for: "
        f"{unread[0].unknown}{where}"
    )
    return replace(decided, status=Status.ERROR, reason=reason, facts=(*decided.facts, *unread))


def _by_attestation(control: Control, att: Attestation | None, today: dt.date) -> ControlResult:
    if att is None:
        return ControlResult(
            control,
            Status.UNVERIFIED,
            "manual control: no attestation (.auditor/attestations.yaml)",
        )
    fact = att.fact()
    if today > att.valid_until:
        reason = f"attestation by {att.attested_by} expired on {att.valid_until}"
        return ControlResult(control, Status.FAIL, reason, (), (fact,), "attestation")
    reason = f"attested by {att.attested_by} on {att.date}, valid until {att.valid_until}"
    return ControlResult(control, Status.PASS, reason, (), (fact,), "attestation")


def _applicability(
    control: Control, result: CollectorResult, keys: tuple[str, ...]
) -> ControlResult | None:
    """``not_applicable`` when every gating fact is empty; ``error`` when one is missing
    or unknown."""
    tool = (result.tool, result.tool_version)
    facts = tuple(f for f in result.facts if f.key in keys)
    missing = sorted(set(keys) - {f.key for f in facts})
    if missing:
        reason = f"{result.name} did not report fact '{missing[0]}'"
        return ControlResult(control, Status.ERROR, reason, (), facts, *tool)
    unknown = [f for f in facts if f.unknown]
    if unknown:
        reason = f"'{unknown[0].key}' is unknown: {unknown[0].unknown}"
        return ControlResult(control, Status.ERROR, reason, (), facts, *tool)
    if all(f.value in (None, False, "", [], {}) for f in facts):
        reason = f"does not apply: nothing found for {', '.join(keys)} ({facts[0].how})"
        return ControlResult(control, Status.NOT_APPLICABLE, reason, (), facts, *tool)
    return None


def _by_rules(control: Control, result: CollectorResult, honour: bool) -> ControlResult:
    rules = set(control.evidence.rules)
    matched = tuple(f for f in result.findings if f.rule_id in rules)
    silenced = [f for f in matched if f.suppressed_by]
    inline_ok = [f for f in matched if not (honour and f.suppressed_by)]
    active = [f for f in inline_ok if not f.waived_by]
    waived = [f for f in inline_ok if f.waived_by]
    scanned = result.details.get("files_scanned")
    scope = f" in {scanned} files" if scanned is not None else ""
    note = ""
    if silenced:
        verb = "honoured" if honour else "not honoured"
        note = f"; {len(silenced)} suppressed by inline comment ({verb})"
    skipped = result.details.get("skipped") or {}
    if skipped:
        note += f"; {len(skipped)} files not analysed (listed in the collector's evidence)"
    rule_list = ", ".join(control.evidence.rules)
    tool = (result.tool, result.tool_version)
    if active:
        reason = f"{len(active)} finding(s) from {rule_list}{scope}{note}"
        return ControlResult(control, Status.FAIL, reason, matched, (), *tool)
    if waived:
        reason = f"{len(waived)} finding(s) from {rule_list}{scope}, all waived{note}"
        return ControlResult(
            control, Status.WAIVED, reason, matched, (), *tool, waived[0].waived_by
        )
    reason = f"no finding from {rule_list}{scope}{note}"
    return ControlResult(control, Status.PASS, reason, matched, (), *tool)


def _by_fact(control: Control, result: CollectorResult) -> ControlResult:
    key = control.evidence.fact
    tool = (result.tool, result.tool_version)
    facts = tuple(f for f in result.facts if f.key == key)
    if not facts:
        return ControlResult(
            control, Status.ERROR, f"{result.name} did not report fact '{key}'", (), (), *tool
        )
    unknown = [f for f in facts if f.unknown]
    if unknown:
        return ControlResult(
            control, Status.ERROR, f"'{key}' is unknown: {unknown[0].unknown}", (), facts, *tool
        )
    condition = control.evidence.pass_if
    ok = all(_holds(condition, f.value) for f in facts)
    shown = ", ".join(_show(f.value) for f in facts)
    reason = f"{key} = {shown}; passes if {condition}"
    return ControlResult(control, Status.PASS if ok else Status.FAIL, reason, (), facts, *tool)


def _holds(condition: str | None, value: object) -> bool:
    if condition == "empty":
        return isinstance(value, list | tuple | dict) and len(value) == 0
    if condition == "not_empty":
        return isinstance(value, list | tuple | dict) and len(value) > 0
    if condition == "present":
        return value is not None and value != ""
    if condition == "true":
        return value is True
    if condition == "false":
        return value is False
    return False


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value[:10])) + (", ..." if len(value) > 10 else "") + "]"
    if value is None:
        return "none"
    return str(value)
