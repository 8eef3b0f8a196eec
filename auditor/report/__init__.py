"""Reports render a finished result document; they compute nothing."""

from __future__ import annotations

import enum
import json
from typing import Any

from auditor.report import html, junit, markdown, sarif


class Format(enum.StrEnum):
    HTML = "html"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"

    @property
    def filename(self) -> str:
        return _FILENAMES[self]


_FILENAMES = {
    Format.HTML: "index.html",
    Format.JSON: "results.json",
    Format.SARIF: "results.sarif",
    Format.JUNIT: "junit.xml",
    Format.MARKDOWN: "summary.md",
}


def render(fmt: Format, doc: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    if fmt is Format.HTML:
        return html.render(doc, changes)
    if fmt is Format.SARIF:
        return sarif.render(doc)
    if fmt is Format.JUNIT:
        return junit.render(doc)
    if fmt is Format.MARKDOWN:
        return markdown.render(doc, changes)
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


__all__ = ["Format", "render"]
