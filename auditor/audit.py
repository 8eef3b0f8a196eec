"""One audit: checklist -> collectors -> evidence -> controls -> scores.

The only module that wires the pipeline together; the CLI only calls it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor import attestations, cache, git, prmode, proc, resources, rules, waivers
from auditor import checklist as checklist_mod
from auditor.checklist import ATTESTATION, Checklist, CollectorInfo
from auditor.collectors import PLANNED, REGISTRY, AuditContext, Collector
from auditor.config import SOURCE_CLI, SOURCE_REPO, Settings
from auditor.controls import ControlResult, Status, evaluate
from auditor.errors import AuditorError, ConfigError
from auditor.evidence import CollectorResult, CollectorStatus, Severity
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
    today: dt.date
    waivers: tuple[dict[str, Any], ...] = ()
    attested: tuple[str, ...] = ()
    pr: tuple[str, int, tuple[str, ...]] | None = None
    """PR mode: (base ref, changed files, what the change did to weaken the audit)."""

    @property
    def exit_code(self) -> int:
        errored = any(c.status is CollectorStatus.ERROR for c in self.collected.values()) or any(
            r.status is Status.ERROR for r in self.controls
        )
        if errored and self.settings["fail_on_error"]:
            return EXIT_INCOMPLETE
        threshold = self.settings["fail_under"]
        if threshold is not None and (self.score.overall or 0.0) < threshold:
            return EXIT_FAILED
        floor = self.settings["fail_on"]
        order = [s.value for s in Severity]
        for r in self.controls:
            if r.status is not Status.FAIL:
                continue
            if floor is None or order.index(r.control.severity.value) <= order.index(floor):
                return EXIT_FAILED
        return EXIT_OK


def collector_infos() -> dict[str, CollectorInfo]:
    infos = {name: CollectorInfo(False) for name in PLANNED}
    infos[ATTESTATION] = CollectorInfo(True)
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
    value = str(setting.value)
    bundled = resources.data_dir("checklists") / f"{value}.yaml"
    if "/" not in value and not value.endswith((".yaml", ".yml")) and bundled.is_file():
        return bundled
    return Path(value)


def run_collector(collector: Collector, ctx: AuditContext) -> CollectorResult:
    """Run one collector; anything short of a clean result is status ``error``."""
    start = time.monotonic()
    cpu_start = time.thread_time()
    children: list[float] = []
    proc.CHILD_CPU.set(children)
    try:
        result = collector.collect(ctx)
    except AuditorError as e:
        result = _errored(collector, str(e), ctx)
    except Exception as e:  # noqa: BLE001 - fail closed on any crash, with its reason
        result = _errored(collector, f"crashed: {type(e).__name__}: {e}", ctx)
    cpu = time.thread_time() - cpu_start + sum(children)
    return replace(result, duration_seconds=time.monotonic() - start, cpu_seconds=cpu)


def _errored(collector: Collector, reason: str, ctx: AuditContext) -> CollectorResult:
    try:
        version: str | None = collector.version(min(ctx.timeout, 30.0))
    except Exception:  # noqa: BLE001 - the version is a nicety on an error path
        version = None
    return CollectorResult(collector.name, collector.tool, version, CollectorStatus.ERROR, reason)


def _context(
    root: Path, is_git: bool, settings: Settings, name: str, changed: frozenset[str] | None
) -> AuditContext:
    cache_dir = None
    if settings["cache"]:
        cache_dir = Path(settings["cache_dir"]) if settings["cache_dir"] else cache.default_dir()
    return AuditContext(
        root,
        is_git,
        settings.excludes,
        settings.timeout_for(name),
        tls_targets=tuple(settings["tls_targets"]),
        http_urls=tuple(settings["http_urls"]),
        ca_bundle=settings["ca_bundle"],
        osv_db=settings["osv_db"],
        cache_dir=cache_dir,
        changed_files=changed,
        workers=settings["workers"] or os.cpu_count() or 1,
        max_file_bytes=int(settings["max_file_bytes"]),
    )


def _governance_file(
    root: Path, settings: Settings, key: str, default: str, trusted_ref: str | None = None
) -> tuple[Path, str] | None:
    """The waiver or attestation file: from settings, else the audited repo's default
    place; with a trusted ref, the repository's copy is read from that ref instead."""
    setting = settings.values[key]
    from_operator = setting.source == SOURCE_CLI or setting.source.startswith("--config")
    if trusted_ref is not None and not from_operator:
        rel = str(setting.value) if setting.value is not None else default
        extracted = git.file_at(root, trusted_ref, rel)
        return (extracted, f"{trusted_ref}:{rel}") if extracted else None
    if setting.value is not None:
        if setting.source == SOURCE_REPO:
            path = (root / str(setting.value)).resolve()
            if not path.is_relative_to(root):
                raise ConfigError(
                    str(root / "pyproject.toml"), None, None,
                    f"expected {key} inside the audited repository, got '{setting.value}'",
                )  # fmt: skip
            return path, str(path.relative_to(root))
        return Path(str(setting.value)), str(setting.value)
    candidate = root / default
    if candidate.is_file() and not candidate.is_symlink():
        return candidate, default
    return None


def _governance(
    root: Path, settings: Settings, checklist: Checklist, today: dt.date, trusted_ref: str | None
) -> tuple[tuple[waivers.Waiver, ...], dict[str, attestations.Attestation]]:
    found = _governance_file(root, settings, "waivers", ".auditor/waivers.yaml", trusted_ref)
    limits = {Severity(k): int(v) for k, v in settings["waiver_max_days"].items()}
    waiver_list = waivers.load(found[0], checklist, limits, found[1]) if found else ()
    found = _governance_file(
        root, settings, "attestations", ".auditor/attestations.yaml", trusted_ref
    )
    attested = attestations.load(found[0], checklist, today, found[1]) if found else {}
    return waiver_list, attested


def _scope_note(result: ControlResult, collected: Mapping[str, CollectorResult]) -> ControlResult:
    """A verdict reached on part of the repository says so."""
    source = collected.get(result.control.evidence.collector)
    if source is None or source.details.get("scope") != "partial":
        return result
    note = (
        f"decided on partial scope: {source.details.get('scope_note') or 'some files not analysed'}"
    )
    return replace(result, notes=(*result.notes, note))


def _announce(
    progress: Callable[[str], None] | None,
    name: str,
    runner: Callable[[Collector, AuditContext], CollectorResult],
    collector: Collector,
    ctx: AuditContext,
) -> CollectorResult:
    if progress:
        progress(f"[{name}] running")
    result = runner(collector, ctx)
    if progress:
        what = f"{len(result.findings)} findings, {len(result.facts)} facts"
        progress(f"[{name}] {result.status} in {result.duration_seconds:.1f}s ({what})")
    return result


def run(
    root: Path,
    settings: Settings,
    today: dt.date | None = None,
    trusted_ref: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    if not root.is_dir():
        raise AuditorError(f"{root}: expected a directory to audit")
    root = root.resolve()
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    checklist = load_checklist(checklist_path(root, settings))
    is_git = git.is_git_repo(root)
    head = git.head_commit(root) if is_git else None
    today = today or dt.date.today()
    waiver_list, attested = _governance(root, settings, checklist, today, trusted_ref)
    needed = sorted(
        {
            spec.collector
            for c in checklist.controls()
            if c.implemented and not c.manual and c.disabled is None
            for spec in (c.evidence, *c.evidence.alternatives)
        }
    )
    changed = None
    weakened: list[str] = []
    if settings["changed_since"]:
        if not is_git:
            raise AuditorError(f"{root}: --changed-since needs a git repository")
        changed = git.changed_files(root, str(settings["changed_since"]))
        weakened = prmode.weakening(root, str(settings["changed_since"]))
    collected: dict[str, CollectorResult] = {}
    # Collectors start in registry order, the ones waiting on external tools first: queued
    # behind Python-only collectors, semgrep started 0.4 s late in a warm audit. More threads
    # than this only make the Python collectors fight over the GIL.
    order = [name for name in REGISTRY if name in needed]
    workers = settings["workers"] or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=max(1, min(len(order), max(workers, 4)))) as pool:
        futures = {
            name: pool.submit(
                _announce, progress, name, run_collector,
                REGISTRY[name], _context(root, is_git, settings, name, changed),
            )
            for name in order
        }  # fmt: skip
        for name in sorted(futures):
            collected[name] = futures[name].result()
    collected, matched, expired = waivers.waive_collected(collected, waiver_list, today)
    chosen = settings["honour_inline_suppressions"]
    honour = checklist.honour_inline_suppressions if chosen is None else bool(chosen)
    results = tuple(
        evaluate(
            c, collected, is_git=is_git, honour_suppressions=honour,
            attestations=attested, today=today,
        )
        for c in checklist.controls()
    )  # fmt: skip
    results = waivers.waive_controls(results, waiver_list, today, matched, expired)
    results = tuple(_scope_note(r, collected) for r in results)
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
        today,
        tuple(waivers.report(waiver_list, today, matched)),
        tuple(sorted(attested)),
        None
        if changed is None
        else (str(settings["changed_since"]), len(changed), tuple(weakened)),
    )
