"""Speed of the secrets collector on a real repository, against ``git log -p --all`` as floor.

    python benchmarks/secrets.py --make-synthetic DIR   # build a 10,500-commit repository
    python benchmarks/secrets.py DIR [--runs N] [--json]  # cold scan, warm re-scan, floor
    python benchmarks/secrets.py DIR --prefilter-study  # keyword prefilter strategies

Each scan runs ``collect()`` in a fresh interpreter on a throw-away copy of DIR (the cache
is keyed by path, and the warm scan needs a new commit that must not land in DIR): the
cold one with an empty cache, the warm one after one new commit with the cache the cold
one left. Printed per scan: wall time of ``collect()``, objects and bytes scanned, MB/s,
peak RSS of the interpreter and of its largest git child, and CPU time of both. The
prefilter study also times pyahocorasick, google-re2 and hyperscan when importable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.collectors.base import AuditContext  # noqa: E402
from auditor.collectors.secrets import SecretsCollector  # noqa: E402
from auditor.files import DEFAULT_EXCLUDES  # noqa: E402
from auditor.secretscan import detectors, engine, gitwalk, history  # noqa: E402
from auditor.secretscan import keywords as keywords_mod  # noqa: E402
from auditor.secretscan.cache import ScanCache  # noqa: E402
from tests.helpers import git  # noqa: E402

WORDS = (
    "user account order invoice payment session request response cache queue item price "
    "customer product report record entry token password secret config setting value key "
    "handler client server message event stream buffer page view form field model query "
    "filter result error status count limit offset index batch job task worker retry"
).split()
VERBS = "get set load save build parse render check update delete create fetch send".split()
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _ident(rng: random.Random) -> str:
    return "_".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3))))


def _function(rng: random.Random) -> list[str]:
    name, arg, var = f"{rng.choice(VERBS)}_{_ident(rng)}", _ident(rng), _ident(rng)
    body = [
        f"def {name}(self, {arg}, limit={rng.randint(1, 500)}):",
        f'    """{rng.choice(VERBS).capitalize()} the {" ".join(rng.sample(WORDS, 4))}."""',
        f"    {var} = self.{_ident(rng)}.get({arg}, {rng.randint(0, 99)})",
    ]
    for _ in range(rng.randint(1, 8)):
        body.append(
            rng.choice(
                (
                    f"    if {var} is None:\n        return limit",
                    f"    {var} = {var} + {rng.randint(1, 9)}  # {' '.join(rng.sample(WORDS, 3))}",
                    f'    log.debug("{rng.choice(VERBS)} %s", {var})',
                    f'    token = request.headers.get("{_ident(rng)}")',
                    f"    password_hash = hash_password({arg})",
                    f"    for item in self.{_ident(rng)}:\n"
                    f"        {var}.append(item.{_ident(rng)})",
                )
            )
        )
    return [*body, f"    return {var}", ""]


def _doc(rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(6, 16))).capitalize() + "." for _ in range(4)]


def _new_file(rng: random.Random, path: str) -> list[str]:
    lines: list[str] = []
    target = int(min(rng.lognormvariate(8.3, 0.8), 60_000))
    while sum(len(x) + 1 for x in lines) < target:
        lines += [*_doc(rng), ""] if path.endswith(".md") else _function(rng)
    return lines


def _planted(rng: random.Random) -> str:
    body = "".join(rng.choices(B62, k=30))
    crc, digits = zlib.crc32(body.encode()), ""
    while crc:
        crc, r = divmod(crc, 62)
        digits = B62[r] + digits
    key = "".join(rng.choices(string.ascii_uppercase + "234567", k=16))
    return f'GITHUB_TOKEN = "ghp_{body}{digits.rjust(6, "0")}"\nAWS_KEY_ID = "AKIA{key}"\n'


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def make_synthetic(dest: Path, commits: int = 10_500, seed: int = 7) -> None:
    """A deterministic repository: Python modules and docs edited a few lines per commit,
    a few side branches, merges, tags, and planted (fake) tokens added then deleted."""
    rng = random.Random(seed)
    git(dest.parent, "init", "-q", "-b", "main", str(dest))
    files: dict[str, list[str]] = {}
    for n in range(320):
        path = f"pkg{n % 12}/{_ident(rng)}_{n}.py" if n % 5 else f"docs/{_ident(rng)}_{n}.md"
        files[path] = _new_file(rng, path)
    names = sorted(files)
    proc = subprocess.Popen(
        ["git", "-C", str(dest), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    out = proc.stdin
    when = 1_600_000_000
    for mark in range(1, commits + 1):
        when += rng.randint(60, 7200)
        branch = "main" if mark % 97 else f"feature-{mark // 97}"
        out.write(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        who = f"Dev {mark % 7} <dev{mark % 7}@example.invalid> {when} +0000\n"
        out.write(f"author {who}committer {who}".encode() + _data(f"change {mark}"))
        if branch != "main":
            out.write(f"from :{mark - 1}\n".encode())
        elif mark > 1 and (mark - 1) % 97 == 0:
            out.write(f"from :{mark - 2}\nmerge :{mark - 1}\n".encode())
        touched = names if mark == 1 else rng.sample(names[:80] * 3 + names, rng.randint(1, 3))
        for path in dict.fromkeys(touched):
            lines = files[path]
            if mark > 1:
                at = rng.randrange(len(lines))
                fresh = _doc(rng) if path.endswith(".md") else _function(rng)
                lines[at : at + rng.randint(0, 6)] = fresh[: rng.randint(2, len(fresh))]
                if len(lines) > 1200:
                    del lines[: rng.randint(50, 200)]
            out.write(f"M 100644 inline {path}\n".encode() + _data("\n".join(lines) + "\n"))
        if mark % 1000 == 500:
            out.write(b"M 100644 inline settings_local.py\n" + _data(_planted(rng)))
        elif mark % 1000 == 510:
            out.write(b"D settings_local.py\n")
        if mark % 2000 == 0:
            out.write(f"reset refs/tags/v{mark // 2000}.0\nfrom :{mark}\n".encode())
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    git(dest, "repack", "-a", "-d", "-q", "--window=10", "--depth=50")
    git(dest, "reset", "-q", "--hard", "main")


def _measure(repo: Path, cache: Path) -> None:
    """One collect() in this fresh interpreter; prints wall time, details, peak RSS."""
    collector = SecretsCollector(cache)
    ctx = AuditContext(repo, True, DEFAULT_EXCLUDES, 3600.0)
    start = time.perf_counter()
    result = collector.collect(ctx)
    wall = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss, child = me.ru_maxrss * 1024, kids.ru_maxrss * 1024
    cpu = {"python": me.ru_utime + me.ru_stime, "git": kids.ru_utime + kids.ru_stime}
    findings = len(result.findings)
    print(json.dumps({"wall": wall, "rss": rss, "git_rss": child, "findings": findings,
                      "cpu": cpu, "details": result.details}))  # fmt: skip


def _run(repo: Path, cache: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--measure", str(repo), str(cache)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def _floor(repo: Path) -> float:
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(["git", "-C", str(repo), "log", "-p", "--all"], stdout=sink, check=True)
    return time.perf_counter() - start


def _commit_one(repo: Path, n: int) -> None:
    target = sorted(p for p in repo.rglob("*.py") if ".git" not in p.parts)[0]
    with open(target, "a") as fh:
        fh.write(f"\nBENCHMARK_COUNTER = {n}\n")
    git(repo, "commit", "-q", "-a", "-m", f"benchmark change {n}")


def benchmark(source: Path, runs: int) -> dict[str, Any]:
    """Cold and warm scans of a copy of ``source`` (the cache is keyed by path, and the
    warm scan needs a new commit that must not land in ``source``), with the floor
    measured between them so machine load hits both alike; best of ``runs``."""
    with tempfile.TemporaryDirectory(prefix="secrets-bench-") as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(source, repo, symlinks=True)
        cold, warm, floor = [], [], []
        for n in range(runs):
            cache = Path(tmp) / f"cache{n}"
            floor.append(_floor(repo))
            cold.append(_run(repo, cache))
            _commit_one(repo, n)
            warm.append(_run(repo, cache))
    best_cold = min(cold, key=lambda r: r["wall"])
    best_warm = min(warm, key=lambda r: r["wall"])
    return {"floor": min(floor), "floors": floor, "cold": best_cold, "warm": best_warm,
            "colds": [r["wall"] for r in cold], "warms": [r["wall"] for r in warm]}  # fmt: skip


def report(doc: dict[str, Any]) -> str:
    cold, warm, floor = doc["cold"], doc["warm"], doc["floor"]
    lines = [f"floor  git log -p --all > /dev/null: {floor:.2f} s (runs: "
             + ", ".join(f"{x:.2f}" for x in doc["floors"]) + ")"]  # fmt: skip
    for name, r in (("cold", cold), ("warm", warm)):
        d = r["details"]["cache"]
        mb = d["bytes_scanned"] / 1e6
        lines.append(
            f"{name:5s}  {r['wall']:.3f} s  objects {d['contents_scanned']}/{d['blobs_in_walk']} "
            f"blobs, {d['files_read_from_disk']} files read; {mb:.1f} MB scanned "
            f"({d['changed_bytes_searched'] / 1e6:.1f} MB searched) = {mb / r['wall']:.1f} MB/s; "
            f"peak RSS {r['rss'] / 2**20:.0f} MiB (git {r['git_rss'] / 2**20:.0f} MiB); "
            f"CPU python {r['cpu']['python']:.2f} s, git {r['cpu']['git']:.2f} s; "
            f"{r['findings']} findings"
        )
    lines.append(
        f"cold / floor = {cold['wall'] / floor:.2f} (target <= 1.3); "
        f"warm / cold = {100 * warm['wall'] / cold['wall']:.1f}% (target < 5%)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--make-synthetic", type=Path, metavar="DIR")
    parser.add_argument("--commits", type=int, default=10_500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefilter-study", action="store_true")
    args = parser.parse_args(argv)
    if args.measure:
        _measure(*args.measure)
        return 0
    if args.make_synthetic:
        make_synthetic(args.make_synthetic.resolve(), args.commits)
        print(f"built {args.make_synthetic} ({args.commits} commits)")
        return 0
    if args.repo is None:
        parser.error("give a repository, or --make-synthetic DIR")
    if args.prefilter_study:
        print(prefilter_study(args.repo))
        return 0
    doc = benchmark(args.repo.resolve(), args.runs)
    print(json.dumps(doc, indent=2) if args.json else report(doc))
    return 0


def _regions(repo: Path) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The lowered changed regions a cold scan searches, a sample of whole blobs, and the
    keywords: the inputs of the keyword prefilter."""
    found = detectors.load(ROOT / "checks" / "secrets" / "detectors.yaml")
    plan = keywords_mod.make_plan(found, frozenset())
    regions: list[bytes] = []
    namespace = vars(engine)
    original = namespace["keyword_lines"]

    def capture(p: Any, low: bytes) -> Any:
        regions.append(low)
        return original(p, low)

    namespace["keyword_lines"] = capture
    try:
        cache = ScanCache(None, repo, "study", enabled=False)
        history.scan_repository(repo, found, cache, (), 3600.0)
    finally:
        namespace["keyword_lines"] = original
    blobs = git(repo, "rev-list", "--objects", "--all").split("\n")[::40]
    sample = [d.lower() for _, d, _ in gitwalk.contents(repo, [b.split()[0] for b in blobs],
                                                          1 << 23, 600) if d]  # fmt: skip
    keywords = sorted({k for d in plan.line for k in d.keywords} | plan.blob_keywords)
    return regions, sample, keywords


def prefilter_study(repo: Path) -> str:
    """Keyword prefilter strategies on this repository's content (docs/secrets.md)."""
    regions, sample, keywords = _regions(repo)
    flat = re.compile(b"|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True)))
    trie = re.compile(keywords_mod.trie_pattern(set(keywords)))
    found = detectors.load(ROOT / "checks" / "secrets" / "detectors.yaml")
    line_rules = keywords_mod.make_plan(found, frozenset()).line
    strategies: dict[str, Any] = {
        "flat alternation (re)": lambda t: sum(1 for _ in flat.finditer(t)),
        "trie-shaped regex (re, used)": lambda t: sum(1 for _ in trie.finditer(t)),
        "bytes.find per keyword": lambda t: sum(t.find(k) >= 0 for k in keywords),
    }
    with contextlib.suppress(ImportError):
        import ahocorasick  # type: ignore[import-not-found]

        auto = ahocorasick.Automaton()
        for n, k in enumerate(keywords):
            auto.add_word(k.decode("latin-1"), n)
        auto.make_automaton()
        strategies["pyahocorasick"] = lambda t: sum(1 for _ in auto.iter(t.decode("latin-1")))
    with contextlib.suppress(ImportError):
        import re2  # type: ignore[import-not-found]

        flat2 = re2.compile(flat.pattern)
        strategies["google-re2 alternation"] = lambda t: sum(1 for _ in flat2.finditer(t))
    with contextlib.suppress(ImportError):
        import hyperscan  # type: ignore[import-not-found]

        db = hyperscan.Database()
        db.compile(expressions=[re.escape(k) for k in keywords], ids=list(range(len(keywords))),
                   elements=len(keywords), flags=[0] * len(keywords))  # fmt: skip
        strategies["hyperscan"] = lambda t: db.scan(t, match_event_handler=lambda *a: None)
    strategies["plain re, no prefilter (every detector)"] = lambda t: sum(
        1 for d in line_rules for _ in d.regex.finditer(t)
    )
    out = []
    for label, corpus in (("changed regions", regions), ("whole blobs (1/40 sample)", sample)):
        size = sum(map(len, corpus)) / 1e6
        out.append(f"{label}: {len(corpus)} texts, {size:.1f} MB")
        for name, fn in strategies.items():
            start = time.perf_counter()
            for text in corpus:
                fn(text)
            wall = time.perf_counter() - start
            out.append(f"  {name:42s} {wall * 1e3:8.0f} ms  {size / wall:7.1f} MB/s")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
