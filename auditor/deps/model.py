"""Values the parsers hand to the analysis: what a manifest declares, and where."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.evidence import Location

LOCK_KINDS = frozenset({"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"})


@dataclass(frozen=True)
class Problem:
    """A line we could not read; shown as ``file:line: expected ...`` and never fatal,
    because one typo must not hide everything else the repository declares."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class Dependency:
    """One declared (or locked) package at one place.

    ``allowed`` holds PEP 440 specifier sets, any of which may match (Poetry's
    ``||`` needs alternatives); ``None`` means the constraint could not be
    translated, so agreement with a lock is not judged for it.
    """

    name: str
    display: str
    spec: str
    location: Location
    group: str
    version: str | None = None
    allowed: tuple[str, ...] | None = ("",)
    hashed: bool = False
    url: str | None = None
    url_pinned: bool | None = None
    local: bool = False
    editable: bool = False
    markers: str | None = None
    locked: bool = False

    @property
    def pinned(self) -> bool:
        """Reproducible on its own: an exact version, an immutable URL, or a repo path."""
        if self.local:
            return True
        if self.url is not None:
            return bool(self.url_pinned)
        return self.version is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "spec": self.spec,
            "group": self.group,
            "pinned": self.pinned,
            "version": self.version,
            "hashed": self.hashed,
            "url": self.url,
            "editable": self.editable,
            "markers": self.markers,
            "locked": self.locked,
        }


@dataclass(frozen=True)
class IndexUse:
    """A package index besides the default one: a dependency-confusion exposure."""

    location: Location
    what: str


@dataclass(frozen=True)
class PythonDecl:
    """A declared target interpreter, as a PEP 440 specifier over Python versions."""

    location: Location
    what: str
    specifier: str


@dataclass(frozen=True)
class Manifest:
    path: str
    kind: str
    dependencies: tuple[Dependency, ...] = ()
    problems: tuple[Problem, ...] = ()
    indexes: tuple[IndexUse, ...] = ()
    pythons: tuple[PythonDecl, ...] = ()
    includes: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()

    @property
    def is_lock(self) -> bool:
        return self.kind in LOCK_KINDS

    @property
    def lock_like(self) -> bool:
        """A requirements file in which every entry is pinned serves as a lock
        (pip-compile output), as the checklist allows."""
        if self.is_lock:
            return True
        if self.kind not in ("requirements", "constraints"):
            return False
        if not self.dependencies or self.problems:
            return False
        return all(d.pinned for d in self.dependencies)
