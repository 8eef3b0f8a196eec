"""Lock files with a ``[[package]]`` array: ``poetry.lock``, ``uv.lock``, ``pdm.lock``.

A lock entry says exactly what gets installed, so it is the first place a
version is taken from for vulnerability matching.
"""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name

from auditor.evidence import Location

from . import specs
from .model import Dependency, Manifest, Problem
from .repofiles import Unreadable, assigns, find_line, header_lines, load_toml, read_text


def _hashed(entry: dict[str, Any], legacy: list[Any]) -> bool:
    """Every lock format records hashes differently; any recorded artifact hash counts."""
    files = entry.get("files") if "files" in entry else legacy
    wheels = entry.get("wheels")
    sdist = entry.get("sdist")
    listed = files if isinstance(files, list) else []
    candidates = [*listed, *(wheels if isinstance(wheels, list) else []), sdist]
    return any(isinstance(f, dict) and str(f.get("hash", "")).strip() for f in candidates)


def _source(entry: dict[str, Any]) -> tuple[str | None, bool | None, bool]:
    """(url, url pinned, local) of a non-registry entry; (None, None, False) for the index."""
    source = entry.get("source")
    if isinstance(source, dict):
        kind = source.get("type")
        if kind == "git":
            commit = source.get("resolved_reference") or ""
            url = f"git+{source.get('url')}@{commit}"
            return specs.redact_url(url), specs.url_pinned(url), False
        if kind in ("directory", "file") or any(
            k in source for k in ("editable", "virtual", "directory", "path")
        ):
            return str(source.get("url") or next(iter(source.values()), "")), None, True
        if "git" in source:
            git = str(source["git"])
            commit = git.rsplit("#", 1)[1] if "#" in git else ""
            url = f"git+{git.split('#', 1)[0].split('?', 1)[0]}@{commit}"
            return specs.redact_url(url), specs.url_pinned(url), False
        if "url" in source and kind not in ("legacy",):
            url = str(source["url"])
            return specs.redact_url(url), _hashed(entry, []) or specs.url_pinned(url), False
    if "git" in entry:
        url = f"git+{entry['git']}@{entry.get('revision', '')}"
        return specs.redact_url(url), specs.url_pinned(url), False
    if "path" in entry:
        return str(entry["path"]), None, True
    return None, None, False


def parse(root: str, rel: str, kind: str) -> Manifest:
    """``kind`` is the file name: poetry.lock, uv.lock or pdm.lock."""
    try:
        text = read_text(root, rel)
    except Unreadable as e:
        return Manifest(rel, kind, problems=(Problem(Location(rel), str(e)),))
    data, problem = load_toml(rel, text)
    if data is None:
        return Manifest(rel, kind, problems=(problem,) if problem else ())
    lines = text.splitlines()
    headers = header_lines(lines, "[[package]]")
    packages = data.get("package", [])
    if not isinstance(packages, list):
        problem = Problem(Location(rel, 1), "expected [[package]] tables")
        return Manifest(rel, kind, problems=(problem,))
    metadata = data.get("metadata")
    legacy = metadata.get("files") if isinstance(metadata, dict) else None
    legacy_files = legacy if isinstance(legacy, dict) else {}
    deps: list[Dependency] = []
    problems: list[Problem] = []
    for index, entry in enumerate(packages):
        header = headers[index] if index < len(headers) else None
        loc = Location(rel, header)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(Problem(loc, "expected a [[package]] table with a name"))
            continue
        name = entry["name"]
        version = entry.get("version")
        if header is not None:
            loc = Location(rel, find_line(lines, assigns("version"), header) or header)
        url, pinned, local = _source(entry)
        if version is None and not local:
            problems.append(Problem(loc, f"expected a version for locked package '{name}'"))
            continue
        legacy = legacy_files.get(name) or legacy_files.get(f"{name} {version}") or []
        deps.append(
            Dependency(
                name=canonicalize_name(name),
                display=name,
                spec=f"=={version}" if version is not None else "",
                location=loc,
                group="locked",
                version=str(version) if version is not None else None,
                allowed=None,
                hashed=_hashed(entry, legacy if isinstance(legacy, list) else []),
                url=url,
                url_pinned=pinned,
                local=local,
                locked=True,
            )
        )
    return Manifest(rel, kind, tuple(deps), tuple(problems))
