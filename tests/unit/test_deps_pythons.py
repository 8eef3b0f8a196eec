from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.deps import eol, pythons
from auditor.deps.model import PythonDecl
from auditor.evidence import Location

TODAY = dt.date(2026, 11, 26)


def write(tmp_path: Path, rel: str, text: str) -> str:
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / rel).write_text(text)
    return rel


def test_dockerfile_from_lines(tmp_path: Path) -> None:
    rel = write(
        tmp_path,
        "Dockerfile",
        "ARG PY=3.9\n"
        "FROM python:${PY}-slim AS build\n"
        "FROM --platform=linux/amd64 docker.io/library/python:3.12.4-bookworm@sha256:abc\n"
        "FROM registry.local:5000/python:3.7\n"
        "FROM python:latest\n"
        "FROM python:3\n"
        "FROM node:20\n"
        "FROM ghcr.io/org/notpython:3.8\n"
        "FROM python:${UNSET}\n"
        "RUN pip install --extra-index-url https://u:p@pkgs.example/simple -r r.txt\n",
    )
    m = pythons.dockerfile(str(tmp_path), rel)
    assert [(d.location.line, d.specifier) for d in m.pythons] == [
        (2, "==3.9.*"),
        (3, "==3.12.*"),
        (4, "==3.7.*"),
    ]
    assert m.pythons[0].what == "FROM python:3.9-slim"
    assert [i.what for i in m.indexes] == ["--extra-index-url https://***@pkgs.example/simple"]


def test_version_files(tmp_path: Path) -> None:
    m = pythons.version_file(
        str(tmp_path), write(tmp_path, ".python-version", "3.8.10\npypy3.9\nsystem\n"), "x"
    )
    assert [(d.specifier, d.location.line) for d in m.pythons] == [("==3.8.*", 1)]
    m = pythons.version_file(str(tmp_path), write(tmp_path, "runtime.txt", "python-3.11.4\n"), "x")
    assert [d.specifier for d in m.pythons] == ["==3.11.*"]


WORKFLOW = """\
on: push
jobs:
  test:
    strategy:
      matrix:
        python: [3.9, 3.10, "3.11"]
        os: [ubuntu-latest]
        include:
          - python: "3.13"
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python }}
  lint:
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: 3.12
      - uses: actions/setup-python@v5
        with:
          python-version: "3.x"
"""


def test_workflow_python_versions_keep_their_text(tmp_path: Path) -> None:
    rel = write(tmp_path, ".github/workflows/ci.yml", WORKFLOW)
    m = pythons.workflow(str(tmp_path), rel)
    got = sorted((d.location.line, d.specifier) for d in m.pythons)
    assert got == [
        (6, "==3.10.*"),
        (6, "==3.11.*"),
        (6, "==3.9.*"),
        (9, "==3.13.*"),
        (18, "==3.12.*"),
    ], "an unquoted 3.10 is 3.10, not the float 3.1"


def test_workflow_yaml_error_is_positioned(tmp_path: Path) -> None:
    rel = write(tmp_path, ".github/workflows/bad.yml", "jobs:\n  a: [\n")
    m = pythons.workflow(str(tmp_path), rel)
    assert m.problems and str(m.problems[0]).startswith(".github/workflows/bad.yml:")


def decl(spec: str) -> PythonDecl:
    return PythonDecl(Location("pyproject.toml", 5), f"requires-python {spec}", spec)


@pytest.mark.parametrize(
    ("spec", "past"),
    [
        (">=3.8", ["3.8", "3.9", "3.10"]),
        (">=3.11", []),
        ("==3.12.*", []),
        (">3.9", ["3.9", "3.10"]),
        (">=3.10,<3.12", ["3.10"]),
        ("==2.7.*", ["2.7"]),
        ("<2.6", ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5"]),
        (">=3.99", []),
    ],
)
def test_past_eol(spec: str, past: list[str]) -> None:
    table = eol.load_table()
    assert [p.minor for p in eol.past_eol([decl(spec)], table, TODAY)] == past


def test_eol_depends_on_the_day_and_table_has_an_as_of_date() -> None:
    table = eol.load_table()
    assert table.as_of <= dt.date.today()
    assert eol.past_eol([decl("==3.10.*")], table, dt.date(2026, 10, 1)) == []
    (item,) = eol.past_eol([decl("==3.10.*")], table, TODAY)
    assert str(item) == (
        "3.10 (end of life since 2026-10-31): requires-python ==3.10.* at pyproject.toml:5"
    )


def test_broken_table_is_a_collector_error(tmp_path: Path) -> None:
    bad = tmp_path / "eol.json"
    bad.write_text('{"as_of": "soon"}')
    with pytest.raises(eol.EolTableError, match="expected the Python end-of-life table"):
        eol.load_table(bad)
