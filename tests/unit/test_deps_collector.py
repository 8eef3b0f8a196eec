from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from auditor.checklist import Control, EvidenceSpec, References
from auditor.collectors.base import AuditContext
from auditor.collectors.dependencies import (
    NO_DB,
    RULE_INVALID,
    RULE_VULNERABLE,
    DependenciesCollector,
)
from auditor.controls import Status, evaluate
from auditor.deps import osv_update
from auditor.evidence import CollectorResult, Fact, Severity
from auditor.files import DEFAULT_EXCLUDES

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _no_ambient_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The user's own database must not leak into these tests."""
    monkeypatch.delenv("AUDITOR_OSV_DB", raising=False)
    monkeypatch.delenv("AUDITOR_OSV_MAX_AGE_DAYS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def osv(rid: str, name: str, fixed: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "modified": "2026-11-20T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        **extra,
    }


def write_db(folder: Path, *records: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        (folder / f"{r['id']}.json").write_text(json.dumps(r))
    return folder


def collect(root: Path, **kw: Any) -> CollectorResult:
    return DependenciesCollector(today=TODAY, **kw).collect(
        AuditContext(root, False, DEFAULT_EXCLUDES, 60.0)
    )


def facts(result: CollectorResult) -> dict[str, Fact]:
    return {f.key: f for f in result.facts if f.key != "deps.dependency"}


def control(fact: str, pass_if: str) -> Control:
    return Control(
        "P10-CX", "P10", "t", "r", Severity.HIGH,
        EvidenceSpec("dependencies", "d", (), fact, pass_if), "fix", References((), ()),
        implemented=True, requires_git=False,
    )  # fmt: skip


def decide(result: CollectorResult, fact: str, pass_if: str) -> tuple[Status, str]:
    r = evaluate(control(fact, pass_if), {"dependencies": result}, is_git=False,
                 honour_suppressions=True)  # fmt: skip
    return r.status, r.reason


def test_without_database_manifest_facts_remain_but_vulnerabilities_error(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==3.2.0\nrequests>=2\n")
    result = collect(tmp_path)
    got = facts(result)
    assert result.status == "ok" and result.tool_version == "0.1.0 (no OSV database)"
    assert got["deps.unpinned"].value == ["requests >=2 (requirements.txt:2)"]
    assert got["deps.unpinned"].source is not None and str(got["deps.unpinned"].source) == (
        "requirements.txt:2"
    )
    assert got["deps.vulnerabilities"].unknown == NO_DB
    status, reason = decide(result, "deps.vulnerabilities", "empty")
    assert status is Status.ERROR and NO_DB in reason
    assert decide(result, "deps.unpinned", "empty")[0] is Status.FAIL
    assert decide(result, "deps.lock_file", "present")[0] is Status.FAIL


def test_emitted_fact_keys_are_declared(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==3.2.0\n")
    db = write_db(tmp_path / "db", osv("PYSEC-1", "django", "3.2.1"))
    for result in (collect(tmp_path), collect(tmp_path, osv_db=db)):
        emitted = {f.key for f in result.facts}
        assert emitted <= DependenciesCollector.fact_keys
    assert DependenciesCollector.fact_keys - emitted == set()


def test_vulnerabilities_findings_and_staleness(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# deps\nDjango==3.2.0\nrequests==2.31.0\n")
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    db = write_db(
        tmp_path / "db",
        osv("PYSEC-1", "django", "3.2.1", aliases=["CVE-2021-1"],
            severity=[{"type": "CVSS_V3", "score": vector}]),
        osv("GHSA-xxxx-yyyy-zzzz", "django", "3.2.2", aliases=["CVE-2021-1"]),
        osv("PYSEC-2", "requests", "2.20.0"),
    )  # fmt: skip
    result = collect(tmp_path, osv_db=db)
    got = facts(result)
    (finding,) = result.findings
    assert finding.rule_id == RULE_VULNERABLE and str(finding.location) == "requirements.txt:2"
    assert finding.severity is Severity.HIGH
    assert finding.message.startswith(
        "Django 3.2.0 is affected by GHSA-xxxx-yyyy-zzzz, PYSEC-1 (aliases: CVE-2021-1)"
    )
    assert "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" in finding.message
    assert finding.message.endswith("fixed in 3.2.1, 3.2.2")
    assert got["deps.vulnerabilities"].value == [
        "Django 3.2.0 (requirements.txt:2): GHSA-xxxx-yyyy-zzzz, PYSEC-1 (CVE-2021-1); "
        "fixed in 3.2.1, 3.2.2"
    ]
    assert decide(result, "deps.vulnerabilities", "empty")[0] is Status.FAIL
    assert got["deps.osv_db"].value["date"] == "2026-11-20"
    assert got["deps.osv_db_stale"].value is False
    assert result.tool_version == "0.1.0 (OSV PyPI 2026-11-20)"
    stale = facts(collect(tmp_path, osv_db=db, max_db_age_days=3))["deps.osv_db_stale"]
    assert stale.value is True and "dated 2026-11-20" in stale.how and "6 days old" in stale.how
    again = collect(tmp_path, osv_db=db)
    assert [f.fingerprint for f in again.findings] == [finding.fingerprint]


def test_environment_variable_and_unusable_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text("django==3.2.0\n")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "X.json").write_text("{")
    monkeypatch.setenv("AUDITOR_OSV_DB", str(broken))
    result = collect(tmp_path)
    unknown = facts(result)["deps.vulnerabilities"].unknown
    assert unknown is not None and unknown.startswith("vulnerability database unusable:")
    assert decide(result, "deps.vulnerabilities", "empty")[0] is Status.ERROR
    assert facts(result)["deps.unpinned"].value == []


def test_default_database_location_is_used(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==3.2.0\n")
    folder = tmp_path / "cache" / "auditor" / "osv" / "PyPI"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "all.zip", "w") as z:
        z.writestr("PYSEC-1.json", json.dumps(osv("PYSEC-1", "django", "4.0")))
    result = collect(tmp_path)
    assert [f.rule_id for f in result.findings] == [RULE_VULNERABLE]


def test_no_manifest_and_setup_py_only_are_unknown(tmp_path: Path) -> None:
    result = collect(tmp_path)
    assert facts(result)["deps.unpinned"].unknown is not None
    assert decide(result, "deps.unpinned", "empty")[0] is Status.ERROR
    assert decide(result, "deps.python_eol", "empty")[0] is Status.ERROR
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(install_requires=['x'])\n"
    )
    unknown = facts(collect(tmp_path))["deps.unpinned"].unknown
    assert unknown is not None and "setup.py" in unknown and "never executed" in unknown


def test_discovery_excludes_symlinks_and_root(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "prod.txt").write_text("flask==2.0.0\n")
    (tmp_path / "MANIFEST.in").write_text("include README.md\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "requirements.txt").write_text("pytest\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "requirements.txt").write_text("vendored\n")
    (tmp_path / "requirements-dev.txt").write_text("ruff\n")
    os.symlink("/etc/passwd", tmp_path / "requirements-evil.txt")
    result = DependenciesCollector(today=TODAY).collect(
        AuditContext(tmp_path, False, (*DEFAULT_EXCLUDES, "vendor", "requirements-dev.txt"), 60)
    )
    manifests = facts(result)["deps.manifests"].value
    assert manifests == [
        "requirements-dev.txt (requirements)",
        "requirements/prod.txt (requirements)",
    ], "root manifests are read even when an exclusion names them"
    assert result.details["skipped"] == {"requirements-evil.txt": "symbolic link (not followed)"}


def test_parse_errors_are_findings_and_block_pinning(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==4.2\nnot valid!!\n")
    result = collect(tmp_path)
    (finding,) = result.findings
    assert finding.rule_id == RULE_INVALID and str(finding.location) == "requirements.txt:2"
    assert finding.message.startswith("expected a PEP 508 requirement")
    got = facts(result)
    assert got["deps.parse_errors"].value[0].startswith("requirements.txt:2: expected")
    assert got["deps.unpinned"].value == [
        "requirements.txt:2: unreadable entry, pinning unknown (see deps.parse_errors)"
    ]


def test_lock_facts_extra_index_and_python(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "a"\nrequires-python = ">=3.9"\n'
        'dependencies = ["django>=4", "lib @ git+https://github.com/o/lib.git@main"]\n'
    )
    (tmp_path / "requirements.txt").write_text(
        "--extra-index-url https://tok@private.example/simple\ndjango==4.2.1\n"
    )
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    got = facts(collect(tmp_path))
    assert got["deps.lock_file"].value == "requirements.txt"
    assert got["deps.hashes_required"].value is False
    assert got["deps.unpinned_vcs"].value == [
        "lib @ git+https://github.com/o/lib.git@main (pyproject.toml:4)"
    ]
    assert got["deps.extra_index_url"].value == [
        "--extra-index-url https://***@private.example/simple (requirements.txt:1)"
    ]
    assert got["deps.python_eol"].value == [
        "3.9 (end of life since 2025-10-31): requires-python >=3.9 at pyproject.toml:3",
        "3.10 (end of life since 2026-10-31): requires-python >=3.9 at pyproject.toml:3",
    ]
    assert "as of 2026-11-26" in got["deps.python_eol"].how
    assert len(got["deps.python_versions"].value) == 2


def test_update_helpers_verify_and_replace_atomically(tmp_path: Path) -> None:
    """update_database itself needs the network and is never called by tests; the
    verification and installation it relies on are tested here."""
    dest = tmp_path / "PyPI"
    dest.mkdir()
    (dest / "all.zip").write_bytes(b"previous")
    bad = dest / ".bad.download"
    bad.write_bytes(b"not a zip")
    with pytest.raises(osv_update.OsvUpdateError, match="expected a zip"):
        osv_update.install(bad, dest, "https://example.invalid/all.zip")
    assert (dest / "all.zip").read_bytes() == b"previous"
    good = dest / ".good.download"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("PYSEC-1.json", json.dumps(osv("PYSEC-1", "django", "4.0")))
    result = osv_update.install(good, dest, "https://example.invalid/all.zip")
    assert result.records == 1 and not good.exists()
    meta = json.loads((dest / "metadata.json").read_text())
    assert meta["records"] == 1 and meta["sha256"] == result.sha256
    with pytest.raises(osv_update.OsvUpdateError, match="https://"):
        osv_update.update_database(dest, url="http://insecure.example/all.zip")


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("requirements.txt", "requirements"),
        ("requirements-dev.in", "requirements"),
        ("dev-requirements.txt", "requirements"),
        ("requirements/base.txt", "requirements"),
        ("requirements/README.txt", None),
        ("constraints.txt", "constraints"),
        ("MANIFEST.in", None),
        ("notes.txt", None),
        ("docker/Dockerfile.prod", "Dockerfile"),
        ("api.Dockerfile", "Dockerfile"),
        (".github/workflows/ci.yaml", "workflow"),
        ("other/workflows/ci.yaml", None),
        ("sub/pyproject.toml", "pyproject"),
        ("uv.lock", "uv.lock"),
    ],
)
def test_classify(rel: str, kind: str | None) -> None:
    from auditor.deps.discover import classify

    assert classify(rel) == kind


def test_timeout_is_an_error(tmp_path: Path) -> None:
    from auditor.collectors.dependencies import DependenciesError

    (tmp_path / "requirements.txt").write_text("django==4.2\n")
    with pytest.raises(DependenciesError, match="did not finish within"):
        DependenciesCollector().collect(AuditContext(tmp_path, False, DEFAULT_EXCLUDES, 0.0))
