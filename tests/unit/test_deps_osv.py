from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from auditor.deps import cvss, ranges
from auditor.deps.analysis import Pinned
from auditor.deps.matching import Matcher
from auditor.deps.model import Dependency
from auditor.deps.osv import Database, OsvDatabaseError, load, parse_record
from auditor.evidence import Location, Severity


def record(
    rid: str,
    package: str,
    events: list[dict[str, str]] | None = None,
    *,
    versions: list[str] | None = None,
    aliases: list[str] | None = None,
    ecosystem: str = "PyPI",
    **extra: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": package}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {
        "id": rid,
        "modified": "2024-05-01T00:00:00Z",
        "aliases": aliases or [],
        "affected": [affected],
        **extra,
    }


def write_db(folder: Path, *records: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        (folder / f"{r['id']}.json").write_text(json.dumps(r))
    return folder


def pin(name: str, version: str, line: int = 1) -> Pinned:
    dep = Dependency(name, name, f"=={version}", Location("requirements.txt", line), "main")
    return Pinned(dep, version)


def ids_for(db: Database, name: str, version: str) -> list[tuple[str, ...]]:
    return sorted(m.ids for m in Matcher(db).match([pin(name, version)]))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return load(
        write_db(
            tmp_path / "osv",
            record("OSV-FIXED", "pkg-a", [{"introduced": "1.0"}, {"fixed": "1.5"}]),
            record("OSV-ZERO", "pkg-b", [{"introduced": "0"}, {"fixed": "2.0"}]),
            record("OSV-LAST", "pkg-c", [{"introduced": "0"}, {"last_affected": "3.1"}]),
            record("OSV-LIMIT", "pkg-d", [{"introduced": "1.0"}, {"limit": "1.4"}]),
            record(
                "OSV-UNSORTED",
                "pkg-e",
                [{"fixed": "3.2"}, {"introduced": "3.0"}, {"fixed": "1.2"}, {"introduced": "1.0"}],
            ),
            record("OSV-VERSIONS", "pkg-f", versions=["0.9", "1.1.0"]),
            record("OSV-OPEN", "pkg-g", [{"introduced": "2.0"}]),
            record("OSV-STAR", "pkg-h", [{"introduced": "0"}, {"limit": "*"}]),
            record(
                "OSV-WITHDRAWN",
                "pkg-a",
                [{"introduced": "0"}],
                withdrawn="2024-01-01T00:00:00Z",
            ),
            record("OSV-NPM", "pkg-a", [{"introduced": "0"}], ecosystem="npm"),
            record(
                "OSV-ADJACENT",
                "pkg-i",
                [{"introduced": "0"}, {"fixed": "1.1"}, {"introduced": "1.1"}, {"fixed": "1.3"}],
            ),
            record("OSV-NAMES", "Zope.Interface_Ext", [{"introduced": "0"}, {"fixed": "5"}]),
        )
    )


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("pkg-a", "0.9", False),
        ("pkg-a", "1.0", True),
        ("pkg-a", "1.4.99", True),
        ("pkg-a", "1.5", False),
        ("pkg-a", "1.5.0", False),
        ("pkg-b", "0.0.1", True),
        ("pkg-b", "1.9.9", True),
        ("pkg-b", "2.0", False),
        ("pkg-c", "3.1", True),
        ("pkg-c", "3.1.0", True),
        ("pkg-c", "3.1.1", False),
        ("pkg-d", "1.3", True),
        ("pkg-d", "1.4", False),
        ("pkg-d", "0.5", False),
        ("pkg-e", "1.1", True),
        ("pkg-e", "1.2", False),
        ("pkg-e", "2.5", False),
        ("pkg-e", "3.1", True),
        ("pkg-e", "3.2", False),
        ("pkg-f", "0.9", True),
        ("pkg-f", "0.9.0", True),
        ("pkg-f", "1.1", True),
        ("pkg-f", "1.0", False),
        ("pkg-g", "1.9", False),
        ("pkg-g", "99", True),
        ("pkg-h", "100.0", True),
        ("pkg-i", "1.1", True),
        ("pkg-i", "1.3", False),
        ("zope-interface-ext", "4.0", True),
        ("zope-interface-ext", "5.0", False),
    ],
)
def test_range_kinds(db: Database, name: str, version: str, expected: bool) -> None:
    assert bool(ids_for(db, name, version)) is expected


def test_withdrawn_and_other_ecosystems_are_skipped(db: Database) -> None:
    assert ids_for(db, "pkg-a", "1.2") == [("OSV-FIXED",)]
    assert ids_for(db, "pkg-a", "0.1") == []
    assert db.withdrawn == 1 and db.records == 12


VERSIONS = [
    "0.9", "1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.0", "1.0.post1", "1.0+local",
    "1.0.1.dev0", "1.1", "1.9.9", "2.0.dev5", "2.0rc1", "2.0", "2.0.post1", "2.0.1", "1!0.1",
]  # fmt: skip


@pytest.mark.parametrize(
    ("introduced", "fixed"),
    [("1.0", "2.0"), ("1.0rc1", "2.0.post1"), ("1.0.post1", "2.0rc1"), ("0", "1!0.0")],
)
def test_ordering_matches_packaging(tmp_path: Path, introduced: str, fixed: str) -> None:
    """Pre, post, dev, local releases and epochs: affected exactly when
    introduced <= v < fixed in packaging's PEP 440 order."""
    database = load(
        write_db(tmp_path / "o", record("X-1", "p", [{"introduced": introduced}, {"fixed": fixed}]))
    )
    low = Version("0.dev0") if introduced == "0" else Version(introduced)
    for v in VERSIONS:
        expected = low <= Version(v) < Version(fixed) or (
            introduced == "0" and Version(v) < Version(fixed)
        )
        assert bool(ids_for(database, "p", v)) is expected, v


def test_aliases_merge_into_one_match(tmp_path: Path) -> None:
    database = load(
        write_db(
            tmp_path / "o",
            record(
                "PYSEC-2023-1",
                "web",
                [{"introduced": "0"}, {"fixed": "2.0"}],
                aliases=["CVE-2023-0001"],
            ),
            record(
                "GHSA-aaaa-bbbb-cccc",
                "web",
                [{"introduced": "1.0"}, {"fixed": "2.0.1"}],
                aliases=["CVE-2023-0001"],
                database_specific={"severity": "MODERATE"},
            ),
            record(
                "PYSEC-2023-2",
                "web",
                [{"introduced": "0"}, {"fixed": "3.0"}],
                severity=[
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                ],
            ),
        )
    )
    matches = sorted(Matcher(database).match([pin("web", "1.5")]), key=lambda m: m.ids)
    assert [m.ids for m in matches] == [
        ("GHSA-aaaa-bbbb-cccc", "PYSEC-2023-1"),
        ("PYSEC-2023-2",),
    ]
    merged, other = matches
    assert merged.aliases == ("CVE-2023-0001",) and merged.primary == "CVE-2023-0001"
    assert merged.fixed == ("2.0", "2.0.1") and merged.severity is Severity.MEDIUM
    assert merged.severity_text == "MODERATE"
    assert other.primary == "PYSEC-2023-2" and other.severity is Severity.CRITICAL
    assert other.severity_text == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    only_one = Matcher(database).match([pin("web", "0.5")])
    assert sorted(m.ids for m in only_one) == [("PYSEC-2023-1",), ("PYSEC-2023-2",)]


def test_unparseable_versions_do_not_crash(tmp_path: Path) -> None:
    database = load(
        write_db(
            tmp_path / "o",
            record(
                "BAD-1",
                "odd",
                [{"introduced": "0"}, {"fixed": "2019-09-12 nightly"}],
                versions=["weird-build"],
            ),
            record("OK-1", "odd", [{"introduced": "0"}, {"fixed": "2.0"}]),
        )
    )
    matcher = Matcher(database)
    assert [m.ids for m in matcher.match([pin("odd", "1.0")])] == [("OK-1",)]
    assert [m.ids for m in matcher.match([pin("odd", "weird-build")])] == [("BAD-1",)]
    assert any("BAD-1" in u and "not a PEP 440" in u for u in matcher.unusable)


def test_equality_key_is_pep440_equality() -> None:
    assert ranges.equality_key("1.0") == ranges.equality_key("1.0.0") == ranges.equality_key("v1")
    assert ranges.equality_key("1.0rc1") == ranges.equality_key("1.0-rc.1")
    assert ranges.equality_key("1.0") != ranges.equality_key("1.0.post0")
    assert ranges.equality_key("1!1.0") != ranges.equality_key("1.0")


def test_zip_database_and_download_date(tmp_path: Path) -> None:
    folder = tmp_path / "PyPI"
    folder.mkdir()
    with zipfile.ZipFile(folder / "all.zip", "w") as z:
        z.writestr("X-1.json", json.dumps(record("X-1", "p", [{"introduced": "0"}])))
    database = load(folder)
    assert database.records == 1 and database.date is not None
    assert str(database.date) == "2024-05-01" and "modified" in database.date_source
    (folder / "metadata.json").write_text('{"downloaded": "2024-06-02T10:00:00Z"}')
    database = load(folder)
    assert str(database.date) == "2024-06-02" and "metadata.json" in database.date_source
    assert load(folder / "all.zip").records == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "expected JSON"),
        ('{"no": "id"}', "expected an OSV record"),
        (
            '{"id": "X", "affected": [{"package": {"name": "p", "ecosystem": "PyPI"},'
            ' "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}',
            "exactly one key",
        ),
    ],
)
def test_unreadable_records_make_the_database_unusable(
    tmp_path: Path, content: str, fragment: str
) -> None:
    (tmp_path / "X.json").write_text(content)
    with pytest.raises(OsvDatabaseError, match=fragment):
        load(tmp_path)


def test_empty_or_missing_database(tmp_path: Path) -> None:
    with pytest.raises(OsvDatabaseError, match="found none"):
        load(tmp_path)
    with pytest.raises(OsvDatabaseError, match="found nothing there"):
        load(tmp_path / "nope")


def test_parse_record_keeps_severity_verbatim() -> None:
    raw = record(
        "X",
        "p",
        [{"introduced": "0"}],
        severity=[{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L"}],
    )
    advisory = parse_record(raw, "X.json")
    assert advisory is not None and advisory.severity == ("CVSS:4.0/AV:N/AC:L",)


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", None),
        ("CVSS:3.1/AV:N", None),
    ],
)
def test_cvss_base_score(vector: str, score: float | None) -> None:
    assert cvss.base_score(vector) == score
