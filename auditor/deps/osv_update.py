"""Download the OSV PyPI database: the only code in auditor that uses the network.

The archive is verified completely (every record must load) before it replaces
the previous copy, so a truncated or corrupt download never costs the user a
working database. The download date goes to ``metadata.json``, written after the
archive: an interruption between the two leaves the older date, which can only
make the database look staler than it is, never fresher.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import CollectorError

from .osv import ARCHIVE, MAX_RECORD_BYTES, METADATA, OsvDatabaseError, default_db_dir, parse_record

OSV_PYPI_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024
_HEADERS = {"User-Agent": "auditor-db-update"}


class OsvUpdateError(CollectorError):
    """The database could not be downloaded or verified; the previous copy is untouched."""


@dataclass(frozen=True)
class UpdateResult:
    path: Path
    downloaded: str
    records: int
    sha256: str
    size: int


def verify_archive(path: Path) -> int:
    """Number of records in a zip of OSV JSON; OsvUpdateError unless every one loads."""
    count = 0
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise OsvUpdateError(f"{path}: corrupt member {bad}")
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    raise OsvUpdateError(f"{info.filename}: record larger than expected")
                parse_record(json.loads(archive.read(info)), info.filename)
                count += 1
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        raise OsvUpdateError(f"{path}: expected a zip of OSV JSON records ({e})") from None
    except OsvDatabaseError as e:
        raise OsvUpdateError(str(e)) from None
    if count == 0:
        raise OsvUpdateError(f"{path}: expected OSV JSON records, found none")
    return count


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def install(downloaded: Path, dest: Path, source: str) -> UpdateResult:
    """Verify ``downloaded`` (a file in ``dest``), then move it over ``dest/all.zip``."""
    records = verify_archive(downloaded)
    digest = hashlib.sha256()
    with open(downloaded, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    size = downloaded.stat().st_size
    os.replace(downloaded, dest / ARCHIVE)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "source": source,
        "downloaded": when,
        "records": records,
        "sha256": digest.hexdigest(),
        "bytes": size,
    }
    _write_atomic(dest / METADATA, (json.dumps(meta, indent=2) + "\n").encode())
    return UpdateResult(dest / ARCHIVE, when, records, digest.hexdigest(), size)


def update_database(
    dest: Path | None = None, *, url: str = OSV_PYPI_URL, timeout: float = 300.0
) -> UpdateResult:
    """Download ``url`` into ``dest`` (default: the folder the collector reads)."""
    if not url.startswith("https://"):
        raise OsvUpdateError(f"expected an https:// URL for the OSV database, got '{url}'")
    dest = dest or default_db_dir()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OsvUpdateError(f"{dest}: cannot create ({e.strerror})") from None
    fd, name = tempfile.mkstemp(prefix=f".{ARCHIVE}.", suffix=".download", dir=dest)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            # https only (checked above), so S310's file:// and custom-scheme risks are out.
            request = urllib.request.Request(url, headers=_HEADERS)  # noqa: S310
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                received = 0
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    received += len(chunk)
                    if received > MAX_DOWNLOAD_BYTES:
                        raise OsvUpdateError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return install(tmp, dest, url)
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise OsvUpdateError(f"{url}: download failed ({e})") from None
    finally:
        tmp.unlink(missing_ok=True)
