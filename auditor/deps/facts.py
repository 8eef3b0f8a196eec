"""Facts about pinning, locks, indexes and interpreters, shaped for a control's ``pass_if``:
lists that pass when ``empty``, a path that passes when ``present``, booleans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from auditor.evidence import Fact, Location

from . import eol
from .analysis import DEPENDENCY_KINDS, Repo, show
from .discover import Found
from .model import Manifest

DEPENDENCY = "deps.dependency"
MANIFESTS = "deps.manifests"
PARSE_ERRORS = "deps.parse_errors"
UNPINNED = "deps.unpinned"
UNPINNED_VCS = "deps.unpinned_vcs"
LOCK_FILE = "deps.lock_file"
LOCK_DISAGREEMENTS = "deps.lock_disagreements"
HASHES_REQUIRED = "deps.hashes_required"
EXTRA_INDEX_URL = "deps.extra_index_url"
PYTHON_VERSIONS = "deps.python_versions"
PYTHON_EOL = "deps.python_eol"
MANIFEST_NAMES = "requirements*.txt, *.in, pyproject.toml, setup.cfg, Pipfile or a lock file"


def no_manifest_reason(found: Found, repo: Repo) -> str | None:
    """Why pinning cannot be judged at all; None when there is something to judge."""
    if repo.manifests:
        return None
    if found.code_only:
        return (
            f"dependencies are declared only in {', '.join(found.code_only)}, "
            "which is code and is never executed"
        )
    return f"no dependency manifest found ({MANIFEST_NAMES})"


def _list(key: str, items: list[tuple[str, Location | None]], how: str) -> Fact:
    return Fact(key, [text for text, _ in items], items[0][1] if items else None, how)


def dependency_facts(repo: Repo) -> list[Fact]:
    return [
        Fact(
            DEPENDENCY,
            {"file": m.path, **d.to_dict()},
            d.location,
            f"{'locked in' if d.locked else 'declared in'} {m.kind} {m.path}",
        )
        for m in repo.manifests
        for d in m.dependencies
    ]


def pinning_facts(found: Found, repo: Repo) -> list[Fact]:
    missing = no_manifest_reason(found, repo)
    setup_py = f"; not read (code): {', '.join(found.code_only)}" if found.code_only else ""
    problems = [p for m in found.manifests for p in m.problems]
    unreadable = [
        (f"{p.location}: unreadable entry, pinning unknown (see {PARSE_ERRORS})", p.location)
        for m in repo.manifests
        if not m.is_lock
        for p in m.problems
    ]
    unpinned = [(show(d), d.location) for d in repo.unpinned()] + unreadable
    how = (
        "declared dependencies without an exact == pin, a commit-pinned or hashed URL, "
        "a constraint pin or an entry in a lock file covering their folder" + setup_py
    )
    facts = [
        _list(
            MANIFESTS,
            [
                (f"{m.path} ({m.kind})", Location(m.path))
                for m in found.manifests
                if m.kind in DEPENDENCY_KINDS
            ],
            "dependency manifests and lock files (files.walk with the audit's exclusions, "
            "plus root files and -r/-c includes); Python version sources are not listed",
        ),
        _list(
            PARSE_ERRORS,
            [(str(p), p.location) for p in problems],
            "entries the parsers could not read; each is also a finding",
        ),
        Fact(
            UNPINNED,
            [t for t, _ in unpinned],
            unpinned[0][1] if unpinned else None,
            how,
            unknown=missing,
        ),
        _list(
            UNPINNED_VCS,
            [(show(d), d.location) for d in repo.unpinned() if d.url is not None and not d.local],
            "VCS or URL requirements not pinned to a full commit id or hash and not locked",
        ),
        _list(
            LOCK_DISAGREEMENTS,
            [(t, None) for t in repo.disagreements()],
            "manifest constraints compared with the lock generated from them "
            "(pyproject/poetry|uv|pdm.lock, Pipfile/Pipfile.lock, x.in/x.txt)",
        ),
        _list(
            EXTRA_INDEX_URL,
            [(f"{i.what} ({i.location})", i.location) for m in found.manifests for i in m.indexes],
            "--extra-index-url and remote --find-links in requirement files and "
            "Dockerfiles, extra Pipfile sources, supplemental/secondary Poetry sources",
        ),
    ]
    return [*facts, _lock_file(repo), _hashes(repo)]


def _lock_file(repo: Repo) -> Fact:
    ranked = sorted(repo.locks, key=lambda m: (not m.is_lock, m.path.count("/"), m.path))
    if not ranked:
        return Fact(
            LOCK_FILE,
            None,
            None,
            "no uv.lock, poetry.lock, pdm.lock, Pipfile.lock or fully pinned "
            "requirements file found",
        )
    listed = ", ".join(f"{m.path} ({len(m.dependencies)} entries)" for m in ranked)
    return Fact(
        LOCK_FILE,
        ranked[0].path,
        Location(ranked[0].path),
        f"lock files (a requirements file counts when every entry is pinned): {listed}",
    )


def _hashes(repo: Repo) -> Fact:
    if not repo.locks:
        return Fact(HASHES_REQUIRED, False, None, "no lock file, so nothing pins hashes")
    unhashed = repo.unhashed()
    total = sum(len(m.dependencies) for m in repo.locks)
    if not unhashed:
        return Fact(
            HASHES_REQUIRED,
            True,
            Location(repo.locks[0].path),
            f"all {total} entries of {', '.join(m.path for m in repo.locks)} carry hashes",
        )
    first = unhashed[0]
    return Fact(
        HASHES_REQUIRED,
        False,
        first.location,
        f"{len(unhashed)} of {total} locked entries carry no hash; first: {show(first)}",
    )


def python_facts(manifests: Sequence[Manifest], today: dt.date) -> list[Fact]:
    decls = [d for m in manifests for d in m.pythons]
    table = eol.load_table()
    declared = _list(
        PYTHON_VERSIONS,
        [(f"{d.what} ({d.location})", d.location) for d in decls],
        "requires-python, python_requires, Poetry's python, Pipfile [requires], "
        ".python-version, runtime.txt, Dockerfile FROM python:X.Y, GitHub Actions "
        "python-version (with matrix values)",
    )
    how = (
        f"targeted X.Y releases compared on {today} with {eol.TABLE_PATH.name} "
        f"(as of {table.as_of}; {table.source})"
    )
    if not decls:
        return [
            declared,
            Fact(
                PYTHON_EOL,
                None,
                None,
                how,
                unknown="no targeted Python version is declared anywhere",
            ),
        ]
    past = eol.past_eol(decls, table, today)
    return [declared, _list(PYTHON_EOL, [(str(p), p.decl.location) for p in past], how)]
