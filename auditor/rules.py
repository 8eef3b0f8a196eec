"""The rule catalogue: which rule ids the files in ``checks/`` define, per collector.

A checklist may only name rules that exist, so a typo in a control cannot turn
into a control that silently passes because no rule ever fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from auditor import yamlnodes
from auditor.errors import ChecklistError


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    cwe: str | None
    source: str


def rule_files(checks: Path) -> list[Path]:
    """Rule files: YAML at any depth in ``checks/``, except rule tests."""
    files = [
        p
        for p in checks.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and "tests" not in p.relative_to(checks).parts
    ]
    return sorted(files)


def load_catalog(checks: Path) -> Mapping[str, Mapping[str, RuleInfo]]:
    """collector name -> rule id -> info. Files with ``tool:`` are catalogues of an
    external tool's own tests (bandit); others are semgrep rule files."""
    catalog: dict[str, dict[str, RuleInfo]] = {}
    for path in rule_files(checks):
        display = str(path)
        root = yamlnodes.load(path, ChecklistError, display, trusted=True)
        top = root.mapping(f"rule file {path.name}", {"rules"}, {"tool"})
        tool = top["tool"].string("tool") if "tool" in top else "semgrep"
        rules = catalog.setdefault(tool, {})
        for item in top["rules"].sequence("rules"):
            if tool == "semgrep":
                # semgrep validates its own rule syntax; we need the id and message only
                fields = {k.string("key"): v for k, v in item.items()}
                if "id" not in fields:
                    raise item.fail("expected key 'id' in semgrep rule")
                cwe = None
                title = fields["message"].string("message") if "message" in fields else ""
            else:
                # a catalogue entry: id and title are ours to check, the rest (patterns,
                # validators) belongs to the collector that reads the file
                fields = {k.string("key"): v for k, v in item.items()}
                for required in ("id", "title"):
                    if required not in fields:
                        raise item.fail(f"expected key '{required}' in {tool} rule")
                title = fields["title"].string("title")
                cwe = fields["cwe"].string("cwe") if "cwe" in fields else None
            rule_id = fields["id"].string("id")
            if rule_id in rules:
                raise fields["id"].fail(f"expected unique rule ids, got duplicate '{rule_id}'")
            rules[rule_id] = RuleInfo(rule_id, title, cwe, display)
    return catalog
