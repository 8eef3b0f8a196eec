"""Benchmark: 2,000 pinned dependencies against a 20,000-record OSV folder.

The records are random but shaped like PyPI's: a few thousand packages with a
long release history each, ECOSYSTEM ranges (some with last_affected or limit
events, pre- and post-releases), explicit version lists, CVE/GHSA aliases, a few
withdrawn records. Loading and matching are timed separately; the target is
matching in under 2 s once loaded.

    python benchmarks/deps.py [--records 20000] [--deps 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from auditor.deps import requirements
from auditor.deps.analysis import Repo
from auditor.deps.matching import Matcher
from auditor.deps.osv import load


def _releases(rng: random.Random) -> list[str]:
    out = []
    for major in range(rng.randint(1, 4)):
        for minor in range(rng.randint(2, 12)):
            for patch in range(rng.randint(1, 6)):
                out.append(f"{major}.{minor}.{patch}")
            if rng.random() < 0.3:
                out.append(f"{major}.{minor + 1}.0rc1")
            if rng.random() < 0.1:
                out.append(f"{major}.{minor}.0.post1")
    return out


def _record(n: int, package: str, releases: list[str], rng: random.Random) -> dict[str, Any]:
    start = rng.randrange(len(releases))
    end = min(len(releases) - 1, start + rng.randint(1, 30))
    events: list[dict[str, str]] = [{"introduced": "0" if start == 0 else releases[start]}]
    roll = rng.random()
    if roll < 0.85:
        events.append({"fixed": releases[end]})
    elif roll < 0.95:
        events.append({"last_affected": releases[end]})
    else:
        events.append({"limit": releases[end]})
    record: dict[str, Any] = {
        "id": f"PYSEC-BENCH-{n}",
        "modified": "2024-10-10T00:00:00Z",
        "aliases": [f"CVE-2024-{n:05d}", f"GHSA-bench-{n:05d}"],
        "summary": f"synthetic advisory {n}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": releases[start:end],
            }
        ],
    }
    if rng.random() < 0.2:
        record["severity"] = [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
        ]
    if rng.random() < 0.005:
        record["withdrawn"] = "2024-01-01T00:00:00Z"
    return record


def generate(folder: Path, records: int, deps: int, seed: int) -> Path:
    rng = random.Random(seed)
    packages = [f"bench-package-{i}" for i in range(max(deps, records // 8))]
    history = {p: _releases(rng) for p in packages}
    for n in range(records):
        package = rng.choice(packages)
        record = _record(n, package, history[package], rng)
        (folder / f"PYSEC-BENCH-{n}.json").write_text(json.dumps(record))
    repo = folder / "repo"
    repo.mkdir()
    lines = [f"{p}=={rng.choice(history[p])}" for p in rng.sample(packages, deps)]
    (repo / "requirements.txt").write_text("\n".join(lines) + "\n")
    return repo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--deps", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        db_dir = Path(tmp) / "osv"
        db_dir.mkdir()
        t0 = time.perf_counter()
        repo = generate(db_dir, args.records, args.deps, args.seed)
        t1 = time.perf_counter()
        db = load(db_dir)
        t2 = time.perf_counter()
        manifest = requirements.parse(str(repo), "requirements.txt")
        pinned = Repo([manifest]).to_match()
        t3 = time.perf_counter()
        matches = Matcher(db).match(pinned)
        t4 = time.perf_counter()
    print(f"generate  {t1 - t0:7.3f} s  ({args.records} records, {args.deps} pins)")
    print(f"load      {t2 - t1:7.3f} s  ({db.records} records, {len(db.by_package)} packages)")
    print(f"parse     {t3 - t2:7.3f} s  ({len(pinned)} pinned versions)")
    print(f"match     {t4 - t3:7.3f} s  ({len(matches)} vulnerabilities found)")
    ok = t4 - t3 < 2.0
    print("match under 2 s:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
