"""SARIF 2.1.0 for code-scanning dashboards: one run for the auditor, every decisive
finding a result, failing fact-decided controls as results at the fact's source.
Fingerprints come from the findings, which are built from rule, path and code (not
line numbers), so they stay stable across commits."""

from __future__ import annotations

import json
import re
from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SEC = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _cwe_tags(cwes: list[str]) -> list[str]:
    tags = []
    for cwe in cwes:
        m = re.match(r"CWE-(\d+)", cwe)
        if m:
            tags.append(f"external/cwe/cwe-{m.group(1)}")
    return tags


def _location(path: str, line: int | None, column: int | None) -> dict[str, Any]:
    region: dict[str, Any] = {}
    if line:
        region["startLine"] = line
        if column:
            region["startColumn"] = column
    physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "SRCROOT"}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


def render(doc: dict[str, Any]) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    seen: set[str] = set()

    def rule(rule_id: str, control: dict[str, Any], tool: str) -> None:
        if rule_id not in rules:
            rules[rule_id] = {
                "id": rule_id,
                "name": rule_id,
                "shortDescription": {"text": control["title"]},
                "fullDescription": {"text": control["rationale"]},
                "help": {"text": control["remediation"]},
                "defaultConfiguration": {"level": _LEVEL[control["severity"]]},
                "properties": {
                    "tags": ["security", control["id"], *_cwe_tags(control["references"]["cwe"])],
                    "security-severity": _SEC[control["severity"]],
                    "precision": "high",
                    "tool": tool,
                },
            }

    for c in doc["controls"]:
        for f in c["evidence"]["findings"]:
            if f["fingerprint"] in seen:
                continue
            seen.add(f["fingerprint"])
            rule(f["rule_id"], c, f["tool"])
            result: dict[str, Any] = {
                "ruleId": f["rule_id"],
                "level": _LEVEL[c["severity"]],
                "message": {"text": f"{f['message']} [{c['id']}: {c['title']}]"},
                "locations": [_location(**f["location"])],
                "partialFingerprints": {"auditorFinding/v1": f["fingerprint"]},
                "properties": {"control": c["id"], "toolVersion": f["tool_version"]},
            }
            suppressions = []
            if f["suppressed_by"]:
                suppressions.append({"kind": "inSource", "justification": f["suppressed_by"]})
            if f.get("waived_by"):
                suppressions.append({"kind": "external", "justification": f["waived_by"]})
            if suppressions:
                result["suppressions"] = suppressions
            results.append(result)
        if c["status"] == "fail" and not c["evidence"]["findings"]:
            rule(c["id"], c, c["collector"])
            for fact in c["evidence"]["facts"]:
                src = fact["source"] or {"path": ".", "line": None, "column": None}
                results.append(
                    {
                        "ruleId": c["id"],
                        "level": _LEVEL[c["severity"]],
                        "message": {"text": f"{c['title']}: {c['reason']}"},
                        "locations": [_location(**src)],
                        "partialFingerprints": {"auditorControl/v1": f"{c['id']}:{fact['key']}"},
                        "properties": {"control": c["id"]},
                    }
                )
    ordered = sorted(rules)
    for r in results:
        r["ruleIndex"] = ordered.index(r["ruleId"])
    results.sort(key=lambda r: (r["ruleId"], json.dumps(r["locations"], sort_keys=True)))
    run = {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": doc["auditor_version"],
                "informationUri": "https://example.invalid/auditor",
                "rules": [rules[k] for k in ordered],
            },
            "extensions": [
                {"name": c["tool"], "version": c["tool_version"] or "unknown"}
                for c in doc["collectors"]
            ],
        },
        "originalUriBaseIds": {
            "SRCROOT": {"uri": "file://" + doc["target"]["path"].rstrip("/") + "/"}
        },
        "results": results,
        "invocations": [
            {
                "executionSuccessful": all(c["status"] != "error" for c in doc["collectors"]),
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": f"{c['name']}: {c['reason']}"}}
                    for c in doc["collectors"]
                    if c["status"] == "error"
                ],
            }
        ],
        "properties": {"score": doc["score"]["summary"], "checklist": doc["checklist"]["id"]},
    }
    if doc["target"]["head_commit"]:
        run["versionControlProvenance"] = [
            {
                "repositoryUri": "file://" + doc["target"]["path"],
                "revisionId": doc["target"]["head_commit"],
            }
        ]
    sarif = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(sarif, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
