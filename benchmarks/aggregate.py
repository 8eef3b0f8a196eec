"""Organisation roll-up over 200 generated results files (target: under 5 s).

Generates the files from one real demo audit (names, scores and statuses varied),
then times `auditor aggregate` end to end in a subprocess. Run by hand.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(n: int = 200) -> None:
    rnd = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        proc = subprocess.run(
            [sys.executable, "-m", "auditor", "demo", "--out", str(base / "demo")],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        doc = json.loads((base / "demo" / "results.json").read_text())
        files = []
        for i in range(n):
            d = json.loads(json.dumps(doc))
            d["target"]["path"] = f"/srv/ci/repo-{i:03d}"
            d["score"]["overall"] = round(rnd.uniform(0, 100), 1)
            for c in d["controls"]:
                if c["status"] in ("pass", "fail"):
                    c["status"] = rnd.choice(["pass", "fail"])
            f = base / f"results-{i:03d}.json"
            f.write_text(json.dumps(d))
            files.append(str(f))
        size = sum(Path(f).stat().st_size for f in files) / 1e6
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "auditor", "aggregate", *files, "--out", str(base / "org")],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        html = (base / "org" / "index.html").stat().st_size / 1e6
        print(f"aggregate of {n} results ({size:.1f} MB): {elapsed:.2f} s, dashboard {html:.2f} MB")


if __name__ == "__main__":
    main()
