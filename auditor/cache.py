"""Content-addressed caches for per-file analysers (bandit, semgrep).

An entry holds what a tool said about one file's content under one tool version,
rule pack and configuration, so a re-audit analyses only changed files. Entries are
written atomically and verified on read: a corrupt entry is discarded and the file
is analysed again, so a cache can make an audit faster but never change a verdict.
The cache lives outside the audited repository and holds tool output only (bandit's
messages are redacted before they are used; no raw file content is stored).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


VERSION_SLOT = "0" * 64
"""A cache slot (no file hashes to all zeros) remembering a tool's version."""


def executable_identity(exe: str) -> str:
    """Path, size and modification time of a tool's executable: reinstalling a tool
    rewrites it, so a cached answer about the tool (its version) is asked again."""
    path = Path(exe).resolve()
    st = path.stat()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class FileCache:
    """One tool's per-file results under one key (tool identity, rules, settings)."""

    root: Path
    namespace: str
    key: str
    hits: int = 0
    misses: int = 0
    discarded: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.root / self.namespace / self.key[:32]

    def _path(self, content: str) -> Path:
        return self.folder / content[:2] / f"{content}.json"

    def get(self, content: str) -> Any | None:
        path = self._path(content)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            entry = json.loads(raw)
            body = json.dumps(entry["value"], sort_keys=True)
            ok = (
                entry["key"] == self.key
                and entry["content"] == content
                and entry["check"] == digest(self.key, content, body)
            )
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            self.discarded += 1
            self.misses += 1
            path.unlink(missing_ok=True)
            return None
        self.hits += 1
        return entry["value"]

    def stale(self) -> None:
        """The entry just read was intact but no longer holds: count it as a miss."""
        self.hits -= 1
        self.misses += 1

    def put(self, content: str, value: Any) -> None:
        body = json.dumps(value, sort_keys=True)
        entry = {
            "key": self.key,
            "content": content,
            "value": value,
            "check": digest(self.key, content, body),
        }
        path = self._path(content)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, sort_keys=True)
            os.replace(tmp, path)
        except OSError as e:
            self.errors.append(f"cache write failed: {e.strerror}")

    def stats(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "discarded": self.discarded,
            "errors": self.errors[:5],
        }
