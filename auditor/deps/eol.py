"""Which declared Python versions are past end of life, per the table shipped with auditor.

The table carries its own "as of" date so a reader of the evidence can tell how
current the judgement is; scheduled future dates stay valid as the table ages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from auditor.errors import CollectorError

from .model import PythonDecl

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "python-eol.json"
_ANCIENT = tuple(f"2.{n}" for n in range(6))
"""Releases older than the table: long past end of life, dates not worth listing."""


class EolTableError(CollectorError):
    """The shipped end-of-life table is missing or malformed: the install is broken."""


@dataclass(frozen=True)
class EolTable:
    as_of: dt.date
    source: str
    end_of_life: Mapping[str, dt.date]


@dataclass(frozen=True)
class PastEol:
    decl: PythonDecl
    minor: str
    end_of_life: dt.date | None

    def __str__(self) -> str:
        since = f"since {self.end_of_life}" if self.end_of_life else "long ago"
        return f"{self.minor} (end of life {since}): {self.decl.what} at {self.decl.location}"


def load_table(path: Path = TABLE_PATH) -> EolTable:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        table = {k: dt.date.fromisoformat(v) for k, v in raw["end_of_life"].items()}
        return EolTable(dt.date.fromisoformat(raw["as_of"]), str(raw["source"]), table)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise EolTableError(f"{path}: expected the Python end-of-life table ({e})") from None


def _key(minor: str) -> tuple[int, ...]:
    return tuple(int(n) for n in minor.split("."))


def targeted(specifier: str, table: EolTable) -> list[str]:
    """Minor versions (X.Y) of which some release satisfies ``specifier``."""
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return []
    minors = sorted({*table.end_of_life, *_ANCIENT}, key=_key)
    return [
        m for m in minors if any(spec.contains(f"{m}.{p}", prereleases=True) for p in range(40))
    ]


def past_eol(decls: Sequence[PythonDecl], table: EolTable, today: dt.date) -> list[PastEol]:
    found = []
    for decl in decls:
        for minor in targeted(decl.specifier, table):
            eol = table.end_of_life.get(minor)
            if eol is None or eol < today:
                found.append(PastEol(decl, minor, eol))
    return found
