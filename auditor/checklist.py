"""Load and validate a checklist into frozen dataclasses.

The checklist is the contract of an audit, so it is validated strictly: every
mistake is a one-line ``file:line:col: expected ...`` error, never a control
that quietly decides nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import yaml

from auditor import resources, yamlnodes
from auditor.errors import AuditorError, ChecklistError
from auditor.evidence import Severity

ATTESTATION = "attestation"
"""The pseudo-collector of manual controls, decided by a written attestation."""
PASS_CONDITIONS_FOR_RULES = frozenset({"no_findings"})
PASS_CONDITIONS_FOR_FACTS = frozenset({"empty", "not_empty", "present", "true", "false"})


@dataclass(frozen=True)
class CollectorInfo:
    """What the checklist validator needs to know of a collector."""

    implemented: bool
    fact_keys: AbstractSet[str] = frozenset()


@dataclass(frozen=True)
class EvidenceSpec:
    collector: str
    description: str
    rules: tuple[str, ...] = ()
    fact: str | None = None
    pass_if: str | None = None
    applies_if: tuple[str, ...] = ()
    """Fact keys of the same collector: when all of them are empty (no Django project,
    no Dockerfile, no TLS target), the control is ``not_applicable`` instead of judged."""
    alternatives: tuple[EvidenceSpec, ...] = ()
    """Compensating evidence from other sources: when the primary evidence fails and one
    of these passes, the control passes and says which path satisfied it."""


@dataclass(frozen=True)
class References:
    cwe: tuple[str, ...]
    asvs: tuple[str, ...]


@dataclass(frozen=True)
class Control:
    id: str
    practice_id: str
    title: str
    rationale: str
    severity: Severity
    evidence: EvidenceSpec
    remediation: str
    references: References
    implemented: bool
    requires_git: bool
    disabled: str | None = None
    """Why an overlay switched this control off; shown, never silently dropped."""

    @property
    def manual(self) -> bool:
        return self.evidence.collector == ATTESTATION


@dataclass(frozen=True)
class Practice:
    id: str
    title: str
    summary: str
    weight: float
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    version: str
    title: str
    description: str
    practices: tuple[Practice, ...]
    path: str
    sha256: str
    extends: tuple[str, ...] = ()
    """The chain of checklists this one overlays, nearest first."""
    honour_inline_suppressions: bool = True
    """Whether ``# nosec``/``# nosemgrep`` comments silence a finding (they are always
    shown). A stricter checklist can refuse them; the operator's setting wins."""

    def controls(self) -> Iterator[Control]:
        for practice in self.practices:
            yield from practice.controls


_CONTROL_KEYS = {"id", "title", "rationale", "severity", "evidence", "remediation", "references"}


def load(
    path: Path,
    collectors: Mapping[str, CollectorInfo],
    rule_catalog: Mapping[str, AbstractSet[str]],
    _chain: tuple[Path, ...] = (),
) -> Checklist:
    """Parse and validate ``path`` against the known collectors and rules."""
    root = yamlnodes.load(path, ChecklistError, str(path), trusted=_bundled(path))
    if isinstance(root.node, yaml.MappingNode) and any(
        getattr(k, "value", None) == "extends" for k, _ in root.node.value
    ):
        from auditor import overlay  # an overlay re-enters load() for its base

        return overlay.load(root, path, collectors, rule_catalog, _chain)
    top = root.mapping(
        "checklist",
        {"id", "version", "title", "practices"},
        {"description", "honour_inline_suppressions"},
    )
    checklist_id = top["id"].string("checklist id")
    version = top["version"].string("checklist version")
    title = top["title"].string("checklist title")
    practices: list[Practice] = []
    seen: set[str] = set()
    for node in top["practices"].sequence("practices"):
        practice = _practice(node, collectors, rule_catalog, seen)
        practices.append(practice)
    if not practices:
        raise top["practices"].fail("expected at least one practice")
    return Checklist(
        id=checklist_id,
        version=version,
        title=title,
        description=top["description"].string("description") if "description" in top else "",
        practices=tuple(practices),
        path=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        honour_inline_suppressions=(
            top["honour_inline_suppressions"].boolean("honour_inline_suppressions")
            if "honour_inline_suppressions" in top
            else True
        ),
    )


def _unique(node: yamlnodes.Node, what: str, seen: set[str]) -> str:
    value = node.string(what)
    if value in seen:
        raise node.fail(f"expected a unique {what}, got duplicate '{value}'")
    seen.add(value)
    return value


def _practice(
    node: yamlnodes.Node,
    collectors: Mapping[str, CollectorInfo],
    rule_catalog: Mapping[str, AbstractSet[str]],
    seen: set[str],
) -> Practice:
    f = node.mapping("practice", {"id", "title", "summary", "weight", "controls"})
    pid = _unique(f["id"], "practice id", seen)
    weight = f["weight"].number("practice weight")
    if weight <= 0:
        raise f["weight"].fail("expected a practice weight greater than 0")
    controls = tuple(
        parse_control(c, pid, collectors, rule_catalog, seen)
        for c in f["controls"].sequence("controls")
    )
    if not controls:
        raise f["controls"].fail("expected at least one control")
    return Practice(
        pid, f["title"].string("title"), f["summary"].string("summary"), weight, controls
    )


def parse_control(
    node: yamlnodes.Node,
    practice_id: str,
    collectors: Mapping[str, CollectorInfo],
    rule_catalog: Mapping[str, AbstractSet[str]],
    seen: set[str],
) -> Control:
    f = node.mapping("control", _CONTROL_KEYS, {"status", "requires"})
    cid = _unique(f["id"], "control id", seen)
    sev_node = f["severity"]
    sev = sev_node.string("severity")
    if sev not in {s.value for s in Severity}:
        raise sev_node.fail(f"expected severity critical, high, medium or low, got '{sev}'")
    implemented = True
    if "status" in f:
        status = f["status"].string("status")
        if status != "not_implemented":
            raise f["status"].fail(
                f"expected status 'not_implemented' (or no status), got '{status}'"
            )
        implemented = False
    requires_git = False
    if "requires" in f:
        req = f["requires"].string("requires")
        if req != "git":
            raise f["requires"].fail(f"expected requires 'git', got '{req}'")
        requires_git = True
    evidence = _evidence(f["evidence"], implemented, collectors, rule_catalog)
    refs = f["references"].mapping("references", {"cwe", "asvs"})
    cwe = refs["cwe"].strings("cwe")
    for item in refs["cwe"].sequence("cwe"):
        if not item.string("cwe").startswith("CWE-"):
            raise item.fail("expected a CWE id like 'CWE-89'")
    return Control(
        id=cid,
        practice_id=practice_id,
        title=f["title"].string("title"),
        rationale=f["rationale"].string("rationale"),
        severity=Severity(sev),
        evidence=evidence,
        remediation=f["remediation"].string("remediation"),
        references=References(cwe, refs["asvs"].strings("asvs")),
        implemented=implemented,
        requires_git=requires_git,
    )


def _evidence(
    node: yamlnodes.Node,
    implemented: bool,
    collectors: Mapping[str, CollectorInfo],
    rule_catalog: Mapping[str, AbstractSet[str]],
    nested: bool = False,
) -> EvidenceSpec:
    optional = {"rules", "fact", "pass_if", "applies_if"} | (set() if nested else {"alternatives"})
    f = node.mapping(
        "alternative evidence" if nested else "evidence", {"collector", "description"}, optional
    )
    name = f["collector"].string("collector")
    info = collectors.get(name)
    if info is None:
        raise f["collector"].fail(
            f"expected a known collector ({', '.join(sorted(collectors))}), got '{name}'"
        )
    if implemented and not info.implemented:
        raise f["collector"].fail(
            f"expected status: not_implemented, collector '{name}' is not built yet"
        )
    rules: tuple[str, ...] = ()
    if "rules" in f:
        known = rule_catalog.get(name, frozenset())
        for item in f["rules"].sequence("rules"):
            rule = item.string("rule id")
            if rule not in known:
                raise item.fail(f"expected a rule id defined in checks/ for {name}, got '{rule}'")
        rules = f["rules"].strings("rules")
    fact = None
    if "fact" in f:
        fact = f["fact"].string("fact")
        if info.implemented and fact not in info.fact_keys:
            raise f["fact"].fail(f"expected a fact key that {name} produces, got '{fact}'")
    if rules and fact:
        raise node.fail("expected either rules or fact, not both")
    pass_if = f["pass_if"].string("pass_if") if "pass_if" in f else None
    if name == ATTESTATION:
        if rules or fact or pass_if:
            raise node.fail("expected no rules, fact or pass_if for a manual (attestation) control")
    elif implemented:
        if not rules and not fact:
            raise node.fail("expected rules or fact for an implemented control")
        if pass_if is None:
            raise node.fail("expected key 'pass_if' in evidence")
        allowed = PASS_CONDITIONS_FOR_RULES if rules else PASS_CONDITIONS_FOR_FACTS
        if pass_if not in allowed:
            raise f["pass_if"].fail(
                f"expected pass_if one of {', '.join(sorted(allowed))}, got '{pass_if}'"
            )
    applies_if: tuple[str, ...] = ()
    if "applies_if" in f:
        gate = f["applies_if"]
        items = gate.sequence("applies_if") if isinstance(gate.node, yaml.SequenceNode) else [gate]
        for item in items:
            key = item.string("applies_if")
            if info.implemented and key not in info.fact_keys:
                raise item.fail(
                    f"expected a fact key that {name} produces for applies_if, got '{key}'"
                )
            applies_if += (key,)
    description = f["description"].string("description")
    alternatives: tuple[EvidenceSpec, ...] = ()
    if "alternatives" in f:
        if not implemented:
            raise f["alternatives"].fail("expected alternatives only on an implemented control")
        alternatives = tuple(
            _evidence(a, True, collectors, rule_catalog, nested=True)
            for a in f["alternatives"].sequence("alternatives")
        )
    return EvidenceSpec(name, description, rules, fact, pass_if, applies_if, alternatives)


def _bundled(path: Path) -> bool:
    """One of our own checklists (package data), which may take the libyaml path."""
    try:
        return path.resolve().is_relative_to(resources.data_dir("checklists"))
    except (OSError, AuditorError):
        return False
