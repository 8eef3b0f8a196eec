"""Flask and FastAPI/Starlette application configuration, evaluated statically.

Modules that mention Flask, FastAPI, Starlette or Quart are interpreted with
``ast`` only (never imported) while an observer follows every app they create
and every configuration step in order: ``app.config[...] =``, ``update``,
``from_mapping``, ``from_object`` (a class or a repository module),
``from_pyfile``/``from_file`` of a repository file, ``app.secret_key``,
extensions (Flask-WTF CSRFProtect, Flask-Talisman, Flask-Login, flask-cors) and
Starlette middleware. Facts are per app; a repository with no app at all gets
status ``not_applicable``. Rule ids and fact keys: docs/collectors-django-flask.md.
"""

from __future__ import annotations

import platform
from typing import Any

from auditor import __version__
from auditor.collectors import resultcache
from auditor.collectors.base import AuditContext
from auditor.collectors.factsink import FactSink
from auditor.djangocfg.policy import Verdict
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Location
from auditor.flaskcfg import policy as fp
from auditor.flaskcfg import policy_web as fw
from auditor.flaskcfg.observe import App
from auditor.flaskcfg.scan import Scan, scan
from auditor.pystatic.evaluate import Unknown, to_json

FLASK_VERDICTS = (
    "flask.secret_key_problems", "flask.cookie_problems", "flask.csrf_problems",
    "flask.request_size_problems", "flask.debug_problems", "flask.csp_problems",
    "flask.session_lifetime_problems", "flask.cors_problems", "flask.login_session_protection",
)  # fmt: skip
FASTAPI_VERDICTS = ("fastapi.cors_problems", "fastapi.debug_problems", "fastapi.host_problems",
                    "fastapi.https_redirect")  # fmt: skip
SECRET_KEYS = frozenset({"SECRET_KEY"})


class FlaskConfigCollector:
    name = "flask_config"
    tool = "auditor-ast"
    fact_keys: frozenset[str] = frozenset(
        {"flask.apps", "fastapi.apps", "flask.unreadable_file", *FLASK_VERDICTS,
         *FASTAPI_VERDICTS, *(f"flask.setting.{k}" for k in fp.DEFAULTS)}
    )  # fmt: skip

    def __init__(self, max_session_age: int = 12 * 3600) -> None:
        self.max_session_age = max_session_age

    def version(self, timeout: float) -> str:
        return f"{__version__} (python {platform.python_version()} ast)"

    def collect(self, ctx: AuditContext) -> CollectorResult:
        options = repr((self.max_session_age,))
        return resultcache.cached(self.name, options, ctx, lambda: self._collect(ctx))

    def _collect(self, ctx: AuditContext) -> CollectorResult:
        version = self.version(ctx.timeout)
        found = scan(ctx.root, ctx.excludes, ctx.timeout)
        apps = sorted(found.observed.apps.values(), key=lambda a: a.location)
        flask_apps = [a for a in apps if a.kind == "flask"]
        asgi_apps = [a for a in apps if a.kind == "fastapi"]
        details: dict[str, Any] = {"files_scanned": len(found.files), "skipped": found.errors}
        if not apps:
            reason = "no Flask, Quart, FastAPI or Starlette application is created in the code"
            facts = tuple(Fact(k, None, None, reason) for k in ("fastapi.apps", "flask.apps"))
            return CollectorResult(self.name, self.tool, version, CollectorStatus.NOT_APPLICABLE,
                                   reason, facts=facts, details=details)  # fmt: skip
        out = _Builder(version)
        out.apps("flask.apps", flask_apps, apps[0].location)
        out.apps("fastapi.apps", asgi_apps, apps[0].location)
        for app in flask_apps:
            view = fp.FlaskView(app)
            for key in fp.DEFAULTS:
                out.setting(view, key)
            for v in self._flask(view, found):
                out.verdict(view, v)
        for app in asgi_apps:
            view = fp.FlaskView(app)
            for v in (fw.fastapi_cors(app), fw.fastapi_debug(app), fw.fastapi_hosts(app),
                      fw.fastapi_https(app)):  # fmt: skip
                out.verdict(view, v)
        if not flask_apps:
            out.absent(FLASK_VERDICTS, "no Flask application (only FastAPI/Starlette)", apps[0])
        if not asgi_apps:
            out.absent(FASTAPI_VERDICTS, "no FastAPI/Starlette application (only Flask)", apps[0])
        for path, reason in sorted(found.errors.items()):
            out.facts.append(Fact("flask.unreadable_file", path, Location(path, 1),
                                  "read with ast", reason))  # fmt: skip
        details["apps"] = [f"{a.location} ({a.kind})" for a in apps]
        return CollectorResult(self.name, self.tool, version, CollectorStatus.OK,
                               findings=out.sorted_findings(), facts=out.sorted_facts(),
                               details=details)  # fmt: skip

    def _flask(self, view: fp.FlaskView, found: Scan) -> list[Verdict]:
        observed = found.observed
        return [
            fp.secret_key(view),
            fp.cookies(view, bool(observed.logins)),
            fp.csrf(view, observed.unattributed if len(observed.apps) == 1 else []),
            fp.request_size(view),
            fp.session_lifetime(view, self.max_session_age),
            fp.login_protection(view, observed),
            fw.debug(view, found.dotenv_debug),
            fw.csp(view, found.csp_headers),
            fw.flask_cors(view.app),
        ]


class _Builder(FactSink):
    def __init__(self, version: str) -> None:
        super().__init__("flask_config", version)

    def apps(self, key: str, apps: list[App], fallback: Location) -> None:
        listed = [f"{a.location}" for a in apps]
        how = "applications created in the code (file:line of the constructor call)"
        self.facts.append(Fact(key, listed, apps[0].location if apps else fallback, how))

    def setting(self, view: fp.FlaskView, key: str) -> None:
        v = view.value(key)
        name = f"flask.setting.{key}"
        if isinstance(v.result, Unknown):
            self.facts.append(Fact(name, None, v.location, v.how, v.result.reason))
        else:
            value = to_json(v.result.value, secret=key in SECRET_KEYS)
            self.facts.append(Fact(name, value, v.location, f"{v.how} [app {view.app.location}]"))

    def absent(self, keys: tuple[str, ...], why: str, first: App) -> None:
        for key in keys:
            self.facts.append(Fact(key, None, first.location, f"not applicable: {why}"))

    def verdict(self, view: fp.FlaskView, v: Verdict) -> None:
        where = view.value(v.setting).location if v.setting else view.app.location
        how = f"checks: {v.checked} [app {view.app.location}]"
        if v.has_value:
            unknown = "; ".join(v.unknown) if v.unknown else None
            self.facts.append(Fact(v.key, v.value, where, how, unknown))
            return
        shown: list[str] = []
        for p in v.problems:
            at = p.where or (view.value(p.setting).location if p.setting else view.app.location)
            shown.append(f"{p.message} ({at})")
            self.finding(p.rule, at, p.severity, f"{p.message} (app {view.app.location})")
        self.problem_fact(v.key, shown, where, how, v.unknown)
