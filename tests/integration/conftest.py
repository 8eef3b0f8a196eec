from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.audit import load_checklist
from auditor.resources import default_checklist


def run_auditor(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture
def auditor_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_auditor


@pytest.fixture(scope="session")
def control_for_rule() -> Callable[[str], str]:
    """The bundled checklist's control id that a given rule decides."""
    cl = load_checklist(default_checklist())
    by_rule = {rule: c.id for c in cl.controls() for rule in c.evidence.rules}
    by_fact = {c.evidence.fact: c.id for c in cl.controls() if c.evidence.fact}
    return lambda key: by_rule.get(key) or by_fact[key]


@pytest.fixture(scope="session")
def bandit_version() -> str:
    from auditor.proc import find_tool

    out = subprocess.run(
        [find_tool("bandit"), "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[1]
