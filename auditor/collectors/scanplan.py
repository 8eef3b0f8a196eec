"""Which files a per-file analyser must really run on, and how its cached and fresh
per-file results combine into one report.

bandit and semgrep (as we run them) judge each file on its own, so their output for
a file depends only on the file's content, the tool and the rules: that is the cache
key. In PR mode (``--changed-since``) only changed files are analysed; unchanged ones
are covered by the cache when it has them and are otherwise reported as not analysed,
so a partial scope is never presented as a whole-repository verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.cache import FileCache, file_sha
from auditor.collectors.base import AuditContext
from auditor.evidence import Finding

Normalizer = Callable[
    [Mapping[str, Any], str, Path, set[str]], tuple[list[Finding], dict[str, str]]
]


def _rel(name: object) -> str:
    text = str(name)
    return text[2:] if text.startswith("./") else text


@dataclass
class ScanPlan:
    path_key: str
    to_scan: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    not_covered: dict[str, str] = field(default_factory=dict)
    cached: dict[str, Any] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)
    cache: FileCache | None = None
    pr_mode: bool = False
    _pending: dict[str, Any] = field(default_factory=dict)

    def merge(self, fresh: dict[str, Any]) -> dict[str, Any]:
        """One report in the tool's own shape: fresh results, stored per file in the
        cache, plus the cached results of files that were not run again."""
        per_file: dict[str, dict[str, list[Any]]] = {
            rel: {"results": [], "errors": []} for rel in self.to_scan
        }
        unattributed = []
        for kind in ("results", "errors"):
            for item in fresh.get(kind) or []:
                rel = _rel(item.get(self.path_key)) if isinstance(item, dict) else None
                if rel in per_file:
                    per_file[rel][kind].append(
                        {k: v for k, v in item.items() if k != self.path_key}
                    )
                elif kind == "errors":
                    unattributed.append(item)  # run-level errors are never cached
                else:
                    per_file.setdefault(str(rel), {"results": [], "errors": []})["results"].append(
                        {k: v for k, v in item.items() if k != self.path_key}
                    )
        if not unattributed:
            self._pending = {rel: v for rel, v in per_file.items() if rel in self.shas}
        report: dict[str, Any] = {k: v for k, v in fresh.items() if k not in ("results", "errors")}
        report["results"] = []
        report["errors"] = list(unattributed)
        for rel, value in sorted({**self.cached, **per_file}.items()):
            for kind in ("results", "errors"):
                report[kind] += [{**item, self.path_key: rel} for item in value[kind]]
        return report

    def commit(self) -> None:
        """Store the fresh per-file results, once the caller has accepted the report:
        output that was rejected (a path outside the scan, garbage) is never cached."""
        if self.cache is not None:
            for rel, value in self._pending.items():
                self.cache.put(self.shas[rel], value)
        self._pending = {}

    def conclude(
        self,
        fresh: dict[str, Any],
        normalize: Normalizer,
        version: str,
        root: Path,
        details: dict[str, Any],
        skipped: dict[str, str],
    ) -> tuple[Finding, ...]:
        """Merge, normalise (which rejects untrusted output), then cache and record
        coverage: the common end of every per-file analyser."""
        findings, errors = normalize(self.merge(fresh), version, root, set(self.covered))
        self.commit()
        details["skipped"] = {**skipped, **errors, **self.not_covered}
        details["files_scanned"] = len(self.covered) - len(errors)
        details.update(self.details())
        return tuple(findings)

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scope": "partial" if self.not_covered else "full"}
        if self.pr_mode:
            out["scope_note"] = (
                f"PR mode: {len(self.to_scan)} changed file(s) analysed, "
                f"{len(self.cached)} unchanged from cache, {len(self.not_covered)} not analysed"
            )
        if self.cache is not None:
            out["cache"] = self.cache.stats()
        return out


def scan_plan(
    ctx: AuditContext, paths: Sequence[str], namespace: str, key: str, path_key: str = "filename"
) -> ScanPlan:
    cache = FileCache(ctx.cache_dir, namespace, key) if ctx.cache_dir is not None else None
    plan = ScanPlan(path_key=path_key, cache=cache, pr_mode=ctx.changed_files is not None)
    for rel in paths:
        if cache is not None:
            try:
                plan.shas[rel] = file_sha(ctx.root / rel)
            except OSError:
                pass
        hit = cache.get(plan.shas[rel]) if cache is not None and rel in plan.shas else None
        changed = ctx.changed_files is None or rel in ctx.changed_files
        if hit is not None:
            plan.cached[rel] = hit
            plan.covered.append(rel)
        elif changed:
            plan.to_scan.append(rel)
            plan.covered.append(rel)
        else:
            plan.not_covered[rel] = "not analysed: unchanged in PR mode and not in the cache"
    return plan
