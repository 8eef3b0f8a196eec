"""Waived, expired-waiver, manual/unverified and disabled controls look different, and the
organisation roll-up shows its repository table, in a real Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.browser.test_dashboard import open_page
from tests.helpers import make_repo

SHELL = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n'
)
EVAL = "def calc(expr):\n    return eval(expr)\n"
OVERLAY = """id: test-overlay
version: "1"
title: Test overlay
extends: python-secure-development
disable:
  - control: P14-C04
    reason: "Secrets are injected by the platform; no .env files exist"
add_controls:
  - practice: P15
    control:
      id: P15-C90
      title: A penetration test was performed in the last 12 months
      rationale: Tools do not find business-logic flaws.
      severity: high
      evidence: {collector: attestation, description: A signed statement of the last test}
      remediation: Commission a test.
      references: {cwe: [CWE-1053], asvs: ["1.1.2"]}
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=600
    )


def waiver(target: str, created: str, expires: str) -> str:
    return (
        f"  - {target}\n    justification: accepted for now\n    owner: alice\n"
        f"    approved_by: bob\n    created: {created}\n    expires: {expires}\n"
    )


def test_governed_statuses_are_visibly_distinct(browser: Any, tmp_path: Path) -> None:
    from auditor.audit import load_checklist
    from auditor.resources import default_checklist

    by_rule = {
        r: c.id for c in load_checklist(default_checklist()).controls() for r in c.evidence.rules
    }
    waivers = (
        "waivers:\n"
        + waiver(f"control: {by_rule['B602']}", "2026-11-01", "2027-01-20")
        + waiver(f"control: {by_rule['B307']}", "2026-01-01", "2026-03-01")
    )
    repo = make_repo(
        tmp_path / "r",
        {"app/run.py": SHELL, "app/calc.py": EVAL, ".auditor/waivers.yaml": waivers},
    )
    (tmp_path / "overlay.yaml").write_text(OVERLAY)
    out = tmp_path / "out"
    proc = cli("audit", str(repo), "--out", str(out), "--checklist", str(tmp_path / "overlay.yaml"),
               "--today", "2026-11-26")  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    page, errors, _ = open_page(browser, out / "index.html")
    expected = {
        by_rule["B602"]: ("waived", "Waived"),
        by_rule["B307"]: ("fail", "Fail"),
        "P15-C90": ("unverified", "Unverified"),
        "P14-C04": ("disabled", "Disabled by overlay"),
    }
    seen = {}
    for cid, (status, label) in expected.items():
        row = page.locator(f"tr[id='{cid}']")
        assert row.get_attribute("data-status") == status
        cell = row.locator("td.st")
        assert label in cell.inner_text()
        seen[cid] = (cell.inner_text(), cell.evaluate("e => getComputedStyle(e).color"))
    assert "expired on 2026-03-01" in page.locator(f"tr[id='{by_rule['B307']}']").inner_text()
    assert "Secrets are injected by the platform" in page.locator("tr[id='P14-C04']").inner_text()
    texts = [t for t, _ in seen.values()]
    assert len(set(texts)) == 4  # each status has its own icon and words, not just a colour
    assert errors == []
    page.close()


def test_organisation_rollup_shows_the_repository_table(browser: Any, tmp_path: Path) -> None:
    proc = cli("demo", "--out", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "demo" / "results.json").read_text())
    files = []
    for name, score in (("billing", 40.5), ("web", 88.0), ("etl", 12.0)):
        d = json.loads(json.dumps(doc))
        d["target"]["path"] = f"/srv/{name}"
        d["score"]["overall"] = score
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(d))
        files.append(str(f))
    proc = cli("aggregate", *files, "--out", str(tmp_path / "org"))
    assert proc.returncode == 0, proc.stderr
    page, errors, requests = open_page(browser, tmp_path / "org" / "index.html")
    rows = page.locator("#repositories tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).get_attribute("data-repo") for i in range(3)] == ["etl", "billing", "web"]
    assert errors == [] and len(requests) == 1
    page.close()
    shutil.rmtree(tmp_path / "org")
