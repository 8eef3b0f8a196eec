"""Compensating evidence across sources: Django does not redirect to HTTPS itself, but the
nginx front end does and sends HSTS; the control passes and says which path satisfied it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import control, load_results, make_repo

SETTINGS = {
    "manage.py": (
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n"
    ),
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": (
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = False\n"
        "ALLOWED_HOSTS = ['x.example']\n"
        "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\n"
    ),
}
NGINX = """events {}
http {
  server {
    listen 80;
    server_name x.example;
    return 301 https://$host$request_uri;
  }
  server {
    listen 443 ssl;
    server_name x.example;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header Content-Security-Policy "default-src 'self'" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy same-origin always;
    location / { proxy_pass http://127.0.0.1:8000; }
  }
}
"""


def test_nginx_redirect_compensates_for_django_settings(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    alone = make_repo(tmp_path / "alone", SETTINGS)
    auditor_cli("audit", str(alone), "--out", str(tmp_path / "a"))
    before = control(load_results(tmp_path / "a"), "P13-C05")
    assert before["status"] == "fail" and before["satisfied_by"] is None
    fronted = make_repo(tmp_path / "fronted", {**SETTINGS, "deploy/nginx.conf": NGINX})
    auditor_cli("audit", str(fronted), "--out", str(tmp_path / "b"))
    after = control(load_results(tmp_path / "b"), "P13-C05")
    assert after["status"] == "pass"
    assert after["satisfied_by"].startswith("alternative 1 (webserver)")
    assert "the primary evidence failed" in after["reason"]
    assert any(f["key"] == "django.https_problems" for f in after["evidence"]["facts"])
    assert "Satisfied by compensating evidence" in (tmp_path / "b" / "index.html").read_text()
