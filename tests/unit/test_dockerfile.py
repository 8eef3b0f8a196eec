from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.dockerfile import DockerfileCollector
from auditor.configparse import dockerfile as df
from auditor.evidence import CollectorResult, CollectorStatus
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import write_files


def collect(root: Path, files: dict[str, str]) -> CollectorResult:
    write_files(root, files)
    return DockerfileCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))


def rules(result: CollectorResult) -> list[tuple[str, str]]:
    return [(f.rule_id, str(f.location)) for f in result.findings]


def facts(result: CollectorResult, key: str) -> list[tuple[object, str]]:
    return [(f.value, str(f.source)) for f in result.facts if f.key == key]


GOOD = """\
# syntax=docker/dockerfile:1
ARG PY=3.12
FROM python:${PY}-slim@sha256:abc AS build
RUN pip install --no-cache-dir -r requirements.txt
FROM build AS final
RUN useradd --uid 10001 app
USER app
CMD ["gunicorn", "app:app"]
"""


def test_parser_joins_continuations_and_skips_heredoc_bodies() -> None:
    text = (
        "# escape=`\nFROM alpine:3.20\nRUN echo a `\n  # a comment inside\n\n    && echo b\n"
        'RUN <<EOT\nUSER root\nEOT\nENV A=1 B="x y"\nENV LEGACY some value\n'
    )
    ins = df.instructions(text)
    assert [(i.line, i.keyword) for i in ins] == [
        (2, "FROM"),
        (3, "RUN"),
        (7, "RUN"),
        (10, "ENV"),
        (11, "ENV"),
    ]
    assert ins[1].args == "echo a && echo b"
    assert ins[2].heredocs == ("USER root",)
    assert df.env_pairs(ins[3]) == [("A", "1"), ("B", "x y")]
    assert df.env_pairs(ins[4]) == [("LEGACY", "some value")]


def test_arg_before_from_and_exec_form() -> None:
    parsed = df.parse('ARG TAG=3.12\nARG REG\nFROM python:$TAG\nFROM ${REG}/x\nCMD ["a", "b"]\n')
    assert [(s.image, s.unresolved) for s in parsed.stages] == [
        ("python:3.12", False),
        ("${REG}/x", True),
    ]
    assert parsed.stages[1].instructions[0].exec_form() == ["a", "b"]


def test_clean_multistage_dockerfile_passes(tmp_path: Path) -> None:
    r = collect(tmp_path, {"Dockerfile": GOOD})
    assert r.status is CollectorStatus.OK
    assert rules(r) == []
    assert facts(r, "docker.final_user") == [("app", "Dockerfile:7")]
    image = facts(r, "docker.base_image")
    assert image[0][1] == "Dockerfile:3"
    assert image[0][0] == {
        "image": "python:3.12-slim@sha256:abc",
        "tag": "3.12-slim",
        "digest": "sha256:abc",
        "stage": "build",
    }


def test_user_is_inherited_from_the_parent_stage(tmp_path: Path) -> None:
    text = "FROM python:3.12 AS base\nUSER app\nFROM base\nRUN true\n"
    assert rules(collect(tmp_path, {"Dockerfile": text})) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("FROM python:3.12\nCMD x\n", 1),
        ("FROM python:3.12\nUSER app\nFROM python:3.12\nCMD x\n", 3),
        ("FROM python:3.12\nUSER 0:0\n", 2),
        ("FROM python:3.12\nUSER root\n", 2),
        ("FROM python:3.12\nUSER ${APP_USER}\n", 2),
    ],
)
def test_root_final_stage(tmp_path: Path, text: str, line: int) -> None:
    r = collect(tmp_path, {"Containerfile": text})
    assert ("DOCKER-ROOT-USER", f"Containerfile:{line}") in rules(r)


def test_unpinned_base_images(tmp_path: Path) -> None:
    text = "FROM python\nFROM python:latest AS b\nFROM b\nFROM scratch\nUSER 1000\n"
    r = collect(tmp_path, {"app.dockerfile": text})
    assert [x for x in rules(r) if x[0] == "DOCKER-BASE-UNPINNED"] == [
        ("DOCKER-BASE-UNPINNED", "app.dockerfile:1"),
        ("DOCKER-BASE-UNPINNED", "app.dockerfile:2"),
    ]


def test_secrets_are_found_and_never_shown(tmp_path: Path) -> None:
    text = (
        "ARG DB_PASSWORD=hunter2hunter2\nFROM python:3.12\n"
        "ENV API_TOKEN=abcd1234secretvalue GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n"
        "ENV SECRET_KEY=$SECRET_KEY SECRET_KEY_FILE=/run/secrets/key DEBUG_TOKEN=false\n"
        "COPY .env /app/.env\nCOPY .env.example /app/\nCOPY certs/server.key /k\n"
        "COPY --from=build /id_rsa /x\nUSER app\n"
    )
    r = collect(tmp_path, {"Dockerfile": text})
    assert rules(r) == [
        ("DOCKER-SECRET-FILE-COPIED", "Dockerfile:5"),
        ("DOCKER-SECRET-FILE-COPIED", "Dockerfile:7"),
        ("DOCKER-SECRET-IN-ENV", "Dockerfile:1"),
        ("DOCKER-SECRET-IN-ENV", "Dockerfile:3"),
    ]
    for f in r.findings:
        assert "hunter2" not in f.message and "secretvalue" not in f.message
    assert "abcd…(sha256:" in r.findings[3].message


@pytest.mark.parametrize(
    "run",
    [
        "curl -fsSL https://x.example/i.sh | bash",
        "wget -qO- https://x.example/i.sh | sudo -E sh -",
        'sh -c "$(curl -fsSL https://x.example/i.sh)"',
        "bash <(curl -s https://x.example/i.sh)",
        "curl https://x | /bin/sh",
    ],
)
def test_curl_pipe_shell(tmp_path: Path, run: str) -> None:
    r = collect(tmp_path, {"Dockerfile": f"FROM python:3.12\nRUN {run}\nUSER app\n"})
    assert rules(r) == [("DOCKER-CURL-PIPE-SH", "Dockerfile:2")]


def test_download_without_shell_is_fine(tmp_path: Path) -> None:
    text = "FROM python:3.12\nRUN curl -fsSLo /tmp/x.tgz https://x && sha256sum -c x.sha\nUSER a\n"
    assert rules(collect(tmp_path, {"Dockerfile": text})) == []


def test_remote_add_debug_and_ports(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12 AS build\nENV DEBUG=1\nEXPOSE 5678\n"
        "FROM python:3.12\nADD https://example.com/x.tgz /tmp/\nENV FLASK_DEBUG=true\n"
        "EXPOSE 5000 5678/tcp\nUSER app\nCMD python -m debugpy --listen 0.0.0.0:5678 app.py\n"
    )
    r = collect(tmp_path, {"Dockerfile": text})
    assert rules(r) == [
        ("DOCKER-ADD-REMOTE", "Dockerfile:5"),
        ("DOCKER-DEBUG-ENABLED", "Dockerfile:6"),
        ("DOCKER-DEBUG-ENABLED", "Dockerfile:9"),
        ("DOCKER-DEBUG-PORT", "Dockerfile:7"),
        ("DOCKER-DEBUG-PORT", "Dockerfile:7"),
    ]
    assert len({f.fingerprint for f in r.findings}) == len(r.findings)


COMPOSE = """\
x-env: &env
  environment:
    DB_PASSWORD: ${DB_PASSWORD:-changeme}
    SECRET_KEY: ${SECRET_KEY}
services:
  web:
    <<: *env
    privileged: true
    network_mode: host
    cap_add: [SYS_ADMIN]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./src:/src
  db:
    environment:
      - POSTGRES_PASSWORD=postgres
      - POSTGRES_USER=postgres
      - PGPASSWORD
"""


def test_compose_file(tmp_path: Path) -> None:
    r = collect(tmp_path, {"deploy/docker-compose.prod.yml": COMPOSE})
    where = "deploy/docker-compose.prod.yml"
    assert rules(r) == [
        ("COMPOSE-DOCKER-SOCKET", f"{where}:12"),
        ("COMPOSE-HOST-NETWORK", f"{where}:9"),
        ("COMPOSE-PRIVILEGED", f"{where}:8"),
        ("COMPOSE-PRIVILEGED", f"{where}:10"),
        ("COMPOSE-SECRET-IN-ENV", f"{where}:3"),
        ("COMPOSE-SECRET-IN-ENV", f"{where}:16"),
    ]
    assert all("changeme" not in f.message for f in r.findings)
    assert facts(r, "docker.dockerfiles") == [([], "None")]
    assert facts(r, "docker.compose_files") == [([where], f"{where}:1")]


def test_no_container_files_is_not_applicable(tmp_path: Path) -> None:
    r = collect(tmp_path, {"app.py": "x = 1\n"})
    assert r.status is CollectorStatus.NOT_APPLICABLE
    assert facts(r, "docker.dockerfiles") == [([], "None")]


def test_hostile_files_are_per_file_errors(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM python\n")
    root = tmp_path / "repo"
    write_files(root, {"ok/Dockerfile": "FROM python:3.12\n"})
    (root / "bad").mkdir()
    (root / "bad" / "Dockerfile").write_bytes(b"FROM python:3.12\nRUN echo \xff\xfe\n")
    (root / "big").mkdir()
    (root / "big" / "Dockerfile").write_bytes(b"# x\n" * (1024 * 1024))
    os.symlink(outside / "Dockerfile", root / "Dockerfile.link")
    write_files(root, {"compose.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"})
    write_files(root, {"compose.bomb.yaml": _alias_bomb()})
    r = DockerfileCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))
    errors = {f.value: f.unknown for f in r.facts if f.key == "docker.file_error"}
    assert set(errors) == {
        "Dockerfile.link",
        "bad/Dockerfile",
        "big/Dockerfile",
        "compose.yaml",
        "compose.bomb.yaml",
    }
    assert "symbolic link" in str(errors["Dockerfile.link"])
    assert "UTF-8" in str(errors["bad/Dockerfile"])
    assert "limit" in str(errors["big/Dockerfile"])
    assert "nested" in str(errors["compose.yaml"]) or "deep" in str(errors["compose.yaml"])
    assert "alias" in str(errors["compose.bomb.yaml"])
    assert ("DOCKER-ROOT-USER", "ok/Dockerfile:1") in rules(r)  # the rest is still audited
    assert r.details["skipped"].keys() == errors.keys()


def _alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 9):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"
