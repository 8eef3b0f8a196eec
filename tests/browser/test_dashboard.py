"""The dashboard in a real headless Chromium: self-contained, filterable, and inert to payloads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    proc = cli("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def open_page(browser: Any, html: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


def visible_rows(page: Any) -> int:
    return int(page.eval_on_selector_all("#controls tbody tr:not(.hidden)", "rows => rows.length"))


def test_demo_dashboard_loads_clean_and_alone(browser: Any, demo: Path) -> None:
    html = demo / "index.html"
    page, errors, requests = open_page(browser, html)
    assert errors == []
    assert requests == [html.as_uri()]
    assert "Security audit" in page.title()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=False)
    page.close()


def test_filters_change_the_visible_rows(browser: Any, demo: Path) -> None:
    page, errors, _ = open_page(browser, demo / "index.html")
    total = visible_rows(page)
    assert total > 30
    page.select_option("#f-practice", "P02")
    p02 = visible_rows(page)
    assert 0 < p02 < total
    assert all(
        r == "P02"
        for r in page.eval_on_selector_all(
            "#controls tbody tr:not(.hidden)", "rows => rows.map(r => r.dataset.practice)"
        )
    )
    page.select_option("#f-practice", "")
    page.select_option("#f-status", "fail")
    failing = visible_rows(page)
    assert 0 < failing < total
    page.select_option("#f-status", "")
    page.fill("#f-text", "B602")
    assert 0 < visible_rows(page) < total
    page.fill("#f-text", "")
    page.click("#controls th button[data-key=severity]")
    first = page.eval_on_selector("#controls tbody tr", "r => r.dataset.severity")
    assert first == "critical" or first == "high"
    assert errors == []
    page.close()


def test_expanding_a_control_shows_its_evidence(browser: Any, demo: Path) -> None:
    page, _, _ = open_page(browser, demo / "index.html")
    row = page.locator("#controls tbody tr[data-status=pass]").first
    evidence = row.locator("details li").first
    assert not evidence.is_visible()
    row.locator("summary").click()
    assert evidence.is_visible()
    assert "Checked:" in row.inner_text()
    page.close()


def test_hostile_text_renders_as_text(browser: Any, demo: Path, tmp_path: Path) -> None:
    doc = json.loads((demo / "results.json").read_text())
    payloads = [
        "<script>window.__pwned = 1</script>",
        '"><img src=x onerror="window.__pwned = 2">',
        "javascript:window.__pwned=3",
    ]
    control = next(c for c in doc["controls"] if c["evidence"]["findings"])
    finding = control["evidence"]["findings"][0]
    finding["message"] = " ".join(payloads)
    finding["location"]["path"] = '<img src=x onerror="window.__pwned = 4">.py'
    control["reason"] = payloads[0]
    doc["collectors"][0]["findings"].append(finding)
    stored = tmp_path / "results.json"
    stored.write_text(json.dumps(doc))
    proc = cli("report", str(stored), "--format", "html", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page, errors, requests = open_page(browser, tmp_path / "out" / "index.html")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img").count() == 0
    assert payloads[0] in page.inner_text("body")
    assert len(requests) == 1
    assert errors == []
    page.close()
