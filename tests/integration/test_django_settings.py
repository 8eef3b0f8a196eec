"""End to end: the Django settings collector on real git repositories, a failing
and a passing project, decided through the controls we propose for the checklist."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from auditor.checklist import Control, EvidenceSpec, References
from auditor.collectors.base import AuditContext
from auditor.collectors.django_settings import DjangoSettingsCollector
from auditor.controls import Status, evaluate
from auditor.evidence import CollectorResult, Severity
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import make_repo

PROPOSED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "P03-C03": ("django.password_hasher_problems", "empty", ()),
    "P05-C01": ("django.password_validator_problems", "empty", ()),
    "P05-C02": ("django.mfa_apps", "not_empty", ()),
    "P06-C03": ("django.drf_permission_problems", "empty", ("django.rest_framework",)),
    "P07-C04": ("django.csp_problems", "empty", ()),
    "P09-C02": ("django.cookie_problems", "empty", ()),
    "P09-C04": ("django.session_lifetime_problems", "empty", ()),
    "P09-C05": ("django.secret_key_problems", "empty", ()),
    "P12-C01": ("django.csrf_middleware", "true", ()),
    "P13-C05": ("django.https_problems", "empty", ()),
    "P14-C06": ("django.debug_hosts_problems", "empty", ()),
    "P06-C05": ("django.cors_problems", "empty", ()),
    "P14-C21": ("django.deploy_check_failures", "empty", ()),
    "P14-C22": ("django.literal_secrets", "empty", ()),
}
"""The evidence blocks proposed for the checklist (docs/collectors-django-flask.md)."""

SETDEFAULT = "import os\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"{}\")\n"
BASE = """\
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-3x@mpl3k3y")
DEBUG = os.environ.get("DJANGO_DEBUG", "False")
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.sessions", "rest_framework", "corsheaders"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": {"NAME": BASE_DIR / "db.sqlite3", "PASSWORD": "pg-pass-123"}}
"""
PRODUCTION_BAD = """\
from .base import *

MIDDLEWARE.insert(0, "django.middleware.security.SecurityMiddleware")
SECURE_HSTS_SECONDS = 3600
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}
"""
PRODUCTION_GOOD = """\
from .base import *

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_HOSTS", "notes.example.com").split(",") if h]
INSTALLED_APPS += ["django_otp"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]
SECURE_CSP = {"default-src": ["'self'"]}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 14}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
DATABASES = {"default": {"NAME": "notes", "PASSWORD": os.environ["DB_PASSWORD"]}}
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 3600
CORS_ALLOW_ALL_ORIGINS = False
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
"""


def project(production: str) -> dict[str, str]:
    return {
        "manage.py": SETDEFAULT.format("notes.settings.dev"),
        "notes/__init__.py": "",
        "notes/wsgi.py": SETDEFAULT.format("notes.settings.production"),
        "notes/settings/__init__.py": "",
        "notes/settings/base.py": BASE,
        "notes/settings/dev.py": "from .base import *\nDEBUG = True\n",
        "notes/settings/production.py": production,
        "README.md": "notes\n",
    }


def collect(root: Path) -> CollectorResult:
    return DjangoSettingsCollector().collect(AuditContext(root, True, DEFAULT_EXCLUDES, 60.0))


def control(cid: str) -> Control:
    key, pass_if, applies_if = PROPOSED[cid]
    spec = EvidenceSpec("django_settings", "proposed", (), key, pass_if, applies_if)
    return Control(cid, cid[:3], cid, "", Severity.HIGH, spec, "", References((), ()), True, False)


def decide(result: CollectorResult, cid: str) -> Status:
    verdict = evaluate(control(cid), {"django_settings": result}, is_git=True,
                       honour_suppressions=True)  # fmt: skip
    return verdict.status


def located(result: CollectorResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, set()).add(str(f.location))
    return out


def test_failing_project(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "bad", project(PRODUCTION_BAD))
    result = collect(repo)
    [proj] = [f for f in result.facts if f.key == "django.project"]
    assert (proj.value, str(proj.source)) == ("notes.settings.production", "notes/wsgi.py:3")
    found = located(result)
    assert found["django.security.W018"] == {"notes/settings/base.py:6"}  # "False" is truthy
    assert found["django.security.W009"] == {"notes/settings/base.py:5"}
    assert found["django.security.W005"] == {"notes/settings/production.py:1"}  # unset: default
    assert found["django.security.W012"] == {"notes/settings/production.py:1"}
    assert found["django.hashers.weak_first"] == {"notes/settings/base.py:15"}
    assert found["django.drf.allow_any"] == {"notes/settings/production.py:5"}
    assert found["django.secrets.literal"] == {"notes/settings/base.py:5",
                                               "notes/settings/base.py:16"}  # fmt: skip
    for cid in PROPOSED:
        assert decide(result, cid) is Status.FAIL, cid
    text = repr([f.to_dict() for f in result.facts] + [f.to_dict() for f in result.findings])
    assert "pg-pass-123" not in text and "3x@mpl3k3y" not in text


def test_passing_project(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "good", project(PRODUCTION_BAD), project(PRODUCTION_GOOD))
    result = collect(repo)
    statuses = {cid: decide(result, cid) for cid in PROPOSED}
    # SECRET_KEY comes from the environment without a default: Django's own W009 cannot be
    # decided statically, so the deploy-check control is an error, never a pass.
    assert statuses.pop("P14-C21") is Status.ERROR
    assert statuses == dict.fromkeys(statuses, Status.PASS), statuses
    [failures] = [f for f in result.facts if f.key == "django.deploy_check_failures"]
    assert failures.unknown and "SECRET_KEY" in failures.unknown
    [debug] = [f for f in result.facts if f.key == "django.setting.DEBUG"]
    assert debug.value is False and str(debug.source) == "notes/settings/production.py:4"
    assert debug.how == "from environment DJANGO_DEBUG, default '0', then computed"


def test_settings_are_never_imported_or_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    payload = (
        "DEBUG = False\n"
        f"open({str(marker)!r}, 'w').write('imported')\n"
        f"import os\nos.system('touch {marker}')\n"
        f"__import__('pathlib').Path({str(marker)!r}).touch()\n"
        f"exec(\"open({str(marker)!r}, 'w')\")\n"
    )
    repo = make_repo(tmp_path / "repo", {
        "manage.py": SETDEFAULT.format("evil.settings"),
        "evil/__init__.py": f"open({str(marker)!r}, 'w')\n",
        "evil/settings.py": payload,
    })  # fmt: skip
    before = set(sys.modules)
    result = collect(repo)
    assert not marker.exists()
    assert not {m for m in set(sys.modules) - before if m.startswith("evil")}
    [debug] = [f for f in result.facts if f.key == "django.setting.DEBUG"]
    assert debug.unknown and "dynamically" in debug.unknown  # exec() poisons the namespace


def test_hostile_settings_files_do_not_crash_the_collector(tmp_path: Path) -> None:
    broken = make_repo(tmp_path / "broken", {
        "manage.py": SETDEFAULT.format("site.settings"),
        "site/__init__.py": "",
        "site/settings.py": "from .base import *\n",
        "site/base.py": "X = " + "[" * 300 + "]" * 300 + "\nDEBUG = (\n",
    })  # fmt: skip
    result = collect(broken)
    assert result.status.value == "ok"
    [unreadable] = [f for f in result.facts if f.key == "django.unreadable_file"]
    assert unreadable.value == "site/base.py" and unreadable.unknown
    linked = make_repo(tmp_path / "linked", {
        "site/__init__.py": "", "site/wsgi.py": SETDEFAULT.format("site.settings"),
    })  # fmt: skip
    os.symlink("/etc/passwd", linked / "site" / "settings.py")
    for result in (collect(broken), collect(linked)):
        settings = [f for f in result.facts if f.key.startswith("django.setting.")]
        assert settings and all(f.unknown for f in settings)  # nothing guessed from a broken chain
        [key] = [f for f in result.facts if f.key == "django.secret_key_problems"]
        assert key.unknown


@pytest.mark.parametrize("seconds", [0.0])
def test_collection_is_deterministic(tmp_path: Path, seconds: float) -> None:
    repo = make_repo(tmp_path / "repo", project(PRODUCTION_BAD))
    first, second = collect(repo), collect(repo)
    assert first.facts == second.facts and first.findings == second.findings
    assert seconds == 0.0
