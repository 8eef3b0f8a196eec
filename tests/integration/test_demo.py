"""The bundled demo: the main job a new user runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import git, load_results


def test_insecure_demo_is_a_real_repository_and_fails_controls(
    tmp_path: Path,
    auditor_cli: Callable[..., Any],
    validate_results: Callable[[dict[str, Any]], None],
) -> None:
    out = tmp_path / "demo"
    proc = auditor_cli("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "index.html" in proc.stdout
    doc = load_results(out)
    validate_results(doc)
    repo = out / "repo-insecure"
    assert len(git(repo, "rev-list", "--all").split()) >= 3
    assert doc["target"]["head_commit"] == git(repo, "rev-parse", "HEAD")
    failing = {c["practice_id"] for c in doc["controls"] if c["status"] == "fail"}
    assert len(failing) >= 8, failing
    assert (out / "index.html").stat().st_size > 10_000


def test_demo_commits_are_reproducible(tmp_path: Path, auditor_cli: Callable[..., Any]) -> None:
    auditor_cli("demo", "--out", str(tmp_path / "a"))
    auditor_cli("demo", "--out", str(tmp_path / "b"))
    heads = [load_results(tmp_path / d)["target"]["head_commit"] for d in "ab"]
    assert heads[0] == heads[1]


def test_secure_demo_fails_no_implemented_control(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    out = tmp_path / "demo"
    proc = auditor_cli("demo", "--secure", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = load_results(out)
    statuses = {c["id"]: c["status"] for c in doc["controls"]}
    assert not [cid for cid, s in statuses.items() if s in ("fail", "error")]
    assert "pass" in statuses.values()


def test_demo_refuses_to_overwrite_a_foreign_folder(
    tmp_path: Path, auditor_cli: Callable[..., Any]
) -> None:
    victim = tmp_path / "out" / "repo-insecure"
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me")
    proc = auditor_cli("demo", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "not a demo repository" in proc.stderr
    assert (victim / "precious.txt").read_text() == "keep me"
