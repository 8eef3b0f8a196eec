"""Rendering cost of a large result: 5,000 findings over 150 controls.

Prints render time per format, the dashboard's size, and the time Chromium takes to
load it to interactive (when /usr/bin/chromium and playwright are available).
Run by hand: ``python benchmarks/report.py``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.report import Format, render  # noqa: E402

STATUSES = ("pass", "fail", "error", "not_applicable", "not_implemented", "waived", "unverified", "disabled")


def synthetic(n_controls: int = 150, n_findings: int = 5000, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    practices = []
    controls = []
    per = n_controls // 15
    for p in range(1, 16):
        pid = f"P{p:02d}"
        ids = [f"{pid}-C{c:02d}" for c in range(1, per + 1)]
        practices.append(
            {
                "id": pid,
                "title": f"Practice {p}",
                "summary": "s",
                "weight": 1.0,
                "score": round(rnd.uniform(0, 100), 1),
                "controls": ids,
                "counts": {s: 0 for s in STATUSES},
            }
        )
        for cid in ids:
            status = rnd.choice(STATUSES)
            practices[-1]["counts"][status] += 1
            controls.append(
                {
                    "id": cid,
                    "practice_id": pid,
                    "title": f"Control {cid}",
                    "rationale": "why",
                    "severity": rnd.choice(["critical", "high", "medium", "low"]),
                    "status": status,
                    "reason": "reason",
                    "checked": "what",
                    "collector": rnd.choice(["bandit", "semgrep"]),
                    "rules": [f"rule-{cid}"],
                    "fact": None,
                    "pass_if": "no_findings",
                    "applies_if": [],
                    "requires_git": False,
                    "tool": "bandit",
                    "tool_version": "1.9.4",
                    "remediation": "fix",
                    "manual": False,
                    "disabled": None,
                    "waiver": None,
                    "notes": [],
                    "references": {"cwe": ["CWE-79"], "asvs": ["5.3.3"]},
                    "evidence": {"findings": [], "facts": []},
                }
            )
    findings = []
    for n in range(n_findings):
        c = rnd.choice(controls)
        f = {
            "rule_id": c["rules"][0],
            "location": {"path": f"pkg/mod{n % 400}.py", "line": n % 900 + 1, "column": 1},
            "severity": "high",
            "confidence": "high",
            "message": f"finding number {n} with a message of ordinary length",
            "tool": "bandit",
            "tool_version": "1.9.4",
            "fingerprint": f"{n:020x}",
            "suppressed_by": None,
            "waived_by": None,
        }
        c["evidence"]["findings"].append(f)
        findings.append(f)
    counts = {s: sum(1 for c in controls if c["status"] == s) for s in STATUSES}
    return {
        "schema_version": "1.0",
        "auditor_version": "0.1.0",
        "generated_at": "2026-11-26T00:00:00Z",
        "duration_seconds": 1.0,
        "checklist": {
            "id": "bench",
            "version": "1",
            "title": "Bench",
            "path": "x",
            "sha256": "0" * 64,
            "extends": [],
        },
        "target": {"path": "/tmp/bench", "is_git": True, "head_commit": "0" * 40},
        "settings": [],
        "excludes": {"effective": [], "defaults": []},
        "collectors": [
            {
                "name": "bandit",
                "tool": "bandit",
                "tool_version": "1.9.4",
                "status": "ok",
                "reason": None,
                "duration_seconds": 1.0,
                "details": {},
                "finding_count": len(findings),
                "fact_count": 0,
                "findings": findings,
                "facts": [],
            }
        ],
        "score": {
            "overall": 55.0,
            "summary": "55/100",
            "complete": False,
            "unevaluated": 3,
            "counts": counts,
        },
        "practices": practices,
        "controls": controls,
        "governance": {"evaluated_on": "2026-11-26", "waivers": [], "attested_controls": []},
        "exit_code": 1,
    }


def main() -> None:
    doc = synthetic()
    for fmt in Format:
        t0 = time.perf_counter()
        text = render(fmt, doc)
        elapsed = time.perf_counter() - t0
        print(f"{fmt.value:<9} render {elapsed:6.3f} s  size {len(text.encode()) / 1e6:6.2f} MB")
    html = render(Format.HTML, doc)
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        print("chromium: not installed, load time not measured")
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_file = Path(tmp) / "index.html"
        page_file.write_text(html)
        browser = p.chromium.launch(
            executable_path=str(chromium),
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ],
        )
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("document.getElementById('visible-count').textContent.length > 0")
        print(f"chromium  load to interactive {time.perf_counter() - t0:6.3f} s")
        browser.close()


if __name__ == "__main__":
    main()
