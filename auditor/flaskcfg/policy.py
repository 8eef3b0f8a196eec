"""Security verdicts for one Flask app, on its statically resolved configuration.

Defaults are Flask 3 / Flask-Login 0.6 / Flask-WTF 1.x defaults: what an app
gets for a key nobody sets. Problem lists follow ``django_policy``: proven
problems always, otherwise any unknown part makes the verdict unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auditor.djangocfg.model import Undecided
from auditor.djangocfg.policy import Acc, Verdict
from auditor.evidence import Location, Severity
from auditor.flaskcfg.observe import App, Observed
from auditor.pystatic.evaluate import Known, Result, Unknown
from auditor.pystatic.limits import Instance, is_plain, opaque_reason
from auditor.redact import redact

DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": None,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": None,
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=31),
    "MAX_CONTENT_LENGTH": None,
    "REMEMBER_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": None,
    "REMEMBER_COOKIE_DURATION": dt.timedelta(days=365),
    "WTF_CSRF_ENABLED": True,
}
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Value:
    result: Result
    location: Location
    how: str
    explicit: bool


class FlaskView:
    """``view["KEY"]`` reads a config key like ``app.config["KEY"]`` would."""

    def __init__(self, app: App) -> None:
        self.app = app

    def value(self, key: str) -> Value:
        e = self.app.config.get(key)
        if e is not None:
            r = e.result
            detail = r.reason if isinstance(r, Unknown) else r.how(key == "SECRET_KEY")
            return Value(r, e.location, f"{e.how} ({detail})", True)
        if self.app.poison is not None:
            return Value(Unknown(self.app.poison), self.app.location, self.app.poison, True)
        return Value(Known(DEFAULTS.get(key)), self.app.location, "not set: Flask's default",
                     False)  # fmt: skip

    def __getitem__(self, key: str) -> Any:
        v = self.value(key)
        if isinstance(v.result, Unknown):
            raise Undecided(key, v.result.reason)
        if not is_plain(v.result.value):
            raise Undecided(key, opaque_reason(v.result.value))
        return v.result.value


def _seconds(value: Any) -> float | None:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _truthy_kwarg(inst: Instance, name: str, default: bool) -> bool | None:
    r = inst.kwarg(name)
    if r is None:
        return default
    return bool(r.value) if isinstance(r, Known) and is_plain(r.value) else None


def secret_key(v: FlaskView) -> Verdict:
    acc = Acc()
    st = v.value("SECRET_KEY")
    r = st.result
    if isinstance(r, Unknown):
        if not r.env:
            acc.unknown.append(f"SECRET_KEY: {r.reason}")
    elif r.value is None or r.value == "":
        if not r.env:
            acc.add("flask.secret_key.missing", "SECRET_KEY", "SECRET_KEY is never set",
                    Severity.HIGH)  # fmt: skip
    elif not isinstance(r.value, str | bytes):
        acc.unknown.append("SECRET_KEY is not a string")
    else:
        text = r.value if isinstance(r.value, str) else r.value.decode("utf-8", "replace")
        origin = (
            "literal"
            if not r.env
            else (f"literal default used when {', '.join(e.name for e in r.env)} is unset")
        )
        acc.add("flask.secret_key.in_code", "SECRET_KEY",
                f"SECRET_KEY is a {origin} {redact(text)}", Severity.CRITICAL)  # fmt: skip
        if len(text) < MIN_SECRET_LENGTH:
            acc.add("flask.secret_key.short", "SECRET_KEY",
                    f"SECRET_KEY is only {len(text)} characters", Severity.HIGH)  # fmt: skip
    return acc.verdict(
        "flask.secret_key_problems",
        "SECRET_KEY",
        "SECRET_KEY set, from the environment, no literal (fallback)",
    )


def cookies(v: FlaskView, uses_login: bool) -> Verdict:
    acc = Acc()
    forced = [t for t in v.app.talisman if _truthy_kwarg(t[1], "session_cookie_secure", True)]

    def session() -> None:
        if not forced and v["SESSION_COOKIE_SECURE"] is not True:
            acc.add("flask.cookies.session_not_secure", "SESSION_COOKIE_SECURE",
                    "SESSION_COOKIE_SECURE is not True", Severity.HIGH)  # fmt: skip
        if not v["SESSION_COOKIE_HTTPONLY"]:
            acc.add("flask.cookies.session_httponly_off", "SESSION_COOKIE_HTTPONLY",
                    "SESSION_COOKIE_HTTPONLY is disabled", Severity.MEDIUM)  # fmt: skip
        same = v["SESSION_COOKIE_SAMESITE"]
        if not isinstance(same, str) or same.lower() not in ("lax", "strict"):
            acc.add(
                "flask.cookies.session_samesite",
                "SESSION_COOKIE_SAMESITE",
                f"SESSION_COOKIE_SAMESITE is {same!r}, not Lax or Strict",
                Severity.MEDIUM,
            )

    def remember() -> None:
        if not uses_login:
            return
        if v["REMEMBER_COOKIE_SECURE"] is not True:
            acc.add(
                "flask.cookies.remember_not_secure",
                "REMEMBER_COOKIE_SECURE",
                "REMEMBER_COOKIE_SECURE is not True (Flask-Login)",
                Severity.HIGH,
            )
        if not v["REMEMBER_COOKIE_HTTPONLY"]:
            acc.add(
                "flask.cookies.remember_httponly_off",
                "REMEMBER_COOKIE_HTTPONLY",
                "REMEMBER_COOKIE_HTTPONLY is disabled (Flask-Login)",
                Severity.MEDIUM,
            )

    acc.run(session)
    acc.run(remember)
    return acc.verdict(
        "flask.cookie_problems",
        "SESSION_COOKIE_SECURE",
        "session cookie Secure, HttpOnly, SameSite Lax/Strict (Flask-Talisman "
        "forces Secure); remember-me cookie Secure and HttpOnly with Flask-Login",
    )


def csrf(v: FlaskView, unattributed: list[str]) -> Verdict:
    acc = Acc()
    if not v.app.csrf:
        if unattributed:
            acc.unknown.append("CSRF protection initialised for an app we cannot identify: "
                               + "; ".join(unattributed))  # fmt: skip
        else:
            acc.add("flask.csrf.not_initialised", "WTF_CSRF_ENABLED",
                    "CSRFProtect (Flask-WTF) or SeaSurf is never initialised for this app",
                    Severity.HIGH)  # fmt: skip

    def enabled() -> None:
        if not v["WTF_CSRF_ENABLED"]:
            acc.add("flask.csrf.disabled", "WTF_CSRF_ENABLED", "WTF_CSRF_ENABLED is off",
                    Severity.HIGH)  # fmt: skip

    acc.run(enabled)
    return acc.verdict(
        "flask.csrf_problems",
        "WTF_CSRF_ENABLED",
        "CSRFProtect(app) or init_app(app) present; WTF_CSRF_ENABLED not off",
    )


def request_size(v: FlaskView) -> Verdict:
    acc = Acc()

    def check() -> None:
        limit = v["MAX_CONTENT_LENGTH"]
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            acc.add("flask.request_size.unlimited", "MAX_CONTENT_LENGTH",
                    f"MAX_CONTENT_LENGTH is {limit!r}: request bodies are not limited",
                    Severity.MEDIUM)  # fmt: skip

    acc.run(check)
    return acc.verdict(
        "flask.request_size_problems",
        "MAX_CONTENT_LENGTH",
        "MAX_CONTENT_LENGTH is a finite number of bytes",
    )


def session_lifetime(v: FlaskView, max_age: int) -> Verdict:
    acc = Acc()

    def check() -> None:
        seconds = _seconds(v["PERMANENT_SESSION_LIFETIME"])
        if seconds is None or seconds > max_age:
            acc.add("flask.sessions.long_lifetime", "PERMANENT_SESSION_LIFETIME",
                    f"PERMANENT_SESSION_LIFETIME is {seconds!r} seconds (more than {max_age})",
                    Severity.MEDIUM)  # fmt: skip

    acc.run(check)
    return acc.verdict(
        "flask.session_lifetime_problems",
        "PERMANENT_SESSION_LIFETIME",
        f"PERMANENT_SESSION_LIFETIME <= {max_age} s",
    )


def login_protection(v: FlaskView, observed: Observed) -> Verdict:
    values: list[Any] = []
    unknown: list[str] = []
    for where, result in observed.protection:
        if isinstance(result, Known) and is_plain(result.value):
            values.append(result.value)
        else:
            unknown.append(f"session_protection at {where} cannot be resolved")
    if observed.logins and not values and not unknown:
        values.append("basic")
    checked = "Flask-Login LoginManager.session_protection (default 'basic'; None disables it)"
    value = values[-1] if values else None
    return Verdict("flask.login_session_protection", "SECRET_KEY", checked, (), tuple(unknown),
                   value, True)  # fmt: skip
