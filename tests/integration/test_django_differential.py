"""Differential test: our static deploy checks against Django's own.

We generate seeded random settings modules (split across base/override files,
with environment defaults, truthy-but-not-True values, conditionals, list
mutations, try/except fallbacks), ask Django what ``check --deploy`` prints for
each (a driver process swaps the settings module between runs; a sample is
re-checked with a real ``manage.py check --deploy`` per module to prove the
driver prints the same), and compare the sets of security check ids with the
auditor's ``django.security.*`` findings. Zero disagreements are allowed.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.django_settings import DjangoSettingsCollector
from auditor.files import DEFAULT_EXCLUDES

django = pytest.importorskip(
    "django", reason="Django is not installed: the differential test needs Django itself"
)

SEED = 20260101
CASES = 240
ENV_PREFIX = "AUDITDIFF_"
GOOD_KEY = "'k3J9s-2mQ!x7Lp0_vR4tZ8wB1nC6yD5eF(hG)iH*uJ&oK^lM%aN$bO#cP@qS+rT='"
GOOD_KEY_2 = "'Zq8#Lm2!Xv9@Rt4$Yw7%Np1^Kc6&Hb3*Gd5(Fs0)Jj-Ee_Uu+Ii=Oo~Aa`Ss'"
SECURITY = "'django.middleware.security.SecurityMiddleware'"
SESSION = "'django.contrib.sessions.middleware.SessionMiddleware'"
COMMON = "'django.middleware.common.CommonMiddleware'"
CSRF = "'django.middleware.csrf.CsrfViewMiddleware'"
XFRAME = "'django.middleware.clickjacking.XFrameOptionsMiddleware'"
MIDDLEWARES = [SECURITY, SESSION, COMMON, CSRF, XFRAME]
APPS = ["'django.contrib.contenttypes'", "'django.contrib.sessions'",
        "'django.contrib.messages'", "'django.contrib.staticfiles'"]  # fmt: skip
OMIT = None


def _bool_pool(var: str) -> list[str | None]:
    e = ENV_PREFIX + var
    return [
        OMIT, OMIT, "True", "False", "1", "0", "'True'", "'False'", "''",
        f"os.environ.get('{e}', 'True') == 'True'", f"os.environ.get('{e}', 'False') == 'True'",
        f"os.environ.get('{e}', '1')", f"bool(os.getenv('{e}'))",
        f"os.getenv('{e}', 'true').lower() in ('1', 'true', 'yes')",
    ]  # fmt: skip


POOLS: dict[str, list[str | None]] = {
    "DEBUG": [
        OMIT, "True", "False", "1", "0", "'1'", "''", "'False'",
        f"os.environ.get('{ENV_PREFIX}DEBUG', 'False')",
        f"os.environ.get('{ENV_PREFIX}DEBUG', '0') == '1'",
        f"os.environ.get('{ENV_PREFIX}DEBUG', '').lower() in ('1', 'true')",
        f"bool(int(os.environ.get('{ENV_PREFIX}DEBUG', '0')))",
        f"bool(os.environ.get('{ENV_PREFIX}DEBUG'))",
        f"os.getenv('{ENV_PREFIX}DEBUG', 'True') == 'True'",
        f"'{ENV_PREFIX}DEBUG' in os.environ",
    ],
    "ALLOWED_HOSTS": [
        OMIT, "[]", "['*']", "['example.com']", "('example.com', '.example.org')",
        f"os.environ.get('{ENV_PREFIX}HOSTS', '').split(',')",
        f"[h.strip() for h in os.environ.get('{ENV_PREFIX}HOSTS', '').split(',') if h.strip()]",
        f"[h.strip() for h in os.environ.get('{ENV_PREFIX}HOSTS', 'a.com, b.com').split(',')]",
    ],
    "SECRET_KEY": [
        OMIT, "''", "'short'", "'a' * 60", "'django-insecure-' + 'x1y2z3w4v5' * 5", GOOD_KEY,
        f"os.environ.get('{ENV_PREFIX}SK', {GOOD_KEY})", f"os.environ.get('{ENV_PREFIX}SK', 'dev')",
        f"os.getenv('{ENV_PREFIX}SK')", "None", f"'{'ab' * 30}'", f"'{'abcde' * 10}'",
        f"'{'abcd' * 13}'",
    ],
    "SECRET_KEY_FALLBACKS": [
        OMIT, OMIT, "[]", f"[{GOOD_KEY_2}]", "['old-key']", f"[{GOOD_KEY_2}, 'x' * 60]",
        f"os.environ.get('{ENV_PREFIX}FB', '').split(',')",
        f"[k for k in os.environ.get('{ENV_PREFIX}FB', '').split(',') if k]",
    ],
    "SECURE_HSTS_SECONDS": [
        OMIT, "0", "3600", "31536000", "'0'", "None", "60 * 60 * 24 * 365",
        f"int(os.environ.get('{ENV_PREFIX}HSTS', '0'))",
        f"int(os.environ.get('{ENV_PREFIX}HSTS', '31536000'))",
        f"os.environ.get('{ENV_PREFIX}HSTS', '0')",
    ],
    "X_FRAME_OPTIONS": [OMIT, "'DENY'", "'SAMEORIGIN'", "'deny'", "None"],
    "SECURE_REFERRER_POLICY": [
        OMIT, "None", "'same-origin'", "'no-referrer, strict-origin-when-cross-origin'", "'bogus'",
        "['origin', 'same-origin']", "('unsafe-url',)", "['nope']", "''", "[]",
        f"os.environ.get('{ENV_PREFIX}RP', 'same-origin')",
    ],
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": [
        OMIT, "None", "'same-origin'", "'unsafe-none'", "'bogus'", "''",
        "'same-origin-allow-popups'",
    ],
    "SILENCED_SYSTEM_CHECKS": [OMIT] * 8 + [
        "['security.W004']", "['security.W018', 'security.W020']"
    ],
    "SECURE_CSP": [OMIT] * 10 + ["{'default-src': ['self']}", "\"default-src 'self'\""],
}
for _flag in ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
              "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_SSL_REDIRECT", "CSRF_COOKIE_SECURE",
              "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_USE_SESSIONS"):  # fmt: skip
    POOLS[_flag] = _bool_pool(_flag)


def _middleware(rnd: random.Random) -> tuple[list[str], str | None]:
    chosen = rnd.sample(MIDDLEWARES, rnd.randint(0, len(MIDDLEWARES)))
    if rnd.random() < 0.1:
        return chosen, None
    shape = rnd.choice(["[{}]", "({},)" if chosen else "()"])
    return chosen, shape.format(", ".join(chosen))


def _tweaks(rnd: random.Random, chosen: list[str], is_list: bool) -> list[str]:
    """Statements in the overriding module that change the inherited MIDDLEWARE."""
    lines: list[str] = []
    missing = [m for m in MIDDLEWARES if m not in chosen]
    if is_list and missing and rnd.random() < 0.4:
        lines.append(f"MIDDLEWARE.insert(0, {rnd.choice(missing)})")
    if is_list and chosen and rnd.random() < 0.3:
        lines.append(f"MIDDLEWARE.remove({rnd.choice(chosen)})")
    if missing and rnd.random() < 0.3:
        wrapper = "[{}]" if is_list else "({},)"
        lines.append(f"MIDDLEWARE += {wrapper.format(rnd.choice(missing))}")
    return lines


def make_case(rnd: random.Random) -> dict[str, str]:
    base: list[str] = ["import os"]
    top: list[str] = ["import os"]
    split = rnd.random() < 0.5
    if split:
        top.append(rnd.choice(["from .base import *", "from cases.{case}.base import *"]))
    chosen, mw = _middleware(rnd)
    if mw is not None:
        (base if split else top).append(f"MIDDLEWARE = {mw}")
        if split:
            top += _tweaks(rnd, chosen, mw.startswith("["))
    if rnd.random() < 0.85:
        apps = rnd.sample(APPS, rnd.randint(0, len(APPS)))
        (base if split else top).append(f"INSTALLED_APPS = [{', '.join(apps)}]")
    for name, pool in POOLS.items():
        expr = rnd.choice(pool)
        if expr is None:
            continue
        if name == "SECRET_KEY" and rnd.random() < 0.15:
            body = (f"try:\n    SECRET_KEY = os.environ['{ENV_PREFIX}SK2']\n"
                    f"except KeyError:\n    SECRET_KEY = {expr}")  # fmt: skip
            (base if split else top).append(body)
            continue
        target = base if split and rnd.random() < 0.5 else top
        target.append(f"{name} = {expr}")
        if split and target is base and rnd.random() < 0.3:
            top.append(f"{name} = {rnd.choice([p for p in pool if p is not None])}")
    if rnd.random() < 0.3:
        flag = rnd.choice(["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "DEBUG"])
        top.append(f"if os.environ.get('{ENV_PREFIX}STAGE', 'dev') == 'prod':\n    {flag} = True")
    if rnd.random() < 0.2:
        top.append(f"if os.environ.get('{ENV_PREFIX}STAGE', 'dev') == 'dev':\n"
                   "    X_FRAME_OPTIONS = 'SAMEORIGIN'\nelse:\n    X_FRAME_OPTIONS = 'DENY'")
    out = {"settings.py": "\n".join(top) + "\n", "__init__.py": ""}
    if split:
        out["base.py"] = "\n".join(base) + "\n"
    return out


DRIVER = r'''
import io, json, os, re, sys
root, listing = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
os.environ["DJANGO_SETTINGS_MODULE"] = "driver_base"
import django
from django.conf import Settings, settings
from django.core.management import call_command
from django.core.management.base import CommandError
django.setup()
result = {}
for module in open(listing).read().split():
    buf = io.StringIO()
    try:
        settings._wrapped = Settings(module)
        try:
            call_command("check", deploy=True, stdout=buf, stderr=buf)
            text = buf.getvalue()
        except CommandError as e:
            text = buf.getvalue() + str(e)
        result[module] = sorted(set(re.findall(r"\((security\.[EWC]\d{3})\)", text)))
    except Exception as e:
        result[module] = {"error": repr(e)}
print(json.dumps(result))
'''
DRIVER_BASE = (
    "SECRET_KEY = 'driver-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH'\n"
    "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.sessions',\n"
    "                  'django.contrib.messages', 'django.contrib.staticfiles']\n"
)
MANAGE = (
    "import sys\nfrom django.core.management import execute_from_command_line\n"
    "execute_from_command_line(sys.argv)\n"
)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(ENV_PREFIX) and k != "DJANGO_SETTINGS_MODULE"}  # fmt: skip


def _django_ids(project: Path, modules: list[str]) -> dict[str, list[str]]:
    listing = project / "modules.txt"
    listing.write_text("\n".join(modules))
    (project / "driver.py").write_text(DRIVER)
    out = subprocess.run(
        [sys.executable, str(project / "driver.py"), str(project), str(listing)],
        capture_output=True, text=True, env=_clean_env(), timeout=300, check=True,
    )  # fmt: skip
    result: dict[str, list[str]] = json.loads(out.stdout)
    errors = {m: r for m, r in result.items() if isinstance(r, dict)}
    assert not errors, f"Django could not load some generated settings: {errors}"
    return result


def _manage_py_ids(project: Path, module: str) -> list[str]:
    env = {**_clean_env(), "DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": str(project)}
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=project, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    return sorted(set(re.findall(r"\((security\.[EWC]\d{3})\)", out.stdout + out.stderr)))


def _known_ids() -> set[str]:
    """Check ids the installed Django can raise (W026 exists from Django 6.0 on)."""
    folder = Path(django.__file__).parent / "core" / "checks" / "security"
    text = "".join(p.read_text() for p in folder.glob("*.py"))
    return set(re.findall(r'id="(security\.[EW]\d{3})"', text))


def _auditor_ids(project: Path, module: str) -> set[str]:
    ctx = AuditContext(project, False, DEFAULT_EXCLUDES, 60.0)
    result = DjangoSettingsCollector(settings_module=module).collect(ctx)
    return {
        f.rule_id.removeprefix("django.")
        for f in result.findings
        if f.rule_id.startswith("django.security.") and f.suppressed_by is None
    }


def test_auditor_agrees_with_django_check_deploy(tmp_path: Path) -> None:
    start = time.monotonic()
    rnd = random.Random(SEED)
    project = tmp_path / "project"
    (project / "cases").mkdir(parents=True)
    (project / "cases" / "__init__.py").write_text("")
    (project / "driver_base.py").write_text(DRIVER_BASE)
    (project / "manage.py").write_text(MANAGE)
    modules: list[str] = []
    for n in range(CASES):
        case = f"c{n:03d}"
        folder = project / "cases" / case
        folder.mkdir()
        for name, text in make_case(rnd).items():
            (folder / name).write_text(text.replace("{case}", case))
        modules.append(f"cases.{case}.settings")

    expected = _django_ids(project, modules)
    known = _known_ids()
    for module in modules[:: CASES // 6]:
        assert _manage_py_ids(project, module) == expected[module], module

    disagreements: list[str] = []
    seen_raised: set[str] = set()
    for module in modules:
        ours = _auditor_ids(project, module) & known
        theirs = set(expected[module])
        seen_raised |= theirs
        if ours != theirs:
            settings = (project / module.replace(".", "/")).with_suffix(".py").read_text()
            disagreements.append(
                f"{module}: django {sorted(theirs)} auditor {sorted(ours)}\n{settings}"
            )
    elapsed = time.monotonic() - start
    print(
        f"\ndifferential: {len(modules)} settings modules compared with Django "
        f"{django.get_version()}, {len(disagreements)} disagreements, {elapsed:.1f}s"
    )
    assert not disagreements, "\n\n".join(disagreements[:5])
    # the generator must exercise (nearly) every deploy check, or agreement proves little
    assert len(seen_raised) >= 20, sorted(seen_raised)
