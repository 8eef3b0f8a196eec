"""Run every adversarial case: the audit completes or fails with one clear line, nothing
executes, and nothing that could not be checked reads `pass`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.cases import CASES, Case, Env


def run_case(
    case: Case, base: Path
) -> tuple[Env, subprocess.CompletedProcess[str], dict[str, Any] | None, float]:
    marker = base / "PWNED"
    evil = base / "evil" / "evil.sh"
    evil.parent.mkdir(parents=True)
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    for hook in ("pre-commit", "post-checkout", "reference-transaction"):
        (evil.parent / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (evil.parent / hook).chmod(0o755)
    env = Env(base, base / "target", marker, evil)
    case.build(env)
    marker.unlink(missing_ok=True)
    out = base / "out"
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(env.target), "--out", str(out), *env.args],
        capture_output=True, text=True, timeout=900, env={**os.environ, **env.env},
    )  # fmt: skip
    elapsed = time.monotonic() - t0
    results = out / "results.json"
    doc = json.loads(results.read_text()) if results.exists() else None
    return env, proc, doc, elapsed


def check_invariants(
    case: Case, env: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    assert not env.marker.exists(), "something executed"
    assert proc.returncode in case.exit_codes, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    if doc is None:
        assert proc.returncode == 2
        return
    status = {c["name"]: c["status"] for c in doc["collectors"]}
    for c in doc["controls"]:
        if c["status"] == "pass" and c["collector"] != "attestation":
            assert status.get(c["collector"]) == "ok", (
                f"{c['id']} passed on a collector that did not run cleanly"
            )
    for name, st in status.items():
        if st == "error":
            decided = {c["status"] for c in doc["controls"] if c["collector"] == name}
            assert decided <= {"error", "not_applicable", "disabled", "not_implemented"}, (
                name,
                decided,
            )
    if proc.returncode == 3:
        assert doc["score"]["complete"] is False


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_adversarial_case(case: Case, tmp_path: Path) -> None:
    env, proc, doc, _ = run_case(case, tmp_path)
    check_invariants(case, env, proc, doc)
    if case.check is not None:
        case.check(env, proc, doc)


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert {c.category for c in CASES} == {"git", "files", "yaml", "tools", "output"}
