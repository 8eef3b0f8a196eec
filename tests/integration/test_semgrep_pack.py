"""Our semgrep rule pack: its own rule tests, its wiring to the checklist, and the
collector's behaviour on real repositories (one semgrep process per audit)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from auditor.audit import load_checklist
from auditor.collectors.base import AuditContext
from auditor.collectors.semgrep import SemgrepCollector
from auditor.proc import find_tool
from auditor.resources import checks_dir, default_checklist
from tests.helpers import fake_tool, load_results, make_repo

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {
    "sql", "command", "code", "deserialization", "xss", "passwords", "auth", "errors",
    "sessions", "files", "csrf", "transport", "injection-other", "xxe-ssrf-redirect",
}  # fmt: skip


def pack() -> list[dict[str, Any]]:
    rules = []
    for path in sorted((checks_dir() / "semgrep").glob("*.yaml")):
        rules += yaml.safe_load(path.read_text())["rules"]
    return rules


def test_semgrep_test_passes_for_every_rule() -> None:
    proc = subprocess.run(
        [find_tool("semgrep"), "--test", "--metrics=off", "--disable-version-check",
         "--config", str(checks_dir() / "semgrep"), str(checks_dir() / "tests")],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
        env={**os.environ, "SEMGREP_SEND_METRICS": "off"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "All tests passed" in proc.stdout + proc.stderr


def test_every_rule_has_metadata_tests_and_exactly_one_control() -> None:
    rules = pack()
    assert len(rules) >= 45
    annotated: dict[str, set[str]] = {"ruleid": set(), "ok": set()}
    for path in (checks_dir() / "tests").iterdir():
        for m in re.finditer(r"\b(ruleid|ok):\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)", path.read_text()):
            annotated[m.group(1)].update(r.strip() for r in m.group(2).split(",") if r.strip())
    decides = {
        r: c.id for c in load_checklist(default_checklist()).controls() for r in c.evidence.rules
    }
    for rule in rules:
        meta = rule["metadata"]
        assert {"cwe", "owasp", "control", "family", "confidence"} <= set(meta), rule["id"]
        assert meta["family"] in FAMILIES, rule["id"]
        assert decides.get(rule["id"]) == meta["control"], rule["id"]
        assert rule["id"] in annotated["ruleid"] and rule["id"] in annotated["ok"], rule["id"]
    assert {r["metadata"]["family"] for r in rules} == FAMILIES


def test_one_semgrep_process_per_audit(tmp_path: Path, auditor_cli: Callable[..., Any]) -> None:
    log = tmp_path / "invocations.log"
    real = find_tool("semgrep")
    fake_tool(tmp_path / "bin", "semgrep", f'echo "$@" >> {log}\nexec {real} "$@"')
    repo = make_repo(
        tmp_path / "r", {f"app/m{i}.py": f"def f{i}(x):\n    return x\n" for i in range(30)}
    )
    out = tmp_path / "out"
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = auditor_cli("audit", str(repo), "--out", str(out), "--no-cache", env=env)
    assert proc.returncode in (0, 1), proc.stderr
    runs = log.read_text().splitlines()
    assert len(runs) == 1 and runs[0].startswith("scan "), runs
    assert " --jobs " in runs[0], runs  # one process, parallel inside it
    doc = load_results(out)
    semgrep = next(c for c in doc["collectors"] if c["name"] == "semgrep")
    assert semgrep["status"] == "ok" and len(semgrep["details"]["rule_pack_sha256"]) == 64
    assert semgrep["details"]["files_scanned"] == 30


_ANNOTATION = re.compile(r"(?:#|<!--)\s*(ruleid|ok):\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)")


def test_the_audit_invocation_honours_every_rule_test_annotation(tmp_path: Path) -> None:
    """`semgrep --test` runs semgrep's Python front end; audits run the exact command line of
    the collector (osemgrep, JSON pack, jobs). Both must agree on every annotated line."""
    cases = tmp_path / "cases"
    shutil.copytree(checks_dir() / "tests", cases)
    result = SemgrepCollector().collect(AuditContext(cases, False, (), 600.0, workers=2))
    found = {(f.location.path, f.location.line, f.rule_id) for f in result.findings}
    expected: set[tuple[str, int, str]] = set()
    forbidden: set[tuple[str, int, str]] = set()
    for path in sorted(cases.iterdir()):
        lines = path.read_text().splitlines()
        for n, text in enumerate(lines, start=1):
            match = _ANNOTATION.search(text)
            if match is None:
                continue
            target = n if not text.strip().startswith(("#", "<!--")) else n + 1
            while target <= len(lines) and _ANNOTATION.match(lines[target - 1].strip()):
                target += 1
            ids = {r.strip() for r in match.group(2).split(",")}
            bucket = expected if match.group(1) == "ruleid" else forbidden
            bucket.update((path.name, target, r) for r in ids)
    assert len(expected) >= 76
    assert expected - found == set()
    assert forbidden & found == set()
