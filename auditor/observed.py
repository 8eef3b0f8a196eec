"""What a collector read from the audited tree, so that its whole result can be cached.

The settings collectors (Django, Flask/FastAPI) interpret repository files with ``ast``
and touch the tree only through ``pystatic.source`` (``read_bytes``,
``is_regular_file``) and ``files.walk``. While one runs under ``recording()``, those
functions report here every file read (by content hash), every path probed and every
walk (by the listing it returned). The same observations on a later run imply the same
result, which is why a cached result may be reused once they have been checked again:
reading and hashing costs a fraction of parsing and interpreting.

A wall-clock limit makes a result depend on the machine rather than on the files; a run
that hit one is marked ``volatile`` and never cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Observations:
    reads: dict[str, str] = field(default_factory=dict)
    """``path NUL limit`` -> sha256 of the bytes read, or ``!reason`` when the read failed."""
    probes: dict[str, bool] = field(default_factory=dict)
    """Relative path -> whether it was a regular file inside the tree."""
    walks: dict[str, str] = field(default_factory=dict)
    """JSON of the walk's arguments -> sha256 of the listing it returned."""
    screened: dict[str, str] = field(default_factory=dict)
    """``screen NUL path NUL limit`` for files read only to be found irrelevant by a screen
    (``Screen``): any edit that keeps them irrelevant leaves the result as it was."""
    volatile: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"reads": self.reads, "probes": self.probes, "walks": self.walks,
                "screened": sorted(self.screened)}  # fmt: skip

    @classmethod
    def from_json(cls, doc: Any) -> Observations:
        """Raises ValueError on anything that is not what ``to_json`` wrote."""
        if not isinstance(doc, dict) or set(doc) != {"reads", "probes", "walks", "screened"}:
            raise ValueError("not an observation record")
        reads, probes, walks, screened = doc["reads"], doc["probes"], doc["walks"], doc["screened"]
        if not (
            isinstance(reads, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in reads.items())
            and isinstance(probes, dict)
            and all(isinstance(k, str) and isinstance(v, bool) for k, v in probes.items())
            and isinstance(walks, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in walks.items())
            and isinstance(screened, list)
            and all(isinstance(k, str) for k in screened)
        ):
            raise ValueError("malformed observation record")
        return cls(dict(reads), dict(probes), dict(walks), dict.fromkeys(screened, ""))


@dataclass(frozen=True)
class Screen:
    """A cheap test that tells whether a file's bytes can matter to a collector at all
    (it mentions Flask, it sets DJANGO_SETTINGS_MODULE). Registered by name, so a cached
    record can apply the same test again."""

    name: str
    relevant: Callable[[bytes], bool]


SCREENS: dict[str, Screen] = {}


def screen(name: str, relevant: Callable[[bytes], bool]) -> Screen:
    SCREENS[name] = Screen(name, relevant)
    return SCREENS[name]


def screened_key(name: str, rel: str, limit: int) -> str:
    return f"{name}\0{rel}\0{limit}"


_CURRENT: ContextVar[Observations | None] = ContextVar("auditor_observations", default=None)


def current() -> Observations | None:
    """The record of the collector running in this thread, if it is being recorded."""
    return _CURRENT.get()


@contextmanager
def recording() -> Iterator[Observations]:
    obs = Observations()
    token = _CURRENT.set(obs)
    try:
        yield obs
    finally:
        _CURRENT.reset(token)


@contextmanager
def paused() -> Iterator[None]:
    """Checking a record reads the tree again; those reads are not new observations."""
    token = _CURRENT.set(None)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def read_key(rel: str, limit: int) -> str:
    return f"{rel}\0{limit}"


def content(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def walk_key(suffixes: tuple[str, ...], excludes: tuple[str, ...], max_bytes: int,
             max_files: int) -> str:  # fmt: skip
    """The exclusion patterns come from the audited repository's configuration and may hold
    anything, a secret included: they are kept as a hash (the caller knows them)."""
    return json.dumps([list(suffixes), excludes_digest(excludes), max_bytes, max_files])


def excludes_digest(excludes: tuple[str, ...]) -> str:
    text = json.dumps(list(excludes), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def listing(files: list[str], skipped: dict[str, str]) -> str:
    text = json.dumps([files, sorted(skipped.items())], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
