"""From parsed manifests to pinning facts: what is pinned, locked, hashed, and agreed.

A lock file covers the manifests in its own folder and below (a workspace lock
at the root covers its members); ``-c`` constraints cover the requirement files
they are installed with. Locks are paired with the manifest they were generated
from (pyproject with poetry/uv/pdm locks, Pipfile with Pipfile.lock, ``x.in``
with ``x.txt``) to tell whether they still agree.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .model import Dependency, Manifest

DEPENDENCY_KINDS = frozenset(
    {"requirements", "constraints", "pyproject", "setup.cfg", "Pipfile"}
    | {"Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock"}
)
_PAIRED_LOCKS = {"pyproject": ("poetry.lock", "uv.lock", "pdm.lock"), "Pipfile": ("Pipfile.lock",)}


def _dir(path: str) -> str:
    return posixpath.dirname(path)


def _under(folder: str, path: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


@dataclass(frozen=True)
class Pinned:
    """A version we can match against advisories, and the line that declares it."""

    dependency: Dependency
    version: str
    from_lock: bool = False
    """Taken from a lock file or a fully pinned requirements file."""


class Repo:
    """The manifests of one repository and the relations between them."""

    def __init__(self, manifests: Sequence[Manifest]) -> None:
        self.manifests = [m for m in manifests if m.kind in DEPENDENCY_KINDS]
        self.locks = [m for m in self.manifests if m.lock_like]
        self._families = self._constraint_families()

    def _constraint_families(self) -> dict[str, dict[str, str]]:
        """Requirement file -> exact pins from the constraints installed with it
        (every file connected to it through -r or -c)."""
        by_path = {m.path: m for m in self.manifests}
        parent = {m.path: m.path for m in self.manifests}

        def find(p: str) -> str:
            while parent.setdefault(p, p) != p:
                p = parent[p]
            return p

        for m in self.manifests:
            for other in (*m.includes, *m.constraints):
                parent[find(other)] = find(m.path)
        pins: dict[str, dict[str, str]] = {}
        for m in self.manifests:
            if m.kind == "constraints":
                family = pins.setdefault(find(m.path), {})
                family.update({d.name: d.version for d in m.dependencies if d.version})
        return {path: pins.get(find(path), {}) for path in by_path}

    @property
    def declared(self) -> list[tuple[Manifest, Dependency]]:
        """Dependencies people wrote down (not lock entries, not constraints)."""
        return [
            (m, d)
            for m in self.manifests
            if not m.is_lock and m.kind != "constraints"
            for d in m.dependencies
        ]

    def covering_locks(self, manifest: Manifest) -> list[Manifest]:
        return [
            lock
            for lock in self.locks
            if lock.path != manifest.path and _under(_dir(lock.path), manifest.path)
        ]

    def covered(self, manifest: Manifest, dep: Dependency) -> bool:
        if dep.name and dep.name in self._families.get(manifest.path, {}):
            return True
        return any(
            dep.name and any(e.name == dep.name for e in lock.dependencies)
            for lock in self.covering_locks(manifest)
        )

    def paired_locks(self, manifest: Manifest) -> list[Manifest]:
        folder = _dir(manifest.path)
        if manifest.kind == "requirements" and manifest.path.endswith(".in"):
            txt = manifest.path[:-3] + ".txt"
            return [m for m in self.manifests if m.path == txt]
        names = _PAIRED_LOCKS.get(manifest.kind, ())
        return [m for m in self.locks if _dir(m.path) == folder and m.kind in names]

    def unpinned(self) -> list[Dependency]:
        return [d for m, d in self.declared if not d.pinned and not self.covered(m, d)]

    def disagreements(self) -> list[str]:
        found: list[str] = []
        for manifest, dep in self.declared:
            if dep.url is not None or dep.local or not dep.name:
                continue
            for lock in self.paired_locks(manifest):
                entries = [e for e in lock.dependencies if e.name == dep.name]
                if not entries:
                    if dep.markers is None:
                        found.append(
                            f"{dep.display}: declared at {dep.location}, not in {lock.path}"
                        )
                    continue
                if not any(_satisfies(dep.allowed, e.version) for e in entries):
                    have = ", ".join(f"{e.version} at {e.location}" for e in entries)
                    found.append(f"{dep.display}: {dep.location} wants '{dep.spec}', locked {have}")
        return found

    def unhashed(self) -> list[Dependency]:
        """Lock entries pip or the lock's installer could not verify by hash."""
        return [
            d
            for lock in self.locks
            for d in lock.dependencies
            if not d.hashed and not d.local and not (d.url and d.url_pinned)
        ]

    def to_match(self) -> list[Pinned]:
        """Versions to check: every lock entry, then exact pins that no lock overrides."""
        out = [
            Pinned(d, d.version, from_lock=True)
            for lock in self.locks
            for d in lock.dependencies
            if d.version and d.name and not d.local
        ]
        for manifest in self.manifests:
            if manifest.lock_like:
                continue
            for dep in manifest.dependencies:
                if not dep.version or not dep.name or dep.local:
                    continue
                shadowed = any(
                    any(e.name == dep.name for e in lock.dependencies)
                    for lock in self.covering_locks(manifest)
                )
                if not shadowed:
                    out.append(Pinned(dep, dep.version))
        return out


def _satisfies(allowed: tuple[str, ...] | None, version: str | None) -> bool:
    if allowed is None or version is None:
        return True
    try:
        parsed = Version(version)
        return any(SpecifierSet(a).contains(parsed, prereleases=True) for a in allowed)
    except (InvalidVersion, InvalidSpecifier):
        return True


def show(dep: Dependency) -> str:
    spec = f" {dep.spec}" if dep.spec else " (any version)"
    return f"{dep.display}{spec} ({dep.location})"


def first_location(deps: Iterable[Dependency]) -> Dependency | None:
    return next(iter(deps), None)
