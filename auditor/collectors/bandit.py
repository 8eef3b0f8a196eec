"""Bandit, run once over the repository's Python files.

We enumerate the files ourselves (no symlink following, our exclusions) and
pass them explicitly, so the audited repository's own ``.bandit`` or
``[tool.bandit]`` settings cannot narrow the scan. Bandit runs with
``--ignore-nosec`` and we recognise ``# nosec`` comments ourselves: a silenced
finding is still evidence a security lead wants to see.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor import files, proc
from auditor.collectors.base import AuditContext
from auditor.errors import CollectorError, ToolOutputError, ToolTimeoutError
from auditor.evidence import (
    CollectorResult,
    CollectorStatus,
    Finding,
    Location,
    Severity,
    fingerprint,
)
from auditor.redact import redact

_NOSEC = re.compile(r"#\s*nosec\b[:\s]*([\w\-, ]*)", re.IGNORECASE)
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_SECRET_TESTS = frozenset({"B105", "B106", "B107"})
_SEVERITY = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}


class BanditError(CollectorError):
    """Bandit failed or said something we cannot trust."""


class BanditCollector:
    name = "bandit"
    tool = "bandit"
    fact_keys: frozenset[str] = frozenset()

    def version(self, timeout: float) -> str:
        out = proc.run([proc.find_tool("bandit"), "--version"], timeout=timeout)
        first = out.stdout.decode("utf-8", "replace").strip().splitlines()
        match = re.match(r"bandit\s+(\S+)", first[0]) if first else None
        if out.returncode != 0 or match is None:
            raise BanditError("bandit --version did not print a version")
        return match.group(1)

    def collect(self, ctx: AuditContext) -> CollectorResult:
        version = self.version(min(ctx.timeout, 60.0))
        found = files.walk(ctx.root, (".py",), ctx.excludes)
        details: dict[str, Any] = {"files_scanned": len(found.files), "skipped": found.skipped}
        if not found.files:
            return CollectorResult(
                self.name, self.tool, version, CollectorStatus.OK, details=details
            )
        exe = proc.find_tool("bandit")
        deadline = time.monotonic() + ctx.timeout
        findings: list[Finding] = []
        errors: dict[str, str] = {}
        for shard in _shards(found.files):
            cmd = [exe, "-f", "json", "-q", "--ignore-nosec", "--", *shard]
            remaining = max(deadline - time.monotonic(), 0.1)
            try:
                out = proc.run(cmd, timeout=remaining, cwd=ctx.root)
            except ToolTimeoutError:
                raise ToolTimeoutError(
                    f"bandit did not finish within {ctx.timeout:g}s and was killed"
                ) from None
            if out.returncode not in (0, 1):
                tail = out.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise BanditError(f"bandit exited with status {out.returncode}: {tail[0][:300]}")
            shard_findings, shard_errors = normalize(
                parse_report(out.stdout), version, ctx.root, set(shard)
            )
            findings += shard_findings
            errors.update(shard_errors)
        findings.sort(key=Finding.sort_key)
        details["skipped"] = {**found.skipped, **errors}
        details["files_scanned"] = len(found.files) - len(errors)
        return CollectorResult(
            self.name,
            self.tool,
            version,
            CollectorStatus.OK,
            findings=tuple(findings),
            details=details,
        )


def _shards(paths: Sequence[str], max_chars: int = 100_000) -> list[list[str]]:
    """Split the file list so one command line stays far below the kernel's limit;
    a normal repository is one shard, so bandit starts once."""
    shards: list[list[str]] = [[]]
    size = 0
    for p in paths:
        if shards[-1] and size + len(p) + 1 > max_chars:
            shards.append([])
            size = 0
        shards[-1].append(p)
        size += len(p) + 1
    return shards


def parse_report(stdout: bytes) -> Mapping[str, Any]:
    try:
        report = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ToolOutputError(f"bandit printed output that is not JSON ({e})") from None
    if not isinstance(report, dict) or not isinstance(report.get("results"), list):
        raise ToolOutputError("bandit printed JSON without a 'results' list")
    return report


def _rel(name: object) -> str:
    if not isinstance(name, str):
        raise ToolOutputError("bandit reported a finding without a file name")
    return name[2:] if name.startswith("./") else name


def normalize(
    report: Mapping[str, Any], version: str, root: Path, scanned: set[str]
) -> tuple[list[Finding], dict[str, str]]:
    """Bandit's JSON -> our findings, plus files bandit could not analyse (and why)."""
    errors: dict[str, str] = {}
    for err in report.get("errors") or []:
        errors[_rel(err.get("filename"))] = f"bandit could not analyse it: {err.get('reason')}"
    lines_cache: dict[str, list[str]] = {}
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for item in report["results"]:
        try:
            path = _rel(item["filename"])
            test_id = str(item["test_id"])
            line = int(item["line_number"])
            col = int(item.get("col_offset", 0)) + 1
            line_range = [int(n) for n in item.get("line_range") or [line]]
            severity = _SEVERITY[str(item["issue_severity"]).upper()]
            message = str(item["issue_text"])
        except (KeyError, TypeError, ValueError) as e:
            raise ToolOutputError(f"bandit printed a malformed result ({e!r})") from None
        if path not in scanned:
            raise ToolOutputError(f"bandit reported a file it was not asked to scan: {path!r}")
        if test_id in _SECRET_TESTS:
            message = _QUOTED.sub(lambda m: f"'{redact(m.group(1))}'", message)
        lines = lines_cache.get(path)
        if lines is None:
            lines = _read_lines(root / path)
            lines_cache[path] = lines
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        base = fingerprint("bandit", test_id, path, " ".join(code.split()))
        n = seen.get(base, 0)
        seen[base] = n + 1
        fp = base if n == 0 else fingerprint(base, str(n))
        findings.append(
            Finding(
                rule_id=test_id,
                location=Location(path, line, col),
                severity=severity,
                message=message,
                tool="bandit",
                tool_version=version,
                fingerprint=fp,
                confidence=str(item.get("issue_confidence", "")).lower() or None,
                suppressed_by=_suppression(
                    lines, line_range, test_id, str(item.get("test_name", ""))
                ),
            )
        )
    findings.sort(key=Finding.sort_key)
    return findings, errors


def _read_lines(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(10 * 1024 * 1024)
    except OSError:
        return []
    return data.decode("utf-8", "replace").splitlines()


def _suppression(
    lines: Sequence[str], line_range: Sequence[int], test_id: str, name: str
) -> str | None:
    """The ``# nosec`` comment that would silence this finding in bandit's own rules."""
    for n in line_range:
        if not 0 < n <= len(lines):
            continue
        match = _NOSEC.search(lines[n - 1])
        if match is None:
            continue
        listed = {t.strip().upper() for t in re.split(r"[,\s]+", match.group(1)) if t.strip()}
        if not listed or test_id.upper() in listed or name.upper() in listed:
            return f"# nosec at line {n}"
    return None
