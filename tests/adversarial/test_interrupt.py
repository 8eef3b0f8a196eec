"""Interrupted audits: SIGTERM and SIGKILL at random (seeded) moments of the real CLI.

The README promises that outputs are written atomically ("a failed run never leaves
a half-written file over a good one") and the caches that "a cache can make an
audit faster but never change a verdict". Both are checked against real kills:

- every file in ``--out`` is either byte-identical to the previous good version or a
  complete new one (``results.json`` parses, with the same controls; ``index.html``
  ends with ``</html>``), and no output disappears;
- temporary files a kill leaves behind are never trusted: the complete audit that
  follows every kill succeeds and gives the same results apart from time fields;
- the cache never makes an audit differ from a cold one: every cached audit has the
  controls and score of a ``--no-cache`` audit, including after kills that hit a
  cold cache while it was being filled.

Every process the CLI starts carries a marker in its environment, so tool processes
a killed auditor leaves behind (it starts tools in their own sessions) are found,
reported and ended by this test, by pid.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_repo, strip_volatile

ROOT = Path(__file__).resolve().parents[2]
SEED = 20260601
KILL_POINTS = 10
COLD_ROUNDS = 2
"""Rounds whose cache is emptied first, so the kill can land while it is being filled."""
OSV_DB = ROOT / "auditor" / "demo" / "osv"
"""A small real database (through the environment, so the command line stays the plain
one) makes the dependency control decidable: a complete audit exits 0 or 1, not 3."""
TMP_MARKERS = (".tmp",)


def _module(i: int) -> str:
    return f'''"""Module {i}."""
import hashlib
import pickle
import subprocess


def run_{i}(cmd):
    return subprocess.call(cmd, shell=True)


def digest_{i}(data):
    return hashlib.md5(data).hexdigest()


def load_{i}(blob):
    return pickle.loads(blob)


TIMEOUT_{i} = {i}
'''


def build_repo(root: Path) -> Path:
    files = {f"app/mod{i:02d}.py": _module(i) for i in range(36)}
    files.update(
        {
            "app/__init__.py": "",
            "requirements.txt": "flask==0.12\nrequests>=2\n",
            "Dockerfile": "FROM python:3.8-slim\nCOPY . /app\nCMD python -m app\n",
            "README.md": "demo\n",
        }
    )
    return make_repo(root, files, {"app/extra.py": "import os\nDEBUG = os.environ.get('D')\n"})


@dataclass
class World:
    tmp: Path
    repo: Path
    out: Path
    cache: Path
    marker: str
    reference: dict[str, Any] = field(default_factory=dict)
    """The --no-cache audit."""
    baseline: dict[str, Any] = field(default_factory=dict)
    """The first complete cached audit, time fields stripped."""
    exit_code: int = 0
    cold_seconds: float = 0.0
    warm_seconds: float = 0.0
    orphans: list[str] = field(default_factory=list)
    runs: int = 0

    def env(self) -> dict[str, str]:
        return {**os.environ, "AUDITOR_OSV_DB": str(OSV_DB), "AUDITOR_TEST_MARKER": self.marker}

    def start(self, *extra: str, out: Path | None = None) -> subprocess.Popen[bytes]:
        self.runs += 1
        log = open(self.tmp / f"run-{self.runs}.log", "wb")
        options = extra or ("--cache-dir", str(self.cache))
        cmd = [sys.executable, "-m", "auditor", "audit", str(self.repo),
               "--out", str(out or self.out), *options]  # fmt: skip
        try:
            return subprocess.Popen(cmd, cwd=self.tmp, env=self.env(), stdout=log, stderr=log)
        finally:
            log.close()

    def log(self) -> str:
        return (self.tmp / f"run-{self.runs}.log").read_text(errors="replace")[-3000:]

    def complete(self, *extra: str, out: Path | None = None) -> tuple[dict[str, Any], float]:
        """One audit run to the end; its results document and wall time."""
        t0 = time.monotonic()
        proc = self.start(*extra, out=out)
        code = proc.wait(timeout=300)
        elapsed = time.monotonic() - t0
        assert code in (0, 1), f"a complete audit failed with exit code {code}:\n{self.log()}"
        if self.exit_code:
            assert code == self.exit_code, self.log()
        self.exit_code = self.exit_code or code
        doc: dict[str, Any] = json.loads(((out or self.out) / "results.json").read_text())
        return doc, elapsed

    def leftovers(self) -> list[str]:
        """Processes started by our audits that are still alive (their environment
        carries our marker)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f"AUDITOR_TEST_MARKER={self.marker}".encode() in environ.split(b"\0"):
                found.append(f"{entry.name} {cmdline[:120]}")
        return found

    def end_leftovers(self) -> list[str]:
        """End, by pid, every process our audits left behind; return what they were."""
        survivors = self.leftovers()
        for line in survivors:
            pid = int(line.split()[0])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.leftovers(), "tool processes survived SIGKILL"
        return survivors


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not hasattr(os, "getpgid") or not Path("/proc/self/environ").exists():
        pytest.skip("needs POSIX signals and /proc")
    tmp = tmp_path_factory.mktemp("interrupt")
    w = World(tmp, build_repo(tmp / "repo"), tmp / "out", tmp / "cache", uuid.uuid4().hex)
    try:
        reference, w.cold_seconds = w.complete("--no-cache", out=tmp / "reference")
        w.reference = reference
        first, _ = w.complete()  # the first complete audit: cold cache, good outputs
        w.baseline = strip_volatile(first)
        assert_same_verdicts(first, w)
        second, w.warm_seconds = w.complete()  # warm cache
        assert strip_volatile(second) == w.baseline
        yield w
    finally:
        w.end_leftovers()


def assert_same_verdicts(doc: dict[str, Any], w: World) -> None:
    """What a cache may never change: every control's verdict and the score."""
    assert strip_volatile(doc["controls"]) == strip_volatile(w.reference["controls"])
    assert doc["score"] == w.reference["score"]


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not is_tmp(p.name)}


def is_tmp(name: str) -> bool:
    return name.endswith(TMP_MARKERS) or name.startswith(".tmp")


def temporaries(*folders: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder.parent))
        for folder in folders
        if folder.exists()
        for p in folder.rglob("*")
        if p.is_file() and is_tmp(p.name)
    )


def check_outputs(out: Path, good: dict[str, bytes], w: World, what: str) -> list[str]:
    """Every output is the good previous file or a complete new one; none went missing.
    Returns the names that were replaced by a new version."""
    now = snapshot(out)
    assert set(good) <= set(now), f"{what}: outputs disappeared: {set(good) - set(now)}"
    replaced = []
    for name, data in now.items():
        if good.get(name) == data:
            continue
        replaced.append(name)
        if name.endswith(".json"):
            try:
                doc = json.loads(data)
            except ValueError as e:
                raise AssertionError(
                    f"{what}: {name} is neither the old nor a complete file: {e}"
                ) from None
            assert_same_verdicts(doc, w)
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), f"{what}: {name} is truncated"
        else:
            raise AssertionError(f"{what}: unexpected new output {name}")
    return replaced


Trigger = float | str
"""Seconds after the start, or the moment a new temporary file appears: the one for an
output (``index.html``, ``results.json``) or any in the cache (``cache``)."""


def plan(w: World) -> list[tuple[Trigger, signal.Signals, bool]]:
    """Seeded kill points (trigger, signal, cold cache): KILL_POINTS random moments
    between 0.05 s and the full duration of such a run, then kills aimed at the two
    windows random moments rarely hit: while outputs and cache entries are written."""
    rng = random.Random(SEED)
    signals = [signal.SIGTERM, signal.SIGKILL] * (KILL_POINTS // 2)
    signals += [signal.SIGKILL] * (KILL_POINTS - len(signals))
    rng.shuffle(signals)
    cold = set(rng.sample(range(KILL_POINTS), COLD_ROUNDS))
    out: list[tuple[Trigger, signal.Signals, bool]] = []
    for i, sig in enumerate(signals):
        full = w.cold_seconds if i in cold else w.warm_seconds
        out.append((0.05 + rng.random() * max(full - 0.05, 0.05), sig, i in cold))
    out += [
        ("index.html", signal.SIGKILL, False),  # the first output being written
        ("results.json", signal.SIGTERM, False),  # index.html replaced, results.json not yet
        ("cache", signal.SIGKILL, True),  # the first cache entry being written
    ]
    return out


def wait_for(trigger: Trigger, proc: subprocess.Popen[bytes], w: World) -> None:
    """Sleep until the trigger (or until the run ends by itself)."""
    if isinstance(trigger, float):
        time.sleep(trigger)
        return
    folder = w.cache if trigger == "cache" else w.out
    prefix = "" if trigger == "cache" else f".{trigger}."
    before = set(temporaries(folder))  # left by earlier kills: not a sign of this run
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        for top, _, names in os.walk(folder):
            for name in names:
                rel = str(Path(top, name).relative_to(folder.parent))
                if is_tmp(name) and name.startswith(prefix) and rel not in before:
                    return
        time.sleep(0.0005)


def test_killed_audits_never_leave_untrustworthy_outputs_or_cache(world: World) -> None:
    w = world
    good = snapshot(w.out)
    assert {"results.json", "index.html"} <= set(good)
    report = []
    for n, (at, sig, cold) in enumerate(plan(w)):
        when = f"{at:.2f}s" if isinstance(at, float) else f"first temporary file ({at})"
        what = f"kill {n}: {sig.name} at {when} ({'cold' if cold else 'warm'} cache)"
        if cold:
            shutil.rmtree(w.cache, ignore_errors=True)
        proc = w.start()
        wait_for(at, proc, w)
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
        orphans = w.end_leftovers()
        interrupted = code not in (0, 1)
        replaced = check_outputs(w.out, good, w, what)
        temps = temporaries(w.out, w.cache)
        # The complete audit that follows must ignore whatever the kill left behind.
        doc, _ = w.complete()
        assert strip_volatile(doc) == w.baseline, f"{what}: the next complete audit differs"
        assert_same_verdicts(doc, w)
        good = snapshot(w.out)
        report.append(
            f"{what}: exit {code}{' (interrupted)' if interrupted else ' (finished first)'}"
            f", outputs replaced {replaced or 'none'}, temporaries left {len(temps)}"
            f"{f' {temps[:3]}' if temps else ''}, tool processes left {len(orphans)}"
        )
        w.orphans += orphans
    # Visible with -s or on failure: what the kills did.
    print("\n".join(["", *report]))
    assert any("(interrupted)" in line for line in report), "no kill landed before the end"


def test_sigterm_leaves_no_tool_process_running(world: World, tmp_path: Path) -> None:
    proc = world.start("--cache-dir", str(tmp_path / "cold-cache"), out=tmp_path / "out")
    try:
        deadline = time.monotonic() + 60
        # semgrep's engine runs (named osemgrep when started by our collector, semgrep-core
        # under the Python wrapper): the scan is under way for seconds yet
        while not any("semgrep-core" in p or "osemgrep" in p for p in world.leftovers()):
            assert proc.poll() is None, "the audit ended before semgrep started"
            assert time.monotonic() < deadline, "semgrep never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        time.sleep(0.2)
        left = world.leftovers()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        world.end_leftovers()
    assert not left, f"still running after the auditor got SIGTERM: {left}"
