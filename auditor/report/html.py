"""The self-contained HTML dashboard: Jinja2 with autoescape, inline CSS/JS/SVG only,
and a Content-Security-Policy that allows exactly our own inline style and script
(by hash), so a payload smuggled into a finding can neither run nor load anything."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import jinja2

from auditor import resources

STATUS_ORDER = (
    "fail",
    "error",
    "unverified",
    "waived",
    "not_implemented",
    "pass",
    "not_applicable",
    "disabled",
)
STATUS_LABELS = {
    "pass": ("\u2714", "Pass"),
    "fail": ("\u2718", "Fail"),
    "error": ("\u26a0", "Error"),
    "not_applicable": ("\u2013", "Not applicable"),
    "not_implemented": ("\u25cb", "Not implemented"),
    "waived": ("\u2691", "Waived"),
    "unverified": ("?", "Unverified (manual)"),
    "disabled": ("\u2298", "Disabled by overlay"),
}
STATUS_COLOURS = {
    "pass": "#0b6b2c",
    "fail": "#a01818",
    "error": "#8a4b00",
    "not_applicable": "#9aa1aa",
    "not_implemented": "#c9cdd3",
    "waived": "#5b3f99",
    "unverified": "#b8860b",
    "disabled": "#6b7280",
}


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _band(score: float | None) -> tuple[str, str]:
    if score is None:
        return "", "#9aa1aa"
    if score >= 80:
        return "good", STATUS_COLOURS["pass"]
    if score >= 50:
        return "mid", STATUS_COLOURS["error"]
    return "bad", STATUS_COLOURS["fail"]


def _practices(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in doc["practices"]:
        total = sum(p["counts"].values()) or 1
        x = 0.0
        segments = []
        for s in STATUS_ORDER:
            w = 100.0 * p["counts"][s] / total
            if w:
                segments.append({"x": round(x, 2), "w": round(w, 2), "colour": STATUS_COLOURS[s]})
                x += w
        band, colour = _band(p["score"])
        out.append({**p, "segments": segments, "band": band, "colour": colour})
    return out


def _finding_groups(doc: dict[str, Any]) -> list[dict[str, Any]]:
    decides: dict[str, list[str]] = {}
    for c in doc["controls"]:
        for rule in c["rules"]:
            decides.setdefault(rule, []).append(c["id"])
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for collector in doc["collectors"]:
        for f in collector["findings"]:
            key = (f["tool"], f["rule_id"])
            g = groups.setdefault(
                key,
                {"tool": f["tool"], "rule_id": f["rule_id"], "findings": [], "silenced": 0,
                 "controls": decides.get(f["rule_id"], [])},
            )  # fmt: skip
            g["findings"].append(f)
            g["silenced"] += 1 if f["suppressed_by"] else 0
    return sorted(
        groups.values(), key=lambda g: (not g["controls"], -len(g["findings"]), g["rule_id"])
    )


def render(doc: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    templates = resources.templates_dir()
    css = (templates / "dashboard.css").read_text("utf-8")
    js = (templates / "dashboard.js").read_text("utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    overall = doc["score"]["overall"]
    _, gauge_colour = _band(overall)
    view = {**doc, "practices": _practices(doc)}
    return env.get_template("dashboard.html.j2").render(
        doc=view,
        project=Path(doc["target"]["path"]).name,
        status_labels=STATUS_LABELS,
        status_order=STATUS_ORDER,
        score_text="n/a" if overall is None else f"{overall:g}",
        gauge_arc=round(3.1416 * (overall or 0.0), 2),
        gauge_colour=gauge_colour,
        errored=[c for c in doc["collectors"] if c["status"] == "error"],
        from_repo=[s for s in doc["settings"] if s["from_audited_repo"]],
        collector_names=sorted({c["collector"] for c in doc["controls"]}),
        finding_groups=_finding_groups(doc),
        changes=changes,
        css=css,
        js=js,
        css_hash=_csp_hash(css),
        js_hash=_csp_hash(js),
    )


def render_org(org: dict[str, Any]) -> str:
    """The organisation roll-up page (no script needed: a plain sorted table)."""
    templates = resources.templates_dir()
    css = (templates / "dashboard.css").read_text("utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("org.html.j2").render(org=org, css=css, css_hash=_csp_hash(css))
