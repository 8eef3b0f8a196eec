"""Declared target interpreters outside Python manifests: Dockerfiles, ``.python-version``,
``runtime.txt`` and GitHub Actions ``python-version`` (including matrix values).

Only literal versions are taken; a tag such as ``latest`` or ``3`` names no
particular release and is not reported as a target.
"""

from __future__ import annotations

import re

import yaml

from auditor.evidence import Location

from . import specs
from .model import IndexUse, Manifest, Problem, PythonDecl
from .repofiles import Unreadable, read_text

_MINOR = re.compile(r"^(?:cpython-|python-?)?(\d+)\.(\d+)(?![\d])")
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE)
_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}?")
_EXTRA_INDEX = re.compile(r"(--extra-index-url|PIP_EXTRA_INDEX_URL)[=\s]+(\S+)")
_MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")


def _decl(loc: Location, what: str, value: str) -> PythonDecl | None:
    match = _MINOR.match(value.strip())
    if match is None:
        return None
    return PythonDecl(loc, what, f"=={match.group(1)}.{match.group(2)}.*")


def _read(root: str, rel: str, kind: str) -> tuple[str | None, Manifest | None]:
    try:
        return read_text(root, rel), None
    except Unreadable as e:
        return None, Manifest(rel, kind, problems=(Problem(Location(rel), str(e)),))


def version_file(root: str, rel: str, kind: str) -> Manifest:
    """``.python-version`` (pyenv, uv) or ``runtime.txt`` (``python-3.12.1``)."""
    text, failed = _read(root, rel, kind)
    if text is None:
        return failed or Manifest(rel, kind)
    decls = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        decl = _decl(Location(rel, number), f"{rel.rsplit('/', 1)[-1]} {value}", value)
        if decl is not None:
            decls.append(decl)
    return Manifest(rel, kind, pythons=tuple(decls))


def _image_tag(image: str) -> str | None:
    """The tag of an official python image reference, or None for other images."""
    name, _, tag = image.split("@", 1)[0].partition(":")
    if "/" in tag:  # a registry port, not a tag
        name, _, tag = image.rpartition(":")
    return tag if name.rsplit("/", 1)[-1] == "python" else None


def dockerfile(root: str, rel: str) -> Manifest:
    text, failed = _read(root, rel, "Dockerfile")
    if text is None:
        return failed or Manifest(rel, "Dockerfile")
    args: dict[str, str] = {}
    decls = []
    indexes = []
    for number, line in enumerate(text.splitlines(), 1):
        extra = _EXTRA_INDEX.search(line)
        if extra:
            url = specs.redact_url(extra.group(2).strip("\"'"))
            indexes.append(IndexUse(Location(rel, number), f"{extra.group(1)} {url}"))
        arg = _ARG.match(line)
        if arg:
            args[arg.group(1)] = arg.group(2).strip("\"'")
            continue
        match = _FROM.match(line)
        if match is None:
            continue
        image = _VAR.sub(lambda m: args.get(m.group(1), m.group(2) or m.group(0)), match.group(1))
        tag = _image_tag(image)
        if tag is not None and "$" not in tag:
            decl = _decl(Location(rel, number), f"FROM {image}", tag)
            if decl is not None:
                decls.append(decl)
    return Manifest(rel, "Dockerfile", indexes=tuple(indexes), pythons=tuple(decls))


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [n for n in node.value if isinstance(n, yaml.ScalarNode)]
    return []


def _walk(
    node: yaml.Node,
    in_matrix: bool,
    out: list[tuple[str, bool, yaml.Node]],
    seen: set[tuple[int, bool]] | None = None,
) -> None:
    """(key, under a matrix, value) for every mapping entry in the document. Each node
    is walked once: YAML aliases share nodes, and an alias bomb must stay linear."""
    seen = set() if seen is None else seen
    if (id(node), in_matrix) in seen:
        return
    seen.add((id(node), in_matrix))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            out.append((name, in_matrix, value))
            _walk(value, in_matrix or name == "matrix", out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, in_matrix, out, seen)


def workflow(root: str, rel: str) -> Manifest:
    """``python-version`` inputs of a GitHub Actions workflow. Scalars are kept as the
    text written, so an unquoted ``3.10`` is not misread as the number 3.1."""
    text, failed = _read(root, rel, "workflow")
    if text is None:
        return failed or Manifest(rel, "workflow")
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        loc = Location(rel, mark.line + 1 if mark is not None else None)
        return Manifest(rel, "workflow", problems=(Problem(loc, f"expected valid YAML: {e}"),))
    except RecursionError:
        problem = Problem(Location(rel), "expected YAML nested less deeply")
        return Manifest(rel, "workflow", problems=(problem,))
    entries: list[tuple[str, bool, yaml.Node]] = []
    if document is not None:
        _walk(document, False, entries)
    wanted = set()
    literal: list[yaml.ScalarNode] = []
    for key, _, value in entries:
        if key == "python-version":
            for scalar in _scalars(value):
                refs = _MATRIX_REF.findall(str(scalar.value))
                wanted.update(refs)
                if not refs:
                    literal.append(scalar)
    literal += [s for key, m, value in entries if m and key in wanted for s in _scalars(value)]
    decls = []
    for scalar in literal:
        written = str(scalar.value)
        loc = Location(rel, scalar.start_mark.line + 1)
        decl = _decl(loc, f"python-version {written}", written)
        if decl is not None:
            decls.append(decl)
    return Manifest(rel, "workflow", pythons=tuple(decls))
