"""Pipenv's ``Pipfile`` (TOML) and ``Pipfile.lock`` (JSON)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.evidence import Location

from . import specs
from .model import Dependency, IndexUse, Manifest, Problem, PythonDecl
from .repofiles import Unreadable, assigns, contains, find_line, load_toml, locate, read_text

_SECTIONS = {"packages": "main", "dev-packages": "dev"}


def _specifier(text: str) -> str:
    """Pipfile versions are PEP 440 specifiers, ``*``, or (leniently) a bare version."""
    text = text.strip()
    if text in ("", "*"):
        return ""
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        Version(text)
        return f"=={text}"


def _entry(name: str, value: Any, loc: Location, group: str) -> Dependency | Problem:
    base = Dependency(canonicalize_name(name), name, "", loc, group)
    table = value if isinstance(value, dict) else {"version": value}
    if "git" in table:
        ref = str(table.get("ref", ""))
        url = f"git+{table['git']}" + (f"@{ref}" if ref else "")
        redacted = specs.redact_url(url)
        return replace(
            base,
            spec=redacted,
            allowed=None,
            url=redacted,
            url_pinned=specs.url_pinned(url),
            editable=bool(table.get("editable")),
        )
    if "path" in table or "file" in table:
        where = str(table.get("path") or table.get("file"))
        remote = specs.is_remote(where)
        return replace(
            base,
            spec=specs.redact_url(where),
            allowed=None,
            local=not remote,
            url=specs.redact_url(where),
            url_pinned=False if remote else None,
            editable=bool(table.get("editable")),
        )
    version = table.get("version", "*")
    try:
        spec = _specifier(str(version))
    except (InvalidVersion, InvalidSpecifier):
        return Problem(loc, f"expected a version specifier for '{name}', got '{version}'")
    hashes = table.get("hashes")
    markers = table.get("markers")
    return replace(
        base,
        spec=spec,
        allowed=(spec,),
        version=specs.exact_version(SpecifierSet(spec)),
        hashed=bool(hashes),
        markers=markers if isinstance(markers, str) else None,
    )


def parse_pipfile(root: str, rel: str) -> Manifest:
    try:
        text = read_text(root, rel)
    except Unreadable as e:
        return Manifest(rel, "Pipfile", problems=(Problem(Location(rel), str(e)),))
    data, problem = load_toml(rel, text)
    if data is None:
        return Manifest(rel, "Pipfile", problems=(problem,) if problem else ())
    lines = text.splitlines()
    deps: list[Dependency] = []
    problems: list[Problem] = []
    for section, group in _SECTIONS.items():
        table = data.get(section)
        for name, value in (table if isinstance(table, dict) else {}).items():
            result = _entry(name, value, locate(rel, lines, f"[{section}]", assigns(name)), group)
            if isinstance(result, Problem):
                problems.append(result)
            else:
                deps.append(result)
    sources = data.get("source")
    indexes = [
        IndexUse(
            locate(rel, lines, "[[source]]", contains(str(s.get("url")))),
            f"Pipfile source '{s.get('name')}' {specs.redact_url(str(s.get('url')))}",
        )
        for s in (sources if isinstance(sources, list) else [])[1:]
        if isinstance(s, dict)
    ]
    pythons = []
    requires = data.get("requires")
    for key in ("python_version", "python_full_version"):
        value = requires.get(key) if isinstance(requires, dict) else None
        if isinstance(value, str):
            loc = locate(rel, lines, "[requires]", assigns(key))
            minor = ".".join(value.split(".")[:2])
            pythons.append(PythonDecl(loc, f"Pipfile {key} {value}", f"=={minor}.*"))
            break
    return Manifest(rel, "Pipfile", tuple(deps), tuple(problems), tuple(indexes), tuple(pythons))


def parse_lock(root: str, rel: str) -> Manifest:
    try:
        text = read_text(root, rel)
        data = json.loads(text)
    except Unreadable as e:
        return Manifest(rel, "Pipfile.lock", problems=(Problem(Location(rel), str(e)),))
    except json.JSONDecodeError as e:
        problem = Problem(Location(rel, e.lineno, e.colno), f"expected valid JSON: {e.msg}")
        return Manifest(rel, "Pipfile.lock", problems=(problem,))
    except RecursionError:
        problem = Problem(Location(rel), "expected JSON nested less deeply")
        return Manifest(rel, "Pipfile.lock", problems=(problem,))
    if not isinstance(data, dict):
        return Manifest(
            rel, "Pipfile.lock", problems=(Problem(Location(rel, 1), "expected a JSON object"),)
        )
    lines = text.splitlines()
    deps: list[Dependency] = []
    problems: list[Problem] = []
    for section, group in (("default", "main"), ("develop", "dev")):
        table = data.get(section)
        start = find_line(lines, contains(f'"{section}"')) or 1
        for name, value in (table if isinstance(table, dict) else {}).items():
            line = find_line(lines, contains(f'"{name}":'), start)
            loc = Location(rel, line)
            result = _entry(name, value, loc, group)
            if isinstance(result, Problem):
                problems.append(result)
            else:
                deps.append(replace(result, locked=True))
    return Manifest(rel, "Pipfile.lock", tuple(deps), tuple(problems))
