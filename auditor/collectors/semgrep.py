"""Semgrep, run once per audit with every rule file of our pack in ``checks/semgrep``.

Offline by construction: local rule files only, ``--metrics=off``, no version
check. Like bandit, the files are enumerated by us and passed explicitly, so the
audited repository's ``.semgrepignore`` cannot hide anything; ``# nosemgrep``
comments are reported as evidence rather than silently dropping findings. The
tool's version is read from its scan output, so start-up is paid exactly once.
The YAML rule files are handed to semgrep as one JSON document written for the
run: semgrep spends seconds parsing and validating a large YAML pack (4.7 s before
scanning a single file, against 2.0 s for the same rules as JSON), which dominated
every warm and PR-mode audit. ``--experimental`` selects semgrep's OCaml command line
(osemgrep) instead of its Python wrapper: the same engine and JSON output (identical
findings on 877 Django files, and a test holds every rule-test annotation to it),
without ~1.7 s of Python start-up and post-processing per run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from auditor import files, proc, resources
from auditor.cache import VERSION_SLOT, digest, executable_identity
from auditor.collectors.base import AuditContext
from auditor.collectors.scanplan import scan_plan
from auditor.errors import CollectorError, ToolOutputError
from auditor.evidence import (
    CollectorResult,
    CollectorStatus,
    Finding,
    Location,
    Severity,
    fingerprint,
)
from auditor.git import empty_config_file

SCAN_ARGS = (
    "--experimental", "--json", "--metrics=off", "--disable-version-check", "--disable-nosem",
    "--no-rewrite-rule-ids", "--oss-only", "--timeout", "30", "--max-target-bytes", "2097152",
)  # fmt: skip
_PACK_ENTRY = "1" * 64
"""A cache slot holding the pack as one document (the cache key includes the pack's hash):
a warm audit skips reading half a megabyte of YAML."""
SUFFIXES = (".py", ".html", ".htm", ".jinja", ".jinja2", ".j2")
MAX_TARGET_BYTES = 2 * 1024 * 1024
_SEVERITY = {"ERROR": Severity.HIGH, "WARNING": Severity.MEDIUM, "INFO": Severity.LOW}
_NOSEM = re.compile(r"nosemgrep\b(?::\s*([\w.\-, ]+))?", re.IGNORECASE)


class SemgrepError(CollectorError):
    """Semgrep failed or said something we cannot trust."""


def rule_pack(rules_dir: Path) -> tuple[list[Path], str]:
    """The rule files and one sha256 over their names and contents, recorded so an
    audit says exactly which rules decided it."""
    paths = sorted(p for p in rules_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.relative_to(rules_dir).as_posix().encode() + b"\0")
        digest.update(p.read_bytes() + b"\0")
    return paths, digest.hexdigest()


def load_pack(rule_files: Sequence[Path]) -> dict[str, Any]:
    """The rule files as one ``{"rules": [...]}`` document; semgrep reads it as JSON with
    the same rule ids and metadata, only faster. The files are ours (package data), but a
    broken one still fails the collector rather than dropping its rules."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rules: list[Any] = []
    for path in rule_files:
        try:
            doc = yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise SemgrepError(f"semgrep rule file {path.name} cannot be read: {e}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            raise SemgrepError(f"semgrep rule file {path.name} has no 'rules' list")
        rules += doc["rules"]
    return {"rules": rules}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SETTINGS_FILE": empty_config_file(),
            "SEMGREP_APP_TOKEN": "",
        }
    )
    # semgrep's threads share one OCaml heap; with the default 256k-word minor heap they spend
    # their time collecting each other's garbage (-j 2 was barely faster than -j 1 on two
    # cores). An 8M-word minor heap and a lazier major GC made -j 2 1.8x faster on 877 Django
    # files (58 s -> 32 s) for ~250 MB more memory. An operator's own setting wins.
    env.setdefault("OCAMLRUNPARAM", "s=8M,o=200")
    return env


class SemgrepCollector:
    name = "semgrep"
    tool = "semgrep"
    fact_keys: frozenset[str] = frozenset()

    def __init__(self, rules_dir: Path | None = None) -> None:
        self._rules_dir = rules_dir

    @property
    def rules_dir(self) -> Path:
        return self._rules_dir or resources.checks_dir() / "semgrep"

    def version(self, timeout: float) -> str:
        out = proc.run([proc.find_tool("semgrep"), "--version"], timeout=timeout, env=_env())
        text = out.stdout.decode("utf-8", "replace").strip()
        if out.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+\S*", text):
            raise SemgrepError("semgrep --version did not print a version")
        return text

    def collect(self, ctx: AuditContext) -> CollectorResult:
        exe = proc.find_tool("semgrep")
        rule_files, pack_sha = rule_pack(self.rules_dir)
        if not rule_files:
            raise SemgrepError(f"no semgrep rule files in {self.rules_dir}")
        found = files.walk(ctx.root, SUFFIXES, ctx.excludes, max_bytes=ctx.max_file_bytes)
        skipped = dict(found.skipped)
        targets = []
        for rel in found.files:
            size = (ctx.root / rel).stat().st_size
            if size > MAX_TARGET_BYTES:
                skipped[rel] = f"larger than {MAX_TARGET_BYTES} bytes ({size})"
            else:
                targets.append(rel)
        details: dict[str, Any] = {
            "rule_pack_sha256": pack_sha,
            "rule_files": [p.name for p in rule_files],
            "files_scanned": len(targets),
            "skipped": skipped,
        }
        key = digest("semgrep", executable_identity(exe), pack_sha, *SCAN_ARGS)
        plan = scan_plan(ctx, targets, "semgrep", key, path_key="path")
        version = ""
        fresh: dict[str, Any] = {"results": [], "errors": []}
        if plan.to_scan:
            jobs = ["--jobs", str(max(1, min(ctx.workers, len(plan.to_scan) // 20 or 1)))]
            pack = plan.cache.get(_PACK_ENTRY) if plan.cache is not None else None
            if not isinstance(pack, dict) or not isinstance(pack.get("rules"), list):
                pack = load_pack(rule_files)
                if plan.cache is not None:
                    plan.cache.put(_PACK_ENTRY, pack)
            with tempfile.TemporaryDirectory(prefix="auditor-semgrep-") as tmp:
                config = Path(tmp) / "rules.json"
                config.write_text(json.dumps(pack), "utf-8")
                cmd = [exe, "scan", "--config", str(config), *SCAN_ARGS, *jobs, "--", *plan.to_scan]
                out = proc.run(cmd, timeout=ctx.timeout, cwd=ctx.root, env=_env())
            fresh = dict(parse_report(out.stdout))
            if out.returncode not in (0, 1):
                first = _fatal_errors(fresh) or [f"exit status {out.returncode}"]
                raise SemgrepError(f"semgrep failed: {first[0][:300]}")
            version = str(fresh.get("version") or "")
            if not version:
                raise ToolOutputError("semgrep printed JSON without its version")
            if plan.cache is not None:
                plan.cache.put(VERSION_SLOT, {"results": [], "errors": [], "version": version})
        elif plan.cache is not None:
            remembered = plan.cache.get(VERSION_SLOT)
            version = str((remembered or {}).get("version") or "")
        if not version:
            version = self.version(min(ctx.timeout, 60.0))
        findings = plan.conclude(fresh, normalize, version, ctx.root, details, skipped)
        return CollectorResult(
            self.name, self.tool, version, CollectorStatus.OK, findings=findings, details=details
        )


def parse_report(stdout: bytes) -> Mapping[str, Any]:
    # osemgrep copies source bytes (matched lines, parse errors) into its JSON as they are,
    # invalid UTF-8 included; they are carried as surrogates rather than refused.
    try:
        report = json.loads(stdout.decode("utf-8", "surrogateescape"))
    except json.JSONDecodeError as e:
        raise ToolOutputError(f"semgrep printed output that is not JSON ({e})") from None
    if not isinstance(report, dict) or not isinstance(report.get("results"), list):
        raise ToolOutputError("semgrep printed JSON without a 'results' list")
    return report


def _fatal_errors(report: Mapping[str, Any]) -> list[str]:
    return [
        str(e.get("message", e.get("type", "error"))).strip().splitlines()[0]
        for e in report.get("errors") or []
        if isinstance(e, dict) and e.get("level") == "error" and not e.get("path")
    ]


def normalize(
    report: Mapping[str, Any], version: str, root: Path, scanned: set[str]
) -> tuple[list[Finding], dict[str, str]]:
    """Semgrep's JSON -> our findings, plus files semgrep could not fully analyse."""
    fatal = _fatal_errors(report)
    if fatal:
        raise SemgrepError(f"semgrep reported an error: {fatal[0][:300]}")
    errors: dict[str, str] = {}
    for err in report.get("errors") or []:
        if isinstance(err, dict) and isinstance(err.get("path"), str):
            kind = str(err.get("type", "error"))
            kind = kind[0] if isinstance(kind, list) and kind else kind
            errors[err["path"].removeprefix("./")] = f"semgrep could not fully analyse it: {kind}"
    lines_cache: dict[str, list[str]] = {}
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for item in report["results"]:
        try:
            path = str(item["path"]).removeprefix("./")
            rule_id = str(item["check_id"])
            line = int(item["start"]["line"])
            col = int(item["start"]["col"])
            extra = item["extra"]
            message = " ".join(str(extra["message"]).split())
            message = message.encode("utf-8", "replace").decode("utf-8")
            severity = _SEVERITY.get(str(extra.get("severity", "")).upper(), Severity.MEDIUM)
            meta = extra.get("metadata") or {}
        except (KeyError, TypeError, ValueError) as e:
            raise ToolOutputError(f"semgrep printed a malformed result ({e!r})") from None
        if path not in scanned:
            raise ToolOutputError(f"semgrep reported a file it was not asked to scan: {path!r}")
        lines = lines_cache.get(path)
        if lines is None:
            lines = lines_cache[path] = _read_lines(root / path)
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        base = fingerprint("semgrep", rule_id, path, " ".join(code.split()))
        n = seen.get(base, 0)
        seen[base] = n + 1
        confidence = meta.get("confidence") if isinstance(meta, dict) else None
        findings.append(
            Finding(
                rule_id=rule_id,
                location=Location(path, line, col),
                severity=severity,
                message=message,
                tool="semgrep",
                tool_version=version,
                fingerprint=base if n == 0 else fingerprint(base, str(n)),
                confidence=str(confidence).lower() if confidence else None,
                suppressed_by=_suppression(lines, line, rule_id),
            )
        )
    findings.sort(key=Finding.sort_key)
    return findings, errors


def _read_lines(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_TARGET_BYTES).decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def _suppression(lines: Sequence[str], line: int, rule_id: str) -> str | None:
    """A ``nosemgrep`` comment on the finding's line, or alone on the line before it."""
    candidates = [(line, lines[line - 1])] if 0 < line <= len(lines) else []
    if 1 < line <= len(lines) + 1 and lines[line - 2].strip().startswith("#"):
        candidates.append((line - 1, lines[line - 2]))
    for n, text in candidates:
        match = _NOSEM.search(text)
        if match is None:
            continue
        listed = {r.strip() for r in (match.group(1) or "").split(",") if r.strip()}
        if not listed or rule_id in listed or any(rule_id.endswith("." + r) for r in listed):
            return f"# nosemgrep at line {n}"
    return None
