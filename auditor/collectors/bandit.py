"""Bandit, run once over the repository's Python files.

We enumerate the files ourselves (no symlink following, our exclusions) and
pass them explicitly, so the audited repository's own ``.bandit`` or
``[tool.bandit]`` settings cannot narrow the scan. Bandit runs with
``--ignore-nosec`` and we recognise ``# nosec`` comments ourselves: a silenced
finding is still evidence a security lead wants to see.
"""

from __future__ import annotations

import contextvars
import json
import re
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from auditor import files, proc
from auditor.cache import VERSION_SLOT, FileCache, digest, executable_identity
from auditor.collectors.base import AuditContext
from auditor.collectors.scanplan import scan_plan
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

BANDIT_ARGS = ("-f", "json", "-q", "--ignore-nosec")
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
        version = self._known_version(ctx)
        found = files.walk(ctx.root, (".py",), ctx.excludes, max_bytes=ctx.max_file_bytes)
        details: dict[str, Any] = {"files_scanned": len(found.files), "skipped": found.skipped}
        if not found.files:
            return CollectorResult(
                self.name, self.tool, version, CollectorStatus.OK, details=details
            )
        plan = scan_plan(ctx, found.files, "bandit", digest("bandit", version, *BANDIT_ARGS))
        deadline = time.monotonic() + ctx.timeout
        fresh = self._run(ctx, plan.to_scan, deadline) if plan.to_scan else {"results": []}
        findings = plan.conclude(fresh, normalize, version, ctx.root, details, found.skipped)
        return CollectorResult(
            self.name, self.tool, version, CollectorStatus.OK, findings=findings, details=details
        )

    def _known_version(self, ctx: AuditContext) -> str:
        """``bandit --version`` costs a second bandit start-up (~0.2 s, most of a warm
        audit's bandit time); with a cache the answer is kept per executable (path, size,
        modification time: reinstalling bandit rewrites its launcher)."""
        if ctx.cache_dir is None:
            return self.version(min(ctx.timeout, 60.0))
        identity = executable_identity(proc.find_tool("bandit"))
        cache = FileCache(ctx.cache_dir, "versions", digest("bandit", identity))
        known = cache.get(VERSION_SLOT)
        if isinstance(known, dict) and isinstance(known.get("version"), str):
            return str(known["version"])
        version = self.version(min(ctx.timeout, 60.0))
        cache.put(VERSION_SLOT, {"version": version})
        return version

    def _run(self, ctx: AuditContext, paths: Sequence[str], deadline: float) -> dict[str, Any]:
        """Bandit over ``paths``: one process per shard, shards run side by side within
        the worker budget (bandit itself is single-threaded)."""
        exe = proc.find_tool("bandit")
        shards = _shards(paths, parts=max(1, min(ctx.workers, len(paths) // 50 or 1)))

        def one(shard: list[str]) -> dict[str, Any]:
            cmd = [exe, *BANDIT_ARGS, "--", *shard]
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
            return _lean(parse_report(out.stdout))

        with ThreadPoolExecutor(max_workers=len(shards)) as pool:
            # each task runs in a copy of our context, so child CPU time is still counted
            futures = [pool.submit(contextvars.copy_context().run, one, sh) for sh in shards]
            reports = [f.result() for f in futures]
        merged: dict[str, Any] = {"results": [], "errors": []}
        for r in reports:
            merged["results"] += r["results"]
            merged["errors"] += r.get("errors") or []
        return merged


_KEEP = (
    "filename", "test_id", "test_name", "line_number", "line_range", "col_offset",
    "issue_severity", "issue_confidence", "issue_text",
)  # fmt: skip


def _redact_quoted(message: str) -> str:
    """Redact quoted values once (a value already in redacted form is left alone)."""

    def one(m: re.Match[str]) -> str:
        value = m.group(1)
        return m.group(0) if "\u2026(sha256:" in value else f"'{redact(value)}'"

    return _QUOTED.sub(one, message)


def _lean(report: Mapping[str, Any]) -> dict[str, Any]:
    """Only what normalisation needs, with hard-coded password values redacted at once:
    the raw report quotes source lines and secrets, and must not reach the cache."""
    results = []
    for item in report["results"]:
        if not isinstance(item, dict):
            raise ToolOutputError("bandit printed a result that is not an object")
        lean = {k: item[k] for k in _KEEP if k in item}
        if str(lean.get("test_id")) in _SECRET_TESTS and isinstance(lean.get("issue_text"), str):
            lean["issue_text"] = _redact_quoted(lean["issue_text"])
        results.append(lean)
    return {"results": results, "errors": list(report.get("errors") or [])}


def _shards(paths: Sequence[str], max_chars: int = 100_000, parts: int = 1) -> list[list[str]]:
    """Split the file list into ``parts`` interleaved shards (so each gets a similar mix
    of files), each further split so one command line stays far below the kernel's
    limit. A normal repository on one worker is one shard: bandit starts once."""
    out: list[list[str]] = []
    for part in range(parts):
        chunk = list(paths[part::parts])
        shard: list[str] = []
        size = 0
        for p in chunk:
            if shard and size + len(p) + 1 > max_chars:
                out.append(shard)
                shard, size = [], 0
            shard.append(p)
            size += len(p) + 1
        if shard:
            out.append(shard)
    return out or [[]]


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
            message = _redact_quoted(message)
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
