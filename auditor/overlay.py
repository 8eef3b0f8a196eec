"""Checklist overlays: a checklist that ``extends:`` another and changes it.

An overlay may re-weight practices, change control severities, add controls and
disable controls with a required reason. A disabled control is kept and shown as
``disabled`` with that reason: an overlay can make an audit stricter or narrower,
never quieter without saying so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from pathlib import Path

from auditor import checklist, resources, yamlnodes
from auditor.checklist import Checklist, CollectorInfo, Control, Practice
from auditor.evidence import Severity

MAX_DEPTH = 8
_KEYS = {"id", "version", "title", "extends"}
_OPTIONAL = {
    "description", "practice_weights", "overrides", "disable", "add_controls",
    "honour_inline_suppressions",
}  # fmt: skip


def _base_path(node: yamlnodes.Node, here: Path) -> Path:
    ref = node.string("extends")
    bundled = resources.data_dir("checklists") / f"{ref}.yaml"
    try:
        if "/" not in ref and not ref.endswith((".yaml", ".yml")) and bundled.is_file():
            return bundled
    except (OSError, ValueError):
        pass  # an over-long or NUL-bearing name is simply not a bundled checklist
    try:
        candidate = (here.parent / ref).resolve()
        found = candidate.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise node.fail(f"expected a bundled checklist id or a checklist file, got '{ref[:80]}'")
    return candidate


def load(
    root: yamlnodes.Node,
    path: Path,
    collectors: Mapping[str, CollectorInfo],
    rule_catalog: Mapping[str, AbstractSet[str]],
    chain: tuple[Path, ...],
) -> Checklist:
    top = root.mapping("checklist overlay", _KEYS, _OPTIONAL)
    base_path = _base_path(top["extends"], path)
    if base_path.resolve() in chain or path.resolve() == base_path.resolve():
        raise top["extends"].fail("expected no cycle of extends")
    if len(chain) >= MAX_DEPTH:
        raise top["extends"].fail(f"expected at most {MAX_DEPTH} levels of extends")
    base = checklist.load(base_path, collectors, rule_catalog, (*chain, path.resolve()))
    practices = {p.id: p for p in base.practices}
    controls = {c.id: c for c in base.controls()}
    weights = {p.id: p.weight for p in base.practices}
    if "practice_weights" in top:
        for key, value in top["practice_weights"].items():
            pid = key.string("practice id")
            if pid not in practices:
                raise key.fail(f"expected a practice id of {base.id}, got '{pid}'")
            weight = value.number("practice weight")
            if weight <= 0:
                raise value.fail("expected a practice weight greater than 0")
            weights[pid] = weight
    if "overrides" in top:
        for item in top["overrides"].sequence("overrides"):
            f = item.mapping("override", {"control", "severity"})
            cid = _known(f["control"], controls)
            sev = f["severity"].string("severity")
            if sev not in {s.value for s in Severity}:
                raise f["severity"].fail(
                    f"expected severity critical, high, medium or low, got '{sev}'"
                )
            controls[cid] = replace(controls[cid], severity=Severity(sev))
    if "disable" in top:
        for item in top["disable"].sequence("disable"):
            f = item.mapping("disable entry", {"control", "reason"})
            cid = _known(f["control"], controls)
            controls[cid] = replace(controls[cid], disabled=f["reason"].string("reason"))
    added: dict[str, list[Control]] = {}
    if "add_controls" in top:
        seen = set(controls) | set(practices)
        for item in top["add_controls"].sequence("add_controls"):
            f = item.mapping("added control", {"practice", "control"})
            pid = f["practice"].string("practice")
            if pid not in practices:
                raise f["practice"].fail(f"expected a practice id of {base.id}, got '{pid}'")
            control = checklist.parse_control(f["control"], pid, collectors, rule_catalog, seen)
            added.setdefault(pid, []).append(control)
    new_practices = tuple(
        Practice(
            p.id,
            p.title,
            p.summary,
            weights[p.id],
            tuple(controls[c.id] for c in p.controls) + tuple(added.get(p.id, ())),
        )
        for p in base.practices
    )
    digest = hashlib.sha256(path.read_bytes() + base.sha256.encode()).hexdigest()
    return Checklist(
        id=top["id"].string("checklist id"),
        version=top["version"].string("checklist version"),
        title=top["title"].string("checklist title"),
        description=top["description"].string("description") if "description" in top else "",
        practices=new_practices,
        path=str(path),
        sha256=digest,
        extends=(f"{base.id} {base.version}", *base.extends),
        honour_inline_suppressions=(
            top["honour_inline_suppressions"].boolean("honour_inline_suppressions")
            if "honour_inline_suppressions" in top
            else base.honour_inline_suppressions
        ),
    )


def _known(node: yamlnodes.Node, controls: Mapping[str, Control]) -> str:
    cid = node.string("control")
    if cid not in controls:
        raise node.fail(f"expected a control id of the extended checklist, got '{cid}'")
    return cid
