"""The three configuration collectors on real git repositories, failing and passing."""

from __future__ import annotations

from pathlib import Path

from auditor.collectors.base import AuditContext
from auditor.collectors.ci import CiCollector
from auditor.collectors.dockerfile import DockerfileCollector
from auditor.collectors.webserver import WebserverCollector
from auditor.evidence import CollectorResult, CollectorStatus
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import make_repo

SHA = "0123456789abcdef0123456789abcdef01234567"
INSECURE = {
    "Dockerfile": "FROM python:latest\nENV SECRET_KEY=s3cr3t-v4lue-123\nCOPY . /app\n"
    'CMD ["flask", "run", "--debug"]\n',
    "docker-compose.yml": "services:\n  web:\n    build: .\n    privileged: true\n",
    "deploy/nginx.conf": "server {\n  listen 443 ssl;\n  ssl_protocols TLSv1 TLSv1.2;\n}\n",
    "gunicorn.conf.py": "forwarded_allow_ips = '*'\nreload = True\n",
    ".github/workflows/ci.yml": "on: [push, pull_request]\njobs:\n  t:\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - uses: some/action@v1\n      - run: pytest\n",
}
SECURE = {
    "Dockerfile": "FROM python:3.12-slim@sha256:" + "a" * 64 + "\nCOPY . /app\nUSER 10001\n"
    'CMD ["gunicorn", "app:app"]\n',
    "docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n"
    "      SECRET_KEY: ${SECRET_KEY}\n",
    "deploy/nginx.conf": """\
http {
  server_tokens off;
  server { listen 80; return 301 https://$host$request_uri; }
  server {
    listen 443 ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header Content-Security-Policy "default-src 'self'" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy same-origin always;
    location / { proxy_pass http://app:8000; }
  }
}
""",
    "gunicorn.conf.py": "forwarded_allow_ips = '127.0.0.1'\nworkers = 4\n",
    ".github/workflows/ci.yml": f"on: [push, pull_request]\npermissions:\n  contents: read\n"
    f"jobs:\n  t:\n    steps:\n      - uses: actions/checkout@{SHA}\n"
    "      - run: bandit -r app && pip-audit\n",
    ".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: pip\n"
    "    directory: /\n    schedule: {interval: weekly}\n",
}


def run_all(root: Path) -> dict[str, CollectorResult]:
    ctx = AuditContext(root, True, DEFAULT_EXCLUDES, 60.0)
    return {
        c.name: c.collect(ctx) for c in (DockerfileCollector(), WebserverCollector(), CiCollector())
    }


def found(result: CollectorResult) -> set[tuple[str, str]]:
    return {(f.rule_id, str(f.location)) for f in result.findings}


def value(result: CollectorResult, key: str) -> object:
    return next(f.value for f in result.facts if f.key == key)


def test_insecure_repository(tmp_path: Path) -> None:
    results = run_all(make_repo(tmp_path / "repo", INSECURE))
    assert found(results["dockerfile"]) == {
        ("DOCKER-BASE-UNPINNED", "Dockerfile:1"),
        ("DOCKER-SECRET-IN-ENV", "Dockerfile:2"),
        ("DOCKER-DEBUG-ENABLED", "Dockerfile:4"),
        ("DOCKER-ROOT-USER", "Dockerfile:1"),
        ("COMPOSE-PRIVILEGED", "docker-compose.yml:4"),
    }
    assert not any("s3cr3t" in f.message for f in results["dockerfile"].findings)
    assert {
        ("NGINX-WEAK-TLS-PROTOCOL", "deploy/nginx.conf:3"),
        ("NGINX-HSTS-MISSING", "deploy/nginx.conf:1"),
        ("GUNICORN-FORWARDED-ALLOW-ALL", "gunicorn.conf.py:1"),
        ("GUNICORN-RELOAD", "gunicorn.conf.py:2"),
    } <= found(results["webserver"])
    assert found(results["ci"]) == {
        ("GHA-PERMISSIONS-MISSING", ".github/workflows/ci.yml:1"),
        ("GHA-UNPINNED-ACTION", ".github/workflows/ci.yml:6"),
        ("GHA-UNPINNED-GITHUB-ACTION", ".github/workflows/ci.yml:5"),
    }
    ci = results["ci"]
    assert value(ci, "ci.sast_in_ci") == [] and value(ci, "ci.dependency_scan_in_ci") == []
    assert value(ci, "ci.python_dependency_updates") == []
    for result in results.values():
        for f in result.facts:  # every fact that points at a file names a line
            assert f.source is None or f.source.line is not None, f


def test_secure_repository(tmp_path: Path) -> None:
    results = run_all(make_repo(tmp_path / "repo", SECURE))
    for name, result in results.items():
        assert result.status is CollectorStatus.OK, name
        assert found(result) == set(), name
    assert value(results["dockerfile"], "docker.final_user") == "10001"
    ci = results["ci"]
    assert value(ci, "ci.sast_in_ci") == [
        "bandit at .github/workflows/ci.yml:8 on pull_request, push"
    ]
    assert value(ci, "ci.dependency_scan_in_ci") == [
        "pip-audit at .github/workflows/ci.yml:8 on pull_request, push"
    ]
    assert value(ci, "ci.python_dependency_updates") == [
        "dependabot pip (.github/dependabot.yml:3)"
    ]
    assert value(results["webserver"], "nginx.hsts_max_age") == 31536000


def test_repository_without_deployment_files(tmp_path: Path) -> None:
    results = run_all(make_repo(tmp_path / "repo", {"app.py": "print('hi')\n"}))
    assert results["dockerfile"].status is CollectorStatus.NOT_APPLICABLE
    assert results["webserver"].status is CollectorStatus.NOT_APPLICABLE
    assert results["ci"].status is CollectorStatus.OK  # no CI is a finding-worthy fact
    assert value(results["ci"], "ci.sast_in_ci") == []
