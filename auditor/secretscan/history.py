"""Walk a repository's whole history once and say where every secret is.

Cold: one ``log --raw`` maps every blob reachable from any ref to the commits and paths
that introduced it (and gives the commit graph); each distinct blob is read once from
one ``cat-file --batch`` and scanned against the version it replaced (``engine``).
Warm: the walk starts from the current ref tips and stops at those the cache saw, so
only new commits are listed and only blobs the cache does not know are read; files on
disk whose size, mtime and inode did not change are not read either. Reachability is
recomputed from the current refs every time, so a deleted branch stops counting at once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import GitError
from auditor.secretscan import gitwalk, worktree
from auditor.secretscan.cache import CacheData, ScanCache
from auditor.secretscan.detectors import DetectorSet
from auditor.secretscan.engine import Hit, Parent, Scanner
from auditor.secretscan.graph import Graph, Ref

MAX_BLOB_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Occurrence:
    """A hit at one place: brought in by a commit (history), in HEAD, or on disk."""

    kind: str
    """history | head | worktree | untracked"""
    path: str
    commit: str
    """The introducing commit for ``history`` (empty for a ref naming a tree or blob
    directly); empty for the other kinds."""
    hit: Hit


@dataclass
class Outcome:
    occurrences: list[Occurrence] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)
    unscanned: dict[str, str] = field(default_factory=dict)
    """Path -> why its content was not scanned."""
    stats: dict[str, object] = field(default_factory=dict)


def key(sha: str, klass: frozenset[str]) -> str:
    return f"{sha}|{','.join(sorted(klass))}" if klass else sha


class Results:
    """Per-blob results: the cache's, plus what this run scans."""

    def __init__(self, scanner: Scanner, data: CacheData) -> None:
        self.scanner = scanner
        self.data = data
        self.read = 0
        self._by_blob: dict[str, set[Hit]] | None = None

    def cached(self, sha: str, klass: frozenset[str]) -> tuple[Hit, ...] | None:
        blob_key = key(sha, klass)
        if blob_key in self.data.clean:
            return ()
        return self.data.hits.get(blob_key)

    def scan(
        self, sha: str, content: bytes, klass: frozenset[str], parent: Parent | None = None
    ) -> tuple[tuple[Hit, ...], bool]:
        known = self.cached(sha, klass)
        if known is not None:
            return known, False
        self.read += 1
        hits, sticky = self.scanner.scan(content, klass, parent)
        if hits:
            self.data.hits[key(sha, klass)] = hits
            self._by_blob = None
        else:
            self.data.clean.add(key(sha, klass))
        return hits, sticky

    def hits_of(self, sha: str) -> list[Hit]:
        if self._by_blob is None:
            self._by_blob = {}
            for blob_key, hits in self.data.hits.items():
                self._by_blob.setdefault(blob_key.partition("|")[0], set()).update(hits)
        return sorted(self._by_blob.get(sha, ()))


class _Classes:
    """Path-restricted detectors per path, computed once per distinct path."""

    def __init__(self, detectors: DetectorSet) -> None:
        self.detectors = detectors
        self.memo: dict[str, frozenset[str]] = {}

    def of_path(self, path: str) -> frozenset[str]:
        klass = self.memo.get(path)
        if klass is None:
            klass = self.memo[path] = self.detectors.path_rules([path])
        return klass

    def of_paths(self, paths: Iterable[str]) -> frozenset[str]:
        return frozenset().union(*(self.of_path(p) for p in paths))


def scan_repository(
    root: Path,
    detectors: DetectorSet,
    cache: ScanCache,
    excludes: Iterable[str],
    timeout: float,
    max_bytes: int = MAX_BLOB_BYTES,
) -> Outcome:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        # what does not depend on the walk starts at once: git's start-up overlaps ours
        # (each in a copy of our context, so git's CPU time is counted for this collector)
        head_listing = pool.submit(copy_context().run, _head_files, root, timeout)
        on_disk = pool.submit(copy_context().run, _on_disk, root, excludes, timeout)
        names = pool.submit(copy_context().run, gitwalk.ref_names, root, timeout)
        loaded = cache.load()
        out, data, walk = _walk_and_scan(
            root, detectors, loaded, names.result(), timeout, max_bytes
        )
        head_files = head_listing.result() if walk.head else {}
        picked, skipped = on_disk.result()
    results, classes = walk.results, walk.classes
    for path, blob in sorted(head_files.items()):
        for hit in results.hits_of(blob):
            out.occurrences.append(Occurrence("head", path, "", hit))
    width = len(next(iter(head_files.values()), "0" * 40))
    trusted_before = data.written_at - 2_000_000_000
    disk = worktree.scan(
        root, picked, head_files, classes.of_path, results, max_bytes, width, data.files,
        trusted_before,
    )  # fmt: skip
    data.files = disk.stats
    out.occurrences += [Occurrence(kind, path, "", hit) for kind, path, hit in disk.found]
    out.unscanned.update(skipped)
    out.unscanned.update(disk.unread)
    # what this run had to do depends on the cache: kept under "cache", apart from the
    # figures that describe the repository itself, so cold and warm results compare equal
    out.stats = {
        "refs": len(out.refs),
        "commits_known": len(out.graph.commits),
        "files_on_disk": len(picked),
        "cache": {
            "state": walk.cache_state,
            "commits_walked": walk.walked,
            "blobs_in_walk": walk.blobs,
            "blobs_from_cache": walk.blobs - walk.todo,
            "contents_scanned": results.read,
            "bytes_scanned": results.scanner.stats.bytes,
            "changed_bytes_searched": results.scanner.stats.fresh_bytes,
            "matches_rejected_by_structure": results.scanner.stats.rejected,
            "files_read_from_disk": disk.read,
            "write": cache.save(data),
            "seconds": round(time.monotonic() - started, 3),
        },
    }
    return out


@dataclass
class _Walk:
    head: str
    results: Results
    classes: _Classes
    cache_state: str
    walked: int
    blobs: int
    todo: int


def _head_files(root: Path, timeout: float) -> dict[str, str]:
    try:
        return dict(gitwalk.tree_blobs(root, "HEAD", timeout))
    except GitError:
        return {}  # no commit yet: peel() reports no HEAD either


def _on_disk(
    root: Path, excludes: Iterable[str], timeout: float
) -> tuple[dict[str, str], dict[str, str]]:
    return worktree.candidates(root, excludes, gitwalk.worktree_listing(root, timeout))


def _walk_and_scan(
    root: Path,
    detectors: DetectorSet,
    loaded: tuple[CacheData, str],
    names: list[tuple[str, str]],
    timeout: float,
    max_bytes: int,
) -> tuple[Outcome, CacheData, _Walk]:
    """The history part: refs, the (incremental) walk, blob scans, history occurrences."""
    data, cache_state = loaded
    out = Outcome(graph=data.graph)
    out.refs, head, still_there = gitwalk.peel(root, names, data.tips, timeout)
    tips = sorted({r.target for r in out.refs if r.kind == "commit"})
    pairs: dict[str, list[tuple[str, str]]] = {}
    replaced: dict[str, str] = {}
    known = len(out.graph.commits)
    for commit, path, blob, old in gitwalk.introductions(
        root, tips, sorted(still_there), out.graph, timeout
    ):
        pairs.setdefault(blob, []).append((commit, path))
        if old:
            replaced.setdefault(blob, old)
    walked = len(out.graph.commits) - known
    reachable = out.graph.reachable_after_walk(tips, set(data.tips), known)
    for ref in out.refs:  # a ref may name a tree or a blob directly
        if ref.kind == "tree":
            for path, blob in gitwalk.tree_blobs(root, ref.target, timeout):
                pairs.setdefault(blob, []).append(("", f"{ref.name}:{path}"))
        elif ref.kind == "blob":
            pairs.setdefault(ref.target, []).append(("", ref.name))
    results = Results(Scanner(detectors), data)
    classes = _Classes(detectors)
    klass = {b: classes.of_paths(p for _, p in v) for b, v in pairs.items()}
    todo = [b for b in pairs if results.cached(b, klass[b]) is None and b not in data.unscanned]
    _scan_blobs(root, results, todo, klass, replaced, max_bytes, timeout)
    hit_blobs = {k.partition("|")[0] for k in data.hits}
    for blob, intro in pairs.items():
        if blob in hit_blobs or blob in data.unscanned:
            data.intros.setdefault(blob, set()).update(intro)
    data.tips = tips
    _history(results, out, reachable)
    return out, data, _Walk(head, results, classes, cache_state, walked, len(pairs), len(todo))


def _scan_blobs(
    root: Path,
    results: Results,
    todo: list[str],
    klass: dict[str, frozenset[str]],
    replaced: dict[str, str],
    max_bytes: int,
    timeout: float,
) -> None:
    """Read and scan ``todo`` in history order, each against the version it replaced when
    that was read just before; a version stays in memory only while a later one needs it."""
    pending = Counter(replaced[b] for b in todo if b in replaced)
    live: dict[str, Parent] = {}
    unscanned = results.data.unscanned
    for sha, content, size in gitwalk.contents(root, todo, max_bytes, timeout):
        if content is None:
            reason = "missing object" if size < 0 else f"larger than {max_bytes} bytes"
            unscanned[sha] = (max(size, 0), reason)
            continue
        old = replaced.get(sha, "")
        hits, sticky = results.scan(sha, content, klass[sha], live.get(old))
        if old in pending:
            pending[old] -= 1
            if pending[old] <= 0:
                live.pop(old, None)
        if pending.get(sha):
            live[sha] = Parent(content, hits, sticky)


def _history(results: Results, out: Outcome, reachable: set[str]) -> None:
    """Occurrences from every reachable commit that brought in a blob holding a hit, and
    content left unscanned, where it was brought in."""
    data = results.data
    for blob, intro in sorted(data.intros.items()):
        live = sorted((c, p) for c, p in intro if not c or c in reachable)
        if not live:
            continue
        if blob in data.unscanned:
            size, reason = data.unscanned[blob]
            commit, path = live[0]
            by = f", brought in by commit {commit}" if commit else ""
            note = f"{reason} ({size} bytes; blob {blob}{by})"
            out.unscanned[path] = (
                f"{out.unscanned[path]}; {note}" if path in out.unscanned else note
            )
            continue
        for hit in results.hits_of(blob):
            for commit, path in live:
                out.occurrences.append(Occurrence("history", path, commit, hit))


def scan_folder(
    root: Path, detectors: DetectorSet, excludes: Iterable[str], max_bytes: int = MAX_BLOB_BYTES
) -> Outcome:
    """A plain folder: its files only, as they are on disk."""
    out = Outcome()
    results = Results(Scanner(detectors), CacheData())
    picked, skipped = worktree.candidates(root, excludes, None)
    classes = _Classes(detectors)
    disk = worktree.scan(root, picked, {}, classes.of_path, results, max_bytes, 40, {}, 0)
    out.occurrences = [Occurrence(kind, path, "", hit) for kind, path, hit in disk.found]
    out.unscanned = {**skipped, **disk.unread}
    out.stats = {
        "files_on_disk": len(picked),
        "files_read_from_disk": disk.read,
        "bytes_scanned": results.scanner.stats.bytes,
        "matches_rejected_by_structure": results.scanner.stats.rejected,
    }
    return out
