"""The commit graph, as the history walk saw it: enough to say which commits are still
reachable, which of several introducing commits is the oldest, and which refs reach a
commit, without another git process.

Built from the ``%P`` of the same ``log`` that lists blobs, kept in the cache, and
extended by the next (incremental) walk, so a warm audit learns the graph of its new
commits only. Commits are numbered in walk order (parents before children) and parents
are kept as numbers: the cache stores three flat arrays that JSON decodes in C.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_HEX = re.compile(r"[0-9a-f]*")


@dataclass(frozen=True)
class Ref:
    name: str
    target: str
    """The object the ref points to after peeling tags."""
    kind: str


@dataclass
class Graph:
    commits: list[str] = field(default_factory=list)
    """In walk order: a parent always comes before its children."""
    index: dict[str, int] = field(default_factory=dict)
    parents: list[list[int]] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)
    """Author dates, ISO 8601; the cache keeps those of introducing commits only."""

    def add(self, commit: str, date: str, parents: Iterable[str]) -> None:
        if commit not in self.index:
            self.index[commit] = len(self.commits)
            self.commits.append(commit)
            self.parents.append([self.index[p] for p in parents if p in self.index])
            self.dates[commit] = date

    def date(self, commit: str) -> str | None:
        return self.dates.get(commit)

    def reachable(self, tips: Iterable[str]) -> set[int]:
        seen: set[int] = set()
        stack = [self.index[t] for t in tips if t in self.index]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(self.parents[n])
        return seen

    def reachable_after_walk(self, tips: list[str], old_tips: set[str], known: int) -> set[str]:
        """Commits reachable from ``tips``, after a walk added those numbered ``known``
        and up. The cached part holds exactly what was reachable from ``old_tips``: when
        every old tip is still a tip, or a parent reached from a new commit, nothing was
        lost and the whole graph is reachable without a full walk. Otherwise walk it
        all and forget what fell out of reach, so that stays true for the next run."""
        if known == 0:
            return set(self.commits)  # a cold walk lists exactly the reachable commits
        reached_old: set[int] = set()
        stack = [self.index[t] for t in tips if self.index.get(t, -1) >= known]
        seen: set[int] = set()
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                for p in self.parents[n]:
                    if p >= known:
                        stack.append(p)
                    else:
                        reached_old.add(p)
        old = {self.index.get(t, -1) for t in old_tips}
        if old <= {self.index.get(t, -1) for t in tips} | reached_old:
            return set(self.commits)
        alive = self.reachable(tips)
        self.keep(alive)
        return set(self.commits)

    def keep(self, alive: set[int]) -> None:
        """Forget every commit not in ``alive`` (renumbered, order kept)."""
        old = [n for n in range(len(self.commits)) if n in alive]
        new_number = {o: i for i, o in enumerate(old)}
        self.parents = [[new_number[p] for p in self.parents[o] if p in new_number] for o in old]
        self.commits = [self.commits[o] for o in old]
        self.index = {c: i for i, c in enumerate(self.commits)}

    def refs_containing(self, commits: Iterable[str], refs: list[Ref]) -> dict[str, list[str]]:
        """For each commit, the refs from which it is reachable: one bit per ref, pushed
        from children to parents in one pass over the walk order, newest first."""
        masks = [0] * len(self.commits)
        for bit, ref in enumerate(refs):
            n = self.index.get(ref.target)
            if n is not None:
                masks[n] |= 1 << bit
        parents = self.parents
        for n in range(len(masks) - 1, -1, -1):
            mask = masks[n]
            if mask:
                for p in parents[n]:
                    masks[p] |= mask
        out: dict[str, list[str]] = {}
        for commit in set(commits):
            n = self.index.get(commit)
            mask = masks[n] if n is not None else 0
            out[commit] = sorted(r.name for bit, r in enumerate(refs) if mask >> bit & 1)
        return out

    def encode(self, dates_of: set[str]) -> dict[str, Any]:
        """Dates are kept for ``dates_of`` only (the commits that brought in a secret):
        nothing else ever shows one, and they are a fifth of the file."""
        dates = {c: d for c, d in self.dates.items() if c in dates_of}
        return {"commits": self.commits, "dates": dates, "parents": self.parents}

    @classmethod
    def decode(cls, doc: Any) -> Graph:
        """Checked in a few C-level passes: ids are hex of a git length, dates are
        strings, parents are numbers of earlier commits."""
        commits, dates, parents = doc["commits"], doc["dates"], doc["parents"]
        if not isinstance(commits, list) or not isinstance(parents, list):
            raise TypeError("graph arrays expected")
        if not isinstance(dates, dict) or not all(isinstance(d, str) for d in dates.values()):
            raise TypeError("bad dates")
        n = len(commits)
        if len(parents) != n:
            raise ValueError("graph arrays differ in length")
        if n:
            if not set(map(len, commits)) <= {40, 64} or not _HEX.fullmatch("".join(commits)):
                raise ValueError("bad commit id")
            flat = [p for row in parents for p in row]
            if not all(type(p) is int for p in flat):
                raise TypeError("bad parent")
            if flat and not (0 <= min(flat) and max(flat) < n):
                raise ValueError("parent out of range")
        graph = cls(commits, {c: i for i, c in enumerate(commits)}, parents, dates)
        if len(graph.index) != n:
            raise ValueError("duplicate commit")
        return graph
