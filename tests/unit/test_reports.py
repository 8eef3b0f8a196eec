"""Report formats render a finished result: SARIF validates against the official schema,
JUnit parses, Markdown escapes hostile text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest

from auditor import diff
from auditor.report import Format, render
from auditor.report.markdown import esc

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "sarif-2.1.0-rtm.5.json"
HOSTILE = '<script>alert(1)</script> | =HYPERLINK("http://x") [link](javascript:alert(1)) \x01'


def finding(
    rule: str, path: str, line: int, fp: str, suppressed: str | None = None
) -> dict[str, Any]:
    return {
        "rule_id": rule,
        "location": {"path": path, "line": line, "column": 1},
        "severity": "high",
        "confidence": "high",
        "message": HOSTILE,
        "tool": "bandit",
        "tool_version": "1.9.4",
        "fingerprint": fp,
        "suppressed_by": suppressed,
        "waived_by": None,
    }


def control(
    cid: str, status: str, findings: list[dict[str, Any]], facts: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": cid,
        "practice_id": cid[:3],
        "title": f"title {cid} {HOSTILE}",
        "rationale": "r",
        "severity": "high",
        "status": status,
        "reason": f"reason {HOSTILE}",
        "checked": "c",
        "collector": "bandit",
        "rules": ["B602"],
        "fact": None,
        "pass_if": "no_findings",
        "applies_if": [],
        "requires_git": False,
        "tool": "bandit",
        "tool_version": "1.9.4",
        "remediation": "m",
        "manual": False,
        "disabled": None,
        "waiver": None,
        "notes": [],
        "references": {"cwe": ["CWE-78"], "asvs": ["5.3.8"]},
        "evidence": {"findings": findings, "facts": facts},
    }


def counts(**kw: int) -> dict[str, int]:
    statuses = (
        "pass",
        "fail",
        "error",
        "not_applicable",
        "not_implemented",
        "waived",
        "unverified",
        "disabled",
    )
    return {s: kw.get(s, 0) for s in statuses}


@pytest.fixture
def doc() -> dict[str, Any]:
    fact = {
        "key": "repo.security_policy",
        "value": None,
        "source": None,
        "how": "none",
        "unknown": None,
    }
    f1 = finding("B602", "app/run.py", 4, "a" * 20)
    f2 = finding("B602", "app/other.py", 9, "b" * 20, "# nosec at line 9")
    controls = [
        control("P01-C01", "fail", [f1, f2], []),
        control("P01-C02", "error", [], []),
        control("P15-C01", "fail", [], [fact]),
        control("P15-C02", "not_implemented", [], []),
        control("P15-C03", "pass", [], []),
    ]
    return {
        "schema_version": "1.0",
        "auditor_version": "0.1.0",
        "generated_at": "2026-11-26T00:00:00Z",
        "duration_seconds": 1.0,
        "checklist": {
            "id": "cl",
            "version": "1",
            "title": "t",
            "path": "bundled:x",
            "sha256": "0" * 64,
            "extends": [],
        },
        "target": {"path": "/tmp/repo", "is_git": True, "head_commit": "1" * 40},
        "settings": [],
        "excludes": {"effective": [], "defaults": []},
        "collectors": [
            {
                "name": "bandit",
                "tool": "bandit",
                "tool_version": "1.9.4",
                "status": "error",
                "reason": HOSTILE,
                "duration_seconds": 1.0,
                "details": {},
                "finding_count": 2,
                "fact_count": 0,
                "findings": [f1, f2],
                "facts": [],
            }
        ],
        "score": {
            "overall": 40.0,
            "summary": "40/100",
            "complete": False,
            "unevaluated": 2,
            "counts": counts(fail=2, error=1, not_implemented=1, **{"pass": 1}),
        },
        "practices": [
            {
                "id": "P01",
                "title": "a",
                "summary": "s",
                "weight": 1.0,
                "score": 0.0,
                "counts": counts(fail=1, error=1),
                "controls": ["P01-C01", "P01-C02"],
            },
            {
                "id": "P15",
                "title": "b",
                "summary": "s",
                "weight": 1.0,
                "score": 33.3,
                "counts": counts(fail=1, not_implemented=1, **{"pass": 1}),
                "controls": ["P15-C01", "P15-C02", "P15-C03"],
            },
        ],
        "controls": controls,
        "governance": {"evaluated_on": "2026-11-26", "waivers": [], "attested_controls": []},
        "exit_code": 3,
    }


def test_sarif_validates_and_carries_cwe_tags_and_fingerprints(doc: dict[str, Any]) -> None:
    sarif = json.loads(render(Format.SARIF, doc))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "external/cwe/cwe-78" in rules["B602"]["properties"]["tags"]
    results = run["results"]
    assert {r["partialFingerprints"].get("auditorFinding/v1") for r in results} >= {
        "a" * 20,
        "b" * 20,
    }
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 1
    assert any(r["ruleId"] == "P15-C01" for r in results)  # fact-decided failure is a result too
    assert run["invocations"][0]["executionSuccessful"] is False
    for r in results:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_junit_parses_with_statuses(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render(Format.JUNIT, doc))
    xml = junitparser.JUnitXml.fromfile(str(path))
    cases = {case.name.split()[0]: case for suite in xml for case in suite}
    assert set(cases) == {"P01-C01", "P01-C02", "P15-C01", "P15-C02", "P15-C03"}
    kinds = {cid: type(c.result[0]).__name__ if c.result else "pass" for cid, c in cases.items()}
    assert kinds == {
        "P01-C01": "Failure",
        "P01-C02": "Error",
        "P15-C01": "Failure",
        "P15-C02": "Skipped",
        "P15-C03": "pass",
    }
    assert "\x01" not in path.read_text()


def test_markdown_escapes_hostile_text(doc: dict[str, Any]) -> None:
    md = render(Format.MARKDOWN, doc)
    assert "<script>" not in md and "](javascript:" not in md
    assert "This audit is incomplete" in md
    for line in md.splitlines():
        if line.startswith("| P"):
            assert line.count("|") - line.count("\\|") == 5  # the table has its 4 columns, no more
    assert esc("=HYPERLINK(1)").startswith("\u200b")


def test_diff_reports_new_failures_and_fixes(doc: dict[str, Any]) -> None:
    old = json.loads(json.dumps(doc))
    old["controls"][0]["status"] = "pass"
    old["controls"][4]["status"] = "fail"
    old["score"]["overall"] = 50.0
    changes = diff.compare(old, doc)
    assert changes["new_failures"] == ["P01-C01"]
    assert changes["fixed"] == ["P15-C03"]
    assert changes["score_delta"] == -10.0
    html = render(Format.HTML, doc, changes)
    assert "Changes since the last audit" in html and "&lt;script&gt;" in html


def test_write_all_removes_temporary_files_of_a_killed_run(tmp_path: Path) -> None:
    from auditor.results import write_all

    (tmp_path / ".results.json.abc123.tmp").write_text("{half")
    (tmp_path / "keep.tmp").write_text("not ours")
    write_all({tmp_path / "results.json": "{}\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.tmp", "results.json"]
