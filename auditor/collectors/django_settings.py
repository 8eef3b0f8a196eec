"""Django settings, evaluated statically: Django's deploy checks and our policy.

The settings module is found from the project's entry points
(``django_discover``), interpreted with ``ast`` only (``auditor.pystatic.module``;
the project is never imported), and judged as a deployment that sets none of
the environment variables would see it. Every security check of
``manage.py check --deploy`` becomes a finding ``django.security.<id>``
(``django_checks``); the checklist's controls read problem-list facts
(``django_policy*``). A value we cannot resolve is an unknown fact, which
makes its control ``error``, never ``pass``. A repository without a Django
project gets status ``not_applicable``. Rule ids and fact keys are listed in
docs/collectors-django-flask.md.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.collectors import resultcache
from auditor.collectors.base import AuditContext
from auditor.djangocfg import checks as django_checks
from auditor.djangocfg import policy as django_policy
from auditor.djangocfg import policy_ops as django_policy_ops
from auditor.djangocfg import policy_secrets as secrets
from auditor.djangocfg import policy_web as web
from auditor.djangocfg.discover import Target, discover
from auditor.djangocfg.facts import FactBuilder
from auditor.djangocfg.model import SETTINGS, DjangoSettings
from auditor.djangocfg.policy import Verdict
from auditor.errors import CollectorError
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Finding
from auditor.pystatic.evaluate import Budget
from auditor.pystatic.load import Loader

MAX_STEPS = 2_000_000

VERDICT_KEYS = (
    "django.password_hasher_problems", "django.password_validator_problems",
    "django.session_lifetime_problems", "django.cookie_problems", "django.secret_key_problems",
    "django.literal_secrets", "django.mfa_apps", "django.debug_hosts_problems",
    "django.https_problems", "django.csrf_middleware", "django.csp_problems",
    "django.drf_permission_problems", "django.rest_framework", "django.cors_problems",
    "django.middleware_problems", "django.error_reporting_problems", "django.upload_problems",
)  # fmt: skip


class DjangoSettingsError(CollectorError):
    """The Django settings could not be analysed at all."""


class DjangoSettingsCollector:
    name = "django_settings"
    tool = "auditor-ast"
    fact_keys: frozenset[str] = frozenset(
        {
            "django.project", "django.settings_files", "django.unreadable_file",
            "django.deploy_check_failures", *VERDICT_KEYS,
            *(f"django.setting.{s}" for s in SETTINGS),
        }
    )  # fmt: skip

    def __init__(
        self,
        settings_module: str | None = None,
        max_session_age: int = 12 * 3600,
        min_password_length: int = 12,
    ) -> None:
        self.settings_module = settings_module
        self.max_session_age = max_session_age
        self.min_password_length = min_password_length

    def version(self, timeout: float) -> str:
        return f"{__version__} (python {platform.python_version()} ast)"

    def collect(self, ctx: AuditContext) -> CollectorResult:
        explicit = self.settings_module or getattr(ctx, "django_settings", None)
        options = repr((explicit, self.max_session_age, self.min_password_length))
        return resultcache.cached(self.name, options, ctx, lambda: self._collect(ctx, explicit))

    def _collect(self, ctx: AuditContext, explicit: str | None) -> CollectorResult:
        version = self.version(ctx.timeout)
        found = discover(ctx.root, ctx.excludes, explicit)
        details: dict[str, Any] = {"ignored_entry_points": found.ignored}
        if not found.targets:
            reason = (
                "no Django project: no manage.py, wsgi.py or asgi.py sets "
                "DJANGO_SETTINGS_MODULE and no settings.py looks like Django settings"
            )
            fact = Fact("django.project", None, None, reason)
            details["skipped"] = found.errors
            return CollectorResult(self.name, self.tool, version, CollectorStatus.NOT_APPLICABLE,
                                   reason, facts=(fact,), details=details)  # fmt: skip
        budget = Budget(MAX_STEPS, time.monotonic() + ctx.timeout * 0.9)
        builder = FactBuilder(version)
        modules: list[str] = []
        skipped = dict(found.errors)
        for target in found.targets:
            settings, errors = self._load(ctx.root, target, budget)
            skipped.update(errors)
            if settings is None:
                builder.unresolved(target, self.fact_keys)
                continue
            modules.append(settings.module)
            builder.project(target, settings)
            for name in SETTINGS:
                builder.setting(settings, name)
            builder.deploy_checks(settings, django_checks.run_checks(settings))
            for verdict in self._verdicts(settings):
                builder.verdict(settings, verdict)
        for path, reason in sorted(skipped.items()):
            builder.unreadable(path, reason)
        details.update({"settings_modules": modules, "skipped": skipped,
                        "files_scanned": len(builder.files)})  # fmt: skip
        facts: tuple[Fact, ...] = builder.sorted_facts()
        findings: tuple[Finding, ...] = builder.sorted_findings()
        return CollectorResult(self.name, self.tool, version, CollectorStatus.OK,
                               findings=findings, facts=facts, details=details)  # fmt: skip

    def _load(
        self, root: Path, target: Target, budget: Budget
    ) -> tuple[DjangoSettings | None, dict[str, str]]:
        if target.unresolved:
            return None, {}
        loader = Loader(root, target.search_roots, budget)
        if target.path is not None:
            module = loader.interpret(target.module, target.path, target.is_package)
        else:
            found = loader.load(target.module)
            if found is None:
                return None, loader.errors
            module = found
        poison = module.poison
        if module.error is not None:
            poison = f"{module.path} cannot be analysed: {module.error}"
        files = module.files or (module.path,)
        return DjangoSettings(module.name, module.path, module.namespace, poison, files), dict(
            loader.errors
        )

    def _verdicts(self, s: DjangoSettings) -> list[Verdict]:
        drf, drf_installed = web.rest_framework(s)
        return [
            django_policy.password_hashers(s),
            django_policy.password_validators(s, self.min_password_length),
            django_policy.session_lifetime(s, self.max_session_age),
            django_policy.cookies(s),
            secrets.secret_key(s),
            secrets.literal_secrets(s),
            django_policy.mfa_apps(s),
            web.debug_and_hosts(s),
            web.https(s),
            web.csrf_middleware(s),
            web.csp(s),
            drf,
            drf_installed,
            django_policy_ops.cors(s),
            django_policy_ops.middleware_order(s),
            django_policy_ops.error_reporting(s),
            django_policy_ops.uploads(s),
        ]
