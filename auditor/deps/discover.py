"""Find every dependency manifest, lock file and interpreter declaration in the tree.

The walk honours the audit's exclusions (a vendored tree is not the project's
own declaration) but root-level files are always read: the root manifest is the
project's. Symbolic links are never followed, here or through ``-r`` includes.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from auditor import files

from . import locks, pipfile, pyproject, pythons, requirements, setupcfg
from .model import Manifest

_EXACT = {
    "pyproject.toml": "pyproject",
    "setup.cfg": "setup.cfg",
    "Pipfile": "Pipfile",
    "Pipfile.lock": "Pipfile.lock",
    "poetry.lock": "poetry.lock",
    "uv.lock": "uv.lock",
    "pdm.lock": "pdm.lock",
    ".python-version": ".python-version",
    "runtime.txt": "runtime.txt",
    "Containerfile": "Dockerfile",
    "Dockerfile": "Dockerfile",
    "setup.py": "setup.py",
}
_PROSE = ("manifest.in", "readme", "license", "licence", "changelog", "notice", "authors")
_REQUIREMENT_DIRS = frozenset({"requirements", "requirements.d", "reqs"})


def classify(rel: str) -> str | None:
    """The kind of file at ``rel``, or None if it declares nothing we read."""
    parts = rel.split("/")
    name = parts[-1]
    if name in _EXACT:
        return _EXACT[name]
    lower = name.lower()
    if lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "Dockerfile"
    if len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"]:
        return "workflow" if lower.endswith((".yml", ".yaml")) else None
    if not lower.endswith((".txt", ".in")) or lower.startswith(_PROSE):
        return None
    if fnmatch.fnmatch(lower, "*constraints*"):
        return "constraints"
    in_dir = len(parts) >= 2 and parts[-2].lower() in _REQUIREMENT_DIRS
    return "requirements" if in_dir or "requirements" in lower else None


@dataclass
class Found:
    manifests: list[Manifest] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    code_only: list[str] = field(default_factory=list)
    """``setup.py`` files: dependencies there are code, which we never run."""


def _root_files(root: Path) -> Iterable[str]:
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    names = []
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and classify(entry.name) is not None:
            names.append(entry.name)
    return names


def _parse(root: str, rel: str, kind: str) -> Manifest:
    if kind in ("requirements", "constraints"):
        return requirements.parse(root, rel, kind)
    if kind == "pyproject":
        return pyproject.parse(root, rel)
    if kind == "setup.cfg":
        return setupcfg.parse(root, rel)
    if kind == "Pipfile":
        return pipfile.parse_pipfile(root, rel)
    if kind == "Pipfile.lock":
        return pipfile.parse_lock(root, rel)
    if kind in ("poetry.lock", "uv.lock", "pdm.lock"):
        return locks.parse(root, rel, kind)
    if kind == "Dockerfile":
        return pythons.dockerfile(root, rel)
    if kind == "workflow":
        return pythons.workflow(root, rel)
    return pythons.version_file(root, rel, kind)


def discover(root: Path, excludes: Iterable[str]) -> Found:
    walked = files.walk(root, ("",), excludes)
    found = Found()
    for rel, why in walked.skipped.items():
        if classify(rel) is not None or why.startswith(("unreadable", "virtualenv")):
            found.skipped[rel] = why
    kinds = {rel: classify(rel) for rel in {*walked.files, *_root_files(root)}}
    pending = sorted((rel, kind) for rel, kind in kinds.items() if kind is not None)
    done: set[str] = set()
    while pending:
        rel, kind = pending.pop(0)
        if rel in done:
            continue
        done.add(rel)
        if kind == "setup.py":
            found.code_only.append(rel)
            continue
        manifest = _parse(str(root), rel, kind)
        found.manifests.append(manifest)
        # Included files are read even where the walk would not look (an excluded
        # folder): pip reads them, so they are part of what gets installed.
        pending += [(p, "requirements") for p in manifest.includes if p not in done]
        pending += [(p, "constraints") for p in manifest.constraints if p not in done]
    # A file parsed as requirements but named by some -c is a constraints file.
    named = {c for m in found.manifests for c in m.constraints}
    found.manifests = sorted(
        (
            requirements.parse(str(root), m.path, "constraints")
            if m.path in named and m.kind == "requirements"
            else m
            for m in found.manifests
        ),
        key=lambda m: m.path,
    )
    return found
