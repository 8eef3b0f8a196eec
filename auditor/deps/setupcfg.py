"""``setup.cfg`` (declarative setuptools): ``install_requires``, extras, ``python_requires``.

``setup.py`` is never read for dependencies: it is code, and we do not run it.
"""

from __future__ import annotations

import configparser

from auditor.evidence import Location

from .model import Dependency, Manifest, Problem, PythonDecl
from .repofiles import Unreadable, confined, contains, locate, read_text
from .requirements import requirement


def _items(value: str) -> list[str]:
    """setuptools' list-semi: one item per line, or ';'-separated on a single line."""
    raw = value.splitlines() if "\n" in value.strip() else value.split(";")
    return [item.strip() for item in raw if item.strip() and not item.strip().startswith("#")]


def parse(root: str, rel: str) -> Manifest:
    try:
        text = read_text(root, rel)
    except Unreadable as e:
        return Manifest(rel, "setup.cfg", problems=(Problem(Location(rel), str(e)),))
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text, rel)
    except configparser.Error as e:
        line = getattr(e, "lineno", None)
        errors = getattr(e, "errors", None)
        if line is None and errors:
            line = errors[0][0]
        message = str(e).splitlines()[0]
        return Manifest(
            rel,
            "setup.cfg",
            problems=(Problem(Location(rel, line), f"expected valid INI syntax: {message}"),),
        )
    lines = text.splitlines()
    deps: list[Dependency] = []
    problems: list[Problem] = []
    pythons: list[PythonDecl] = []
    includes: list[str] = []

    def declare(value: str, header: str, group: str) -> None:
        if value.strip().startswith("file:"):
            for target in value.strip()[5:].split(","):
                loc = locate(rel, lines, header, contains(target.strip()))
                try:
                    includes.append(confined(root, rel, target.strip()))
                except Unreadable as e:
                    problems.append(Problem(loc, f"file: {e}"))
            return
        for item in _items(value):
            result = requirement(item, locate(rel, lines, header, contains(item)), group)
            if isinstance(result, Problem):
                problems.append(result)
            else:
                deps.append(result)

    if parser.has_option("options", "install_requires"):
        declare(parser.get("options", "install_requires"), "[options]", "main")
    if parser.has_option("options", "python_requires"):
        spec = parser.get("options", "python_requires").strip()
        loc = locate(rel, lines, "[options]", contains("python_requires"))
        pythons.append(PythonDecl(loc, f"python_requires {spec}", spec))
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            declare(value, "[options.extras_require]", f"extra:{extra}")
    return Manifest(
        rel,
        "setup.cfg",
        tuple(deps),
        tuple(problems),
        pythons=tuple(pythons),
        includes=tuple(includes),
    )
