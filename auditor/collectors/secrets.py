"""Secrets anywhere in the repository: every ref's full history, HEAD, the working tree
and untracked files that are not ignored (a plain folder: its files only).

Detectors are data (``checks/secrets/detectors.yaml``); the engine, history walk, cache
and allowlist live in ``auditor.secretscan``. A finding's rule id is the detector id, or
``<detector>-placeholder`` for a known placeholder or documentation example. Whether a
secret is still at HEAD or only in history, its introducing commit and the refs that
reach it are in the finding's message and in its ``secrets.occurrence`` fact; the
summary facts ``secrets.at_head`` and ``secrets.history_only`` let one control fail on
either. No raw value leaves ``auditor.secretscan.engine``: only ``redact`` output and
fingerprints do, in findings, facts, details and the cache alike.
"""

from __future__ import annotations

import time
from pathlib import Path

from auditor.collectors.base import AuditContext
from auditor.errors import CollectorError, GitError, InputError, ToolTimeoutError
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Location
from auditor.resources import checks_dir
from auditor.secretscan import allowlist, detectors, history, report
from auditor.secretscan.cache import ScanCache


class SecretsError(CollectorError):
    """The secrets scan could not complete, so nothing it found is complete either."""


class SecretsCollector:
    name = "secrets"
    tool = report.TOOL
    fact_keys = frozenset(
        {
            "secrets.occurrence",
            *report.SUMMARY_HOW,
            "secrets.unscanned",
            "secrets.allowlist_problems",
            "secrets.scope",
        }
    )

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        use_cache: bool = True,
        catalogue: Path | None = None,
        max_blob_bytes: int = history.MAX_BLOB_BYTES,
    ) -> None:
        """``cache_dir`` overrides the audit's cache folder (``ctx.cache_dir/secrets``);
        ``use_cache=False`` scans everything every time."""
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self.catalogue = catalogue
        self.max_blob_bytes = max_blob_bytes

    def _detectors(self) -> detectors.DetectorSet:
        path = self.catalogue or checks_dir() / "secrets" / "detectors.yaml"
        try:
            return detectors.load(path)
        except InputError as e:
            raise SecretsError(f"the detector catalogue is invalid: {e}") from None

    def version(self, timeout: float) -> str:
        return f"{detectors.ENGINE_VERSION}+detectors.{self._detectors().digest[:12]}"

    def collect(self, ctx: AuditContext) -> CollectorResult:
        started = time.monotonic()
        found = self._detectors()
        version = f"{detectors.ENGINE_VERSION}+detectors.{found.digest[:12]}"
        allow, problems = allowlist.load(ctx.root)
        try:
            if ctx.is_git:
                # results depend on the catalogue and on the size cap: both key the cache
                key = f"{found.digest}:{self.max_blob_bytes}"
                directory = self.cache_dir or (ctx.cache_dir / "secrets" if ctx.cache_dir else None)
                on = self.use_cache and directory is not None
                cache = ScanCache(directory, ctx.root, key, enabled=on)
                outcome = history.scan_repository(
                    ctx.root, found, cache, ctx.excludes, ctx.timeout, self.max_blob_bytes
                )
            else:
                outcome = history.scan_folder(ctx.root, found, ctx.excludes, self.max_blob_bytes)
        except GitError as e:
            if "did not finish" in str(e):
                raise ToolTimeoutError(f"secrets: {e}") from None
            raise SecretsError(f"secrets: {e}") from None
        if time.monotonic() - started > ctx.timeout:
            raise ToolTimeoutError(f"the secrets scan took longer than {ctx.timeout:g}s")
        findings, occurrences = report.build(outcome, found, allow, version)
        facts = [*occurrences, *report.summaries(occurrences)]
        for path, reason in sorted(outcome.unscanned.items()):
            facts.append(
                Fact(
                    "secrets.unscanned",
                    None,
                    Location(path),
                    "not scanned for secrets",
                    unknown=reason,
                )
            )
        facts.append(
            Fact(
                "secrets.allowlist_problems",
                problems,
                Location(allowlist.ALLOWLIST_PATH) if problems else None,
                "entries of .auditor/secrets-allowlist.yaml that were not applied",
            )
        )
        scope = (
            "every ref (branches, tags, remote-tracking refs, notes, stash and its reflog), "
            "full history, HEAD, working tree and untracked files not ignored"
            if ctx.is_git
            else "the files of a folder that is not a git repository"
        )
        facts.append(Fact("secrets.scope", scope, None, "what was scanned"))
        details = {
            "scope": scope,
            "detectors": len(found.detectors),
            "allowlist_entries": len(allow),
            **outcome.stats,
            "skipped": dict(sorted(outcome.unscanned.items())),
        }
        return CollectorResult(
            self.name,
            self.tool,
            version,
            CollectorStatus.OK,
            findings=tuple(sorted(findings, key=lambda f: f.sort_key())),
            facts=tuple(facts),
            details=details,
        )
