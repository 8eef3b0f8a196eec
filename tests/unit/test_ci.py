from __future__ import annotations

import os
from pathlib import Path

from auditor.collectors.base import AuditContext
from auditor.collectors.ci import CiCollector
from auditor.evidence import CollectorResult, CollectorStatus, Severity
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import write_files

SHA = "0123456789abcdef0123456789abcdef01234567"
GOOD = f"""\
name: security
on:
  push:
    branches: [main]
  pull_request:
  schedule:
    - cron: "0 3 * * 1"
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{SHA}
      - run: |
          # bandit is installed by requirements-dev
          pip install bandit pip-audit
          bandit -r src -ll
          pip-audit -r requirements.txt
      - uses: github/codeql-action/analyze@{SHA}
      - run: python -m auditor audit . --fail-under 80
"""


def collect(root: Path, files: dict[str, str]) -> CollectorResult:
    write_files(root, files)
    return CiCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))


def rules(result: CollectorResult) -> list[tuple[str, str]]:
    return [(f.rule_id, str(f.location)) for f in result.findings]


def fact(result: CollectorResult, key: str) -> object:
    (value,) = [f.value for f in result.facts if f.key == key]
    return value


def test_clean_workflow_reports_tools_and_events(tmp_path: Path) -> None:
    r = collect(tmp_path, {".github/workflows/sec.yml": GOOD})
    assert r.status is CollectorStatus.OK
    assert rules(r) == []
    wf = ".github/workflows/sec.yml"
    assert fact(r, "ci.sast_in_ci") == [
        f"bandit at {wf}:18 on pull_request, push, schedule",
        f"codeql at {wf}:20 on pull_request, push, schedule",
    ]
    assert fact(r, "ci.dependency_scan_in_ci") == [
        f"pip-audit at {wf}:19 on pull_request, push, schedule"
    ]
    assert fact(r, "ci.auditor_in_ci") == [f"auditor at {wf}:21 on pull_request, push, schedule"]
    assert fact(r, "ci.workflow_permissions") == {"contents": "read"}
    assert fact(r, "ci.unpinned_actions") == []


def test_on_key_is_not_turned_into_true(tmp_path: Path) -> None:
    text = "on: pull_request\npermissions: {}\njobs:\n  a:\n    steps:\n      - run: semgrep ci\n"
    r = collect(tmp_path, {".github/workflows/a.yaml": text})
    (tool,) = [f for f in r.facts if f.key == "ci.security_tool"]
    assert tool.value == {
        "tool": "semgrep",
        "category": "sast",
        "events": ["pull_request"],
        "via": "run",
    }
    assert str(tool.source) == ".github/workflows/a.yaml:6"


def test_tools_only_on_manual_runs_do_not_count(tmp_path: Path) -> None:
    text = "on: [workflow_dispatch]\npermissions: read-all\njobs:\n  a:\n    steps:\n"
    text += "      - run: bandit -r .\n"
    r = collect(tmp_path, {".github/workflows/a.yml": text})
    assert fact(r, "ci.sast_in_ci") == []
    assert [f.value["tool"] for f in r.facts if f.key == "ci.security_tool"] == ["bandit"]


def test_pinning_rules_and_severities(tmp_path: Path) -> None:
    text = f"""\
on: push
jobs:
  a:
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
      - uses: pypa/gh-action-pip-audit@{SHA}
      - uses: docker://alpine:3.20
      - uses: ./local-action
  b:
    uses: org/shared/.github/workflows/ci.yml@main
"""
    r = collect(tmp_path, {".github/workflows/p.yml": text})
    wf = ".github/workflows/p.yml"
    assert rules(r) == [
        ("GHA-PERMISSIONS-MISSING", f"{wf}:1"),
        ("GHA-UNPINNED-ACTION", f"{wf}:8"),
        ("GHA-UNPINNED-ACTION", f"{wf}:10"),
        ("GHA-UNPINNED-ACTION", f"{wf}:13"),
        ("GHA-UNPINNED-GITHUB-ACTION", f"{wf}:7"),
    ]
    sev = {f.rule_id: f.severity for f in r.findings}
    assert sev["GHA-UNPINNED-GITHUB-ACTION"] is Severity.LOW
    assert sev["GHA-UNPINNED-ACTION"] is Severity.MEDIUM
    assert len(fact(r, "ci.unpinned_actions")) == 3  # type: ignore[arg-type]


def test_job_level_permissions_everywhere_is_enough(tmp_path: Path) -> None:
    text = "on: push\njobs:\n  a:\n    permissions: {contents: read}\n    steps: []\n"
    text += "  b:\n    permissions: write-all\n    steps: []\n"
    r = collect(tmp_path, {".github/workflows/x.yml": text})
    assert rules(r) == [("GHA-PERMISSIONS-WRITE-ALL", ".github/workflows/x.yml:7")]


def test_pull_request_target_injection_and_echoed_secret(tmp_path: Path) -> None:
    text = """\
on:
  pull_request_target:
    types: [opened]
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0123456789abcdef0123456789abcdef01234567
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - name: greet
        run: |
          echo "thanks"
          echo "${{ github.event.pull_request.title }}"
          echo ${{ secrets.DEPLOY_TOKEN }}
          echo "${{ github.event.pull_request.number }}"
      - uses: actions/github-script@0123456789abcdef0123456789abcdef01234567
        with:
          script: console.log("${{ github.event.comment.body }}")
"""
    r = collect(tmp_path, {".github/workflows/t.yml": text})
    wf = ".github/workflows/t.yml"
    assert rules(r) == [
        ("GHA-PERMISSIONS-WRITE-ALL", f"{wf}:4"),
        ("GHA-PR-TARGET-CHECKOUT", f"{wf}:9"),
        ("GHA-SCRIPT-INJECTION", f"{wf}:15"),
        ("GHA-SCRIPT-INJECTION", f"{wf}:20"),
        ("GHA-SECRET-ECHO", f"{wf}:16"),
    ]
    assert fact(r, "ci.pull_request_target_checkouts") == [
        f"{wf}:9: pull_request_target job 'build' checks out the pull request's code"
    ]


def test_dependency_update_automation(tmp_path: Path) -> None:
    only_actions = "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n"
    r = collect(tmp_path / "a", {".github/dependabot.yml": only_actions})
    assert fact(r, "ci.dependency_updates") == [
        "dependabot github-actions (.github/dependabot.yml:3)"
    ]
    assert fact(r, "ci.python_dependency_updates") == []
    r = collect(
        tmp_path / "b", {".github/dependabot.yaml": only_actions.replace("github-actions", "pip")}
    )
    assert fact(r, "ci.python_dependency_updates") == ["dependabot pip (.github/dependabot.yaml:3)"]
    r = collect(tmp_path / "c", {"renovate.json": '{"enabledManagers": ["npm"]}'})
    assert fact(r, "ci.python_dependency_updates") == []
    r = collect(tmp_path / "d", {".github/renovate.json5": "{extends: ['config:recommended']}"})
    assert fact(r, "ci.python_dependency_updates") == ["renovate (.github/renovate.json5:1)"]


def test_gitlab_and_pre_commit(tmp_path: Path) -> None:
    gitlab = """\
include:
  - template: Security/Secret-Detection.gitlab-ci.yml
.py: &py
  image: python:3.12
lint:
  <<: *py
  script:
    - pip install pre-commit
    - pre-commit run --all-files
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
"""
    precommit = "repos:\n  - repo: https://github.com/PyCQA/bandit\n    rev: 1.8.0\n"
    precommit += "    hooks:\n      - id: bandit\n"
    r = collect(tmp_path, {".gitlab-ci.yml": gitlab, ".pre-commit-config.yaml": precommit})
    assert fact(r, "ci.sast_in_ci") == ["bandit at .gitlab-ci.yml:9 on merge_request"]
    assert fact(r, "ci.secret_scan_in_ci") == [
        "gitlab-secret-detection at .gitlab-ci.yml:2 on push"
    ]
    tools = {f.value["tool"]: f.value for f in r.facts if f.key == "ci.security_tool"}
    assert tools["bandit"]["via"] == "pre-commit hook at .pre-commit-config.yaml:5"


def test_no_ci_at_all_is_evidence_not_absence(tmp_path: Path) -> None:
    r = collect(tmp_path, {"README.md": "hi\n"})
    assert r.status is CollectorStatus.OK
    assert fact(r, "ci.sast_in_ci") == [] and fact(r, "ci.workflow_files") == []


def test_hostile_files_are_per_file_errors(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "workflows").mkdir(parents=True)
    (outside / "workflows" / "x.yml").write_text("on: push\njobs: {}\n")
    root = tmp_path / "repo"
    write_files(
        root,
        {
            ".github/workflows/ok.yml": GOOD,
            ".github/workflows/broken.yml": "on: [push\n",
            ".github/workflows/deep.yml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
            ".github/workflows/nested.yml": "a:\n"
            + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)),
            ".github/workflows/big.yml": "# x\n" * 600_000,
            ".gitlab-ci.yml": "a: 1\n",
        },
    )
    (root / ".github" / "workflows" / "bytes.yml").write_bytes(b"on: push\nname: \xff\n")
    os.symlink(outside / "workflows" / "x.yml", root / ".github" / "workflows" / "link.yml")
    os.remove(root / ".gitlab-ci.yml")
    os.symlink(outside / "workflows" / "x.yml", root / ".gitlab-ci.yml")
    r = CiCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))
    errors = {f.value: str(f.unknown) for f in r.facts if f.key == "ci.file_error"}
    wf = ".github/workflows/"
    assert set(errors) == {
        f"{wf}{n}.yml" for n in ("broken", "deep", "nested", "big", "bytes", "link")
    } | {".gitlab-ci.yml"}
    assert "symbolic link" in errors[f"{wf}link.yml"] and "symbolic" in errors[".gitlab-ci.yml"]
    assert "UTF-8" in errors[f"{wf}bytes.yml"]
    assert "limit" in errors[f"{wf}big.yml"]
    assert "nested" in errors[f"{wf}nested.yml"]
    assert [e for e in errors.values() if e.startswith("line ") or "YAML" in e]
    assert fact(r, "ci.sast_in_ci")  # ok.yml was still read


def test_symlinked_github_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_files(outside, {"workflows/x.yml": GOOD})
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / ".github")
    r = CiCollector().collect(AuditContext(root, False, DEFAULT_EXCLUDES, 60.0))
    assert fact(r, "ci.workflow_files") == [] and fact(r, "ci.sast_in_ci") == []
    assert [f.value for f in r.facts if f.key == "ci.file_error"] == [".github"]
