"""End to end: the Flask/FastAPI config collector on real git repositories, failing
and passing variants, decided through the controls we propose for the checklist."""

from __future__ import annotations

import sys
from pathlib import Path

from auditor.checklist import Control, EvidenceSpec, References
from auditor.collectors.base import AuditContext
from auditor.collectors.flask_config import FlaskConfigCollector
from auditor.controls import Status, evaluate
from auditor.evidence import CollectorResult, Severity
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import make_repo

FLASK = ("flask.apps",)
FASTAPI = ("fastapi.apps",)
PROPOSED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "P09-C03": ("flask.cookie_problems", "empty", FLASK),
    "P11-C04": ("flask.request_size_problems", "empty", FLASK),
    "P12-C03": ("flask.csrf_problems", "empty", FLASK),
    "P07-C07": ("flask.csp_problems", "empty", FLASK),
    "P09-C09": ("flask.secret_key_problems", "empty", FLASK),
    "P14-C23": ("flask.debug_problems", "empty", FLASK),
    "P06-C06": ("fastapi.cors_problems", "empty", FASTAPI),
    "P14-C24": ("fastapi.debug_problems", "empty", FASTAPI),
}
"""The evidence blocks proposed for the checklist (docs/collectors-django-flask.md)."""

FACTORY = """\
import os

from flask import Flask

from .extensions import csrf


def create_app(config="notes.config.ProductionConfig"):
    app = Flask(__name__)
    app.config.from_object(config)
    {extra}
    return app
"""
CONFIG_BAD = """\
class Config:
    SECRET_KEY = "please-change-me"
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    DEBUG = True
"""
CONFIG_GOOD = """\
import os
from datetime import timedelta


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)


class ProductionConfig(Config):
    DEBUG = False
"""
ASGI_BAD = """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

api = FastAPI(debug=True)
api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
"""
ASGI_GOOD = """\
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

api = FastAPI(debug=os.environ.get("API_DEBUG") == "1")
api.add_middleware(CORSMiddleware, allow_origins=["https://notes.example.com"],
                   allow_credentials=True)
"""


def project(config: str, extra: str, asgi: str) -> dict[str, str]:
    return {
        "notes/__init__.py": FACTORY.format(extra=extra),
        "notes/config.py": config,
        "notes/extensions.py": "from flask_wtf.csrf import CSRFProtect\n\ncsrf = CSRFProtect()\n",
        "notes/api.py": asgi,
        "README.md": "notes\n",
    }


BAD = project(CONFIG_BAD, "pass", ASGI_BAD)
GOOD_EXTRA = ("csrf.init_app(app)\n"
              "    app.after_request(lambda r: r.headers.setdefault("
              "'Content-Security-Policy', \"default-src 'self'\") and r)")  # fmt: skip
GOOD = project(CONFIG_GOOD, GOOD_EXTRA, ASGI_GOOD)


def collect(root: Path) -> CollectorResult:
    return FlaskConfigCollector().collect(AuditContext(root, True, DEFAULT_EXCLUDES, 60.0))


def decide(result: CollectorResult, cid: str) -> Status:
    key, pass_if, applies_if = PROPOSED[cid]
    spec = EvidenceSpec("flask_config", "proposed", (), key, pass_if, applies_if)
    ctl = Control(cid, cid[:3], cid, "", Severity.HIGH, spec, "", References((), ()), True, False)
    return evaluate(ctl, {"flask_config": result}, is_git=True, honour_suppressions=True).status


def test_failing_project(tmp_path: Path) -> None:
    result = collect(make_repo(tmp_path / "bad", BAD))
    where = {f.rule_id: str(f.location) for f in result.findings}
    assert where["flask.secret_key.in_code"] == "notes/config.py:2"
    assert where["flask.csrf.disabled"] == "notes/config.py:3"
    assert where["flask.debug.config"] == "notes/config.py:7"
    assert where["fastapi.debug.enabled"] == "notes/api.py:4"
    assert where["fastapi.cors.any_origin_with_credentials"] == "notes/api.py:5"
    for cid in PROPOSED:
        assert decide(result, cid) is Status.FAIL, cid
    assert "please-change-me" not in repr([f.to_dict() for f in result.facts])


def test_passing_project(tmp_path: Path) -> None:
    result = collect(make_repo(tmp_path / "good", BAD, GOOD))
    statuses = {cid: decide(result, cid) for cid in PROPOSED}
    assert statuses == dict.fromkeys(PROPOSED, Status.PASS), statuses
    [lifetime] = [f for f in result.facts if f.key == "flask.setting.PERMANENT_SESSION_LIFETIME"]
    assert lifetime.value == 8 * 3600 and str(lifetime.source) == "notes/config.py:10"


def test_flask_only_repository_makes_fastapi_controls_not_applicable(tmp_path: Path) -> None:
    files = {k: v for k, v in GOOD.items() if k != "notes/api.py"}
    result = collect(make_repo(tmp_path / "repo", files))
    assert decide(result, "P06-C06") is Status.NOT_APPLICABLE
    assert decide(result, "P12-C03") is Status.PASS


def test_configuration_is_never_imported_or_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = (f"import os\nos.system('touch {marker}')\nopen({str(marker)!r}, 'w')\n"
            "class ProductionConfig:\n    SECRET_KEY = __import__('os').urandom(32)\n")  # fmt: skip
    files = {**GOOD, "notes/config.py": evil,
             "notes/__init__.py": FACTORY.format(extra=f"open({str(marker)!r}, 'w')")}  # fmt: skip
    before = set(sys.modules)
    result = collect(make_repo(tmp_path / "repo", files))
    assert not marker.exists()
    assert not {m for m in set(sys.modules) - before if m.startswith("notes")}
    [key] = [f for f in result.facts if f.key == "flask.secret_key_problems"]
    assert key.unknown  # a call we do not evaluate is unknown, not a guess


def test_hostile_files_do_not_crash_the_collector(tmp_path: Path) -> None:
    files = {**GOOD, "notes/broken.py": "import flask\nX = (\n",
             "notes/deep.py": "import flask\nX = " + "-" * 5000 + "1\n",
             "notes/binary.py": "import flask\n"}  # fmt: skip
    repo = make_repo(tmp_path / "repo", files)
    (repo / "notes" / "binary.py").write_bytes(b"import flask\nX = '\xff'\n")
    result = collect(repo)
    unreadable = {f.value for f in result.facts if f.key == "flask.unreadable_file"}
    assert {"notes/broken.py", "notes/binary.py"} <= unreadable
    assert decide(result, "P12-C03") is Status.PASS
