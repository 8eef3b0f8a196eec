"""The effective Django settings of one settings module, as Django would see them.

A name the module chain never sets has Django's global default (copied from
``django/conf/global_settings.py``, Django 5.2/6.0); only UPPER_CASE names are
settings, exactly as ``django.conf.Settings`` reads them. Reading a value that
is unknown raises ``Undecided`` so a check that needs it reports why, while a
check that short-circuits before needing it still decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.evidence import Location
from auditor.pystatic.evaluate import Known, Result, Unknown
from auditor.pystatic.limits import is_plain, opaque_reason
from auditor.pystatic.values import Binding

DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "DEBUG_PROPAGATE_EXCEPTIONS": False,
    "ADMINS": [],
    "ALLOWED_HOSTS": [],
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [],
    "SECRET_KEY": "",
    "SECRET_KEY_FALLBACKS": [],
    "DATABASES": {},
    "EMAIL_HOST_PASSWORD": "",
    "DATA_UPLOAD_MAX_MEMORY_SIZE": 2621440,
    "DATA_UPLOAD_MAX_NUMBER_FIELDS": 1000,
    "DATA_UPLOAD_MAX_NUMBER_FILES": 100,
    "FILE_UPLOAD_PERMISSIONS": 0o644,
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS": None,
    "X_FRAME_OPTIONS": "DENY",
    "SECURE_PROXY_SSL_HEADER": None,
    "SESSION_COOKIE_AGE": 60 * 60 * 24 * 7 * 2,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE": False,
    "PASSWORD_HASHERS": [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
    "AUTH_PASSWORD_VALIDATORS": [],
    "CSRF_COOKIE_SECURE": False,
    "CSRF_COOKIE_HTTPONLY": False,
    "CSRF_COOKIE_SAMESITE": "Lax",
    "CSRF_USE_SESSIONS": False,
    "CSRF_TRUSTED_ORIGINS": [],
    "LOGGING": {},
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURE_HSTS_PRELOAD": False,
    "SECURE_HSTS_SECONDS": 0,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_SSL_REDIRECT": False,
    "SECURE_CSP": {},
    "SECURE_CSP_REPORT_ONLY": {},
    "SILENCED_SYSTEM_CHECKS": [],
}
"""Settings Django itself defines (the defaults a deployment gets when unset)."""

THIRD_PARTY: tuple[str, ...] = (
    "CONTENT_SECURITY_POLICY",
    "CSP_DEFAULT_SRC",
    "CSP_SCRIPT_SRC",
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ORIGIN_ALLOW_ALL",
    "CORS_ALLOW_CREDENTIALS",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "REST_FRAMEWORK",
)
"""Settings of packages (django-csp, django-cors-headers, DRF): absent means None."""

SETTINGS: tuple[str, ...] = tuple(sorted({*DEFAULTS, *THIRD_PARTY}))
SECRET_SETTINGS = frozenset({"SECRET_KEY", "SECRET_KEY_FALLBACKS", "EMAIL_HOST_PASSWORD"})
TUPLE_SETTINGS = ("ALLOWED_HOSTS", "INSTALLED_APPS", "TEMPLATE_DIRS", "LOCALE_PATHS",
                  "SECRET_KEY_FALLBACKS")  # fmt: skip


class Undecided(Exception):
    """A value a check needs is unknown; carries the setting and the reason."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


@dataclass(frozen=True)
class Setting:
    name: str
    result: Result
    location: Location
    explicit: bool
    """Set by the settings chain (else Django's or the package's default applies)."""

    def how(self) -> str:
        secret = self.name in SECRET_SETTINGS
        if isinstance(self.result, Unknown):
            return self.result.reason
        if not self.explicit:
            return "not set: Django's default" if self.name in DEFAULTS else "not set"
        return self.result.how(secret)


class DjangoSettings:
    """Effective settings of one module; ``s["DEBUG"]`` reads like ``settings.DEBUG``."""

    def __init__(
        self,
        module: str,
        path: str,
        namespace: Mapping[str, Binding],
        poison: str | None,
        files: tuple[str, ...],
    ) -> None:
        self.module = module
        self.path = path
        self.namespace = namespace
        self.poison = poison
        self.files = files
        self.consulted: list[str] = []

    def setting(self, name: str) -> Setting:
        b = self.namespace.get(name)
        if b is not None:
            return Setting(name, b.result, b.location, True)
        where = Location(self.path, 1)
        if self.poison is not None:
            return Setting(name, Unknown(f"{name} may be set dynamically: {self.poison}"), where,
                           True)  # fmt: skip
        return Setting(name, Known(DEFAULTS.get(name)), where, False)

    def __getitem__(self, name: str) -> Any:
        """The plain value, or ``Undecided``."""
        self.consulted.append(name)
        s = self.setting(name)
        if isinstance(s.result, Unknown):
            raise Undecided(name, s.result.reason)
        if not is_plain(s.result.value):
            raise Undecided(name, opaque_reason(s.result.value))
        return s.result.value

    def known(self, name: str) -> Known:
        """The value with its provenance, or ``Undecided``."""
        s = self.setting(name)
        if isinstance(s.result, Unknown):
            raise Undecided(name, s.result.reason)
        return s.result

    def invalid(self) -> str | None:
        """Why Django would refuse to load these settings at all."""
        for name in TUPLE_SETTINGS:
            s = self.setting(name)
            if not s.explicit or not isinstance(s.result, Known) or not is_plain(s.result.value):
                continue
            if not isinstance(s.result.value, list | tuple):
                return f"The {name} setting must be a list or a tuple ({s.location})."
        return None
