"""The one registry of collectors. Adding a collector is one module and one line here."""

from __future__ import annotations

from collections.abc import Mapping

from auditor.collectors.bandit import BanditCollector
from auditor.collectors.base import AuditContext, Collector
from auditor.collectors.ci import CiCollector
from auditor.collectors.dependencies import DependenciesCollector
from auditor.collectors.django_settings import DjangoSettingsCollector
from auditor.collectors.dockerfile import DockerfileCollector
from auditor.collectors.flask_config import FlaskConfigCollector
from auditor.collectors.repository import RepositoryCollector
from auditor.collectors.secrets import SecretsCollector
from auditor.collectors.semgrep import SemgrepCollector
from auditor.collectors.tls import TlsCollector
from auditor.collectors.webserver import WebserverCollector

__all__ = ["PLANNED", "REGISTRY", "AuditContext", "Collector"]


def _build(*collectors: Collector) -> Mapping[str, Collector]:
    registry: dict[str, Collector] = {}
    for c in collectors:
        if not c.name or c.name in registry:
            raise ValueError(f"collector name missing or registered twice: {c.name!r}")
        registry[c.name] = c
    return registry


REGISTRY: Mapping[str, Collector] = _build(
    # Start order: the collectors that wait on external tools first, so semgrep's, bandit's
    # and git's processes run while the Python-only collectors take turns on the GIL.
    SemgrepCollector(),
    BanditCollector(),
    SecretsCollector(),
    FlaskConfigCollector(),
    DjangoSettingsCollector(),
    DependenciesCollector(),
    WebserverCollector(),
    DockerfileCollector(),
    CiCollector(),
    RepositoryCollector(),
    TlsCollector(),
)

PLANNED: frozenset[str] = frozenset()
"""Collectors a checklist may name for controls marked ``not_implemented``, so the
dashboard shows the gap instead of dropping the control."""
