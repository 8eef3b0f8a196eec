from __future__ import annotations

import pytest

from auditor.checklist import Checklist, Control, EvidenceSpec, Practice, References
from auditor.controls import ControlResult, Status, evaluate
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Finding, Location, Severity
from auditor.scoring import practice_score, score


def make_control(
    cid: str = "P01-C01",
    *,
    rules: tuple[str, ...] = ("B602",),
    fact: str | None = None,
    pass_if: str = "no_findings",
    severity: Severity = Severity.HIGH,
    implemented: bool = True,
    requires_git: bool = False,
    collector: str = "bandit",
) -> Control:
    return Control(
        id=cid,
        practice_id=cid.split("-")[0],
        title="t",
        rationale="r",
        severity=severity,
        evidence=EvidenceSpec(collector, "d", rules if fact is None else (), fact, pass_if),
        remediation="m",
        references=References(("CWE-78",), ("5.3.8",)),
        implemented=implemented,
        requires_git=requires_git,
    )


def finding(rule: str = "B602", suppressed: str | None = None) -> Finding:
    return Finding(
        rule,
        Location("a.py", 3, 1),
        Severity.HIGH,
        "msg",
        "bandit",
        "1.9.4",
        "f" * 20,
        suppressed_by=suppressed,
    )


def bandit(
    *findings: Finding, status: CollectorStatus = CollectorStatus.OK
) -> dict[str, CollectorResult]:
    return {
        "bandit": CollectorResult(
            "bandit",
            "bandit",
            "1.9.4",
            status,
            "boom" if status is CollectorStatus.ERROR else None,
            findings=findings,
            details={"files_scanned": 4},
        )
    }


def repo_fact(value: object, unknown: str | None = None) -> dict[str, CollectorResult]:
    fact = Fact("repo.x", value, Location("SECURITY.md", 1), "how", unknown)
    return {
        "repository": CollectorResult(
            "repository", "git", "2.39", CollectorStatus.OK, facts=(fact,)
        )
    }


RULE_CASES = [
    ((), True, Status.PASS),
    ((finding(),), True, Status.FAIL),
    ((finding("B101"),), True, Status.PASS),
    ((finding(suppressed="# nosec at line 3"),), True, Status.PASS),
    ((finding(suppressed="# nosec at line 3"),), False, Status.FAIL),
]


@pytest.mark.parametrize(("findings", "honour", "expected"), RULE_CASES)
def test_rule_controls(findings: tuple[Finding, ...], honour: bool, expected: Status) -> None:
    r = evaluate(make_control(), bandit(*findings), is_git=True, honour_suppressions=honour)
    assert r.status is expected
    assert r.tool_version == "1.9.4"
    assert "4 files" in r.reason


def test_suppressed_findings_stay_in_evidence() -> None:
    r = evaluate(
        make_control(),
        bandit(finding(suppressed="# nosec at line 3")),
        is_git=True,
        honour_suppressions=True,
    )
    assert r.status is Status.PASS and len(r.findings) == 1
    assert "1 suppressed by inline comment (honoured)" in r.reason


FACT_CASES = [
    ("empty", [], Status.PASS),
    ("empty", [".env"], Status.FAIL),
    ("present", "SECURITY.md", Status.PASS),
    ("present", None, Status.FAIL),
    ("true", True, Status.PASS),
    ("true", "yes", Status.FAIL),
    ("false", False, Status.PASS),
]


@pytest.mark.parametrize(("condition", "value", "expected"), FACT_CASES)
def test_fact_controls(condition: str, value: object, expected: Status) -> None:
    c = make_control(fact="repo.x", pass_if=condition, collector="repository")
    assert evaluate(c, repo_fact(value), is_git=True, honour_suppressions=True).status is expected


def test_fail_closed_paths() -> None:
    c = make_control()
    assert evaluate(c, {}, is_git=True, honour_suppressions=True).status is Status.ERROR
    errored = evaluate(
        c, bandit(status=CollectorStatus.ERROR), is_git=True, honour_suppressions=True
    )
    assert errored.status is Status.ERROR and "boom" in errored.reason
    fc = make_control(fact="repo.x", pass_if="present", collector="repository")
    unknown = evaluate(
        fc, repo_fact(None, unknown="not resolvable"), is_git=True, honour_suppressions=True
    )
    assert unknown.status is Status.ERROR
    missing = make_control(fact="repo.other", pass_if="present", collector="repository")
    assert (
        evaluate(missing, repo_fact(1), is_git=True, honour_suppressions=True).status
        is Status.ERROR
    )


def test_not_implemented_and_not_applicable() -> None:
    planned = make_control(implemented=False, collector="semgrep")
    assert (
        evaluate(planned, {}, is_git=True, honour_suppressions=True).status
        is Status.NOT_IMPLEMENTED
    )
    history = make_control(requires_git=True)
    r = evaluate(history, bandit(), is_git=False, honour_suppressions=True)
    assert r.status is Status.NOT_APPLICABLE and "not a git repository" in r.reason


def result(cid: str, status: Status, severity: Severity = Severity.HIGH) -> ControlResult:
    return ControlResult(make_control(cid, severity=severity), status, "r")


SCORE_CASES = [
    ([Status.PASS, Status.PASS], 100.0),
    ([Status.PASS, Status.FAIL], 50.0),
    ([Status.PASS, Status.ERROR], 50.0),
    ([Status.PASS, Status.NOT_IMPLEMENTED], 50.0),
    ([Status.PASS, Status.NOT_APPLICABLE], 100.0),
    ([Status.NOT_APPLICABLE], None),
]


@pytest.mark.parametrize(("statuses", "expected"), SCORE_CASES)
def test_practice_score(statuses: list[Status], expected: float | None) -> None:
    results = [result(f"P01-C0{n}", s) for n, s in enumerate(statuses, 1)]
    assert practice_score(results) == expected


def test_severity_weights_the_practice_score() -> None:
    results = [
        result("P01-C01", Status.PASS, Severity.CRITICAL),
        result("P01-C02", Status.FAIL, Severity.LOW),
    ]
    assert practice_score(results) == 80.0  # 4 / (4 + 1)


def test_overall_weights_practices_and_reports_unknowns() -> None:
    p1 = Practice("P01", "a", "s", 1.0, (make_control("P01-C01"),))
    p2 = Practice("P02", "b", "s", 3.0, (make_control("P02-C01"), make_control("P02-C02")))
    p3 = Practice("P03", "c", "s", 1.0, (make_control("P03-C01"),))
    cl = Checklist("x", "1", "t", "", (p1, p2, p3), "x.yaml", "0" * 64)
    s = score(
        cl,
        [
            result("P01-C01", Status.PASS),
            result("P02-C01", Status.ERROR),
            result("P02-C02", Status.PASS),
            result("P03-C01", Status.NOT_APPLICABLE),
        ],
    )
    assert s.overall == 62.5  # (1*100 + 3*50) / 4; P03 has no applicable control
    assert s.unevaluated == 1 and not s.complete
    assert s.summary == "62.5/100, 1 control could not be evaluated (1 errored)"


def gated(value: object, unknown: str | None = None) -> dict[str, CollectorResult]:
    facts = (
        Fact("django.project", value, None, "no settings module found", unknown),
        Fact("django.debug", False, Location("settings.py", 3), "literal"),
    )
    return {
        "django_settings": CollectorResult(
            "django_settings", "ast", "1", CollectorStatus.OK, facts=facts
        )
    }


@pytest.mark.parametrize(
    ("value", "unknown", "expected"),
    [
        (None, None, Status.NOT_APPLICABLE),
        ("mysite.settings", None, Status.PASS),
        (None, "x", Status.ERROR),
    ],
)
def test_applies_if_gates_a_control(value: object, unknown: str | None, expected: Status) -> None:
    c = make_control(fact="django.debug", pass_if="false", collector="django_settings")
    c = Control(
        **{
            **c.__dict__,
            "evidence": EvidenceSpec(
                "django_settings", "d", (), "django.debug", "false", ("django.project",)
            ),
        }
    )
    r = evaluate(c, gated(value, unknown), is_git=True, honour_suppressions=True)
    assert r.status is expected
    if expected is Status.NOT_APPLICABLE:
        assert (
            r.reason
            == "does not apply: nothing found for django.project (no settings module found)"
        )
