"""Incremental scan results, kept outside the audited repository.

What a past scan learnt per blob (its hits, or that it was clean), which commits
introduced the blobs that hold secrets, and which ref tips the walk started from: enough
for the next audit to walk and scan only what is new. Blob ids name content, so a
result never goes stale; a changed detector catalogue changes the key and empties it.

Only redacted values and fingerprints are stored, and the reader enforces that: a hit
whose redacted text is not in ``redact``'s shape is a corrupt cache. The file carries a
sha256 of its body; anything that does not verify is discarded, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.secretscan.engine import Hit
from auditor.secretscan.graph import Graph

FORMAT = 1
MAGIC = b"auditor-secrets-cache"
MAX_BYTES = 512 * 1024 * 1024
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_KEY = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?(?:\|[a-z0-9,-]*)?")
_KEYS = re.compile(r"[0-9a-z|,\n-]*")
"""The alphabet of newline-joined blob keys: a one-pass check that the list is ours."""
_RULE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FP = re.compile(r"[0-9a-f]{20}")
_REDACTED = re.compile(r".{0,4}…\(sha256:[0-9a-f]{8}\)", re.S)


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "auditor" / "secrets"


@dataclass
class CacheData:
    tips: list[str] = field(default_factory=list)
    clean: set[str] = field(default_factory=set)
    """Blob keys (``sha`` or ``sha|path-rules``) scanned and found clean."""
    hits: dict[str, tuple[Hit, ...]] = field(default_factory=dict)
    intros: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """Blob -> (commit, path) that brought it in, for blobs with hits or left unscanned."""
    unscanned: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Blob -> (size, reason) for blobs we did not scan."""
    graph: Graph = field(default_factory=Graph)
    files: dict[str, tuple[int, int, int, str]] = field(default_factory=dict)
    """Working-tree path -> (size, mtime_ns, inode, blob id) when last read."""
    written_at: int = 0
    """time_ns() of the save: a file changed within 2 s of it is read again."""


class CacheCorrupt(ValueError):
    """The cache file did not verify; its content is ignored."""


class ScanCache:
    def __init__(
        self, directory: Path | None, repo: Path, digest: str, *, enabled: bool = True
    ) -> None:
        self.enabled = enabled
        self.directory = directory if directory is not None else default_dir()
        self.repo = str(repo.resolve())
        self.digest = digest
        name = hashlib.sha256(self.repo.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        self.path = self.directory / f"{name}.cache"

    def load(self) -> tuple[CacheData, str]:
        """The cached data (empty when there is none) and what happened, for the record."""
        if not self.enabled:
            return CacheData(), "cold: cache disabled"
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return CacheData(), "cold: no cache yet"
        except OSError as e:
            return CacheData(), f"cold: cache unreadable ({e.strerror})"
        try:
            return self._decode(raw), "warm"
        except CacheCorrupt as e:
            return CacheData(), f"cold: cache discarded ({e})"

    def _decode(self, raw: bytes) -> CacheData:
        if len(raw) > MAX_BYTES:
            raise CacheCorrupt("too large")
        header, _, body = raw.partition(b"\n")
        parts = header.split(b" ")
        if len(parts) != 3 or parts[0] != MAGIC or parts[1] != str(FORMAT).encode():
            raise CacheCorrupt("unknown format")
        if hashlib.sha256(body).hexdigest().encode() != parts[2]:
            raise CacheCorrupt("checksum mismatch")
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise CacheCorrupt("not JSON") from None
        if not isinstance(doc, dict):
            raise CacheCorrupt("not an object")
        if doc.get("repo") != self.repo or doc.get("engine") != self.digest:
            raise CacheCorrupt("made for another repository or detector catalogue")
        try:
            return _parse(doc)
        except (KeyError, TypeError, ValueError) as e:
            raise CacheCorrupt(f"malformed ({type(e).__name__})") from None

    def save(self, data: CacheData) -> str:
        """Write atomically (temp file + rename); a failure leaves the old file intact and
        is reported, never raised: the cache only ever saves time."""
        if not self.enabled:
            return "disabled"
        doc = {
            "repo": self.repo,
            "engine": self.digest,
            "tips": sorted(data.tips),
            "clean": "\n".join(data.clean),
            "hits": {k: [_hit_row(h) for h in v] for k, v in sorted(data.hits.items())},
            "intros": {k: sorted(map(list, v)) for k, v in sorted(data.intros.items())},
            "unscanned": {k: list(v) for k, v in sorted(data.unscanned.items())},
            "graph": data.graph.encode({c for v in data.intros.values() for c, _ in v if c}),
            "files": {k: list(v) for k, v in sorted(data.files.items())},
            "written_at": time.time_ns(),
        }
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode()
        header = b"%s %d %s\n" % (MAGIC, FORMAT, hashlib.sha256(body).hexdigest().encode())
        tmp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".cache")
            with os.fdopen(fd, "wb") as fh:
                fh.write(header + body)
            os.replace(tmp, self.path)
            tmp = None
            return f"saved to {self.path}"
        except OSError as e:
            return f"not saved ({e.strerror})"
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _hit_row(h: Hit) -> list[object]:
    return [h.line, h.rule_id, h.detector, h.fingerprint, h.redacted]


def _check(pattern: re.Pattern[str], value: object) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError("unexpected value")
    return value


def _hit(row: Any) -> Hit:
    line, rule_id, detector, fp, redacted = row
    if not isinstance(line, int) or isinstance(line, bool) or line < 0:
        raise ValueError("bad line")
    return Hit(
        line, _check(_RULE, rule_id), _check(_RULE, detector), _check(_FP, fp),
        _check(_REDACTED, redacted),
    )  # fmt: skip


def _parse(doc: dict[str, Any]) -> CacheData:
    data = CacheData()
    data.tips = [_check(_OID, t) for t in doc["tips"]]
    clean = doc["clean"]
    if not isinstance(clean, str) or (clean and not _KEYS.fullmatch(clean)):
        raise ValueError("bad clean list")
    data.clean = set(clean.split("\n")) if clean else set()
    for key, rows in doc["hits"].items():
        data.hits[_check(_KEY, key)] = tuple(_hit(r) for r in rows)
    for blob, pairs in doc["intros"].items():
        intro: set[tuple[str, str]] = set()
        for commit, path in pairs:
            if commit:
                _check(_OID, commit)
            if not isinstance(commit, str) or not isinstance(path, str):
                raise TypeError("bad introduction")
            intro.add((commit, path))
        data.intros[_check(_OID, blob)] = intro
    for blob, (size, reason) in doc["unscanned"].items():
        if not isinstance(size, int) or not isinstance(reason, str):
            raise TypeError("bad unscanned entry")
        data.unscanned[_check(_OID, blob)] = (size, reason)
    data.graph = Graph.decode(doc["graph"])
    for path, (size, mtime, inode, blob) in doc["files"].items():
        if not all(isinstance(n, int) for n in (size, mtime, inode)) or not isinstance(path, str):
            raise TypeError("bad file entry")
        data.files[path] = (size, mtime, inode, _check(_OID, blob))
    if not isinstance(doc["written_at"], int):
        raise TypeError("bad timestamp")
    data.written_at = doc["written_at"]
    return data
