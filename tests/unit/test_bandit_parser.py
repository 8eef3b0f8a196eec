"""The bandit JSON parser, on output recorded from bandit 1.9.4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.collectors.bandit import normalize, parse_report
from auditor.errors import ToolOutputError
from auditor.evidence import Severity

EVAL_TEXT = "Use of possibly insecure function - consider using safer ast.literal_eval."

SOURCE = (
    "import subprocess\n"
    'password = "hunter2hunter2"\n'
    'subprocess.call("ls " + x, shell=True)  # nosec B602\n'
    "eval(x)  # nosec\n"
    "eval(y)  # nosec B101\n"
)

RECORDED = {
    "errors": [{"filename": "./b.py", "reason": "syntax error while parsing AST from file"}],
    "results": [
        {
            "col_offset": 11,
            "filename": "./a.py",
            "issue_confidence": "MEDIUM",
            "issue_severity": "LOW",
            "issue_text": "Possible hardcoded password: 'hunter2hunter2'",
            "line_number": 2,
            "line_range": [2],
            "test_id": "B105",
            "test_name": "hardcoded_password_string",
        },
        {
            "col_offset": 0,
            "filename": "./a.py",
            "issue_confidence": "HIGH",
            "issue_severity": "HIGH",
            "issue_text": "subprocess call with shell=True identified, security issue.",
            "line_number": 3,
            "line_range": [3],
            "test_id": "B602",
            "test_name": "subprocess_popen_with_shell_equals_true",
        },
        {
            "col_offset": 0,
            "filename": "./a.py",
            "issue_confidence": "HIGH",
            "issue_severity": "MEDIUM",
            "issue_text": EVAL_TEXT,
            "line_number": 4,
            "line_range": [4],
            "test_id": "B307",
            "test_name": "blacklist",
        },
        {
            "col_offset": 0,
            "filename": "./a.py",
            "issue_confidence": "HIGH",
            "issue_severity": "MEDIUM",
            "issue_text": EVAL_TEXT,
            "line_number": 5,
            "line_range": [5],
            "test_id": "B307",
            "test_name": "blacklist",
        },
    ],
}


@pytest.fixture
def parsed(tmp_path: Path) -> tuple[list, dict]:  # type: ignore[type-arg]
    (tmp_path / "a.py").write_text(SOURCE)
    report = parse_report(json.dumps(RECORDED).encode())
    return normalize(report, "1.9.4", tmp_path, {"a.py", "b.py"})


def test_findings_carry_location_tool_version_and_severity(parsed: tuple) -> None:  # type: ignore[type-arg]
    findings, _ = parsed
    by_line = {f.location.line: f for f in findings}
    b602 = by_line[3]
    assert (b602.rule_id, b602.location.path, b602.location.column) == ("B602", "a.py", 1)
    assert b602.severity is Severity.HIGH
    assert b602.tool == "bandit" and b602.tool_version == "1.9.4"


def test_nosec_is_recognised_per_test_id(parsed: tuple) -> None:  # type: ignore[type-arg]
    findings, _ = parsed
    by_line = {f.location.line: f for f in findings}
    assert by_line[3].suppressed_by == "# nosec at line 3"  # nosec B602 names this test
    assert by_line[4].suppressed_by == "# nosec at line 4"  # bare nosec silences everything
    assert by_line[5].suppressed_by is None  # nosec B101 names another test
    assert by_line[2].suppressed_by is None


def test_hardcoded_password_is_redacted(parsed: tuple) -> None:  # type: ignore[type-arg]
    findings, _ = parsed
    message = next(f.message for f in findings if f.rule_id == "B105")
    assert "hunter2hunter2" not in message
    assert "sha256:" in message


def test_unparseable_files_are_reported_not_dropped(parsed: tuple) -> None:  # type: ignore[type-arg]
    _, errors = parsed
    assert errors == {
        "b.py": "bandit could not analyse it: syntax error while parsing AST from file"
    }


def test_fingerprints_survive_line_shifts(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    first, _ = normalize(parse_report(json.dumps(RECORDED).encode()), "1.9.4", tmp_path, {"a.py"})
    (tmp_path / "a.py").write_text("\n\n\n" + SOURCE)
    shifted = json.loads(json.dumps(RECORDED))
    for r in shifted["results"]:
        r["line_number"] += 3
        r["line_range"] = [n + 3 for n in r["line_range"]]
    second, _ = normalize(parse_report(json.dumps(shifted).encode()), "1.9.4", tmp_path, {"a.py"})
    assert [f.fingerprint for f in first] == [f.fingerprint for f in second]
    assert len({f.fingerprint for f in first}) == len(first)


@pytest.mark.parametrize(
    "stdout",
    [
        b"",
        b"Traceback (most recent call last):",
        b'{"results": 3}',
        b"\xff\xfe",
        b'{"results": [{"x": 1}]}',
    ],
)
def test_garbage_output_is_a_tool_output_error(tmp_path: Path, stdout: bytes) -> None:
    with pytest.raises(ToolOutputError):
        normalize(parse_report(stdout), "1.9.4", tmp_path, {"a.py"})


def test_finding_outside_the_scanned_files_is_rejected(tmp_path: Path) -> None:
    report = {"results": [dict(RECORDED["results"][1], filename="/etc/passwd")]}  # type: ignore[arg-type]
    with pytest.raises(ToolOutputError, match="not asked to scan"):
        normalize(parse_report(json.dumps(report).encode()), "1.9.4", tmp_path, {"a.py"})


def test_shards_keep_command_lines_short() -> None:
    from auditor.collectors.bandit import _shards

    paths = [f"pkg/module_{n:05d}.py" for n in range(20_000)]
    shards = _shards(paths)
    assert [p for s in shards for p in s] == paths
    assert all(sum(len(p) + 1 for p in s) <= 100_000 for s in shards)
    assert _shards(paths[:10]) == [paths[:10]]
