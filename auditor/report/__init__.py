"""Reports render a finished result document; they compute nothing."""

from __future__ import annotations

import enum
import json
from typing import Any

from auditor.report import html


class Format(enum.StrEnum):
    HTML = "html"
    JSON = "json"

    @property
    def filename(self) -> str:
        return {Format.HTML: "index.html", Format.JSON: "results.json"}[self]


def render(fmt: Format, doc: dict[str, Any]) -> str:
    if fmt is Format.HTML:
        return html.render(doc)
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


__all__ = ["Format", "render"]
