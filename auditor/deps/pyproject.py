"""``pyproject.toml``: PEP 621 and PEP 735 tables, Poetry's, uv's and PDM's own tables.

Build requirements (``[build-system]``) are left out on purpose: they are not
installed into the application's environment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from auditor.evidence import Location

from . import specs
from .model import Dependency, IndexUse, Manifest, Problem, PythonDecl
from .repofiles import Unreadable, assigns, load_toml, locate, quoted, read_text
from .requirements import requirement


class _Doc:
    """One parsed file and what it declared so far."""

    def __init__(self, rel: str, text: str) -> None:
        self.rel = rel
        self.lines = text.splitlines()
        self.deps: list[Dependency] = []
        self.problems: list[Problem] = []
        self.indexes: list[IndexUse] = []
        self.pythons: list[PythonDecl] = []

    def where(self, headers: tuple[str, ...], match: Any) -> Location:
        for header in headers:
            loc = locate(self.rel, self.lines, header, match)
            if loc.line is not None:
                return loc
        return Location(self.rel, None)

    def add(self, item: Dependency | Problem) -> None:
        if isinstance(item, Problem):
            self.problems.append(item)
        else:
            self.deps.append(item)

    def fail(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, message))

    def python(self, loc: Location, what: str, constraint: str, poetry: bool) -> None:
        try:
            alts = specs.poetry_constraint(constraint) if poetry else (constraint,)
            for alt in alts:
                SpecifierSet(alt)
        except (ValueError, InvalidSpecifier):
            self.fail(loc, f"expected a version specifier for {what}, got '{constraint}'")
            return
        for alt in alts:
            self.pythons.append(PythonDecl(loc, f"{what} {constraint}", alt))

    def pep508_list(self, value: Any, field: str, headers: tuple[str, ...], group: str) -> None:
        if not isinstance(value, list):
            self.fail(
                self.where(headers, assigns(field.rsplit(".", 1)[-1])),
                f"expected a list of requirement strings for {field}",
            )
            return
        for item in value:
            if isinstance(item, dict) and "include-group" in item:
                continue
            if not isinstance(item, str):
                self.fail(
                    self.where(headers, assigns(field.rsplit(".", 1)[-1])),
                    f"expected requirement strings in {field}, got {item!r}",
                )
                continue
            loc = self.where(headers, quoted(item))
            self.add(requirement(item, loc, group))


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _poetry_entry(name: str, value: Any, loc: Location, group: str) -> Dependency | Problem:
    base = Dependency(canonicalize_name(name), name, "", loc, group)
    if isinstance(value, list):
        alts: list[str] = []
        for item in value:
            entry = _poetry_entry(name, item, loc, group)
            if isinstance(entry, Problem):
                return entry
            alts += entry.allowed or ()
        return replace(base, spec=" | ".join(alts), allowed=tuple(alts))
    table = value if isinstance(value, dict) else {"version": value}
    if "git" in table:
        ref = table.get("rev") or table.get("tag") or table.get("branch") or ""
        url = f"git+{table['git']}" + (f"@{ref}" if ref else "")
        pinned = "rev" in table and specs.url_pinned(f"git+{table['git']}@{table['rev']}")
        return replace(
            base,
            spec=specs.redact_url(url),
            allowed=None,
            url=specs.redact_url(url),
            url_pinned=pinned,
        )
    if "path" in table:
        return replace(
            base,
            spec=str(table["path"]),
            allowed=None,
            local=True,
            editable=bool(table.get("develop")),
            url=str(table["path"]),
        )
    if "url" in table:
        url = str(table["url"])
        return replace(
            base,
            spec=specs.redact_url(url),
            allowed=None,
            url=specs.redact_url(url),
            url_pinned=specs.url_pinned(url),
        )
    constraint = table.get("version", "*")
    if not isinstance(constraint, str):
        return Problem(loc, f"expected a version constraint string for '{name}'")
    try:
        alternatives = specs.poetry_constraint(constraint)
    except ValueError:
        expected = f"expected a Poetry version constraint for '{name}'"
        return Problem(loc, f"{expected}, got '{constraint}'")
    markers = table.get("markers")
    return replace(
        base,
        spec=constraint,
        allowed=alternatives,
        version=specs.exact_of(alternatives),
        markers=markers if isinstance(markers, str) else None,
    )


def _poetry_table(doc: _Doc, table: dict[str, Any], header: str, group: str) -> None:
    for name, value in table.items():
        loc = doc.where((header,), assigns(name))
        if name == "python":
            if isinstance(value, str):
                doc.python(loc, "tool.poetry python", value, poetry=True)
            continue
        doc.add(_poetry_entry(name, value, loc, group))


def _poetry(doc: _Doc, poetry: dict[str, Any]) -> None:
    _poetry_table(doc, _table(poetry, "dependencies"), "[tool.poetry.dependencies]", "main")
    _poetry_table(doc, _table(poetry, "dev-dependencies"), "[tool.poetry.dev-dependencies]", "dev")
    for group, spec in _table(poetry, "group").items():
        header = f"[tool.poetry.group.{group}.dependencies]"
        _poetry_table(doc, _table(spec, "dependencies"), header, f"group:{group}")
    sources = poetry.get("source")
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, dict):
            continue
        priority = source.get("priority") or ("secondary" if source.get("secondary") else "")
        if priority in ("supplemental", "secondary"):
            url = specs.redact_url(str(source.get("url", "")))
            loc = doc.where(("[[tool.poetry.source]]",), quoted(str(source.get("url", ""))))
            what = f"poetry source '{source.get('name')}' ({priority}) {url}"
            doc.indexes.append(IndexUse(loc, what))


def parse(root: str, rel: str) -> Manifest:
    try:
        text = read_text(root, rel)
    except Unreadable as e:
        return Manifest(rel, "pyproject", problems=(Problem(Location(rel), str(e)),))
    data, problem = load_toml(rel, text)
    if data is None:
        return Manifest(rel, "pyproject", problems=(problem,) if problem else ())
    doc = _Doc(rel, text)
    project = _table(data, "project")
    requires = project.get("requires-python")
    if requires is not None:
        loc = doc.where(("[project]",), assigns("requires-python"))
        doc.python(loc, "requires-python", str(requires), poetry=False)
    if "dependencies" in project:
        doc.pep508_list(project["dependencies"], "project.dependencies", ("[project]",), "main")
    headers = ("[project.optional-dependencies]", "[project]")
    for extra, items in _table(project, "optional-dependencies").items():
        doc.pep508_list(items, f"project.optional-dependencies.{extra}", headers, f"extra:{extra}")
    for group, items in _table(data, "dependency-groups").items():
        header = ("[dependency-groups]",)
        doc.pep508_list(items, f"dependency-groups.{group}", header, f"group:{group}")
    uv = _table(data, "tool", "uv")
    if "dev-dependencies" in uv:
        doc.pep508_list(uv["dev-dependencies"], "tool.uv.dev-dependencies", ("[tool.uv]",), "dev")
    for group, items in _table(data, "tool", "pdm", "dev-dependencies").items():
        header = ("[tool.pdm.dev-dependencies]",)
        doc.pep508_list(items, f"tool.pdm.dev-dependencies.{group}", header, f"group:{group}")
    _poetry(doc, _table(data, "tool", "poetry"))
    return Manifest(
        rel,
        "pyproject",
        tuple(doc.deps),
        tuple(doc.problems),
        tuple(doc.indexes),
        tuple(doc.pythons),
    )
