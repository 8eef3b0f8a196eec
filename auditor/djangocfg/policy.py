"""Checks beyond Django's own: password storage and policy, sessions, secrets.

Each analysis returns a ``Verdict``: the problems it can prove and the reasons
it could not decide the rest. A proven problem is reported even when another
part is unknown (the control fails either way); with no proven problem, any
unknown part makes the verdict unknown, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditor.djangocfg.checks import CSRF_MW, SESSION_APP, SESSION_MW
from auditor.djangocfg.model import DjangoSettings, Undecided
from auditor.evidence import Location, Severity

HASHERS = "django.contrib.auth.hashers."
STRONG_HASHERS = frozenset(
    HASHERS + n
    for n in ("Argon2PasswordHasher", "BCryptSHA256PasswordHasher", "BCryptPasswordHasher",
              "PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "ScryptPasswordHasher")
)  # fmt: skip
WEAK_HASHERS = frozenset(
    HASHERS + n
    for n in ("MD5PasswordHasher", "SHA1PasswordHasher", "UnsaltedMD5PasswordHasher",
              "UnsaltedSHA1PasswordHasher", "CryptPasswordHasher")
)  # fmt: skip
VALIDATION = "django.contrib.auth.password_validation."
MFA_APPS = ("django_otp", "two_factor", "allauth.mfa", "django_mfa", "trench", "mfa")


@dataclass(frozen=True)
class Problem:
    rule: str
    setting: str
    message: str
    severity: Severity
    where: Location | None = None
    """A more precise location than the setting's (a call, a middleware line)."""


@dataclass(frozen=True)
class Verdict:
    key: str
    setting: str
    """The setting the fact's file:line points at."""
    checked: str
    problems: tuple[Problem, ...] = ()
    unknown: tuple[str, ...] = ()
    value: Any = None
    """For facts that are not a problem list (booleans, lists of apps)."""
    has_value: bool = False


@dataclass
class Acc:
    """Collects problems and undecidable parts while sub-checks run."""

    problems: list[Problem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, rule: str, setting: str, message: str, severity: Severity,
            where: Location | None = None) -> None:  # fmt: skip
        self.problems.append(Problem(rule, setting, message, severity, where))

    def run(self, check: Callable[[], None]) -> None:
        try:
            check()
        except Undecided as e:
            self.unknown.append(f"{e.setting}: {e.reason}")
        except (TypeError, ValueError, AttributeError, KeyError) as e:
            self.unknown.append(f"a value has an unexpected shape ({type(e).__name__}: {e})")

    def verdict(self, key: str, setting: str, checked: str) -> Verdict:
        return Verdict(key, setting, checked, tuple(self.problems), tuple(self.unknown))


def password_hashers(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def check() -> None:
        hashers = s["PASSWORD_HASHERS"]
        if not isinstance(hashers, list | tuple) or not hashers:
            acc.add("django.hashers.empty", "PASSWORD_HASHERS", "PASSWORD_HASHERS is empty",
                    Severity.HIGH)  # fmt: skip
            return
        first = hashers[0]
        if first in WEAK_HASHERS or first not in STRONG_HASHERS:
            if isinstance(first, str) and not first.startswith(HASHERS):
                acc.unknown.append(f"first hasher {first} is a custom class we cannot inspect")
            else:
                acc.add("django.hashers.weak_first", "PASSWORD_HASHERS",
                        f"new passwords are hashed with {first}", Severity.HIGH)  # fmt: skip
        for h in hashers:
            if h in WEAK_HASHERS:
                acc.add("django.hashers.weak_listed", "PASSWORD_HASHERS",
                        f"{h} is accepted for stored passwords", Severity.HIGH)  # fmt: skip

    acc.run(check)
    return acc.verdict("django.password_hasher_problems", "PASSWORD_HASHERS",
                       "first hasher Argon2/bcrypt/scrypt/PBKDF2; no MD5, SHA-1, unsalted or "
                       "crypt hasher listed")  # fmt: skip


def password_validators(s: DjangoSettings, min_length: int) -> Verdict:
    acc = Acc()

    def check() -> None:
        validators = s["AUTH_PASSWORD_VALIDATORS"]
        names = [v.get("NAME") if isinstance(v, dict) else None for v in validators]
        if None in names:
            raise Undecided("AUTH_PASSWORD_VALIDATORS", "an entry is not a dict with NAME")
        length = [v for v in validators if v["NAME"] == VALIDATION + "MinimumLengthValidator"]
        if not length:
            acc.add("django.passwords.no_min_length", "AUTH_PASSWORD_VALIDATORS",
                    "MinimumLengthValidator is not configured", Severity.MEDIUM)  # fmt: skip
        for v in length:
            options = v.get("OPTIONS") or {}
            value = options.get("min_length", 8) if isinstance(options, dict) else None
            if not isinstance(value, int) or value < min_length:
                acc.add("django.passwords.short_min_length", "AUTH_PASSWORD_VALIDATORS",
                        f"MinimumLengthValidator min_length is {value!r}, below {min_length}",
                        Severity.MEDIUM)  # fmt: skip
        if VALIDATION + "CommonPasswordValidator" not in names:
            acc.add("django.passwords.no_common_check", "AUTH_PASSWORD_VALIDATORS",
                    "CommonPasswordValidator is not configured", Severity.MEDIUM)  # fmt: skip

    acc.run(check)
    return acc.verdict("django.password_validator_problems", "AUTH_PASSWORD_VALIDATORS",
                       f"MinimumLengthValidator with min_length >= {min_length} and "
                       "CommonPasswordValidator")  # fmt: skip


def _flag(s: DjangoSettings, name: str) -> bool | None:
    try:
        return bool(s[name])
    except Undecided:
        return None


def session_lifetime(s: DjangoSettings, max_age: int) -> Verdict:
    acc = Acc()
    age: Any = None
    try:
        age = s["SESSION_COOKIE_AGE"]
        short = isinstance(age, int | float) and not isinstance(age, bool) and age <= max_age
    except Undecided as e:
        short, age_reason = False, f"SESSION_COOKIE_AGE: {e.reason}"
    else:
        age_reason = ""
    if not short:
        close = _flag(s, "SESSION_EXPIRE_AT_BROWSER_CLOSE")
        if close is None:
            acc.unknown.append("SESSION_EXPIRE_AT_BROWSER_CLOSE cannot be resolved")
        elif age_reason and not close:
            acc.unknown.append(age_reason)
        elif not close:
            acc.add("django.sessions.long_lifetime", "SESSION_COOKIE_AGE",
                    f"SESSION_COOKIE_AGE is {age!r} seconds (more than {max_age}) and sessions "
                    "do not end when the browser closes", Severity.MEDIUM)  # fmt: skip
    return acc.verdict(
        "django.session_lifetime_problems",
        "SESSION_COOKIE_AGE",
        f"SESSION_COOKIE_AGE <= {max_age} s or SESSION_EXPIRE_AT_BROWSER_CLOSE",
    )


def cookies(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def session() -> None:
        if SESSION_APP not in s["INSTALLED_APPS"] and SESSION_MW not in s["MIDDLEWARE"]:
            return
        if s["SESSION_COOKIE_SECURE"] is not True:
            acc.add("django.cookies.session_not_secure", "SESSION_COOKIE_SECURE",
                    "SESSION_COOKIE_SECURE is not True", Severity.HIGH)  # fmt: skip
        if not s["SESSION_COOKIE_HTTPONLY"]:
            acc.add("django.cookies.session_httponly_off", "SESSION_COOKIE_HTTPONLY",
                    "SESSION_COOKIE_HTTPONLY is disabled", Severity.MEDIUM)  # fmt: skip
        same = s["SESSION_COOKIE_SAMESITE"]
        if not isinstance(same, str) or same.lower() not in ("lax", "strict"):
            acc.add(
                "django.cookies.session_samesite",
                "SESSION_COOKIE_SAMESITE",
                f"SESSION_COOKIE_SAMESITE is {same!r}, not Lax or Strict",
                Severity.MEDIUM,
            )

    def csrf() -> None:
        if s["CSRF_USE_SESSIONS"] or CSRF_MW not in s["MIDDLEWARE"]:
            return
        if s["CSRF_COOKIE_SECURE"] is not True:
            acc.add("django.cookies.csrf_not_secure", "CSRF_COOKIE_SECURE",
                    "CSRF_COOKIE_SECURE is not True", Severity.MEDIUM)  # fmt: skip

    acc.run(session)
    acc.run(csrf)
    return acc.verdict("django.cookie_problems", "SESSION_COOKIE_SECURE",
                       "session cookie Secure (True), HttpOnly, SameSite Lax/Strict; CSRF cookie "
                       "Secure (when sessions/CSRF middleware are used)")  # fmt: skip


def mfa_apps(s: DjangoSettings) -> Verdict:
    acc = Acc()
    found: list[str] = []

    def check() -> None:
        for app in s["INSTALLED_APPS"]:
            if isinstance(app, str) and app.split(".apps.")[0].startswith(MFA_APPS):
                found.append(app)

    acc.run(check)
    v = acc.verdict("django.mfa_apps", "INSTALLED_APPS",
                    "INSTALLED_APPS entries of django-otp, django-two-factor-auth, "
                    "allauth.mfa and similar")  # fmt: skip
    return Verdict(v.key, v.setting, v.checked, (), v.unknown, sorted(found), True)
