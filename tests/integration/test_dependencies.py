"""The dependency collector on real git repositories, against an OSV database on disk."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.dependencies import RULE_VULNERABLE, DependenciesCollector
from auditor.evidence import CollectorResult
from auditor.files import DEFAULT_EXCLUDES
from auditor.git import is_git_repo
from tests.helpers import make_repo

HASH = "sha256:" + "ab" * 32


def advisory(rid: str, name: str, fixed: str, aliases: list[str]) -> dict[str, Any]:
    return {
        "id": rid,
        "modified": "2026-11-25T08:00:00Z",
        "aliases": aliases,
        "summary": f"{name} flaw",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


RECORDS = [
    advisory("PYSEC-2018-28", "requests", "2.20.0", ["CVE-2018-18074"]),
    advisory("GHSA-x84v-xcm2-53pg", "requests", "2.20.0", ["CVE-2018-18074"]),
    advisory("PYSEC-2020-96", "PyYAML", "5.3.1", ["CVE-2020-1747"]),
    advisory("GHSA-2x8x-jmrp-phxw", "django", "3.2.4", ["CVE-2021-33203"]),
    advisory("PYSEC-2099-1", "jinja2", "2.10.1", []),
]


@pytest.fixture(autouse=True)
def _no_ambient_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUDITOR_OSV_DB", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def osv_zip(tmp_path: Path) -> Path:
    folder = tmp_path / "osv" / "PyPI"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "all.zip", "w") as z:
        for r in RECORDS:
            z.writestr(f"{r['id']}.json", json.dumps(r))
    (folder / "metadata.json").write_text('{"downloaded": "2026-11-25T09:00:00Z"}')
    return folder


def files(requests: str, pyyaml: str, django: str) -> dict[str, str]:
    return {
        "requirements.txt": (
            "# production pins\n"
            f"requests=={requests} \\\n    --hash={HASH}\n"
            f"PyYAML=={pyyaml} --hash={HASH}\n"
            "jinja2>=2.10  # unpinned: never matched\n"
        ),
        "pyproject.toml": (
            '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\n'
            'python = "^3.11"\ndjango = "^3.2"\n'
        ),
        "poetry.lock": (
            '[[package]]\nname = "django"\n'
            f'version = "{django}"\n'
            f'files = [{{file = "Django-{django}.tar.gz", hash = "{HASH}"}}]\n\n'
            '[[package]]\nname = "asgiref"\nversion = "3.8.1"\n'
            f'files = [{{file = "asgiref-3.8.1.tar.gz", hash = "{HASH}"}}]\n'
        ),
        "app/main.py": "print('hello')\n",
    }


def audit(repo: Path, db: Path) -> CollectorResult:
    assert is_git_repo(repo)
    collector = DependenciesCollector(osv_db=db, today=dt.date(2026, 11, 26))
    return collector.collect(AuditContext(repo, True, DEFAULT_EXCLUDES, 120.0))


def test_vulnerable_pins_are_found_at_their_manifest_lines(tmp_path: Path, osv_zip: Path) -> None:
    repo = make_repo(tmp_path / "repo", files("2.19.1", "5.3", "3.2.0"))
    result = audit(repo, osv_zip)
    found = {(str(f.location), f.message) for f in result.findings}
    assert all(f.rule_id == RULE_VULNERABLE for f in result.findings)
    assert len(result.findings) == 3, "two records of one CVE are one finding"
    by_place = dict(found)
    assert by_place["requirements.txt:2"] == (
        "requests 2.19.1 is affected by GHSA-x84v-xcm2-53pg, PYSEC-2018-28 "
        "(aliases: CVE-2018-18074): requests flaw; severity: not given (treated as high); "
        "fixed in 2.20.0"
    )
    assert "PYSEC-2020-96 (aliases: CVE-2020-1747)" in by_place["requirements.txt:4"]
    assert by_place["requirements.txt:4"].endswith("fixed in 5.3.1")
    assert "GHSA-2x8x-jmrp-phxw (aliases: CVE-2021-33203)" in by_place["poetry.lock:3"]
    assert by_place["poetry.lock:3"].endswith("fixed in 3.2.4")
    facts = {f.key: f for f in result.facts if f.key != "deps.dependency"}
    assert facts["deps.vulnerabilities"].value[0].startswith("django 3.2.0 (poetry.lock:3)")
    assert facts["deps.unpinned"].value == ["jinja2 >=2.10 (requirements.txt:5)"]
    assert facts["deps.lock_file"].value == "poetry.lock"
    assert facts["deps.lock_disagreements"].value == []
    assert facts["deps.osv_db_stale"].value is False
    assert facts["deps.python_eol"].value == []
    fingerprints = [f.fingerprint for f in result.findings]
    assert len(set(fingerprints)) == 3
    assert fingerprints == [f.fingerprint for f in audit(repo, osv_zip).findings]


def test_fixed_versions_have_no_findings(tmp_path: Path, osv_zip: Path) -> None:
    repo = make_repo(tmp_path / "repo", files("2.32.3", "6.0.1", "4.2.16"))
    result = audit(repo, osv_zip)
    assert result.findings == ()
    facts = {f.key: f for f in result.facts}
    assert facts["deps.vulnerabilities"].value == []
    assert facts["deps.vulnerabilities"].unknown is None
    assert facts["deps.lock_disagreements"].value == [
        "django: pyproject.toml:6 wants '^3.2', locked 4.2.16 at poetry.lock:3"
    ]


def test_history_edit_changes_findings(tmp_path: Path, osv_zip: Path) -> None:
    """The work tree is what is audited: a later commit fixing the pins clears them."""
    vulnerable = files("2.19.1", "5.3", "3.2.0")
    fixed = files("2.32.3", "6.0.1", "3.2.25")
    repo = make_repo(tmp_path / "repo", vulnerable, fixed)
    assert audit(repo, osv_zip).findings == ()


def test_stale_database_is_shown_on_the_dashboard(tmp_path: Path) -> None:
    """Through the CLI: an OSV database older than the configured age is a banner."""
    import subprocess
    import sys

    repo = make_repo(tmp_path / "r", {"requirements.txt": "requests==2.19.1\n"})
    db = tmp_path / "osv"
    db.mkdir()
    record = {**RECORDS[0], "modified": "2020-01-01T00:00:00Z"}  # the database is dated by it
    (db / "PYSEC-2018-28.json").write_text(json.dumps(record))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "auditor", "audit", str(repo), "--out", str(out)]
    cmd += ["--osv-db", str(db)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((out / "results.json").read_text())
    deps = next(c for c in doc["collectors"] if c["name"] == "dependencies")
    assert any("stale" in w for w in deps["details"]["warnings"])
    p10 = next(c for c in doc["controls"] if c["fact"] == "deps.vulnerabilities")
    assert p10["status"] == "fail" and "PYSEC-2018-28" in p10["reason"]
    assert "the vulnerability database is stale" in (out / "index.html").read_text()
