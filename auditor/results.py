"""The finished result as a JSON document, and its atomic, deterministic writing.

Same repository and inputs give byte-identical JSON apart from the fields in
``VOLATILE_FIELDS`` (sorted keys, sorted lists, no environment-dependent paths).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from auditor import __version__, resources
from auditor.audit import AuditResult
from auditor.controls import ControlResult
from auditor.errors import InputError, OutputError
from auditor.files import DEFAULT_EXCLUDES
from auditor.scrub import scrub

SCHEMA_VERSION = "1.0"
VOLATILE_FIELDS = ("generated_at", "duration_seconds", "cpu_seconds", "cache")
"""Fields that differ between two audits of the same inputs: time only."""


def _display_path(path: str) -> str:
    """Bundled checklists are named by their place in the package, not this machine's path."""
    p = Path(path).resolve()
    for base in (resources.data_dir("checklists"),):
        if p.is_relative_to(base.resolve()):
            return f"bundled:{p.relative_to(base.resolve()).as_posix()}"
    return str(path)


def _control(r: ControlResult) -> dict[str, Any]:
    c = r.control
    return {
        "id": c.id,
        "practice_id": c.practice_id,
        "title": c.title,
        "rationale": c.rationale,
        "severity": str(c.severity),
        "status": str(r.status),
        "reason": r.reason,
        "checked": c.evidence.description,
        "collector": c.evidence.collector,
        "rules": sorted(c.evidence.rules),
        "fact": c.evidence.fact,
        "pass_if": c.evidence.pass_if,
        "applies_if": list(c.evidence.applies_if),
        "requires_git": c.requires_git,
        "tool": r.tool,
        "tool_version": r.tool_version,
        "remediation": c.remediation,
        "manual": c.manual,
        "disabled": c.disabled,
        "waiver": r.waiver,
        "notes": list(r.notes),
        "satisfied_by": r.satisfied_by,
        "alternatives": [
            {
                "collector": a.collector,
                "checked": a.description,
                "rules": sorted(a.rules),
                "fact": a.fact,
            }
            for a in c.evidence.alternatives
        ],
        "references": {"cwe": list(c.references.cwe), "asvs": list(c.references.asvs)},
        "evidence": {
            "findings": [f.to_dict() for f in sorted(r.findings, key=lambda f: f.sort_key())],
            "facts": [f.to_dict() for f in sorted(r.facts, key=lambda f: (f.key, str(f.source)))],
        },
    }


def build(result: AuditResult) -> dict[str, Any]:
    checklist = result.checklist
    score = result.score
    practice_scores = {p.practice_id: p for p in score.practices}
    settings = [
        {
            "name": s.name,
            "value": s.value,
            "source": s.source,
            "from_audited_repo": s.from_audited_repo,
        }
        for s in sorted(result.settings.values.values(), key=lambda s: s.name)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "auditor_version": __version__,
        "generated_at": result.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": round(result.duration_seconds, 3),
        "checklist": {
            "id": checklist.id,
            "version": checklist.version,
            "title": checklist.title,
            "path": _display_path(checklist.path),
            "sha256": checklist.sha256,
            "extends": list(checklist.extends),
            "honour_inline_suppressions": checklist.honour_inline_suppressions,
        },
        "target": {
            "path": str(result.root),
            "is_git": result.is_git,
            "head_commit": result.head,
        },
        "settings": settings,
        "excludes": {
            "effective": list(result.settings.excludes),
            "defaults": list(DEFAULT_EXCLUDES),
        },
        "collectors": [
            {
                **c.to_dict(),
                "findings": [f.to_dict() for f in sorted(c.findings, key=lambda f: f.sort_key())],
                "facts": [
                    f.to_dict() for f in sorted(c.facts, key=lambda f: (f.key, str(f.source)))
                ],
            }
            for c in sorted(result.collected.values(), key=lambda c: c.name)
        ],
        "score": {
            "overall": score.overall,
            "summary": score.summary,
            "complete": score.complete,
            "unevaluated": score.unevaluated,
            "counts": score.counts,
        },
        "practices": [
            {
                "id": p.id,
                "title": p.title,
                "summary": p.summary,
                "weight": p.weight,
                "score": practice_scores[p.id].score,
                "counts": practice_scores[p.id].counts,
                "controls": [c.id for c in p.controls],
            }
            for p in checklist.practices
        ],
        "controls": [_control(r) for r in result.controls],
        "pr_mode": None
        if result.pr is None
        else {
            "changed_since": result.pr[0],
            "changed_files": result.pr[1],
            "weakening": list(result.pr[2]),
        },
        "governance": {
            "evaluated_on": result.today.isoformat(),
            "waivers": list(result.waivers),
            "attested_controls": list(result.attested),
        },
        "exit_code": result.exit_code,
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, fsync, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: could not write ({e.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_all(outputs: dict[Path, str]) -> None:
    """All outputs were rendered (and scrubbed of anything that looks like a secret)
    before any is written, so a failed render leaves every previous file as it was."""
    clean = {path: scrub(text) for path, text in outputs.items()}
    for path, text in clean.items():
        write_atomic(path, text)
    for path in clean:
        # temporary files of an earlier run that was killed mid-write: never trusted, now gone
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            stale.unlink(missing_ok=True)


def load(path: Path) -> dict[str, Any]:
    """A stored results document, checked just enough that reports can trust its shape."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(
            str(path), None, None, f"expected a readable results file ({e.strerror})"
        ) from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(str(path), None, None, "expected UTF-8 JSON") from None
    except json.JSONDecodeError as e:
        raise InputError(str(path), e.lineno, e.colno, f"expected valid JSON ({e.msg})") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            str(path),
            1,
            1,
            f"expected an auditor results document with schema_version {SCHEMA_VERSION}",
        )
    for key in ("controls", "practices", "collectors", "score", "target", "checklist", "settings"):
        if key not in doc:
            raise InputError(str(path), 1, 1, f"expected key '{key}' in the results document")
    return doc
