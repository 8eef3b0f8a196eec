"""Django's own ``manage.py check --deploy`` security checks, replicated on
statically evaluated settings.

Each function follows ``django/core/checks/security/{base,csrf,sessions}.py``
(Django 5.2) and ``csp.py`` (Django 6.0) line for line: the same membership
tests on MIDDLEWARE and INSTALLED_APPS, ``is True`` where Django writes
``is True`` and plain truthiness where it does not (so ``"1"`` or ``"False"``
behave as in Django), the same short-circuit order. A value the check needs
but we cannot resolve makes that check *undecided*, never passed; the
differential test in tests/integration compares the result with Django itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.djangocfg.model import DjangoSettings, Undecided
from auditor.evidence import Severity

SECURITY_MW = "django.middleware.security.SecurityMiddleware"
XFRAME_MW = "django.middleware.clickjacking.XFrameOptionsMiddleware"
CSRF_MW = "django.middleware.csrf.CsrfViewMiddleware"
SESSION_MW = "django.contrib.sessions.middleware.SessionMiddleware"
SESSION_APP = "django.contrib.sessions"
REFERRER_POLICY_VALUES = frozenset(
    {
        "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
        "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
    }
)  # fmt: skip
COOP_VALUES = frozenset({"same-origin", "same-origin-allow-popups", "unsafe-none"})


@dataclass(frozen=True)
class Raised:
    check_id: str
    setting: str
    """The setting whose assignment the finding points at."""
    message: str


@dataclass(frozen=True)
class Outcome:
    check: str
    raised: tuple[Raised, ...] = ()
    undecided: str | None = None


SEVERITY: dict[str, Severity] = {
    "security.W001": Severity.MEDIUM, "security.W002": Severity.LOW,
    "security.W003": Severity.HIGH, "security.W004": Severity.MEDIUM,
    "security.W005": Severity.LOW, "security.W006": Severity.LOW,
    "security.W008": Severity.MEDIUM, "security.W009": Severity.HIGH,
    "security.W010": Severity.MEDIUM, "security.W011": Severity.MEDIUM,
    "security.W012": Severity.MEDIUM, "security.W013": Severity.MEDIUM,
    "security.W014": Severity.MEDIUM, "security.W015": Severity.MEDIUM,
    "security.W016": Severity.MEDIUM, "security.W018": Severity.HIGH,
    "security.W019": Severity.LOW, "security.W020": Severity.MEDIUM,
    "security.W021": Severity.LOW, "security.W022": Severity.LOW,
    "security.E023": Severity.MEDIUM, "security.E024": Severity.MEDIUM,
    "security.W025": Severity.HIGH, "security.W026": Severity.LOW,
}  # fmt: skip
CHECK_IDS = tuple(sorted(SEVERITY))

Check = Callable[[DjangoSettings], list[Raised]]


def _sec(s: DjangoSettings) -> bool:
    return SECURITY_MW in s["MIDDLEWARE"]


def _xframe(s: DjangoSettings) -> bool:
    return XFRAME_MW in s["MIDDLEWARE"]


def _csrf(s: DjangoSettings) -> bool:
    return CSRF_MW in s["MIDDLEWARE"]


def _w(cid: str, setting: str, message: str) -> list[Raised]:
    return [Raised(f"security.{cid}", setting, message)]


def check_security_middleware(s: DjangoSettings) -> list[Raised]:
    return [] if _sec(s) else _w("W001", "MIDDLEWARE", f"{SECURITY_MW} is not in MIDDLEWARE")


def check_xframe_options_middleware(s: DjangoSettings) -> list[Raised]:
    return [] if _xframe(s) else _w("W002", "MIDDLEWARE", f"{XFRAME_MW} is not in MIDDLEWARE")


def check_sts(s: DjangoSettings) -> list[Raised]:
    passed = not _sec(s) or s["SECURE_HSTS_SECONDS"]
    return [] if passed else _w("W004", "SECURE_HSTS_SECONDS", "SECURE_HSTS_SECONDS is not set")


def check_sts_include_subdomains(s: DjangoSettings) -> list[Raised]:
    passed = (not _sec(s) or not s["SECURE_HSTS_SECONDS"]
              or s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True)  # fmt: skip
    msg = "SECURE_HSTS_INCLUDE_SUBDOMAINS is not True"
    return [] if passed else _w("W005", "SECURE_HSTS_INCLUDE_SUBDOMAINS", msg)


def check_sts_preload(s: DjangoSettings) -> list[Raised]:
    passed = not _sec(s) or not s["SECURE_HSTS_SECONDS"] or s["SECURE_HSTS_PRELOAD"] is True
    return [] if passed else _w("W021", "SECURE_HSTS_PRELOAD", "SECURE_HSTS_PRELOAD is not True")


def check_content_type_nosniff(s: DjangoSettings) -> list[Raised]:
    passed = not _sec(s) or s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    msg = "SECURE_CONTENT_TYPE_NOSNIFF is not True"
    return [] if passed else _w("W006", "SECURE_CONTENT_TYPE_NOSNIFF", msg)


def check_ssl_redirect(s: DjangoSettings) -> list[Raised]:
    passed = not _sec(s) or s["SECURE_SSL_REDIRECT"] is True
    return [] if passed else _w("W008", "SECURE_SSL_REDIRECT", "SECURE_SSL_REDIRECT is not True")


def _secret_key_ok(key: Any) -> bool:
    return bool(len(set(key)) >= 5 and len(key) >= 50 and not key.startswith("django-insecure-"))


def check_secret_key(s: DjangoSettings) -> list[Raised]:
    key = s["SECRET_KEY"]
    passed = bool(key) and _secret_key_ok(key)  # falsy: Django raises ImproperlyConfigured
    msg = ("SECRET_KEY is empty, shorter than 50 characters, has fewer than 5 unique "
           "characters or starts with 'django-insecure-'")  # fmt: skip
    return [] if passed else _w("W009", "SECRET_KEY", msg)


def check_secret_key_fallbacks(s: DjangoSettings) -> list[Raised]:
    out: list[Raised] = []
    for index, key in enumerate(s["SECRET_KEY_FALLBACKS"]):
        if not _secret_key_ok(key):
            out += _w("W025", "SECRET_KEY_FALLBACKS", f"SECRET_KEY_FALLBACKS[{index}] is weak")
    return out


def check_debug(s: DjangoSettings) -> list[Raised]:
    value = s["DEBUG"]
    return [] if not value else _w("W018", "DEBUG", f"DEBUG is {value!r}, which is truthy")


def check_xframe_deny(s: DjangoSettings) -> list[Raised]:
    passed = not _xframe(s) or s["X_FRAME_OPTIONS"] == "DENY"
    return [] if passed else _w("W019", "X_FRAME_OPTIONS", "X_FRAME_OPTIONS is not 'DENY'")


def check_allowed_hosts(s: DjangoSettings) -> list[Raised]:
    return [] if s["ALLOWED_HOSTS"] else _w("W020", "ALLOWED_HOSTS", "ALLOWED_HOSTS is empty")


def check_referrer_policy(s: DjangoSettings) -> list[Raised]:
    if _sec(s):
        policy = s["SECURE_REFERRER_POLICY"]
        if policy is None:
            return _w("W022", "SECURE_REFERRER_POLICY", "SECURE_REFERRER_POLICY is not set")
        if isinstance(policy, str):
            values = {v.strip() for v in policy.split(",")}
        else:
            values = set(policy)
        if not values <= REFERRER_POLICY_VALUES:
            return _w("E023", "SECURE_REFERRER_POLICY", "SECURE_REFERRER_POLICY is invalid")
    return []


def check_cross_origin_opener_policy(s: DjangoSettings) -> list[Raised]:
    if _sec(s):
        coop = s["SECURE_CROSS_ORIGIN_OPENER_POLICY"]
        if coop is not None and coop not in COOP_VALUES:
            msg = "SECURE_CROSS_ORIGIN_OPENER_POLICY is invalid"
            return _w("E024", "SECURE_CROSS_ORIGIN_OPENER_POLICY", msg)
    return []


def check_csrf_middleware(s: DjangoSettings) -> list[Raised]:
    return [] if _csrf(s) else _w("W003", "MIDDLEWARE", f"{CSRF_MW} is not in MIDDLEWARE")


def check_csrf_cookie_secure(s: DjangoSettings) -> list[Raised]:
    passed = s["CSRF_USE_SESSIONS"] or not _csrf(s) or s["CSRF_COOKIE_SECURE"] is True
    return [] if passed else _w("W016", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SECURE is not True")


def _session_flag(s: DjangoSettings, flag: str, ids: tuple[str, str, str]) -> list[Raised]:
    if s[flag] is True:
        return []
    errors: list[Raised] = []
    if SESSION_APP in s["INSTALLED_APPS"]:
        errors += _w(ids[0], flag, f"{SESSION_APP} is installed but {flag} is not True")
    if SESSION_MW in s["MIDDLEWARE"]:
        errors += _w(ids[1], flag, f"{SESSION_MW} is in MIDDLEWARE but {flag} is not True")
    if len(errors) > 1:
        errors = _w(ids[2], flag, f"{flag} is not True")
    return errors


def check_session_cookie_secure(s: DjangoSettings) -> list[Raised]:
    return _session_flag(s, "SESSION_COOKIE_SECURE", ("W010", "W011", "W012"))


def check_session_cookie_httponly(s: DjangoSettings) -> list[Raised]:
    return _session_flag(s, "SESSION_COOKIE_HTTPONLY", ("W013", "W014", "W015"))


def check_csp_directives(s: DjangoSettings) -> list[Raised]:
    """Django 6.0+; an unused setting on older versions, so harmless to report."""
    out: list[Raised] = []
    for name in ("SECURE_CSP", "SECURE_CSP_REPORT_ONLY"):
        value = s[name]
        if value and not isinstance(value, dict):
            out += _w("W026", name, f"{name} is not a dict")
    return out


CHECKS: tuple[Check, ...] = (
    check_security_middleware, check_xframe_options_middleware, check_sts,
    check_sts_include_subdomains, check_sts_preload, check_content_type_nosniff,
    check_ssl_redirect, check_secret_key, check_secret_key_fallbacks, check_debug,
    check_xframe_deny, check_allowed_hosts, check_referrer_policy,
    check_cross_origin_opener_policy, check_csrf_middleware, check_csrf_cookie_secure,
    check_session_cookie_secure, check_session_cookie_httponly, check_csp_directives,
)  # fmt: skip


def run_checks(s: DjangoSettings) -> list[Outcome]:
    invalid = s.invalid()
    outcomes: list[Outcome] = []
    for check in CHECKS:
        name = check.__name__
        if invalid is not None:
            outcomes.append(Outcome(name, undecided=f"Django refuses these settings: {invalid}"))
            continue
        try:
            outcomes.append(Outcome(name, tuple(check(s))))
        except Undecided as e:
            outcomes.append(Outcome(name, undecided=f"{e.setting}: {e.reason}"))
        except (TypeError, ValueError, AttributeError) as e:
            why = f"Django's own check would crash on these values ({type(e).__name__}: {e})"
            outcomes.append(Outcome(name, undecided=why))
    return outcomes
