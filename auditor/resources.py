"""Find the bundled rule pack, checklists and templates.

In a wheel they are copied into the package (``auditor/checks``...); in a source
checkout or an editable install they sit beside the package at the top of the
repository. Both layouts are supported and nothing else is searched.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import AuditorError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise AuditorError(f"the auditor installation is incomplete: no '{name}' folder found")


def checks_dir() -> Path:
    return data_dir("checks")


def templates_dir() -> Path:
    return data_dir("templates")


def default_checklist() -> Path:
    return data_dir("checklists") / "python-secure-development.yaml"


def package_file(*parts: str) -> Path:
    return _PACKAGE.joinpath(*parts)
