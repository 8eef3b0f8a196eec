"""Flask/FastAPI config collector: configuration sources resolved statically,
extensions followed across modules, facts per app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.flask_config import FlaskConfigCollector
from auditor.evidence import CollectorResult, CollectorStatus, Fact
from auditor.files import DEFAULT_EXCLUDES


def collect(tmp_path: Path, files: dict[str, str]) -> CollectorResult:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return FlaskConfigCollector().collect(AuditContext(tmp_path, False, DEFAULT_EXCLUDES, 60.0))


def fact(result: CollectorResult, key: str) -> Fact:
    found = [f for f in result.facts if f.key == key]
    assert len(found) == 1, found
    return found[0]


def value(result: CollectorResult, key: str) -> Any:
    f = fact(result, key)
    assert f.unknown is None, f.unknown
    return f.value


def rules(result: CollectorResult) -> set[str]:
    return {f.rule_id for f in result.findings}


SECURE_APP = """
import os
from datetime import timedelta
from flask import Flask
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_SAMESITE="Lax",
    MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
)
CSRFProtect(app)

@app.after_request
def headers(response):
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response
"""


def test_a_hardened_app_has_no_problems(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": SECURE_APP})
    assert result.status is CollectorStatus.OK
    for key in ("flask.secret_key_problems", "flask.cookie_problems", "flask.csrf_problems",
                "flask.request_size_problems", "flask.debug_problems", "flask.csp_problems",
                "flask.session_lifetime_problems", "flask.cors_problems"):  # fmt: skip
        assert value(result, key) == [], key
    assert value(result, "flask.apps") == ["app.py:7"]
    assert value(result, "flask.setting.PERMANENT_SESSION_LIFETIME") == 8 * 3600
    assert result.findings == ()


def test_literal_short_secret_and_defaults(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": (
        "from flask import Flask\napp = Flask(__name__)\napp.secret_key = 'dev-secret'\n"
        "app.config['WTF_CSRF_ENABLED'] = False\n"
    )})  # fmt: skip
    assert rules(result) >= {"flask.secret_key.in_code", "flask.secret_key.short",
                             "flask.cookies.session_not_secure", "flask.csrf.disabled",
                             "flask.csrf.not_initialised", "flask.request_size.unlimited"}
    secret = fact(result, "flask.setting.SECRET_KEY")
    assert "dev-secret" not in json.dumps(secret.to_dict()) and str(secret.source) == "app.py:3"
    assert "dev-secret" not in json.dumps([f.to_dict() for f in result.findings])


def test_from_object_class_hierarchy_chosen_by_factory_default(tmp_path: Path) -> None:
    result = collect(tmp_path, {
        "myapp/__init__.py": (
            "from flask import Flask\nfrom .config import configs\n"
            "def create_app(name='production'):\n    app = Flask(__name__)\n"
            "    app.config.from_object(configs[name])\n    return app\n"
        ),
        "myapp/config.py": (
            "import os\nclass Base:\n    SECRET_KEY = os.environ.get('SECRET_KEY', 'changeme')\n"
            "    SESSION_COOKIE_SECURE = False\n"
            "class Production(Base):\n    SESSION_COOKIE_SECURE = True\n"
            "class Dev(Base):\n    DEBUG = True\n"
            "configs = {'production': Production, 'dev': Dev}\n"
        ),
    })  # fmt: skip
    assert value(result, "flask.setting.SESSION_COOKIE_SECURE") is True
    assert str(fact(result, "flask.setting.SESSION_COOKIE_SECURE").source) == "myapp/config.py:6"
    problems = value(result, "flask.secret_key_problems")
    assert any("literal default used when SECRET_KEY is unset" in p for p in problems)
    assert value(result, "flask.debug_problems") == []


def test_from_object_of_the_module_itself(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": (
        "from flask import Flask\nSECRET_KEY = 'tutorial-key'\nMAX_CONTENT_LENGTH = 4096\n"
        "app = Flask(__name__)\napp.config.from_object(__name__)\n"
    )})  # fmt: skip
    assert value(result, "flask.setting.MAX_CONTENT_LENGTH") == 4096
    assert str(fact(result, "flask.setting.SECRET_KEY").source) == "app.py:2"
    assert "flask.secret_key.in_code" in rules(result)


def test_from_object_import_string_and_pyfile(tmp_path: Path) -> None:
    result = collect(tmp_path, {
        "app.py": (
            "from flask import Flask\napp = Flask(__name__)\n"
            "app.config.from_object('settings.prod')\napp.config.from_pyfile('extra.cfg.py')\n"
        ),
        "settings/__init__.py": "",
        "settings/prod.py": "MAX_CONTENT_LENGTH = 1024\nSESSION_COOKIE_SAMESITE = 'Strict'\n",
        "extra.cfg.py": "SESSION_COOKIE_SECURE = True\n",
    })  # fmt: skip
    assert value(result, "flask.setting.MAX_CONTENT_LENGTH") == 1024
    assert value(result, "flask.setting.SESSION_COOKIE_SAMESITE") == "Strict"
    assert str(fact(result, "flask.setting.SESSION_COOKIE_SECURE").source) == "extra.cfg.py:1"


@pytest.mark.parametrize(
    "loading",
    ["app.config.from_pyfile('/etc/app/prod.cfg')", "app.config.from_envvar('APP_SETTINGS')",
     "app.config.from_object(load_config())"],
)
def test_sources_we_cannot_see_make_later_keys_unknown(tmp_path: Path, loading: str) -> None:
    result = collect(tmp_path, {"app.py": (
        f"from flask import Flask\napp = Flask(__name__)\n{loading}\n"
        "app.config['SESSION_COOKIE_SECURE'] = True\n"
    )})  # fmt: skip
    assert fact(result, "flask.setting.SECRET_KEY").unknown
    assert fact(result, "flask.secret_key_problems").unknown
    assert value(result, "flask.setting.SESSION_COOKIE_SECURE") is True  # set afterwards


def test_config_set_under_an_undecidable_condition_is_unknown(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": (
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
        "if os.environ.get('PRODUCTION'):\n    app.config['DEBUG'] = True\n"  # unset: skipped
        "if feature_flag():\n    app.config['MAX_CONTENT_LENGTH'] = 10\n"
    )})  # fmt: skip
    assert value(result, "flask.setting.DEBUG") is False
    assert fact(result, "flask.setting.MAX_CONTENT_LENGTH").unknown


def test_extensions_are_followed_across_modules_and_helpers(tmp_path: Path) -> None:
    result = collect(tmp_path, {
        "web/__init__.py": (
            "import os\nfrom flask import Flask\nfrom .extensions import csrf, login, talisman\n"
            "def register_extensions(app):\n    csrf.init_app(app)\n    login.init_app(app)\n"
            "    talisman.init_app(app, content_security_policy={'script-src': "
            "\"'self' 'unsafe-inline'\"})\n"
            "def create_app():\n    app = Flask(__name__)\n"
            "    app.config['SECRET_KEY'] = os.environ['SECRET_KEY']\n"
            "    register_extensions(app)\n    return app\n"
        ),
        "web/extensions.py": (
            "from flask_wtf.csrf import CSRFProtect\nfrom flask_login import LoginManager\n"
            "from flask_talisman import Talisman\ncsrf = CSRFProtect()\nlogin = LoginManager()\n"
            "login.session_protection = 'strong'\ntalisman = Talisman()\n"
        ),
    })  # fmt: skip
    assert value(result, "flask.csrf_problems") == []
    cookies = value(result, "flask.cookie_problems")
    assert cookies and all("REMEMBER_COOKIE_SECURE" in p for p in cookies)  # Talisman: Secure
    assert value(result, "flask.login_session_protection") == "strong"
    assert rules(result) >= {"flask.csp.unsafe_inline", "flask.cookies.remember_not_secure"}


def test_debug_sources(tmp_path: Path) -> None:
    result = collect(tmp_path, {
        "app.py": (
            "from flask import Flask\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(debug=True)\n"
        ),
        ".flaskenv": "FLASK_APP=app.py\nFLASK_DEBUG=1\n",
    })  # fmt: skip
    problems = value(result, "flask.debug_problems")
    assert len(problems) == 2
    locations = {str(f.location) for f in result.findings if f.rule_id.startswith("flask.debug")}
    assert locations == {"app.py:4", ".flaskenv:2"}


def test_flask_cors_any_origin_with_credentials(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": (
        "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\n"
        "CORS(app, supports_credentials=True)\n"
    )})  # fmt: skip
    assert "flask.cors.any_origin_with_credentials" in rules(result)


FASTAPI = """
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware

app = FastAPI(debug={debug}, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts={hosts})])
app.add_middleware(CORSMiddleware, allow_origins={origins}, allow_credentials=True)
{https}
"""


def test_fastapi_middleware(tmp_path: Path) -> None:
    bad = collect(tmp_path / "bad", {"main.py": FASTAPI.format(
        debug=True, hosts="['*']", origins="['*']", https="")})  # fmt: skip
    assert rules(bad) == {"fastapi.cors.any_origin_with_credentials", "fastapi.debug.enabled",
                          "fastapi.hosts.wildcard"}  # fmt: skip
    assert value(bad, "fastapi.https_redirect") is False
    assert value(bad, "flask.apps") == [] and value(bad, "flask.csrf_problems") is None
    good = collect(tmp_path / "good", {"main.py": FASTAPI.format(
        debug=False, hosts="['api.example.com']", origins="['https://app.example.com']",
        https="app.add_middleware(HTTPSRedirectMiddleware)")})  # fmt: skip
    assert rules(good) == set() and value(good, "fastapi.https_redirect") is True


def test_no_application_is_not_applicable(tmp_path: Path) -> None:
    result = collect(tmp_path, {"lib.py": "import flask_like\nX = 1\n"})
    assert result.status is CollectorStatus.NOT_APPLICABLE
    assert {f.key for f in result.facts} == {"flask.apps", "fastapi.apps"}


def test_facts_are_declared_and_located(tmp_path: Path) -> None:
    result = collect(tmp_path, {"app.py": SECURE_APP, "broken.py": "import flask\ndef (:\n"})
    assert {f.key for f in result.facts} <= FlaskConfigCollector.fact_keys
    for f in result.facts:
        assert f.source is not None and f.source.line, f
    assert fact(result, "flask.unreadable_file").unknown
