from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.webserver import WebserverCollector, weak_ciphers
from auditor.evidence import CollectorResult, CollectorStatus
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import write_files

GOOD_HEADERS = """\
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header Content-Security-Policy "default-src 'self'" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy same-origin always;
"""
GOOD = f"""\
http {{
  server_tokens off;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {{
    listen 80;
    return 301 https://$host$request_uri;
  }}
  server {{
    listen 443 ssl;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:!aNULL:!MD5;
    client_max_body_size 10m;
{GOOD_HEADERS}
    location / {{ proxy_pass http://app:8000; }}
    location ^~ /media/ {{ alias /srv/media/; }}
  }}
}}
"""


def collect(root: Path, files: dict[str, str]) -> CollectorResult:
    write_files(root, files)
    return WebserverCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))


def rules(result: CollectorResult) -> list[tuple[str, str]]:
    return [(f.rule_id, str(f.location)) for f in result.findings]


def facts(result: CollectorResult, key: str) -> list[tuple[object, str]]:
    return [(f.value, str(f.source)) for f in result.facts if f.key == key]


def test_hardened_nginx_passes(tmp_path: Path) -> None:
    r = collect(tmp_path, {"deploy/nginx.conf": GOOD})
    assert r.status is CollectorStatus.OK and r.tool == "crossplane"
    assert rules(r) == []
    assert facts(r, "nginx.ssl_protocols") == [("TLSv1.2 TLSv1.3", "deploy/nginx.conf:3")]
    assert facts(r, "nginx.hsts_max_age") == [(63072000, "deploy/nginx.conf:12")]
    assert facts(r, "nginx.https_redirect") == [(True, "deploy/nginx.conf:4")]
    assert facts(r, "nginx.client_max_body_size") == [
        (None, "deploy/nginx.conf:4"),
        ("10m", "deploy/nginx.conf:11"),
    ]


def test_weak_tls_and_missing_hardening(tmp_path: Path) -> None:
    text = """\
server {
    listen 80;
    listen 443 ssl;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    ssl_ciphers HIGH:RC4-SHA:!aNULL:DES-CBC3-SHA;
    add_header Strict-Transport-Security "max-age=600";
    client_max_body_size 0;
    location /files/ { autoindex on; }
}
"""
    r = collect(tmp_path, {"site.conf": text})
    assert rules(r) == [
        ("NGINX-AUTOINDEX", "site.conf:8"),
        ("NGINX-BODY-SIZE-UNLIMITED", "site.conf:7"),
        ("NGINX-HEADER-MISSING", "site.conf:1"),
        ("NGINX-HEADER-MISSING", "site.conf:1"),
        ("NGINX-HEADER-MISSING", "site.conf:1"),
        ("NGINX-HEADER-MISSING", "site.conf:1"),
        ("NGINX-HSTS-SHORT", "site.conf:6"),
        ("NGINX-HTTP-NO-REDIRECT", "site.conf:1"),
        ("NGINX-SERVER-TOKENS", "site.conf:1"),
        ("NGINX-WEAK-CIPHERS", "site.conf:5"),
        ("NGINX-WEAK-TLS-PROTOCOL", "site.conf:4"),
    ]


def test_unset_protocols_and_missing_hsts(tmp_path: Path) -> None:
    r = collect(tmp_path, {"nginx/app.conf": "server { listen 443 ssl; server_tokens off; }\n"})
    got = {x[0] for x in rules(r)}
    assert {"NGINX-TLS-PROTOCOLS-UNSET", "NGINX-HSTS-MISSING"} <= got
    assert facts(r, "nginx.ssl_protocols")[0][0] is None


@pytest.mark.parametrize(
    ("spec", "weak"),
    [
        ("HIGH:!aNULL:!MD5", []),
        ("ECDHE+AESGCM:!RC4:-3DES", []),
        ("ALL:EXPORT:aNULL", ["EXPORT", "aNULL"]),
        ("EDH-RSA-DES-CBC3-SHA:RC4-MD5:NULL-SHA", ["EDH-RSA-DES-CBC3-SHA", "RC4-MD5", "NULL-SHA"]),
    ],
)
def test_weak_cipher_terms(spec: str, weak: list[str]) -> None:
    assert weak_ciphers(spec) == weak


def test_location_add_header_drops_server_headers(tmp_path: Path) -> None:
    text = GOOD.replace(
        "location / { proxy_pass http://app:8000; }",
        'location /static/ { add_header Cache-Control "public"; }',
    )
    r = collect(tmp_path, {"nginx.conf": text})
    assert rules(r) == [("NGINX-ADD-HEADER-DROPPED", "nginx.conf:18")]
    assert "strict-transport-security" in r.findings[0].message


def test_uploads_reaching_a_script_handler(tmp_path: Path) -> None:
    text = GOOD.replace("location ^~ /media/", "location /media/").replace(
        "location / {",
        "location ~ \\.py$ { uwsgi_pass app; }\n    location /uploads/ "
        "{ fastcgi_pass php; }\n    location / {",
    )
    r = collect(tmp_path, {"nginx.conf": text})
    assert [x for x in rules(r) if x[0] == "NGINX-UPLOADS-EXECUTABLE"] == [
        ("NGINX-UPLOADS-EXECUTABLE", "nginx.conf:19"),
        ("NGINX-UPLOADS-EXECUTABLE", "nginx.conf:21"),
    ]


def test_fragment_inherits_http_level_of_the_including_nginx_conf(tmp_path: Path) -> None:
    main = "events {}\nhttp {\n  server_tokens off;\n  include /etc/nginx/conf.d/*.conf;\n}\n"
    frag = "server {\n  listen 80;\n  return 301 https://$host$request_uri;\n}\n"
    r = collect(
        tmp_path,
        {"nginx/nginx.conf": main, "nginx/conf.d/default.conf": frag, "other/site.conf": frag},
    )
    assert facts(r, "nginx.server_tokens") == [
        ("off", "nginx/nginx.conf:3"),
        (None, "other/site.conf:1"),
    ]
    assert rules(r) == [("NGINX-SERVER-TOKENS", "other/site.conf:1")]


def test_gunicorn_is_read_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = (
        f"open({str(marker)!r}, 'w').write('x')\nimport os\n"
        "forwarded_allow_ips = os.environ.get('FORWARDED_ALLOW_IPS', '*')\nreload = True\n"
        "workers: int = 4\n"
    )
    r = collect(tmp_path / "repo", {"gunicorn.conf.py": text})
    assert not marker.exists()
    assert rules(r) == [
        ("GUNICORN-FORWARDED-ALLOW-ALL", "gunicorn.conf.py:3"),
        ("GUNICORN-RELOAD", "gunicorn.conf.py:4"),
    ]
    fwd = next(f for f in r.facts if f.key == "gunicorn.forwarded_allow_ips")
    assert fwd.value == "*" and fwd.how == "from environment FORWARDED_ALLOW_IPS, default '*'"


def test_gunicorn_safe_settings(tmp_path: Path) -> None:
    text = "forwarded_allow_ips = '10.0.0.1'\nreload = os.getenv('RELOAD') == '1'\n"
    r = collect(tmp_path, {"config/gunicorn_config.py": text})
    assert rules(r) == []
    assert facts(r, "gunicorn.reload")[0][0] is None


def test_uwsgi_ini(tmp_path: Path) -> None:
    text = "[uwsgi]\nmodule = app\npy-autoreload = 2\nstats = 0.0.0.0:9191\nuid = root\n"
    text += "[other]\nuid = root\n"
    r = collect(tmp_path, {"deploy/app.ini": text, "pytest.ini": "[pytest]\n"})
    assert rules(r) == [
        ("UWSGI-AUTORELOAD", "deploy/app.ini:3"),
        ("UWSGI-ROOT", "deploy/app.ini:5"),
        ("UWSGI-STATS-EXPOSED", "deploy/app.ini:4"),
    ]
    assert facts(r, "webserver.uwsgi_files") == [(["deploy/app.ini"], "deploy/app.ini:1")]


def test_nothing_to_read_is_not_applicable(tmp_path: Path) -> None:
    r = collect(tmp_path, {"app.py": "x = 1\n", "setup.cfg": "[metadata]\n"})
    assert r.status is CollectorStatus.NOT_APPLICABLE


def test_hostile_files_are_per_file_errors(tmp_path: Path) -> None:
    outside = tmp_path / "outside.conf"
    outside.write_text("server { listen 80; }\n")
    root = tmp_path / "repo"
    write_files(
        root,
        {
            "nginx/ok.conf": GOOD,
            "nginx/broken.conf": "server { listen 80;\n",
            "nginx/deep.conf": "http {" * 3000 + "}" * 3000,
            "nginx/include.conf": "include /etc/passwd;\nserver { return 301 https://x; }\n",
            "gunicorn.conf.py": "reload = (\n",
            "gunicorn_deep.py": "x = " + "(" * 200_000 + ")" * 200_000 + "\n",
        },
    )
    (root / "nginx" / "bad.conf").write_bytes(b"server { listen 80; # \xff\n}\n")
    os.symlink(outside, root / "nginx" / "link.conf")
    r = WebserverCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))
    errors = {f.value: str(f.unknown) for f in r.facts if f.key == "webserver.file_error"}
    assert set(errors) == {
        "nginx/broken.conf",
        "nginx/deep.conf",
        "nginx/bad.conf",
        "nginx/link.conf",
        "gunicorn.conf.py",
        "gunicorn_deep.py",
    }
    assert "symbolic link" in errors["nginx/link.conf"]
    assert "UTF-8" in errors["nginx/bad.conf"]
    assert "nginx syntax" in errors["nginx/broken.conf"]
    assert "syntax error" in errors["gunicorn.conf.py"]
    # /etc/passwd was never opened: the include file parses like any other
    assert "nginx/include.conf" in facts(r, "webserver.nginx_files")[0][0]
    assert not any("passwd" in str(f.value) for f in r.facts)
    assert facts(r, "nginx.ssl_protocols")  # ok.conf was still audited
