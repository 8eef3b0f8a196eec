"""Whole-result cache for the settings collectors (Django, Flask/FastAPI).

Their facts are a function of the auditor's own code, the collector's settings and the
repository files they read, so a result can be reused when none of those changed. The
entry holds the result and everything the run observed (``auditor.observed``: files
read by content hash, paths probed, walk listings); a later audit checks every
observation again before it trusts the entry. That check reads and hashes the files
instead of parsing and interpreting them, which is most of a warm audit's Python time.

Like the per-file caches: written atomically, verified on read, discarded when damaged or
stale (counted in ``details.cache``), and never consulted without a cache directory. A
fresh result takes the same JSON round trip as a cached one, so both are identical
objects and a cache can never change a verdict.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import auditor
from auditor import files, observed
from auditor.cache import FileCache, digest
from auditor.collectors.base import AuditContext
from auditor.evidence import (
    CollectorResult,
    CollectorStatus,
    Fact,
    Finding,
    Location,
    Severity,
)
from auditor.pystatic import source
from auditor.scrub import scrub


@functools.cache
def code_identity() -> str:
    """The auditor's own source: a changed interpreter invalidates every entry."""
    package = Path(auditor.__file__).parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def cached(
    name: str, settings: str, ctx: AuditContext, compute: Callable[[], CollectorResult]
) -> CollectorResult:
    """``compute()`` or an equal result from the cache; ``settings`` must name every
    collector option that can change the result."""
    if ctx.cache_dir is None:
        return _from_json(_as_stored(compute()))
    key = digest(
        "result", name, code_identity(), settings, repr(tuple(ctx.excludes)),
        str(ctx.max_file_bytes),
    )  # fmt: skip
    cache = FileCache(ctx.cache_dir, "facts", key)
    slot = digest(name, str(ctx.root))
    entry = cache.get(slot)
    if entry is not None:
        reused = _reuse(entry, ctx.root, tuple(ctx.excludes))
        if reused is not None:
            return _with_stats(reused, cache)
        cache.stale()  # the files it saw have changed
    with observed.recording() as obs:
        result = compute()
    doc = _as_stored(result)
    record = obs.to_json()
    # paths are kept as they are (they must be read again), so a run that read a file whose
    # name looks like a secret is not cached at all
    plain = json.dumps(record, sort_keys=True)
    if not obs.volatile and result.status is not CollectorStatus.ERROR and scrub(plain) == plain:
        cache.put(slot, {"observations": record, "result": doc})
    return _with_stats(_from_json(doc), cache)


def _reuse(entry: Any, root: Path, excludes: tuple[str, ...]) -> CollectorResult | None:
    try:
        obs = observed.Observations.from_json(entry["observations"])
        result = _from_json(entry["result"])
        return result if _still_true(obs, root, excludes) else None
    except (KeyError, TypeError, ValueError):  # a record we did not write: never trusted
        return None


def _still_true(obs: observed.Observations, root: Path, excludes: tuple[str, ...]) -> bool:
    with observed.paused():
        for key, listing in obs.walks.items():
            suffixes, patterns, max_bytes, max_files = json.loads(key)
            if patterns != observed.excludes_digest(excludes):
                return False  # a walk with other exclusions than the audit's: not replayable
            now = files.walk(root, tuple(suffixes), excludes, max_bytes, max_files)
            if observed.listing(now.files, now.skipped) != listing:
                return False
        for rel, was in obs.probes.items():
            if source.is_regular_file(root, rel) != was:
                return False
        for key in obs.screened:
            name, rel, limit = key.split("\0")
            check = observed.SCREENS.get(name)
            data = source.read_bytes(root, rel, int(limit))
            if check is None or not isinstance(data, bytes) or check.relevant(data):
                return False
        for key, seen in obs.reads.items():
            rel, limit = key.rsplit("\0", 1)
            data = source.read_bytes(root, rel, int(limit))
            now_seen = observed.content(data) if isinstance(data, bytes) else "!" + data.reason
            if now_seen != seen:
                return False
    return True


def _with_stats(result: CollectorResult, cache: FileCache) -> CollectorResult:
    return replace(result, details={**result.details, "cache": cache.stats()})


def _as_stored(result: CollectorResult) -> Any:
    """The result exactly as the cache file holds it, so a fresh result and a cached one
    are the same objects downstream: tuples become lists, and anything that looks like a
    secret is redacted, as every output is (the cache is written before the outputs)."""
    return json.loads(scrub(json.dumps(_to_json(result), sort_keys=True)))


def _location(doc: Any) -> Location | None:
    if doc is None:
        return None
    return Location(str(doc["path"]), doc["line"], doc["column"])


def _to_json(r: CollectorResult) -> dict[str, Any]:
    return {
        "name": r.name,
        "tool": r.tool,
        "tool_version": r.tool_version,
        "status": str(r.status),
        "reason": r.reason,
        "findings": [f.to_dict() for f in r.findings],
        "facts": [f.to_dict() for f in r.facts],
        "details": r.details,
    }


def _from_json(doc: Any) -> CollectorResult:
    """Raises KeyError, TypeError or ValueError on anything ``_to_json`` did not write."""
    findings = tuple(
        Finding(
            rule_id=str(f["rule_id"]), location=_location(f["location"]) or Location(""),
            severity=Severity(f["severity"]), message=str(f["message"]), tool=str(f["tool"]),
            tool_version=str(f["tool_version"]), fingerprint=str(f["fingerprint"]),
            confidence=f["confidence"], suppressed_by=f["suppressed_by"],
            waived_by=f["waived_by"],
        )
        for f in doc["findings"]
    )  # fmt: skip
    facts = tuple(
        Fact(str(f["key"]), f["value"], _location(f["source"]), str(f["how"]), f["unknown"])
        for f in doc["facts"]
    )
    details = doc["details"]
    if not isinstance(details, dict):
        raise TypeError("details is not a mapping")
    return CollectorResult(
        str(doc["name"]), str(doc["tool"]), doc["tool_version"], CollectorStatus(doc["status"]),
        doc["reason"], findings, facts, dict(details),
    )  # fmt: skip
