"""The offline OSV database: a folder of OSV JSON records or a zip of them (``all.zip``
as OSV publishes it per ecosystem), indexed by PEP 503-normalized package name.

The database is the user's input, read strictly: a record we cannot read makes
the whole database unusable rather than silently missing its advisories.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.errors import CollectorError

METADATA = "metadata.json"
ARCHIVE = "all.zip"
MAX_RECORD_BYTES = 64 * 1024 * 1024


class OsvDatabaseError(CollectorError):
    """The OSV database cannot be read, so no vulnerability verdict can be trusted."""


@dataclass(frozen=True)
class Event:
    kind: str
    version: str


@dataclass(frozen=True)
class Range:
    type: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Affected:
    package: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    severity: tuple[str, ...]
    database_severity: str | None


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: str
    severity: tuple[str, ...]
    """Severity scores verbatim (CVSS vectors), as the record gives them."""
    database_severity: str | None
    affected: tuple[Affected, ...]


@dataclass(frozen=True)
class Database:
    path: str
    date: dt.date | None
    date_source: str
    records: int
    withdrawn: int
    by_package: Mapping[str, tuple[tuple[Advisory, Affected], ...]]


def default_db_dir() -> Path:
    """Where ``auditor db update`` stores the database when given no destination."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "auditor" / "osv" / "PyPI"


def _fail(name: str, what: str) -> OsvDatabaseError:
    return OsvDatabaseError(f"{name}: expected {what}")


def _strings(value: Any, name: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, f"a list of strings for {what}")
    return tuple(value)


def _severity(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise _fail(name, "a list of {type, score} objects for severity")
    return tuple(str(s.get("score", "")) for s in value if s.get("score"))


def _db_severity(value: Any) -> str | None:
    sev = value.get("severity") if isinstance(value, dict) else None
    return sev if isinstance(sev, str) and sev else None


def _range(raw: Any, name: str) -> Range:
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise _fail(name, "ranges with a type and an events list")
    events = []
    for event in raw["events"]:
        if not isinstance(event, dict) or len(event) != 1:
            raise _fail(name, "each range event to have exactly one key")
        ((kind, version),) = event.items()
        if kind not in ("introduced", "fixed", "last_affected", "limit"):
            raise _fail(name, f"an event introduced/fixed/last_affected/limit, got '{kind}'")
        events.append(Event(kind, str(version)))
    return Range(str(raw.get("type", "")), tuple(events))


def parse_record(data: Any, name: str) -> Advisory | None:
    """One OSV record; None for a withdrawn one."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise _fail(name, "an OSV record (a JSON object with an 'id')")
    if data.get("withdrawn"):
        return None
    affected = []
    raw_affected = data.get("affected") or []
    if not isinstance(raw_affected, list):
        raise _fail(name, "a list for affected")
    for item in raw_affected:
        package = item.get("package") if isinstance(item, dict) else None
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise _fail(name, "affected[].package with a name")
        if str(package.get("ecosystem", "")).split(":", 1)[0] != "PyPI":
            continue
        ranges = item.get("ranges") or []
        if not isinstance(ranges, list):
            raise _fail(name, "a list for affected[].ranges")
        affected.append(
            Affected(
                canonicalize_name(package["name"]),
                tuple(_range(r, name) for r in ranges),
                _strings(item.get("versions"), name, "affected[].versions"),
                _severity(item.get("severity"), name),
                _db_severity(item.get("database_specific")),
            )
        )
    return Advisory(
        id=data["id"],
        aliases=_strings(data.get("aliases"), name, "aliases"),
        summary=str(data.get("summary") or "").strip(),
        modified=str(data.get("modified") or ""),
        severity=_severity(data.get("severity"), name),
        database_severity=_db_severity(data.get("database_specific")),
        affected=tuple(affected),
    )


def _zip_records(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    raise _fail(info.filename, f"a record under {MAX_RECORD_BYTES} bytes")
                yield info.filename, archive.read(info)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise OsvDatabaseError(f"{path}: expected a readable zip of OSV records ({e})") from None


def _folder_records(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        names = sorted(e.name for e in os.scandir(path) if e.name.endswith(".json"))
    except OSError as e:
        raise OsvDatabaseError(f"{path}: expected a readable folder ({e.strerror})") from None
    for name in names:
        if name == METADATA:
            continue
        try:
            yield name, (path / name).read_bytes()
        except OSError as e:
            raise OsvDatabaseError(f"{path / name}: unreadable ({e.strerror})") from None


def _downloaded(folder: Path) -> dt.date | None:
    try:
        meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(str(meta["downloaded"]).replace("Z", "+00:00")).date()
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(path: Path) -> Database:
    """Read every record; ``date`` is the download date (from metadata.json) or else
    the newest record's ``modified`` date, which a snapshot cannot be older than."""
    if path.is_dir():
        folder = path
        source = _zip_records(path / ARCHIVE) if (path / ARCHIVE).is_file() else None
        records = source or _folder_records(path)
    elif path.is_file():
        folder, records = path.parent, _zip_records(path)
    else:
        raise OsvDatabaseError(f"{path}: expected an OSV folder or zip, found nothing there")
    index: dict[str, list[tuple[Advisory, Affected]]] = {}
    count = withdrawn = 0
    newest = ""
    for name, raw in records:
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise _fail(name, f"JSON ({e})") from None
        advisory = parse_record(data, name)
        count += 1
        if advisory is None:
            withdrawn += 1
            continue
        newest = max(newest, advisory.modified)
        for affected in advisory.affected:
            index.setdefault(affected.package, []).append((advisory, affected))
    if count == 0:
        raise OsvDatabaseError(f"{path}: expected OSV JSON records, found none")
    date, how = _downloaded(folder), f"downloaded (per {METADATA})"
    if date is None and newest:
        date, how = dt.date.fromisoformat(newest[:10]), "newest record's 'modified'"
    frozen = {name: tuple(items) for name, items in index.items()}
    return Database(str(path), date, how, count, withdrawn, frozen)


def _signature(path: Path) -> tuple[float, ...]:
    parts = [path, path / ARCHIVE, path / METADATA] if path.is_dir() else [path]
    sig: list[float] = []
    for p in parts:
        try:
            st = p.stat()
            sig += [st.st_mtime_ns, st.st_size]
        except OSError:
            sig += [-1, -1]
    return tuple(sig)


@functools.lru_cache(maxsize=2)
def _cached(path: str, signature: tuple[float, ...]) -> Database:
    return load(Path(path))


def load_cached(path: Path) -> Database:
    """One load per database version per process: ``version()`` and ``collect()`` share it."""
    resolved = path.resolve()
    return _cached(str(resolved), _signature(resolved))
