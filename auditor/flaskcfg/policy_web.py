"""Verdicts on debug mode, Content-Security-Policy and CORS for Flask apps, and
on FastAPI/Starlette middleware (CORS, trusted hosts, HTTPS redirect, debug)."""

from __future__ import annotations

from typing import Any

from auditor.djangocfg.policy import Acc, Verdict
from auditor.evidence import Location, Severity
from auditor.flaskcfg.observe import App
from auditor.flaskcfg.policy import FlaskView
from auditor.pystatic.evaluate import Known, Result
from auditor.pystatic.limits import is_plain

CORS_MW = ("starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware")
HOST_MW = ("starlette.middleware.trustedhost.TrustedHostMiddleware",
           "fastapi.middleware.trustedhost.TrustedHostMiddleware")  # fmt: skip
HTTPS_MW = ("starlette.middleware.httpsredirect.HTTPSRedirectMiddleware",
            "fastapi.middleware.httpsredirect.HTTPSRedirectMiddleware")  # fmt: skip
MATCH_ALL = (".*", "^.*$", "^.*", ".+", "^.+$", r"https?://.*", r"^https?://.*$")
TALISMAN_CSP = {"default-src": "'self'", "object-src": "'none'"}


def _plain(r: Result | None, default: Any) -> Any:
    if r is None:
        return default
    if isinstance(r, Known) and is_plain(r.value):
        return r.value
    raise ValueError("an argument cannot be resolved")


def debug(v: FlaskView, dotenv: list[tuple[Location, str]]) -> Verdict:
    acc = Acc()

    def config() -> None:
        if v["DEBUG"]:
            acc.add("flask.debug.config", "DEBUG", f"DEBUG is {v['DEBUG']!r}", Severity.HIGH)

    acc.run(config)
    for where, result, uncertain in v.app.runs:
        try:
            on = _plain(result, None)
        except ValueError:
            acc.unknown.append(f"app.run(debug=...) at {where} cannot be resolved")
            continue
        if on:
            note = f" (under a {uncertain})" if uncertain else ""
            acc.add("flask.debug.run", "DEBUG", f"app.run(debug={on!r}){note}", Severity.HIGH,
                    where)  # fmt: skip
    for where, line in dotenv:
        acc.add("flask.debug.dotenv", "DEBUG", f"{line} in {where.path}", Severity.HIGH, where)
    return acc.verdict(
        "flask.debug_problems",
        "DEBUG",
        "DEBUG off; no app.run(debug=True); no FLASK_DEBUG=1 in .flaskenv/.env",
    )


def _script_sources(policy: Any) -> list[str]:
    if isinstance(policy, str):
        parts = {p.strip().split(" ", 1)[0]: p.strip() for p in policy.split(";") if p.strip()}
        policy = {k: v.split()[1:] for k, v in parts.items()}
    if not isinstance(policy, dict):
        raise ValueError("a CSP that is neither a string nor a dict")
    value = policy.get("script-src", policy.get("default-src")) or []
    return value.split() if isinstance(value, str) else [str(x) for x in value]


def csp(v: FlaskView, headers: list[Location]) -> Verdict:
    acc = Acc()
    enforced = False
    for where, inst in v.app.talisman:
        try:
            policy = _plain(inst.kwarg("content_security_policy"), TALISMAN_CSP)
            report_only = _plain(inst.kwarg("content_security_policy_report_only"), False)
            if not policy or report_only:
                continue
            enforced = True
            if "'unsafe-inline'" in _script_sources(policy):
                acc.add("flask.csp.unsafe_inline", "DEBUG",
                        "the Flask-Talisman policy allows 'unsafe-inline' scripts",
                        Severity.MEDIUM, where)  # fmt: skip
        except ValueError as e:
            acc.unknown.append(f"Flask-Talisman at {where}: {e}")
    if not enforced and not headers and not acc.unknown:
        acc.add("flask.csp.missing", "DEBUG",
                "no Content-Security-Policy: no Flask-Talisman policy and no code sets the header",
                Severity.MEDIUM)  # fmt: skip
    checked = "Flask-Talisman with an enforced policy, or code setting Content-Security-Policy"
    if headers and not enforced:
        checked += f" (set at {', '.join(map(str, headers[:3]))})"
    return acc.verdict("flask.csp_problems", "DEBUG", checked)


def _any_origin(origins: Any) -> bool:
    if isinstance(origins, str):
        return origins == "*" or origins in MATCH_ALL
    return isinstance(origins, list | tuple | set) and any(
        o == "*" or o in MATCH_ALL for o in origins
    )


def flask_cors(app: App) -> Verdict:
    acc = Acc()
    for where, inst in app.cors:
        try:
            origins = _plain(inst.kwarg("origins"), "*")
            credentials = _plain(inst.kwarg("supports_credentials"), False)
        except ValueError as e:
            acc.unknown.append(f"flask-cors at {where}: {e}")
            continue
        if credentials and _any_origin(origins):
            acc.add("flask.cors.any_origin_with_credentials", "DEBUG",
                    "flask-cors allows any origin with supports_credentials=True",
                    Severity.HIGH, where)  # fmt: skip
    return acc.verdict(
        "flask.cors_problems", "DEBUG", "flask-cors does not combine any origin with credentials"
    )


def _middleware(app: App, names: tuple[str, ...]) -> list[tuple[Location, dict[str, Result]]]:
    return [(where, kwargs) for where, name, kwargs in app.middleware if name in names]


def fastapi_cors(app: App) -> Verdict:
    acc = Acc()
    for where, kw in _middleware(app, CORS_MW):
        try:
            origins = _plain(kw.get("allow_origins"), [])
            regex = _plain(kw.get("allow_origin_regex"), None)
            credentials = _plain(kw.get("allow_credentials"), False)
        except ValueError as e:
            acc.unknown.append(f"CORSMiddleware at {where}: {e}")
            continue
        if credentials and (_any_origin(origins) or regex in MATCH_ALL):
            acc.add("fastapi.cors.any_origin_with_credentials", "",
                    "CORSMiddleware allows any origin with allow_credentials=True",
                    Severity.HIGH, where)  # fmt: skip
    return acc.verdict(
        "fastapi.cors_problems",
        "",
        "CORSMiddleware does not combine any origin with allow_credentials",
    )


def fastapi_debug(app: App) -> Verdict:
    acc = Acc()
    ctor = app.ctor
    try:
        on = _plain(ctor.kwarg("debug") if ctor else None, False)
    except ValueError:
        acc.unknown.append("debug=... of the application cannot be resolved")
        on = False
    if on:
        acc.add("fastapi.debug.enabled", "", f"the application is created with debug={on!r}",
                Severity.HIGH)  # fmt: skip
    debug = app.config.get("DEBUG")
    if debug is not None and isinstance(debug.result, Known) and debug.result.value:
        acc.add("fastapi.debug.enabled", "", "app.debug is set", Severity.HIGH, debug.location)
    return acc.verdict("fastapi.debug_problems", "", "FastAPI/Starlette debug is off")


def fastapi_hosts(app: App) -> Verdict:
    acc = Acc()
    found = _middleware(app, HOST_MW)
    if not found:
        acc.add("fastapi.hosts.no_trusted_host", "",
                "TrustedHostMiddleware is not installed: any Host header is accepted",
                Severity.LOW)  # fmt: skip
    for where, kw in found:
        try:
            hosts = _plain(kw.get("allowed_hosts"), ["*"])
        except ValueError as e:
            acc.unknown.append(f"TrustedHostMiddleware at {where}: {e}")
            continue
        if "*" in hosts:
            acc.add("fastapi.hosts.wildcard", "", "TrustedHostMiddleware allows '*'",
                    Severity.LOW, where)  # fmt: skip
    return acc.verdict(
        "fastapi.host_problems", "", "TrustedHostMiddleware with explicit allowed_hosts"
    )


def fastapi_https(app: App) -> Verdict:
    present = bool(_middleware(app, HTTPS_MW))
    return Verdict("fastapi.https_redirect", "", "HTTPSRedirectMiddleware installed", (), (),
                   present, True)  # fmt: skip
