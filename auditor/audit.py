"""One audit: checklist -> collectors -> evidence -> controls -> scores.

The only module that wires the pipeline together; the CLI only calls it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from auditor import checklist as checklist_mod
from auditor import git, resources, rules
from auditor.checklist import Checklist, CollectorInfo
from auditor.collectors import PLANNED, REGISTRY, AuditContext, Collector
from auditor.config import SOURCE_REPO, Settings
from auditor.controls import ControlResult, Status, evaluate
from auditor.errors import AuditorError, ConfigError
from auditor.evidence import CollectorResult, CollectorStatus
from auditor.scoring import Score, score

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3


@dataclass(frozen=True)
class AuditResult:
    root: Path
    is_git: bool
    head: str | None
    checklist: Checklist
    settings: Settings
    collected: Mapping[str, CollectorResult]
    controls: tuple[ControlResult, ...]
    score: Score
    started: dt.datetime
    duration_seconds: float

    @property
    def exit_code(self) -> int:
        if any(c.status is CollectorStatus.ERROR for c in self.collected.values()):
            return EXIT_INCOMPLETE
        if any(r.status is Status.ERROR for r in self.controls):
            return EXIT_INCOMPLETE
        threshold = self.settings["fail_under"]
        below = threshold is not None and (self.score.overall or 0.0) < threshold
        if below or any(r.status is Status.FAIL for r in self.controls):
            return EXIT_FAILED
        return EXIT_OK


def collector_infos() -> dict[str, CollectorInfo]:
    infos = {name: CollectorInfo(False) for name in PLANNED}
    for name, c in REGISTRY.items():
        infos[name] = CollectorInfo(True, frozenset(c.fact_keys))
    return infos


def load_checklist(path: Path) -> Checklist:
    catalog = rules.load_catalog(resources.checks_dir())
    ids = {tool: frozenset(r) for tool, r in catalog.items()}
    return checklist_mod.load(path, collector_infos(), ids)


def checklist_path(root: Path, settings: Settings) -> Path:
    setting = settings.values["checklist"]
    if setting.value is None:
        return resources.default_checklist()
    if setting.source == SOURCE_REPO:
        candidate = (root / str(setting.value)).resolve()
        if not candidate.is_relative_to(root.resolve()):
            raise ConfigError(
                str(root / "pyproject.toml"),
                None,
                None,
                f"expected a checklist inside the audited repository, got '{setting.value}'",
            )
        return candidate
    return Path(str(setting.value))


def run_collector(collector: Collector, ctx: AuditContext) -> CollectorResult:
    """Run one collector; anything short of a clean result is status ``error``."""
    start = time.monotonic()
    try:
        result = collector.collect(ctx)
    except AuditorError as e:
        result = _errored(collector, str(e), ctx)
    except Exception as e:  # noqa: BLE001 - fail closed on any crash, with its reason
        result = _errored(collector, f"crashed: {type(e).__name__}: {e}", ctx)
    return replace(result, duration_seconds=time.monotonic() - start)


def _errored(collector: Collector, reason: str, ctx: AuditContext) -> CollectorResult:
    try:
        version: str | None = collector.version(min(ctx.timeout, 30.0))
    except Exception:  # noqa: BLE001 - the version is a nicety on an error path
        version = None
    return CollectorResult(collector.name, collector.tool, version, CollectorStatus.ERROR, reason)


def _context(root: Path, is_git: bool, settings: Settings, name: str) -> AuditContext:
    return AuditContext(
        root,
        is_git,
        settings.excludes,
        settings.timeout_for(name),
        tls_targets=tuple(settings["tls_targets"]),
        http_urls=tuple(settings["http_urls"]),
        ca_bundle=settings["ca_bundle"],
        osv_db=settings["osv_db"],
    )


def run(root: Path, settings: Settings) -> AuditResult:
    if not root.is_dir():
        raise AuditorError(f"{root}: expected a directory to audit")
    root = root.resolve()
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    checklist = load_checklist(checklist_path(root, settings))
    is_git = git.is_git_repo(root)
    head = git.head_commit(root) if is_git else None
    needed = sorted({c.evidence.collector for c in checklist.controls() if c.implemented})
    collected: dict[str, CollectorResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(needed))) as pool:
        futures = {
            name: pool.submit(
                run_collector,
                REGISTRY[name],
                _context(root, is_git, settings, name),
            )
            for name in needed
        }
        for name, fut in futures.items():
            collected[name] = fut.result()
    honour = bool(settings["honour_inline_suppressions"])
    results = tuple(
        evaluate(c, collected, is_git=is_git, honour_suppressions=honour)
        for c in checklist.controls()
    )
    return AuditResult(
        root,
        is_git,
        head,
        checklist,
        settings,
        collected,
        results,
        score(checklist, results),
        started,
        time.monotonic() - t0,
    )
