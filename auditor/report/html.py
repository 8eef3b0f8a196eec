"""The self-contained HTML dashboard (Jinja2, autoescape on, no external requests)."""

from __future__ import annotations

from typing import Any

import jinja2

from auditor import resources

STATUS_LABELS = {
    "pass": ("✔", "Pass"),
    "fail": ("✘", "Fail"),
    "error": ("⚠", "Error"),
    "not_applicable": ("\u2013", "Not applicable"),
    "not_implemented": ("○", "Not implemented"),
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["status_labels"] = STATUS_LABELS
    return env


def render(doc: dict[str, Any]) -> str:
    controls = {c["id"]: c for c in doc["controls"]}
    collectors = {c["name"]: c for c in doc["collectors"]}
    errored = [c for c in doc["collectors"] if c["status"] == "error"]
    template = _environment().get_template("dashboard.html.j2")
    return template.render(doc=doc, controls=controls, collectors=collectors, errored=errored)
