"""JUnit XML for CI test panels: each control a test case (fail, error or skip)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

_CONTROL_CHARS = {c: None for c in range(32) if c not in (9, 10, 13)}


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return text.translate(_CONTROL_CHARS)


def _evidence(c: dict[str, Any]) -> str:
    lines = [c["reason"], f"Checked: {c['checked']}"]
    for f in c["evidence"]["findings"]:
        loc = f["location"]
        where = f"{loc['path']}:{loc['line']}" if loc["line"] else loc["path"]
        lines.append(f"{where} {f['rule_id']}: {f['message']}")
    for f in c["evidence"]["facts"]:
        src = f["source"]
        where = f" at {src['path']}:{src['line']}" if src and src["line"] else ""
        lines.append(f"{f['key']} = {f['value']!r}{where} ({f['how']})")
    lines.append(f"Remediation: {c['remediation']}")
    return "\n".join(lines)


def render(doc: dict[str, Any]) -> str:
    controls = {c["id"]: c for c in doc["controls"]}
    root = ET.Element("testsuites", name=f"auditor {doc['checklist']['id']}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for p in doc["practices"]:
        suite = ET.SubElement(root, "testsuite", name=_clean(f"{p['id']} {p['title']}"))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for cid in p["controls"]:
            c = controls[cid]
            case = ET.SubElement(
                suite,
                "testcase",
                classname=p["id"],
                name=_clean(f"{c['id']} {c['title']}"),
                time="0",
            )
            counts["tests"] += 1
            message = _clean(c["reason"])
            if c["status"] == "fail":
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", message=message, type=c["severity"])
                el.text = _clean(_evidence(c))
            elif c["status"] == "error":
                counts["errors"] += 1
                el = ET.SubElement(case, "error", message=message, type="collector-error")
                el.text = _clean(_evidence(c))
            elif c["status"] in (
                "not_applicable",
                "not_implemented",
                "waived",
                "unverified",
                "disabled",
            ):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(f"{c['status']}: {c['reason']}"))
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
