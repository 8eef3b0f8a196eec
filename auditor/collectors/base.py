"""The collector interface: one module per tool, each meeting this Protocol."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from auditor.evidence import CollectorResult


@dataclass(frozen=True)
class AuditContext:
    """Everything a collector may know of the audit. It knows nothing of scoring."""

    root: Path
    is_git: bool
    excludes: tuple[str, ...]
    timeout: float
    tls_targets: tuple[str, ...] = ()
    """URLs to check live; only ever the ones the user configured."""
    http_urls: tuple[str, ...] = ()
    ca_bundle: str | None = None
    osv_db: str | None = None
    cache_dir: Path | None = None
    """Where per-file results are cached (outside the audited repo); None: no cache."""
    changed_files: frozenset[str] | None = None
    """PR mode: only these files are analysed by per-file collectors; None: all."""
    workers: int = 1
    """How many processes a collector may run side by side."""
    max_file_bytes: int = 5 * 1024 * 1024
    """Files larger than this are not analysed (and are listed as skipped, with the reason)."""


class Collector(Protocol):
    """A source of evidence. ``collect`` runs its tool once per audit.

    It raises ``CollectorError`` when it cannot vouch for its evidence; the
    runner turns that (and any other exception) into status ``error``.
    """

    @property
    def name(self) -> str: ...

    @property
    def tool(self) -> str: ...

    @property
    def fact_keys(self) -> AbstractSet[str]: ...

    def version(self, timeout: float) -> str: ...

    def collect(self, ctx: AuditContext) -> CollectorResult: ...
