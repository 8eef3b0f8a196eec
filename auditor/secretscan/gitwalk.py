"""What git can tell us about a history, through a handful of streaming processes.

Never one process per commit: refs come from ``for-each-ref`` (plus the stash reflog),
peeled by one ``cat-file --batch-check``; which blob each commit introduced at which
path, and the commit graph, from one ``log --raw``; contents from one ``cat-file
--batch``. Every call goes through ``auditor.git`` hardening (``stream``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from auditor.git import stream
from auditor.secretscan.graph import Graph, Ref


def _lines(repo: Path, timeout: float, *args: str, stdin: bytes | None = None) -> list[bytes]:
    with stream(repo, *args, stdin=None if stdin is None else [stdin], timeout=timeout) as out:
        return out.read().split(b"\n")


def _tokens(out: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """NUL-separated tokens of a stream, without holding the whole output."""
    tail = b""
    while chunk := out.read(size):
        parts = (tail + chunk).split(b"\0")
        tail = parts.pop()
        yield from parts
    if tail:
        yield tail


def ref_names(repo: Path, timeout: float) -> list[tuple[str, str]]:
    """(name, object) of every ref: branches, tags, remotes, notes, the stash and each
    entry of its reflog."""
    named: list[tuple[str, str]] = []
    for line in _lines(repo, timeout, "for-each-ref", "--format=%(objectname) %(refname)"):
        sha, _, name = line.decode("utf-8", "surrogateescape").partition(" ")
        if sha and name:
            named.append((name, sha))
    if any(name == "refs/stash" for name, _ in named):
        log = _lines(repo, timeout, "log", "-g", "--no-abbrev", "--format=%H", "refs/stash", "--")
        for n, sha in enumerate(x.decode("ascii", "replace") for x in log if x):
            if n:
                named.append((f"refs/stash@{{{n}}}", sha))
    return named


def peel(
    repo: Path, named: list[tuple[str, str]], previous_tips: Iterable[str], timeout: float
) -> tuple[list[Ref], str, set[str]]:
    """The refs with tags peeled (plus HEAD when detached), HEAD's commit (empty when
    there is none), and which of ``previous_tips`` still exist: one ``cat-file``."""
    old = list(dict.fromkeys(previous_tips))
    request = "".join(f"{sha}^{{}}\n" for _, sha in named) + "HEAD\n"
    request += "".join(f"{t}\n" for t in old)
    check = "--batch-check=%(objectname) %(objecttype)"
    answers = [
        a.decode("ascii", "replace").partition(" ")
        for a in _lines(repo, timeout, "cat-file", check, stdin=request.encode())
    ]
    refs = [
        Ref(name, sha, kind)
        for (name, _), (sha, _, kind) in zip(named, answers, strict=False)
        if kind and kind != "missing"
    ]
    head_sha, _, head_kind = answers[len(named)] if len(answers) > len(named) else ("", "", "")
    head = head_sha if head_kind == "commit" else ""
    later = answers[len(named) + 1 :]
    existing = {t for t, (_, _, kind) in zip(old, later, strict=False) if kind == "commit"}
    if head and head not in {r.target for r in refs if r.name.startswith("refs/heads/")}:
        refs.append(Ref("HEAD", head, "commit"))  # detached
    refs.sort(key=lambda r: r.name)
    return refs, head, existing


def introductions(
    repo: Path, tips: list[str], exclude: Iterable[str], graph: Graph, timeout: float
) -> Iterator[tuple[str, str, str, str]]:
    """(commit, path, blob, replaced blob or "") for every blob that a commit reachable
    from ``tips`` but not from ``exclude`` brought in, oldest commit first; adds those
    commits to ``graph``. A merge counts the blobs that differ from every parent."""
    if not tips:
        return
    revs = "".join(f"{t}\n" for t in tips) + "".join(f"^{t}\n" for t in exclude)
    args = (
        "log",
        "--stdin",
        "--date-order",
        "--reverse",
        "--no-renames",
        "--raw",
        "-c",
        "--root",
        "--no-abbrev",
        "-z",
        "--format=%x01%H%x02%aI%x02%P",
        "--no-textconv",
        "--no-ext-diff",
    )
    with stream(repo, *args, stdin=[revs.encode()], timeout=timeout) as out:
        commit = ""
        expect_path = False
        entry: tuple[str, str] | None = None
        for token in _tokens(out):
            if expect_path:  # whatever its bytes, the token after an entry is its path
                expect_path = False
                if entry is not None:
                    yield commit, token.decode("utf-8", "surrogateescape"), *entry
                continue
            token = token.lstrip(b"\n")
            if token.startswith(b"\x01"):
                commit, _, rest = token[1:].decode("ascii", "replace").partition("\x02")
                date, _, parents = rest.partition("\x02")
                graph.add(commit, date.strip() or "?", tuple(parents.split()))
            elif token.startswith(b":"):
                entry = _new_blob(token)
                expect_path = True


def _new_blob(meta: bytes) -> tuple[str, str] | None:
    """The resulting blob of a raw diff entry (``:modes.. shas.. status``) and the one it
    replaced in the first parent that had the path; None for a deletion, a submodule or
    anything that is not a file."""
    parents = len(meta) - len(meta.lstrip(b":"))
    fields = meta[parents:].decode("ascii", "replace").split(" ")
    if len(fields) < 2 * (parents + 1):
        return None
    mode, sha = fields[parents], fields[2 * parents + 1]
    if not sha.strip("0") or not mode.startswith(("100", "120")):
        return None
    olds = [o for o in fields[parents + 1 : 2 * parents + 1] if o.strip("0")]
    return sha, olds[0] if olds else ""


def tree_blobs(repo: Path, tree: str, timeout: float) -> list[tuple[str, str]]:
    """(path, blob) of every file in a tree (HEAD's, or one a ref points at directly)."""
    out: list[tuple[str, str]] = []
    with stream(repo, "ls-tree", "-r", "-z", "--full-tree", tree, "--", timeout=timeout) as pipe:
        for token in _tokens(pipe):
            meta, _, path = token.partition(b"\t")
            fields = meta.decode("ascii", "replace").split()
            if len(fields) == 3 and fields[1] == "blob" and path:
                out.append((path.decode("utf-8", "surrogateescape"), fields[2]))
    return out


def worktree_listing(repo: Path, timeout: float) -> dict[str, bool]:
    """Path -> tracked? for files in the index and untracked files that are not ignored."""
    args = ("ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard")
    out: dict[str, bool] = {}
    with stream(repo, *args, timeout=timeout) as pipe:
        for token in _tokens(pipe):
            tag, _, path = token.partition(b" ")
            if path:
                name = path.decode("utf-8", "surrogateescape")
                out[name] = out.get(name, False) or tag != b"?"
    return out


def contents(
    repo: Path, blobs: list[str], max_bytes: int, timeout: float
) -> Iterator[tuple[str, bytes | None, int]]:
    """(blob, content or None when larger than ``max_bytes`` or missing, size), in the
    order asked, from one ``cat-file --batch``."""
    if not blobs:
        return
    requests = ["".join(f"{sha}\n" for sha in blobs).encode()]
    with stream(repo, "cat-file", "--batch", "--buffer", stdin=requests, timeout=timeout) as out:
        while header := out.readline():
            fields = header.decode("ascii", "replace").split()
            if len(fields) != 3:
                yield fields[0] if fields else "", None, -1
                continue
            size = int(fields[2])
            if size > max_bytes:
                left = size + 1
                while left > 0 and (chunk := out.read(min(left, 1 << 20))):
                    left -= len(chunk)
                yield fields[0], None, size
                continue
            data = out.read(size)
            out.read(1)
            yield fields[0], data, size
