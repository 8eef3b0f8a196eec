"""Content-addressed caches never change a verdict; PR mode says what it did not analyse."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.proc import find_tool
from tests.helpers import (
    control,
    fake_tool,
    git,
    load_results,
    make_repo,
    strip_volatile,
    write_files,
)

SHELL = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n'
)
EVAL = "def calc(expr):\n    return eval(expr)\n"


def audit(cli: Callable[..., Any], repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    proc = cli("audit", str(repo), "--out", str(out), *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return load_results(out)


def audit_any(cli: Callable[..., Any], repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    """An audit whose exit status may also be 3 (a control errored, e.g. no OSV database)."""
    proc = cli("audit", str(repo), "--out", str(out), *extra)
    assert proc.returncode in (0, 1, 3), proc.stderr
    return load_results(out)


def bandit_collector(doc: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in doc["collectors"] if c["name"] == "bandit")


def test_cold_and_warm_cache_give_the_same_results(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    files = {f"app/m{i}.py": f"x = {i}\n" for i in range(20)}
    repo = make_repo(tmp_path / "r", {**files, "app/run.py": SHELL})
    cache = tmp_path / "cache"
    cold = audit(auditor_cli, repo, tmp_path / "cold", "--cache-dir", str(cache))
    warm = audit(auditor_cli, repo, tmp_path / "warm", "--cache-dir", str(cache))
    assert bandit_collector(cold)["details"]["cache"]["hits"] == 0
    assert bandit_collector(warm)["details"]["cache"]["hits"] == 21
    none = audit(auditor_cli, repo, tmp_path / "none", "--no-cache")
    assert "cache" not in bandit_collector(none)["details"]
    assert strip_volatile(cold) == strip_volatile(warm)
    # without a cache: the same verdicts and evidence (only the cache settings differ)
    for key in ("controls", "score", "practices"):
        assert strip_volatile(cold)[key] == strip_volatile(none)[key]


def test_a_corrupt_cache_entry_is_discarded_not_trusted(
    tmp_path: Path, auditor_cli: Callable[..., Any], control_for_rule: Callable[[str], str]
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL})
    cache = tmp_path / "cache"
    audit(auditor_cli, repo, tmp_path / "a", "--cache-dir", str(cache))
    entries = [p for p in (cache / "bandit").rglob("*.json")]
    assert entries
    for p in entries:  # a forged "no findings" entry, or plain garbage
        entry = json.loads(p.read_text())
        entry["value"] = {"results": [], "errors": []}
        p.write_text(json.dumps(entry))
    doc = audit(auditor_cli, repo, tmp_path / "b", "--cache-dir", str(cache))
    assert control(doc, control_for_rule("B602"))["status"] == "fail"
    assert bandit_collector(doc)["details"]["cache"]["discarded"] == len(entries)


def test_pr_mode_analyses_changed_files_and_says_what_it_skipped(
    tmp_path: Path, auditor_cli: Callable[..., Any], control_for_rule: Callable[[str], str]
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL, "app/ok.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD")
    write_files(repo, {"app/calc.py": EVAL})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add calc")
    cold = audit(
        auditor_cli,
        repo,
        tmp_path / "cold",
        "--changed-since",
        base,
        "--cache-dir",
        str(tmp_path / "c1"),
    )
    b = bandit_collector(cold)
    assert b["details"]["scope"] == "partial"
    assert set(b["details"]["skipped"]) >= {"app/run.py", "app/ok.py"}
    c = control(cold, control_for_rule("B307"))
    assert c["status"] == "fail"
    assert any(n.startswith("decided on partial scope") for n in c["notes"])
    shell = control(cold, control_for_rule("B602"))
    assert shell["status"] == "pass" and any("partial scope" in n for n in shell["notes"])
    # with a warm cache the unchanged files are covered, and the verdict is whole again
    cache = tmp_path / "c2"
    audit(auditor_cli, repo, tmp_path / "full", "--cache-dir", str(cache))
    warm = audit(
        auditor_cli, repo, tmp_path / "warm", "--changed-since", base, "--cache-dir", str(cache)
    )
    assert bandit_collector(warm)["details"]["scope"] == "full"
    assert control(warm, control_for_rule("B602"))["status"] == "fail"


def test_rejected_tool_output_is_never_cached(
    tmp_path: Path, auditor_cli: Callable[..., Any], control_for_rule: Callable[[str], str]
) -> None:
    import os

    from tests.helpers import fake_tool

    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL})
    cache = tmp_path / "cache"
    fake = tmp_path / "bin"
    version = 'if [ "$1" = "--version" ]; then echo "bandit 9.9.9"; exit 0; fi'
    fake_tool(
        fake, "bandit", version + '\necho \'{"results": [{"filename": "/etc/passwd"}]}\'; exit 1'
    )
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    bad = auditor_cli(
        "audit", str(repo), "--out", str(tmp_path / "a"), "--cache-dir", str(cache), env=env
    )
    assert bad.returncode == 3
    fake_tool(fake, "bandit", version + "\necho 'Traceback: boom' >&2; exit 2")
    again = auditor_cli(
        "audit", str(repo), "--out", str(tmp_path / "b"), "--cache-dir", str(cache), env=env
    )
    assert again.returncode == 3, "a cached empty result must not have hidden the crash"
    doc = load_results(tmp_path / "b")
    assert control(doc, control_for_rule("B602"))["status"] == "error"


def test_pr_mode_lists_what_the_change_did_to_the_audit(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    validate_results: Callable[[dict[str, Any]], None],
) -> None:
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL, "app/ok.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD")
    write_files(
        repo,
        {
            "pyproject.toml": '[tool.auditor]\nexclude = ["legacy"]\n',
            "app/run.py": SHELL.replace("shell=True)", "shell=True)  # nosec"),
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "quiet the scanner")
    doc = audit(auditor_cli, repo, tmp_path / "out", "--changed-since", base)
    validate_results(doc)
    pr = doc["pr_mode"]
    assert pr["changed_since"] == base and pr["changed_files"] == 2
    assert "[tool.auditor] exclude: None -> ['legacy']" in pr["weakening"]
    assert "inline suppression added at app/run.py:5" in pr["weakening"]
    assert "This change weakens the audit itself" in (tmp_path / "out" / "index.html").read_text()


def test_settings_collectors_reuse_their_facts_and_change_nothing(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "e2e"
    for name in ("django_vuln", "flask_vuln"):
        files = {
            p.relative_to(fixtures / name).as_posix(): p.read_text()
            for p in sorted((fixtures / name).rglob("*"))
            if p.is_file()
        }
        repo = make_repo(tmp_path / name, files)
        cache = tmp_path / f"cache-{name}"
        cold = audit_any(auditor_cli, repo, tmp_path / f"{name}-cold", "--cache-dir", str(cache))
        warm = audit_any(auditor_cli, repo, tmp_path / f"{name}-warm", "--cache-dir", str(cache))
        none = audit_any(auditor_cli, repo, tmp_path / f"{name}-none", "--no-cache")
        collector = "django_settings" if name.startswith("django") else "flask_config"
        hits = [c["details"]["cache"]["hits"] for d in (cold, warm)
                for c in d["collectors"] if c["name"] == collector]  # fmt: skip
        assert hits == [0, 1], name
        assert strip_volatile(cold) == strip_volatile(warm), name
        for key in ("controls", "score", "practices", "collectors"):
            assert strip_volatile(cold)[key] == strip_volatile(none)[key], (name, key)


def test_a_warm_audit_starts_bandit_only_for_changed_files(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    # bandit --version is remembered per executable; reinstalling bandit rewrites its launcher
    log = tmp_path / "bandit.log"
    launcher = fake_tool(
        tmp_path / "bin", "bandit", f'echo "$@" >> {log}\nexec {find_tool("bandit")} "$@"'
    )
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    repo = make_repo(tmp_path / "r", {"app/run.py": SHELL, "app/calc.py": EVAL})
    cache = tmp_path / "cache"
    for label in ("cold", "warm"):
        proc = auditor_cli("audit", str(repo), "--out", str(tmp_path / label), "--cache-dir",
                           str(cache), env=env)  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr
    runs = log.read_text().splitlines()
    assert [r.split()[0] for r in runs] == ["--version", "-f"], runs  # nothing changed: no scan
    cold, warm = load_results(tmp_path / "cold"), load_results(tmp_path / "warm")
    assert strip_volatile(cold) == strip_volatile(warm)
    assert bandit_collector(warm)["tool_version"] == bandit_collector(cold)["tool_version"]
    # a new launcher (as pip writes on upgrade) asks again
    launcher.write_text(launcher.read_text() + "\n")
    proc = auditor_cli("audit", str(repo), "--out", str(tmp_path / "again"), "--cache-dir",
                       str(cache), env=env)  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert log.read_text().splitlines()[-1].startswith("--version")
