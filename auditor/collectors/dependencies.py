"""Dependencies: manifests and locks read in-process, versions matched against an offline
OSV database, declared interpreters compared with an end-of-life table.

Nothing is installed or resolved: versions come only from what the repository
declares (lock entries first, then exact pins). Without a database every
manifest fact is still reported, but the vulnerability fact is unknown, so the
control that reads it is ``error``, never ``pass``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from auditor import __version__
from auditor.collectors.base import AuditContext
from auditor.deps import facts as F
from auditor.deps.analysis import Repo
from auditor.deps.discover import Found, discover
from auditor.deps.matching import Match, Matcher
from auditor.deps.osv import ARCHIVE, Database, OsvDatabaseError, default_db_dir, load_cached
from auditor.errors import CollectorError
from auditor.evidence import (
    CollectorResult,
    CollectorStatus,
    Fact,
    Finding,
    Location,
    Severity,
    fingerprint,
)

ENV_DB = "AUDITOR_OSV_DB"
ENV_MAX_AGE = "AUDITOR_OSV_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 7
NO_DB = "no vulnerability database: run `auditor db update` or pass --osv-db"
RULE_VULNERABLE = "osv-vulnerable-dependency"
RULE_INVALID = "dependency-manifest-invalid"
VULNERABILITIES = "deps.vulnerabilities"
OSV_DB = "deps.osv_db"
OSV_DB_STALE = "deps.osv_db_stale"
FACT_KEYS = frozenset(
    {
        F.DEPENDENCY, F.MANIFESTS, F.PARSE_ERRORS, F.UNPINNED, F.UNPINNED_VCS, F.LOCK_FILE,
        F.LOCK_DISAGREEMENTS, F.HASHES_REQUIRED, F.EXTRA_INDEX_URL, F.PYTHON_VERSIONS,
        F.PYTHON_EOL, VULNERABILITIES, OSV_DB, OSV_DB_STALE,
    }
)  # fmt: skip


class DependenciesError(CollectorError):
    """The dependency collector could not finish."""


@dataclass(frozen=True)
class DependenciesCollector:
    """``osv_db`` and ``max_db_age_days`` override ``AUDITOR_OSV_DB`` and
    ``AUDITOR_OSV_MAX_AGE_DAYS``; ``today`` is fixed only by tests."""

    osv_db: Path | None = None
    max_db_age_days: int | None = None
    today: dt.date | None = None

    name: ClassVar[str] = "dependencies"
    tool: ClassVar[str] = "auditor-deps"
    fact_keys: ClassVar[frozenset[str]] = FACT_KEYS

    def db_path(self) -> Path | None:
        if self.osv_db is not None:
            return self.osv_db
        if os.environ.get(ENV_DB):
            return Path(os.environ[ENV_DB])
        default = default_db_dir()
        return default if (default / ARCHIVE).is_file() else None

    def max_age(self) -> int:
        if self.max_db_age_days is not None:
            return self.max_db_age_days
        try:
            return int(os.environ.get(ENV_MAX_AGE, DEFAULT_MAX_AGE_DAYS))
        except ValueError:
            return DEFAULT_MAX_AGE_DAYS

    def version(self, timeout: float) -> str:
        path = self.db_path()
        if path is None:
            return f"{__version__} (no OSV database)"
        try:
            db = load_cached(path)
        except OsvDatabaseError:
            return f"{__version__} (OSV database unreadable)"
        return f"{__version__} (OSV PyPI {db.date or 'undated'})"

    def collect(self, ctx: AuditContext) -> CollectorResult:
        if ctx.osv_db is not None and self.osv_db is None:
            # the operator's --osv-db / config wins over the environment and the default
            return replace(self, osv_db=Path(ctx.osv_db)).collect(ctx)
        deadline = time.monotonic() + ctx.timeout
        today = self.today or dt.datetime.now(dt.UTC).date()
        found = discover(ctx.root, ctx.excludes)
        repo = Repo(found.manifests)
        facts = [*F.dependency_facts(repo), *F.pinning_facts(found, repo)]
        facts += F.python_facts(found.manifests, today)
        _check(deadline, ctx.timeout)
        vuln_facts, matches, details = self._vulnerabilities(found, repo, today)
        stale = [f for f in vuln_facts if f.key == OSV_DB_STALE and f.value is True]
        if stale:
            details = {
                **details,
                "warnings": [f"the vulnerability database is stale: {stale[0].how}"],
            }
        _check(deadline, ctx.timeout)
        version = self.version(ctx.timeout)
        findings = _findings(matches, found, version)
        return CollectorResult(
            self.name,
            self.tool,
            version,
            CollectorStatus.OK,
            findings=tuple(sorted(findings, key=Finding.sort_key)),
            facts=(*facts, *vuln_facts),
            details={
                "files_scanned": len(found.manifests),
                "skipped": found.skipped,
                "manifests": [f"{m.path} ({m.kind})" for m in found.manifests],
                "not_read_setup_py": found.code_only,
                **details,
            },
        )

    def _vulnerabilities(
        self, found: Found, repo: Repo, today: dt.date
    ) -> tuple[list[Fact], list[Match], dict[str, Any]]:
        path = self.db_path()
        how = "OSV records matched against pinned versions (lock entries, then == pins)"
        if F.no_manifest_reason(found, repo) is None and not repo.to_match():
            # nothing has an exact version: there is nothing to look up, database or not
            unchecked = len(repo.unpinned())
            nothing = (
                f"no pinned or locked dependency to look up; {unchecked} declared dependencies "
                f"have no exact version (see {F.UNPINNED})"
            )
            return [Fact(VULNERABILITIES, [], None, nothing)], [], {}
        if path is None:
            unknown = [Fact(k, None, None, how, unknown=NO_DB) for k in (OSV_DB, OSV_DB_STALE)]
            return [Fact(VULNERABILITIES, None, None, how, unknown=NO_DB), *unknown], [], {}
        try:
            db = load_cached(path)
        except OsvDatabaseError as e:
            reason = (
                f"vulnerability database unusable: {e}; run `auditor db update` or pass --osv-db"
            )
            return (
                [
                    Fact(k, None, None, how, unknown=reason)
                    for k in sorted({VULNERABILITIES, OSV_DB, OSV_DB_STALE})
                ],
                [],
                {"osv_db": str(path)},
            )
        db_facts = self._db_facts(db, today)
        missing = F.no_manifest_reason(found, repo)
        if missing is not None:
            return [Fact(VULNERABILITIES, None, None, how, unknown=missing), *db_facts], [], {}
        pinned = repo.to_match()
        matcher = Matcher(db)
        matches = matcher.match(pinned)
        items = [(_describe(m), m.pinned.dependency.location) for m in matches]
        items.sort(key=lambda item: (str(item[1]), item[0]))
        unchecked = len(repo.unpinned())
        locked = sum(1 for p in pinned if p.from_lock)
        how = (
            f"{len(pinned)} pinned versions ({locked} from lock files) matched against "
            f"{db.records} OSV records in {db.path} dated {db.date or 'unknown'} "
            f"({db.date_source}; withdrawn records skipped); {unchecked} declared "
            f"dependencies have no exact version and were not checked (see {F.UNPINNED})"
        )
        if matcher.unusable:
            how += f"; {len(matcher.unusable)} advisory ranges not PEP 440 (in details)"
        fact = Fact(VULNERABILITIES, [t for t, _ in items], items[0][1] if items else None, how)
        details = {"osv_db": db.path, "osv_unusable_ranges": sorted(matcher.unusable)}
        return [fact, *db_facts], matches, details

    def _db_facts(self, db: Database, today: dt.date) -> list[Fact]:
        age = (today - db.date).days if db.date else None
        limit = self.max_age()
        info = {
            "path": db.path,
            "date": str(db.date) if db.date else None,
            "records": db.records,
            "withdrawn": db.withdrawn,
            "age_days": age,
        }
        dated = f"dated {db.date} ({db.date_source}), {age} days old" if db.date else "undated"
        how = f"OSV database {db.path} {dated}; stale after {limit} days"
        return [
            Fact(OSV_DB, info, None, f"loaded from {db.path}"),
            Fact(OSV_DB_STALE, age is None or age > limit, None, how),
        ]


def _check(deadline: float, timeout: float) -> None:
    if time.monotonic() > deadline:
        raise DependenciesError(f"dependencies did not finish within {timeout:g}s")


def _describe(m: Match) -> str:
    dep = m.pinned.dependency
    ids = ", ".join(m.ids) + (f" ({', '.join(m.aliases)})" if m.aliases else "")
    fixed = f"fixed in {', '.join(m.fixed)}" if m.fixed else "no fixed version"
    return f"{dep.display} {m.pinned.version} ({dep.location}): {ids}; {fixed}"


def _message(m: Match) -> str:
    dep = m.pinned.dependency
    text = f"{dep.display} {m.pinned.version} is affected by {', '.join(m.ids)}"
    if m.aliases:
        text += f" (aliases: {', '.join(m.aliases)})"
    if m.summary:
        text += f": {m.summary}"
    text += f"; severity: {m.severity_text or 'not given (treated as high)'}"
    fixed = f"fixed in {', '.join(m.fixed)}" if m.fixed else "no fixed version published"
    return f"{text}; {fixed}"


def _findings(matches: Sequence[Match], found: Found, version: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, int] = {}

    def add(rule: str, loc: Location, severity: Severity, message: str, *key: str) -> None:
        base = fingerprint(rule, loc.path, *key)
        n = seen.get(base, 0)
        seen[base] = n + 1
        fp = base if n == 0 else fingerprint(base, str(n))
        findings.append(Finding(rule, loc, severity, message, "auditor-deps", version, fp))

    for m in matches:
        dep = m.pinned.dependency
        add(
            RULE_VULNERABLE,
            dep.location,
            m.severity,
            _message(m),
            dep.name,
            m.pinned.version,
            m.primary,
        )
    for manifest in found.manifests:
        for p in manifest.problems:
            add(RULE_INVALID, p.location, Severity.LOW, p.message, p.message)
    return findings
