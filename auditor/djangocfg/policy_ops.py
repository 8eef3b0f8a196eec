"""Checks beyond Django's own, operational side: CORS, middleware order, error
reporting and upload limits."""

from __future__ import annotations

from typing import Any

from auditor.djangocfg.checks import CSRF_MW, SECURITY_MW, XFRAME_MW
from auditor.djangocfg.model import DjangoSettings, Undecided
from auditor.djangocfg.policy import Acc, Verdict
from auditor.evidence import Severity
from auditor.pystatic.evaluate import Known
from auditor.pystatic.limits import Symbol

CORS_MW = "corsheaders.middleware.CorsMiddleware"
_MATCH_ALL = (".*", "^.*$", "^.*", ".+", "^.+$", r"^https?://.*$")


def cors(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def check() -> None:
        if "corsheaders" not in s["INSTALLED_APPS"] and CORS_MW not in s["MIDDLEWARE"]:
            return
        if not s["CORS_ALLOW_CREDENTIALS"]:
            return
        for name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"):
            if s[name]:
                acc.add("django.cors.any_origin_with_credentials", name,
                        f"{name} with CORS_ALLOW_CREDENTIALS: any site can make credentialed "
                        "requests and read the responses", Severity.HIGH)  # fmt: skip
        regexes = s["CORS_ALLOWED_ORIGIN_REGEXES"] or []
        if any(r in _MATCH_ALL for r in regexes):
            acc.add("django.cors.any_origin_with_credentials", "CORS_ALLOWED_ORIGIN_REGEXES",
                    "an origin regex matches every origin, with CORS_ALLOW_CREDENTIALS",
                    Severity.HIGH)  # fmt: skip

    acc.run(check)
    return acc.verdict(
        "django.cors_problems",
        "CORS_ALLOW_CREDENTIALS",
        "django-cors-headers does not allow every origin with credentials",
    )


def middleware_order(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def check() -> None:
        mw = list(s["MIDDLEWARE"])
        if SECURITY_MW not in mw:
            acc.add("django.middleware.no_security", "MIDDLEWARE",
                    "SecurityMiddleware is missing", Severity.MEDIUM)  # fmt: skip
        elif [m for m in mw[: mw.index(SECURITY_MW)] if m != CORS_MW]:
            acc.add("django.middleware.security_not_first", "MIDDLEWARE",
                    f"SecurityMiddleware is at position {mw.index(SECURITY_MW) + 1}, not first",
                    Severity.LOW)  # fmt: skip
        if CSRF_MW not in mw:
            acc.add("django.middleware.no_csrf", "MIDDLEWARE", "CsrfViewMiddleware is missing",
                    Severity.HIGH)  # fmt: skip
        if XFRAME_MW not in mw:
            acc.add("django.middleware.no_xframe", "MIDDLEWARE",
                    "XFrameOptionsMiddleware is missing", Severity.LOW)  # fmt: skip

    acc.run(check)
    return acc.verdict("django.middleware_problems", "MIDDLEWARE",
                       "SecurityMiddleware first (only CorsMiddleware may precede it), "
                       "CsrfViewMiddleware and XFrameOptionsMiddleware present")  # fmt: skip


def _logging_handles_errors(logging: Known) -> bool | None:
    """True when LOGGING attaches a handler to the root, 'django' or
    'django.request' logger; None when that part of LOGGING is unknown."""
    conf = logging.value
    if not isinstance(conf, dict):
        return None
    items = logging.items or {}
    root = items.get("root") or (Known(conf["root"]) if "root" in conf else None)
    loggers = items.get("loggers") or (Known(conf["loggers"]) if "loggers" in conf else None)
    candidates: list[Any] = []
    if root is not None:
        candidates.append(root.value)
    if loggers is not None:
        if not isinstance(loggers.value, dict):
            return None
        candidates += [loggers.value.get(n) for n in ("", "django", "django.request")]
    unknown = False
    for c in candidates:
        if isinstance(c, dict):
            handlers = c.get("handlers")
            if isinstance(handlers, list | tuple) and handlers:
                return True
            if handlers is not None and not isinstance(handlers, list | tuple):
                unknown = True
        elif c is not None:
            unknown = True
    return None if unknown else False


def error_reporting(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def propagate() -> None:
        if s["DEBUG_PROPAGATE_EXCEPTIONS"]:
            acc.add("django.errors.propagate", "DEBUG_PROPAGATE_EXCEPTIONS",
                    "DEBUG_PROPAGATE_EXCEPTIONS is on", Severity.MEDIUM)  # fmt: skip

    def reported() -> None:
        if s["ADMINS"]:
            return
        sentry = any(
            isinstance(b.result, Known) and isinstance(b.result.value, Symbol)
            and b.result.value.path.startswith("sentry_sdk")
            for b in s.namespace.values()
        )  # fmt: skip
        if sentry:
            return
        logging = s.known("LOGGING")
        handled = _logging_handles_errors(logging)
        if handled is None:
            raise Undecided("LOGGING", "its loggers cannot be resolved")
        if not handled:
            acc.add("django.errors.unreported", "ADMINS",
                    "server errors are neither mailed (ADMINS is empty) nor logged (LOGGING has "
                    "no handler for root, 'django' or 'django.request') nor sent to Sentry",
                    Severity.LOW)  # fmt: skip

    acc.run(propagate)
    acc.run(reported)
    return acc.verdict("django.error_reporting_problems", "ADMINS",
                       "DEBUG_PROPAGATE_EXCEPTIONS off; errors mailed to ADMINS, logged or sent "
                       "to Sentry")  # fmt: skip


def uploads(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def perms() -> None:
        for name in ("FILE_UPLOAD_PERMISSIONS", "FILE_UPLOAD_DIRECTORY_PERMISSIONS"):
            value = s[name]
            if isinstance(value, int) and value & 0o002:
                acc.add("django.uploads.world_writable", name, f"{name} is {oct(value)}",
                        Severity.MEDIUM)  # fmt: skip

    def limits() -> None:
        for name in ("DATA_UPLOAD_MAX_MEMORY_SIZE", "DATA_UPLOAD_MAX_NUMBER_FIELDS",
                     "DATA_UPLOAD_MAX_NUMBER_FILES"):  # fmt: skip
            if s[name] is None:
                acc.add("django.uploads.unlimited", name, f"{name} is None (no limit)",
                        Severity.MEDIUM)  # fmt: skip

    acc.run(perms)
    acc.run(limits)
    return acc.verdict(
        "django.upload_problems",
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "upload permissions not world-writable; DATA_UPLOAD_MAX_* limits set",
    )
