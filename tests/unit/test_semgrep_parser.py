"""The semgrep JSON parser, on output recorded from semgrep 1.185.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.semgrep import SemgrepError, normalize, parse_report, rule_pack
from auditor.errors import ToolOutputError


def result(path: str, line: int, rule: str = "code-eval-tainted") -> dict[str, Any]:
    return {
        "check_id": rule,
        "path": path,
        "start": {"line": line, "col": 5, "offset": 0},
        "end": {"line": line, "col": 12, "offset": 7},
        "extra": {
            "message": "eval of   request data",
            "metadata": {"cwe": ["CWE-95"], "confidence": "HIGH"},
            "severity": "ERROR",
            "fingerprint": "requires login",
            "lines": "requires login",
            "engine_kind": "OSS",
        },
    }


SOURCE = (
    "x = 1\n"
    "eval(a)\n"
    "eval(b)  # nosemgrep\n"
    "# nosemgrep: code-eval-tainted\n"
    "eval(c)\n"
    "eval(d)  # nosemgrep: other-rule\n"
)


def parse(tmp_path: Path, report: dict[str, Any]) -> tuple[list[Any], dict[str, str]]:
    (tmp_path / "app.py").write_text(SOURCE)
    return normalize(parse_report(json.dumps(report).encode()), "1.185.0", tmp_path, {"app.py"})


def test_findings_and_nosemgrep(tmp_path: Path) -> None:
    report = {
        "version": "1.185.0",
        "errors": [],
        "results": [result("app.py", n) for n in (2, 3, 5, 6)],
    }
    findings, errors = parse(tmp_path, report)
    assert errors == {}
    by_line = {f.location.line: f for f in findings}
    assert by_line[2].suppressed_by is None
    assert by_line[3].suppressed_by == "# nosemgrep at line 3"
    assert by_line[5].suppressed_by == "# nosemgrep at line 4"
    assert by_line[6].suppressed_by is None  # names another rule
    f = by_line[2]
    assert (f.rule_id, f.location.column, f.severity.value, f.confidence) == (
        "code-eval-tainted",
        5,
        "high",
        "high",
    )
    assert f.message == "eval of request data" and f.tool_version == "1.185.0"


def test_per_file_errors_are_skips_and_fatal_errors_raise(tmp_path: Path) -> None:
    report = {
        "version": "1.185.0",
        "results": [],
        "errors": [{"type": "Syntax error", "level": "warn", "path": "app.py", "message": "x"}],
    }
    _, errors = parse(tmp_path, report)
    assert errors == {"app.py": "semgrep could not fully analyse it: Syntax error"}
    fatal = {
        "version": "1",
        "results": [],
        "errors": [{"level": "error", "message": "Invalid rule"}],
    }
    with pytest.raises(SemgrepError, match="Invalid rule"):
        parse(tmp_path, fatal)


@pytest.mark.parametrize(
    "stdout", [b"", b"oops", b'{"results": {}}', b'{"results": [{"path": "app.py"}]}']
)
def test_garbage_is_rejected(tmp_path: Path, stdout: bytes) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    with pytest.raises(ToolOutputError):
        normalize(parse_report(stdout), "1", tmp_path, {"app.py"})


def test_paths_outside_the_targets_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ToolOutputError, match="not asked to scan"):
        parse(tmp_path, {"results": [result("../../etc/passwd", 1)]})


def test_rule_pack_hash_changes_with_any_rule(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("rules: []\n")
    files, first = rule_pack(tmp_path)
    assert [p.name for p in files] == ["a.yaml"]
    (tmp_path / "a.yaml").write_text("rules: [] \n")
    assert rule_pack(tmp_path)[1] != first
