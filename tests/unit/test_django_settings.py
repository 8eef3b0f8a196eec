"""Django settings collector: Django's deploy checks and our policy on evaluated
settings, discovery of the settings module, and the facts' shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.django_settings import DjangoSettingsCollector
from auditor.djangocfg import checks as django_checks
from auditor.djangocfg import policy as django_policy
from auditor.djangocfg import policy_ops as django_policy_ops
from auditor.djangocfg import policy_secrets as secrets
from auditor.djangocfg import policy_web as web
from auditor.djangocfg.model import DjangoSettings
from auditor.djangocfg.policy import Verdict
from auditor.evidence import CollectorResult, CollectorStatus, Fact
from auditor.files import DEFAULT_EXCLUDES
from auditor.pystatic.load import Loader

SEC = "'django.middleware.security.SecurityMiddleware'"
SESS = "'django.contrib.sessions.middleware.SessionMiddleware'"
CSRF = "'django.middleware.csrf.CsrfViewMiddleware'"
XF = "'django.middleware.clickjacking.XFrameOptionsMiddleware'"
GOOD = "'" + "k3J9s-2mQ!x7Lp0_vR4tZ8wB1nC6yD5eF(hG)iH*uJ&oK^lM%aN$bO#cP@qS" + "'"
HARDENED = f"""
import os
SECRET_KEY = {GOOD}
DEBUG = False
ALLOWED_HOSTS = ['example.com']
MIDDLEWARE = [{SEC}, {SESS}, {CSRF}, {XF}]
INSTALLED_APPS = ['django.contrib.sessions']
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
"""


def settings_of(tmp_path: Path, source: str, **extra: str) -> DjangoSettings:
    (tmp_path / "proj").mkdir(exist_ok=True)
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "settings.py").write_text(source)
    for name, text in extra.items():
        (tmp_path / "proj" / f"{name}.py").write_text(text)
    module = Loader(tmp_path, [""]).load("proj.settings")
    assert module is not None
    return DjangoSettings(module.name, module.path, module.namespace, module.poison, module.files)


def ids(s: DjangoSettings) -> set[str]:
    return {r.check_id for o in django_checks.run_checks(s) for r in o.raised}


def undecided(s: DjangoSettings) -> list[str]:
    return [o.check for o in django_checks.run_checks(s) if o.undecided]


def test_hardened_settings_pass_every_deploy_check(tmp_path: Path) -> None:
    s = settings_of(tmp_path, HARDENED)
    assert ids(s) == set() and undecided(s) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("DEBUG = 'False'", {"security.W018"}),  # a non-empty string is truthy
        ("SECURE_SSL_REDIRECT = 1", {"security.W008"}),  # truthy but not True
        ("SECURE_HSTS_SECONDS = '0'", set()),  # truthy: Django does not warn
        ("SECURE_HSTS_SECONDS = 0", {"security.W004"}),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS = 'True'", {"security.W005"}),
        ("SECRET_KEY = 'django-insecure-' + 'x' * 50", {"security.W009"}),
        ("SECRET_KEY = 'ab' * 40", {"security.W009"}),  # fewer than 5 unique characters
        ("SECRET_KEY = None", {"security.W009"}),
        (f"SECRET_KEY_FALLBACKS = [{GOOD}, 'old']", {"security.W025"}),
        ("ALLOWED_HOSTS = []", {"security.W020"}),
        ("ALLOWED_HOSTS = os.environ.get('H', '').split(',')", set()),  # [''] is truthy
        ("X_FRAME_OPTIONS = 'SAMEORIGIN'", {"security.W019"}),
        ("SECURE_REFERRER_POLICY = None", {"security.W022"}),
        ("SECURE_REFERRER_POLICY = 'origin, bogus'", {"security.E023"}),
        ("SECURE_CROSS_ORIGIN_OPENER_POLICY = 'bogus'", {"security.E024"}),
        ("SESSION_COOKIE_SECURE = 1", {"security.W012"}),  # app and middleware: W010+W011 -> W012
        ("SESSION_COOKIE_HTTPONLY = 'yes'", {"security.W015"}),
        ("CSRF_COOKIE_SECURE = False", {"security.W016"}),
        ("CSRF_COOKIE_SECURE = False\nCSRF_USE_SESSIONS = 'x'", set()),
        (f"MIDDLEWARE = [{SESS}, {CSRF}, {XF}]", {"security.W001"}),  # no HSTS/redirect checks
        ("MIDDLEWARE = []", {"security.W001", "security.W002", "security.W003"}),
        ("SECURE_CSP = 'default-src self'", {"security.W026"}),
        ("DEBUG = os.environ.get('DJANGO_DEBUG', 'False')", {"security.W018"}),
        ("DEBUG = os.environ.get('DJANGO_DEBUG', '0') == '1'", set()),
    ],
)
def test_deploy_checks_follow_django_exactly(
    tmp_path: Path, change: str, expected: set[str]
) -> None:
    assert ids(settings_of(tmp_path, HARDENED + change + "\n")) == expected


def test_values_from_environment_without_default_are_undecided(tmp_path: Path) -> None:
    s = settings_of(tmp_path, HARDENED + "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n")
    assert undecided(s) == ["check_secret_key"]
    assert "security.W009" not in ids(s)


def test_a_check_that_does_not_need_an_unknown_value_still_decides(tmp_path: Path) -> None:
    src = HARDENED + f"MIDDLEWARE = [{SESS}, {CSRF}, {XF}]\nSECURE_HSTS_SECONDS = os.environ['H']\n"
    s = settings_of(tmp_path, src)
    assert "check_sts" not in undecided(s)  # no SecurityMiddleware: HSTS is never read
    assert ids(s) == {"security.W001"}


def test_settings_django_refuses_are_undecided(tmp_path: Path) -> None:
    s = settings_of(tmp_path, HARDENED + "ALLOWED_HOSTS = 'example.com'\n")
    assert len(undecided(s)) == len(django_checks.CHECKS)


def test_unset_settings_use_django_defaults(tmp_path: Path) -> None:
    s = settings_of(tmp_path, "")
    assert ids(s) == {"security.W001", "security.W002", "security.W003", "security.W009",
                      "security.W020"}  # fmt: skip


def problems(v: Verdict) -> list[str]:
    return [p.rule for p in v.problems]


def test_password_hashers(tmp_path: Path) -> None:
    h = "django.contrib.auth.hashers."
    assert problems(django_policy.password_hashers(settings_of(tmp_path, ""))) == []
    weak = settings_of(tmp_path, f"PASSWORD_HASHERS = ['{h}MD5PasswordHasher', '{h}X']")
    assert problems(django_policy.password_hashers(weak)) == [
        "django.hashers.weak_first", "django.hashers.weak_listed"]  # fmt: skip
    listed = settings_of(tmp_path, f"PASSWORD_HASHERS = ['{h}Argon2PasswordHasher', "
                                   f"'{h}UnsaltedSHA1PasswordHasher']")  # fmt: skip
    assert problems(django_policy.password_hashers(listed)) == ["django.hashers.weak_listed"]
    custom = django_policy.password_hashers(settings_of(tmp_path, "PASSWORD_HASHERS = ['my.H']"))
    assert custom.problems == () and custom.unknown


def test_password_validators(tmp_path: Path) -> None:
    v = "django.contrib.auth.password_validation."
    ok = settings_of(tmp_path, f"AUTH_PASSWORD_VALIDATORS = [{{'NAME': '{v}MinimumLengthValidator',"
                               f" 'OPTIONS': {{'min_length': 12}}}}, "
                               f"{{'NAME': '{v}CommonPasswordValidator'}}]")  # fmt: skip
    assert problems(django_policy.password_validators(ok, 12)) == []
    short = settings_of(tmp_path, f"AUTH_PASSWORD_VALIDATORS = "
                                  f"[{{'NAME': '{v}MinimumLengthValidator'}}]")  # fmt: skip
    assert problems(django_policy.password_validators(short, 12)) == [
        "django.passwords.short_min_length", "django.passwords.no_common_check"]  # fmt: skip


def test_session_lifetime(tmp_path: Path) -> None:
    assert problems(django_policy.session_lifetime(settings_of(tmp_path, ""), 43200)) == [
        "django.sessions.long_lifetime"]  # fmt: skip
    closing = settings_of(tmp_path, "SESSION_EXPIRE_AT_BROWSER_CLOSE = True")
    assert problems(django_policy.session_lifetime(closing, 43200)) == []
    short = settings_of(tmp_path, "import os\nSESSION_COOKIE_AGE = 3600\n"
                                  "SESSION_EXPIRE_AT_BROWSER_CLOSE = os.environ['X']\n")
    assert django_policy.session_lifetime(short, 43200) == Verdict(
        "django.session_lifetime_problems", "SESSION_COOKIE_AGE",
        django_policy.session_lifetime(short, 43200).checked)  # fmt: skip


def test_cookies(tmp_path: Path) -> None:
    assert problems(django_policy.cookies(settings_of(tmp_path, HARDENED))) == []
    loose = settings_of(tmp_path, HARDENED + "SESSION_COOKIE_SAMESITE = None\n"
                                             "SESSION_COOKIE_HTTPONLY = False\n")  # fmt: skip
    assert problems(django_policy.cookies(loose)) == [
        "django.cookies.session_httponly_off", "django.cookies.session_samesite"]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "rules", "unknown"),
    [
        ("import os\nSECRET_KEY = os.environ['K']", [], False),
        ("import os\nSECRET_KEY = os.environ.get('K')", [], False),
        ("import os\nSECRET_KEY = os.environ.get('K', 'dev-key')", ["django.secret_key.in_code"],
         False),
        (f"SECRET_KEY = {GOOD}", ["django.secret_key.in_code"], False),
        ("", ["django.secret_key.missing"], False),
        ("from vault import read\nSECRET_KEY = read('k')", [], True),
    ],
)  # fmt: skip
def test_secret_key(tmp_path: Path, source: str, rules: list[str], unknown: bool) -> None:
    v = secrets.secret_key(settings_of(tmp_path, source))
    assert problems(v) == rules and bool(v.unknown) == unknown


def test_literal_secrets_are_reported_redacted(tmp_path: Path) -> None:
    src = ("import os\nEMAIL_HOST_PASSWORD = 'mail-password-1'\nDATABASES = {'default': "
           "{'NAME': os.environ['DB'], 'PASSWORD': 'db-password-1'}}\n")  # fmt: skip
    v = secrets.literal_secrets(settings_of(tmp_path, src))
    assert problems(v) == ["django.secrets.literal"] * 2
    text = json.dumps([p.message for p in v.problems])
    assert "mail-password-1" not in text and "db-password-1" not in text and "sha256:" in text


def test_debug_and_hosts(tmp_path: Path) -> None:
    assert problems(web.debug_and_hosts(settings_of(tmp_path, HARDENED))) == []
    bad = settings_of(tmp_path, "DEBUG = 'False'\nALLOWED_HOSTS = ['*']")
    assert problems(web.debug_and_hosts(bad)) == ["django.debug.enabled", "django.hosts.wildcard",
                                                   "django.hosts.none"]  # fmt: skip


def test_https(tmp_path: Path) -> None:
    assert problems(web.https(settings_of(tmp_path, HARDENED))) == []
    short = settings_of(tmp_path, HARDENED + "SECURE_HSTS_SECONDS = 3600\n")
    assert problems(web.https(short)) == ["django.https.hsts_short"]


@pytest.mark.parametrize(
    ("source", "rules"),
    [
        ("MIDDLEWARE = []", ["django.csp.missing"]),
        ("MIDDLEWARE = ['django.middleware.csp.ContentSecurityPolicyMiddleware']\n"
         "from django.utils.csp import CSP\n"
         "SECURE_CSP = {'default-src': [CSP.SELF], 'script-src': [CSP.SELF, CSP.NONCE]}", []),
        ("MIDDLEWARE = ['django.middleware.csp.ContentSecurityPolicyMiddleware']",
         ["django.csp.empty_policy"]),
        ("MIDDLEWARE = ['csp.middleware.CSPMiddleware']", []),  # django-csp default 'self'
        ("MIDDLEWARE = ['csp.middleware.CSPMiddleware']\n"
         "CSP_SCRIPT_SRC = (\"'self'\", \"'unsafe-inline'\")", ["django.csp.unsafe_inline"]),
        ("MIDDLEWARE = ['csp.middleware.CSPMiddleware']\nfrom csp.constants import SELF, "
         "UNSAFE_INLINE\nCONTENT_SECURITY_POLICY = {'DIRECTIVES': {'default-src': [SELF, "
         "UNSAFE_INLINE]}}", ["django.csp.unsafe_inline"]),
    ],
)  # fmt: skip
def test_csp(tmp_path: Path, source: str, rules: list[str]) -> None:
    assert problems(web.csp(settings_of(tmp_path, source))) == rules


def test_rest_framework(tmp_path: Path) -> None:
    drf, installed = web.rest_framework(settings_of(tmp_path, "INSTALLED_APPS = []"))
    assert problems(drf) == [] and installed.value is False
    open_api = settings_of(tmp_path, "INSTALLED_APPS = ['rest_framework']\nREST_FRAMEWORK = "
                                     "{'DEFAULT_PERMISSION_CLASSES': "
                                     "['rest_framework.permissions.AllowAny']}")  # fmt: skip
    assert problems(web.rest_framework(open_api)[0]) == ["django.drf.allow_any"]
    unset = settings_of(tmp_path, "INSTALLED_APPS = ['rest_framework']")
    assert problems(web.rest_framework(unset)[0]) == ["django.drf.no_default_permissions"]


def test_cors_middleware_errors_uploads_mfa(tmp_path: Path) -> None:
    s = settings_of(tmp_path, (
        f"INSTALLED_APPS = ['corsheaders', 'django_otp']\nMIDDLEWARE = [{SESS}, {SEC}]\n"
        "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"
        "DEBUG_PROPAGATE_EXCEPTIONS = True\nFILE_UPLOAD_PERMISSIONS = 0o666\n"
        "DATA_UPLOAD_MAX_MEMORY_SIZE = None\n"
    ))  # fmt: skip
    assert problems(django_policy_ops.cors(s)) == ["django.cors.any_origin_with_credentials"]
    assert problems(django_policy_ops.middleware_order(s)) == [
        "django.middleware.security_not_first", "django.middleware.no_csrf",
        "django.middleware.no_xframe"]  # fmt: skip
    assert problems(django_policy_ops.error_reporting(s)) == [
        "django.errors.propagate", "django.errors.unreported"]  # fmt: skip
    assert problems(django_policy_ops.uploads(s)) == ["django.uploads.world_writable",
                                                      "django.uploads.unlimited"]  # fmt: skip
    assert django_policy.mfa_apps(s).value == ["django_otp"]
    logged = settings_of(tmp_path, "ADMINS = []\nLOGGING = {'version': 1, 'loggers': "
                                   "{'django': {'handlers': ['console']}}}")  # fmt: skip
    assert problems(django_policy_ops.error_reporting(logged)) == []


# --- the collector ---------------------------------------------------------------------


def collect(root: Path, module: str | None = None) -> CollectorResult:
    ctx = AuditContext(root, False, DEFAULT_EXCLUDES, 60.0)
    return DjangoSettingsCollector(settings_module=module).collect(ctx)


def facts(result: CollectorResult, key: str) -> list[Fact]:
    return [f for f in result.facts if f.key == key]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


SETDEFAULT = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{}')\n"


def test_deployment_entry_points_win_over_manage_py(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "manage.py": SETDEFAULT.format("site.settings.dev"),
        "site/wsgi.py": SETDEFAULT.format("site.settings.prod"),
        "site/__init__.py": "", "site/settings/__init__.py": "",
        "site/settings/dev.py": "DEBUG = True\n", "site/settings/prod.py": "DEBUG = False\n",
    })  # fmt: skip
    result = collect(root)
    [proj] = facts(result, "django.project")
    assert proj.value == "site.settings.prod" and str(proj.source) == "site/wsgi.py:2"
    assert result.details["ignored_entry_points"]


def test_no_django_project_is_not_applicable(tmp_path: Path) -> None:
    result = collect(project(tmp_path, {"lib.py": "X = 1\n"}))
    assert result.status is CollectorStatus.NOT_APPLICABLE
    assert facts(result, "django.project")[0].value is None


def test_missing_settings_module_makes_every_fact_unknown(tmp_path: Path) -> None:
    result = collect(project(tmp_path, {"manage.py": SETDEFAULT.format("gone.settings")}))
    assert result.status is CollectorStatus.OK
    assert all(f.unknown for f in result.facts if f.key != "django.unreadable_file")
    assert facts(result, "django.secret_key_problems")[0].unknown


def test_every_fact_is_declared_located_and_redacted(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "manage.py": SETDEFAULT.format("site.settings"), "site/__init__.py": "",
        "site/settings.py": HARDENED + "EMAIL_HOST_PASSWORD = 'smtp-password-42'\n",
    })  # fmt: skip
    result = collect(root)
    keys = DjangoSettingsCollector.fact_keys
    assert {f.key for f in result.facts} <= keys
    for f in result.facts:
        assert f.source is not None and f.source.line, f
    text = json.dumps([f.to_dict() for f in result.facts] + [x.to_dict() for x in result.findings])
    assert "smtp-password-42" not in text and GOOD.strip("'") not in text
    assert result.facts == tuple(sorted(result.facts, key=lambda f: (f.key, str(f.source),
                                                                        repr(f.value))))


def test_explicit_settings_path_or_module(tmp_path: Path) -> None:
    root = project(tmp_path, {"conf/prod_settings.py": "DEBUG = True\n"})
    for spec in ("conf/prod_settings.py", "conf.prod_settings"):
        result = collect(root, spec)
        [debug] = facts(result, "django.setting.DEBUG")
        assert debug.value is True and str(debug.source) == "conf/prod_settings.py:1"
        [proj] = facts(result, "django.project")
        assert proj.source is not None and proj.source.line


def fact_value(result: CollectorResult, key: str) -> Any:
    [f] = facts(result, key)
    return f.value
