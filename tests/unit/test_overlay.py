from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.audit import load_checklist
from auditor.errors import ChecklistError
from auditor.resources import data_dir

BUNDLED = data_dir("checklists")


def overlay(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(
        'id: mine\nversion: "1"\ntitle: Mine\nextends: python-secure-development\n' + body
    )
    return path


def test_shipped_overlays_change_what_they_say() -> None:
    base = {c.id: c for c in load_checklist(BUNDLED / "python-secure-development.yaml").controls()}
    pre = load_checklist(BUNDLED / "pre-release.yaml")
    assert pre.extends == ("python-secure-development 1.0.0",)
    pre_controls = {c.id: c for c in pre.controls()}
    assert pre_controls["P02-C01"].severity.value == "critical" != base["P02-C01"].severity.value
    assert {p.id: p.weight for p in pre.practices}["P02"] == 2.0
    quarterly = {c.id: c for c in load_checklist(BUNDLED / "quarterly.yaml").controls()}
    assert quarterly["P13-C06"].disabled and "operations" in quarterly["P13-C06"].disabled
    assert set(quarterly) == set(base)


def test_added_control_and_overlay_of_overlay(tmp_path: Path) -> None:
    added = """add_controls:
  - practice: P15
    control:
      id: P15-C90
      title: Penetration test in the last 12 months
      rationale: Tools do not find business-logic flaws.
      severity: high
      evidence: {collector: attestation, description: A signed statement of the last test}
      remediation: Commission a test.
      references: {cwe: [CWE-1053], asvs: ["1.1.2"]}
"""
    first = overlay(tmp_path, added)
    second = tmp_path / "second.yaml"
    second.write_text('id: two\nversion: "1"\ntitle: Two\nextends: mine.yaml\ndisable:\n'
                      '  - {control: P15-C90, reason: "not this year"}\n')  # fmt: skip
    assert first.is_file()
    cl = load_checklist(second)
    c = {c.id: c for c in cl.controls()}["P15-C90"]
    assert c.manual and c.disabled == "not this year"
    assert cl.extends == ("mine 1", "python-secure-development 1.0.0")


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("overrides:\n  - {control: P99-C01, severity: high}\n", 6, "expected a control id"),
        ("disable:\n  - {control: P01-C01}\n", 6, "expected key 'reason'"),
        ("practice_weights: {P01: 0}\n", 5, "greater than 0"),
        ("overrides:\n  - {control: P01-C01, severity: urgent}\n", 6, "expected severity"),
    ],
)
def test_overlay_errors_point_into_the_overlay(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = overlay(tmp_path, body)
    with pytest.raises(ChecklistError) as info:
        load_checklist(path)
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+: expected", str(info.value)), str(
        info.value
    )
    assert fragment in str(info.value)


def test_cycles_are_rejected(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text('id: a\nversion: "1"\ntitle: A\nextends: b.yaml\n')
    b.write_text('id: b\nversion: "1"\ntitle: B\nextends: a.yaml\n')
    with pytest.raises(ChecklistError, match="no cycle"):
        load_checklist(a)
