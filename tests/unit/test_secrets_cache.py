"""The incremental cache, the commit graph, the allowlist and raw-diff parsing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from auditor.secretscan import allowlist, gitwalk
from auditor.secretscan.cache import CacheData, ScanCache
from auditor.secretscan.engine import Hit
from auditor.secretscan.graph import Graph, Ref

SHA = "a" * 40
HIT = Hit(
    3, "aws-access-key-id", "aws-access-key-id", "0123456789abcdef0123", "AKIA…(sha256:1a5d44a2)"
)


def _data() -> CacheData:
    data = CacheData(tips=[SHA], clean={"b" * 40, "c" * 40 + "|dotenv-secret"})
    data.hits["d" * 40] = (HIT,)
    data.intros["d" * 40] = {(SHA, "config.py")}
    data.unscanned["e" * 40] = (99_000_000, "larger than 8388608 bytes")
    data.graph.add(SHA, "2026-01-01T00:00:00+00:00", ())
    data.files["config.py"] = (10, 123, 456, "d" * 40)
    return data


def test_cache_round_trip(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "c", tmp_path / "repo", "digest")
    assert cache.load()[1] == "cold: no cache yet"
    assert cache.save(_data()).startswith("saved to ")
    data, state = cache.load()
    assert state == "warm"
    assert data.tips == [SHA] and data.hits["d" * 40] == (HIT,)
    assert data.clean == {"b" * 40, "c" * 40 + "|dotenv-secret"}
    assert data.graph.commits == [SHA] and data.files["config.py"][3] == "d" * 40
    assert oct(os.stat(tmp_path / "c").st_mode & 0o777) == "0o700"
    assert not [p for p in (tmp_path / "c").iterdir() if p.name.startswith(".tmp-")]


def _rewrite(path: Path, edit: object) -> None:
    """Change the body and recompute a valid checksum: what only deliberate tampering
    (or a bug) can produce; the reader must still refuse what is not ours."""
    header, _, body = path.read_bytes().partition(b"\n")
    doc = json.loads(body)
    edit(doc)  # type: ignore[operator]
    new = json.dumps(doc).encode()
    magic, fmt, _ = header.split(b" ")
    path.write_bytes(b"%s %s %s\n" % (magic, fmt, hashlib.sha256(new).hexdigest().encode()) + new)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["hits"]["d" * 40][0].__setitem__(4, "AKIAREALLOOKINGSECRETVALUE1"),
        lambda d: d["hits"]["d" * 40][0].__setitem__(0, "3"),
        lambda d: d.__setitem__("clean", "not hex at all!"),
        lambda d: d["graph"]["parents"].__setitem__(0, [7]),
        lambda d: d.__setitem__("engine", "another catalogue"),
        lambda d: d.pop("tips"),
    ],
)
def test_a_cache_that_is_not_ours_is_discarded(tmp_path: Path, edit: object) -> None:
    cache = ScanCache(tmp_path, tmp_path / "repo", "digest")
    cache.save(_data())
    _rewrite(cache.path, edit)
    data, state = cache.load()
    assert state.startswith("cold: cache discarded")
    assert data.hits == {} and data.tips == []


def test_a_corrupt_cache_is_discarded(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path, tmp_path / "repo", "digest")
    cache.save(_data())
    raw = bytearray(cache.path.read_bytes())
    raw[-5] ^= 0x20
    cache.path.write_bytes(bytes(raw))
    assert cache.load()[1] == "cold: cache discarded (checksum mismatch)"
    cache.path.write_bytes(b"garbage")
    assert cache.load()[1] == "cold: cache discarded (unknown format)"


def test_a_cache_that_cannot_be_written_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert ScanCache(blocker / "sub", tmp_path, "d").save(_data()).startswith("not saved")
    assert ScanCache(None, tmp_path, "d", enabled=False).load()[1] == "cold: cache disabled"


def test_the_cache_defaults_under_xdg_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ScanCache(None, tmp_path / "r", "d").path.parent == tmp_path / "auditor" / "secrets"


def test_graph_reachability_and_refs() -> None:
    g = Graph()
    for commit, parents in (("a", ()), ("b", ("a",)), ("c", ("a",)), ("d", ("b", "c"))):
        g.add(commit * 40, "2026", tuple(p * 40 for p in parents))
    refs = [Ref("refs/heads/main", "d" * 40, "commit"), Ref("refs/tags/t", "c" * 40, "commit")]
    contain = g.refs_containing(["a" * 40, "b" * 40, "c" * 40], refs)
    assert contain["a" * 40] == ["refs/heads/main", "refs/tags/t"]
    assert contain["b" * 40] == ["refs/heads/main"]
    assert g.reachable(["c" * 40]) == {g.index["a" * 40], g.index["c" * 40]}
    again = Graph.decode(json.loads(json.dumps(g.encode({"b" * 40}))))
    assert again.commits == g.commits and again.parents == g.parents
    assert again.dates == {"b" * 40: "2026"}
    g.keep(g.reachable(["c" * 40]))
    assert g.commits == ["a" * 40, "c" * 40] and g.parents == [[], [0]]


def test_raw_diff_entries() -> None:
    new, old = "1" * 40, "2" * 40
    assert gitwalk._new_blob(f":100644 100644 {old} {new} M".encode()) == (new, old)
    assert gitwalk._new_blob(f":000000 100644 {'0' * 40} {new} A".encode()) == (new, "")
    assert gitwalk._new_blob(f":100644 000000 {old} {'0' * 40} D".encode()) is None
    assert gitwalk._new_blob(f":160000 160000 {old} {new} M".encode()) is None
    merge = f"::100644 100644 100644 {old} {'3' * 40} {new} MM".encode()
    assert gitwalk._new_blob(merge) == (new, old)


def test_allowlist_entries_and_problems(tmp_path: Path) -> None:
    (tmp_path / ".auditor").mkdir()
    (tmp_path / ".auditor" / "secrets-allowlist.yaml").write_text(
        "entries:\n"
        "  - fingerprint: 0123456789abcdef0123\n"
        "    reason: rotated on 2026-01-02\n"
        "    who: alice\n"
        "    date: 2026-01-02\n"
        "  - fingerprint: nothex\n    reason: r\n    who: w\n    date: 2026-01-02\n"
        "  - fingerprint: 0123456789abcdef0123\n    reason: r\n    who: w\n    date: 2026-01-02\n"
        "  - fingerprint: 1123456789abcdef0123\n    reason: r\n    who: w\n"
    )
    entries, problems = allowlist.load(tmp_path)
    assert list(entries) == ["0123456789abcdef0123"]
    assert (
        entries["0123456789abcdef0123"].label()
        == "allowlist: rotated on 2026-01-02 (alice, 2026-01-02)"
    )
    assert len(problems) == 3
    assert problems[0].startswith(".auditor/secrets-allowlist.yaml:6:")
    assert "20-hex-digit" in problems[0] and "once" in problems[1] and "date" in problems[2]


def test_an_allowlist_behind_a_symlink_is_not_read(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.yaml"
    real.write_text("entries: []\n")
    (tmp_path / "repo" / ".auditor").mkdir(parents=True)
    (tmp_path / "repo" / ".auditor" / "secrets-allowlist.yaml").symlink_to(real)
    entries, problems = allowlist.load(tmp_path / "repo")
    assert entries == {} and "symbolic link" in problems[0]
    assert allowlist.load(tmp_path / "nothing") == ({}, [])
