"""Checks beyond Django's own: deployment exposure, HTTPS, CSRF, CSP, DRF,
CORS, middleware order, error reporting and upload limits."""

from __future__ import annotations

from typing import Any

from auditor.djangocfg.checks import CSRF_MW, SECURITY_MW
from auditor.djangocfg.model import DjangoSettings, Undecided
from auditor.djangocfg.policy import Acc, Verdict
from auditor.evidence import Severity
from auditor.pystatic.evaluate import Known
from auditor.pystatic.limits import Symbol

ONE_YEAR = 31_536_000
DJANGO_CSP_MW = "django.middleware.csp.ContentSecurityPolicyMiddleware"
DJANGO_CSP_PKG_MW = "csp.middleware.CSPMiddleware"
CORS_MW = "corsheaders.middleware.CorsMiddleware"
ALLOW_ANY = "rest_framework.permissions.AllowAny"


def debug_and_hosts(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def debug() -> None:
        value = s["DEBUG"]
        if value:
            note = " (a non-empty string is truthy)" if isinstance(value, str) else ""
            acc.add("django.debug.enabled", "DEBUG", f"DEBUG is {value!r}{note}", Severity.HIGH)

    def hosts() -> None:
        value = s["ALLOWED_HOSTS"]
        if "*" in value:
            acc.add("django.hosts.wildcard", "ALLOWED_HOSTS", "ALLOWED_HOSTS contains '*'",
                    Severity.HIGH)  # fmt: skip
        if not [h for h in value if isinstance(h, str) and h.strip() and h != "*"]:
            acc.add(
                "django.hosts.none",
                "ALLOWED_HOSTS",
                f"ALLOWED_HOSTS lists no host names ({list(value)!r})",
                Severity.MEDIUM,
            )

    acc.run(debug)
    acc.run(hosts)
    return acc.verdict(
        "django.debug_hosts_problems",
        "DEBUG",
        "DEBUG falsy; ALLOWED_HOSTS lists explicit host names without '*'",
    )


def _seconds(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)  # Django formats it into the header as is
    return None


def https(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def middleware() -> None:
        if SECURITY_MW not in s["MIDDLEWARE"]:
            acc.add("django.https.no_security_middleware", "MIDDLEWARE",
                    "SecurityMiddleware is not in MIDDLEWARE, so the settings below have no "
                    "effect", Severity.HIGH)  # fmt: skip

    def redirect() -> None:
        if s["SECURE_SSL_REDIRECT"] is not True:
            acc.add("django.https.no_redirect", "SECURE_SSL_REDIRECT",
                    "SECURE_SSL_REDIRECT is not True", Severity.MEDIUM)  # fmt: skip

    def hsts() -> None:
        seconds = _seconds(s["SECURE_HSTS_SECONDS"])
        if seconds is None or seconds < ONE_YEAR:
            acc.add("django.https.hsts_short", "SECURE_HSTS_SECONDS",
                    f"SECURE_HSTS_SECONDS is {s['SECURE_HSTS_SECONDS']!r}, below one year",
                    Severity.MEDIUM)  # fmt: skip
        if s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is not True:
            acc.add("django.https.hsts_no_subdomains", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                    "SECURE_HSTS_INCLUDE_SUBDOMAINS is not True", Severity.LOW)  # fmt: skip

    for check in (middleware, redirect, hsts):
        acc.run(check)
    return acc.verdict("django.https_problems", "SECURE_SSL_REDIRECT",
                       "SecurityMiddleware, SECURE_SSL_REDIRECT True, SECURE_HSTS_SECONDS >= "
                       "31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS True")  # fmt: skip


def csrf_middleware(s: DjangoSettings) -> Verdict:
    acc = Acc()
    present: list[bool] = []
    acc.run(lambda: present.append(CSRF_MW in s["MIDDLEWARE"]))
    v = acc.verdict("django.csrf_middleware", "MIDDLEWARE", f"{CSRF_MW} in MIDDLEWARE")
    return Verdict(v.key, v.setting, v.checked, (), v.unknown, present[0] if present else None,
                   True)  # fmt: skip


def _sources(policy: Any, directive: str) -> list[str]:
    value = policy.get(directive) if isinstance(policy, dict) else None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return []


def csp(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def check() -> None:
        mw = s["MIDDLEWARE"]
        policies: list[tuple[str, Any]] = []
        if DJANGO_CSP_MW in mw:
            if s["SECURE_CSP"]:
                policies.append(("SECURE_CSP", s["SECURE_CSP"]))
            else:
                acc.add("django.csp.empty_policy", "SECURE_CSP",
                        "ContentSecurityPolicyMiddleware is on but SECURE_CSP is empty",
                        Severity.MEDIUM)  # fmt: skip
        if DJANGO_CSP_PKG_MW in mw:
            policies.append(_django_csp_policy(s))
        if DJANGO_CSP_MW not in mw and DJANGO_CSP_PKG_MW not in mw:
            acc.add("django.csp.missing", "MIDDLEWARE",
                    "no Content-Security-Policy middleware (Django 6 or django-csp) in MIDDLEWARE",
                    Severity.MEDIUM)  # fmt: skip
        for setting, policy in policies:
            directive = "script-src" if _sources(policy, "script-src") else "default-src"
            if "'unsafe-inline'" in _sources(policy, directive):
                acc.add("django.csp.unsafe_inline", setting,
                        f"{directive} allows 'unsafe-inline'", Severity.MEDIUM)  # fmt: skip

    acc.run(check)
    return acc.verdict("django.csp_problems", "MIDDLEWARE",
                       "a CSP middleware with a policy whose script sources exclude "
                       "'unsafe-inline'")  # fmt: skip


def _django_csp_policy(s: DjangoSettings) -> tuple[str, Any]:
    """django-csp 4 reads CONTENT_SECURITY_POLICY["DIRECTIVES"]; 3.x reads CSP_*
    settings and defaults to default-src 'self'."""
    modern = s["CONTENT_SECURITY_POLICY"]
    if modern is not None:
        if not isinstance(modern, dict):
            raise Undecided("CONTENT_SECURITY_POLICY", "not a dict")
        return "CONTENT_SECURITY_POLICY", modern.get("DIRECTIVES") or {}
    default = s["CSP_DEFAULT_SRC"]
    script = s["CSP_SCRIPT_SRC"]
    policy = {"default-src": default if default is not None else ["'self'"]}
    if script is not None:
        policy["script-src"] = script
    return "CSP_SCRIPT_SRC" if script is not None else "CSP_DEFAULT_SRC", policy


def rest_framework(s: DjangoSettings) -> tuple[Verdict, Verdict]:
    acc = Acc()
    installed: list[bool] = []

    def check() -> None:
        installed.append("rest_framework" in s["INSTALLED_APPS"])
        if not installed[0]:
            return
        conf = s.known("REST_FRAMEWORK")
        if conf.value is None:
            acc.add("django.drf.no_default_permissions", "REST_FRAMEWORK",
                    "REST_FRAMEWORK is not set: DRF's default permission is AllowAny",
                    Severity.HIGH)  # fmt: skip
            return
        if not isinstance(conf.value, dict):
            raise Undecided("REST_FRAMEWORK", "not a dict")
        if "DEFAULT_PERMISSION_CLASSES" not in conf.value:
            acc.add("django.drf.no_default_permissions", "REST_FRAMEWORK",
                    "DEFAULT_PERMISSION_CLASSES is not set: DRF's default is AllowAny",
                    Severity.HIGH)  # fmt: skip
            return
        classes = (conf.items or {}).get("DEFAULT_PERMISSION_CLASSES") or Known(
            conf.value["DEFAULT_PERMISSION_CLASSES"]
        )
        names = [c.path if isinstance(c, Symbol) else c for c in classes.value]
        if not all(isinstance(n, str) for n in names):
            raise Undecided("REST_FRAMEWORK", "DEFAULT_PERMISSION_CLASSES cannot be resolved")
        if not names or any(n == ALLOW_ANY or n.endswith(".AllowAny") for n in names):
            acc.add("django.drf.allow_any", "REST_FRAMEWORK",
                    f"DEFAULT_PERMISSION_CLASSES is {names!r}", Severity.HIGH)  # fmt: skip

    acc.run(check)
    drf = acc.verdict("django.drf_permission_problems", "REST_FRAMEWORK",
                      "when rest_framework is installed: DEFAULT_PERMISSION_CLASSES set, "
                      "without AllowAny")  # fmt: skip
    flag = Verdict("django.rest_framework", "INSTALLED_APPS", "'rest_framework' in INSTALLED_APPS",
                   (), () if installed else drf.unknown, installed[0] if installed else None,
                   True)  # fmt: skip
    return drf, flag
