"""The whole audit against the same tools run one after another, on one repository.

    python benchmarks/audit.py REPO
    python benchmarks/audit.py --make-synthetic DIR [--commits N] [--source CODE]  # then run on DIR

Prints one table from one run: the full auditor cold (empty cache), warm after a
one-file commit, PR mode for that commit, and the separate tools a user would run
without us (bandit with the same exclusions, semgrep with our rule pack, our history
secret scan alone, and `git log -p --all` as the floor), with wall time, CPU time
(user+system of the process tree) and peak RSS, and the ratios the issue asks for.
The repository is copied first: the benchmark commits into the copy, never the original.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.files import DEFAULT_EXCLUDES  # noqa: E402
from auditor.proc import find_tool  # noqa: E402
from auditor.resources import checks_dir  # noqa: E402

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass
class Measure:
    label: str
    wall: float
    cpu: float
    rss_mb: float
    rc: int


def measure(
    label: str, cmd: list[str], cwd: Path | None = None, stdout: int | None = None,
    env: dict[str, str] | None = None,
) -> Measure:  # fmt: skip
    """Run ``cmd`` and read its rusage with wait4 (children included)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd, cwd=cwd, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return Measure(
        label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, p.returncode
    )


def auditor_cmd(repo: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "auditor", "audit", str(repo), "--out", str(out), "--quiet",
            "--cache-dir", str(cache), "--format", "json", *extra]  # fmt: skip


def make_synthetic(dest: Path, commits: int, source: Path | None = None) -> None:
    """A repository of real Python code (the installed Django package) with a long history
    shaped like a real project's: the files arrive in batches over the first tenth of the
    commits; every later commit edits one to four files, inserting or removing a block of
    10-60 real comment lines (taken from Django itself) somewhere in the file, so diffs
    are of realistic size and every version stays valid Python. Built with git fast-import
    from a seeded generator: the same arguments give the same repository."""
    import random

    import django

    rng = random.Random(20_000)
    src = source.resolve() if source else Path(django.__file__).parent
    skip = {"__pycache__", "site-packages", "dist-packages"}
    files = sorted(p for p in src.rglob("*.py") if not skip & set(p.relative_to(src).parts))
    originals = {
        "src/" + f.relative_to(src).as_posix(): f.read_text("utf-8", "replace") for f in files
    }
    comments = [
        line.strip() for text in originals.values() for line in text.splitlines()
        if line.strip().startswith("# ") and len(line.strip()) > 20
    ]  # fmt: skip
    current: dict[str, str] = {}
    names = sorted(originals)
    arrival = max(1, commits // 10)
    per = -(-len(names) // arrival)
    dest.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    proc = subprocess.Popen(
        ["git", "-C", str(dest), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    for i in range(1, commits + 1):
        changed: dict[str, str] = {}
        batch = names[(i - 1) * per : i * per] if i <= arrival else []
        for name in batch:
            changed[name] = originals[name]
        if not batch:
            for name in rng.sample(sorted(current), rng.randint(1, 4)):
                lines = current[name].splitlines(keepends=True)
                if current[name] != originals[name] and rng.random() < 0.5:
                    changed[name] = originals[name]  # the block goes again
                else:
                    at = rng.randint(0, len(lines))
                    block = [c + "\n" for c in rng.sample(comments, rng.randint(10, 60))]
                    changed[name] = "".join(lines[:at] + block + lines[at:])
        current.update(changed)
        msg = f"change {i}"
        out = [f"commit refs/heads/main\nmark :{i}\n"
               f"committer B <b@example.invalid> {1_600_000_000 + i * 60} +0000\n"
               f"data {len(msg)}\n{msg}\n"]  # fmt: skip
        if i > 1:
            out.append(f"from :{i - 1}\n")
        for name, text in sorted(changed.items()):
            data = text.encode()
            out.append(f"M 644 inline {name}\ndata {len(data)}\n")
            proc.stdin.write("".join(out).encode() + data + b"\n")
            out = []
        if out:
            proc.stdin.write("".join(out).encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "main"], check=True)
    print(f"made {dest}: {commits} commits, {len(files)} Python files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--make-synthetic", type=Path)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument(
        "--source", type=Path, help="folder of real Python code (default: the installed Django)"
    )
    args = parser.parse_args()
    if args.make_synthetic:
        make_synthetic(args.make_synthetic, args.commits, args.source)
        return
    if args.repo is None:
        parser.error("REPO is required")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        repo = base / "repo"
        subprocess.run(
            ["git", "clone", "-q", "--no-local", str(args.repo.resolve()), str(repo)], check=True
        )
        cache = base / "cache"
        # An installed auditor runs from compiled bytecode (pip compiles it). From a source
        # tree with PYTHONDONTWRITEBYTECODE set (as on some CI images) every run would compile
        # ~120 modules first (~0.2 s), so the auditor gets a bytecode cache of its own and one
        # unmeasured run to fill it.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        subprocess.run([sys.executable, "-m", "auditor", "--version"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        rows: list[Measure] = []
        rows.append(
            measure("auditor full, cold cache", auditor_cmd(repo, base / "o1", cache), env=env)
        )
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        target = next(p for p in sorted(repo.rglob("*.py")) if ".git" not in p.parts)
        target.write_text(target.read_text() + "\n# touched by the benchmark\n")
        subprocess.run(
            ["git", "-C", str(repo), "commit", "-qam", "one-file change"], check=True, env=GIT_ENV
        )
        rows.append(
            measure(
                "auditor full, warm after 1-file commit",
                auditor_cmd(repo, base / "o2", cache),
                env=env,
            )
        )
        rows.append(
            measure(
                "auditor PR mode for that commit",
                auditor_cmd(repo, base / "o3", cache, "--changed-since", head),
                env=env,
            )
        )
        # the separate tools skip exactly what the auditor skips (checked: both then scan the
        # same files as the audit): bandit through -x globs, semgrep through a .semgrepignore
        # (written now, after the audits, which never read it)
        excluded = ",".join(
            f"*/{d}" if "*" in d or d.endswith(".py") else f"*/{d}/*" for d in DEFAULT_EXCLUDES
        )
        (repo / ".semgrepignore").write_text("".join(f"{d}\n" for d in DEFAULT_EXCLUDES))
        separate = [
            measure("bandit -r (same exclusions)", [find_tool("bandit"), "-r", str(repo), "-f", "json", "-q", "-x", excluded]),
            measure("semgrep, our rule pack", [find_tool("semgrep"), "scan", "--config", str(checks_dir() / "semgrep"),
                                                "--json", "--metrics=off", "--disable-version-check", str(repo)]),
        ]  # fmt: skip
        secrets = [sys.executable, "-c",
                   "import sys; from pathlib import Path; from auditor.collectors import REGISTRY;"
                   "from auditor.collectors.base import AuditContext; from auditor.files import DEFAULT_EXCLUDES;"
                   "c = REGISTRY.get('secrets'); c and c.collect(AuditContext(Path(sys.argv[1]), True, DEFAULT_EXCLUDES, 3600.0))",
                   str(repo)]  # fmt: skip
        separate.append(measure("history secret scan alone", secrets, env=env))
        rows += separate
        floor = measure(
            "git log -p --all > /dev/null (floor)", ["git", "-C", str(repo), "log", "-p", "--all"]
        )
        rows.append(floor)
        print(f"{'what':<42}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}{'rc':>4}")
        for r in rows:
            print(f"{r.label:<42}{r.wall:>9.2f}{r.cpu:>9.2f}{r.rss_mb:>9.0f}{r.rc:>4}")
        cold, warm, pr = rows[0], rows[1], rows[2]
        total = sum(m.wall for m in separate)
        print()
        print(f"cold audit / sum of separate tools: {cold.wall / total:.2f}  (target <= 0.5)")
        print(
            f"cold audit / bandit alone:          {cold.wall / separate[0].wall:.2f}  (target <= 1.0)"
        )
        print(
            f"history scan / git log -p floor:    {separate[2].wall / floor.wall:.2f}  (target <= 1.3)"
        )
        print(f"warm audit / cold audit:            {warm.wall / cold.wall:.1%}  (target <= 5%)")
        print(f"PR mode wall time:                  {pr.wall:.2f} s  (target < 10 s)")
        print(f"peak RSS of the cold audit:         {cold.rss_mb:.0f} MB  (target <= 1024 MB)")
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
