"""Web-server configuration readers: nginx through crossplane, gunicorn through ``ast``,
uWSGI ini through a line reader that keeps line numbers.

crossplane is the nginx config parser NGINX Inc. wrote for its own tooling; we
call it with ``single=True`` so an ``include /etc/...`` in a hostile config can
never make it open a file outside the repository, and only after our own
reader has checked the file (no symlink, size cap, valid UTF-8). gunicorn
config files are Python: they are parsed, never imported, and only literal
assignments (or ``os.environ.get(NAME, literal)``) are given a value.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

from auditor.configparse import FileProblem, Hits, read_text
from auditor.errors import ToolMissingError
from auditor.evidence import Fact, Location

MAX_DEPTH = 50
LOCAL = re.compile(r"^(127\.|localhost|\[::1\]|unix:)")


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    line: int
    block: tuple[Directive, ...] | None = None
    file: str = ""
    """The repository file it was read from: a fragment inherits from another file."""

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or () if d.name == name]


def parse_nginx(root: Path, rel: str) -> tuple[Directive, ...]:
    """The file's top-level directives; includes are not followed (``single=True``)."""
    try:
        import crossplane  # type: ignore[import-untyped]
    except ImportError:
        raise ToolMissingError("the nginx parser crossplane is not installed") from None
    read_text(root, rel)  # symlink, size and UTF-8 checks before crossplane opens it
    payload = crossplane.parse(
        os.path.join(root, rel),
        single=True,
        catch_errors=True,
        check_ctx=False,
        check_args=False,
        comments=False,
    )
    if payload.get("errors"):
        first = payload["errors"][0]
        message = str(first.get("error", "parse error"))
        message = message.replace(os.path.join(root, rel), rel)
        raise FileProblem(rel, first.get("line"), f"nginx syntax: {message}")
    configs = payload.get("config") or [{}]
    return _convert(configs[0].get("parsed") or [], rel, 0)


def _convert(items: list[dict[str, object]], rel: str, depth: int) -> tuple[Directive, ...]:
    if depth > MAX_DEPTH:
        raise FileProblem(rel, None, f"blocks nested deeper than {MAX_DEPTH} levels")
    out = []
    for item in items:
        block = item.get("block")
        args = item.get("args") or []
        line = item.get("line")
        out.append(
            Directive(
                str(item.get("directive")),
                tuple(str(a) for a in args) if isinstance(args, list) else (),
                line if isinstance(line, int) else 0,
                _convert(block, rel, depth + 1) if isinstance(block, list) else None,
                rel,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Setting:
    name: str
    value: object
    line: int
    how: str


def gunicorn_settings(root: Path, rel: str) -> dict[str, Setting]:
    """Top-level ``name = value`` assignments of a gunicorn config file, by name."""
    text = read_text(root, rel)
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as e:
        raise FileProblem(rel, e.lineno, f"Python syntax error: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise FileProblem(rel, None, f"cannot parse as Python: {type(e).__name__}") from None
    out: dict[str, Setting] = {}
    for node in tree.body:
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(node.target, node.value)]
        for target, value in pairs:
            if isinstance(target, ast.Name):
                got, how = _value(value)
                out[target.id] = Setting(target.id, got, node.lineno, how)
    return out


def _value(node: ast.expr) -> tuple[object, str]:
    try:
        return ast.literal_eval(node), "literal"
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        pass
    if isinstance(node, ast.Call) and len(node.args) == 2 and _is_getenv(node.func):
        name, default = node.args
        if isinstance(name, ast.Constant) and isinstance(default, ast.Constant):
            return default.value, f"from environment {name.value!s}, default {default.value!r}"
    return None, "an expression we do not evaluate (the file is never run)"


def _is_getenv(func: ast.expr) -> bool:
    try:
        text = ast.unparse(func)
    except (RecursionError, ValueError):
        return False  # an absurdly deep attribute chain is not os.environ.get
    return text in ("os.environ.get", "os.getenv", "environ.get", "getenv")


def ini_section(root: Path, rel: str, section: str) -> dict[str, list[tuple[str, int]]]:
    """``key -> [(value, line), ...]`` of one ini section; uWSGI repeats keys, so all are kept.
    Raises nothing for a file without the section: the mapping is simply empty."""
    text = read_text(root, rel)
    current = None
    out: dict[str, list[tuple[str, int]]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current == section and "=" in line:
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append((value.strip(), n))
    return out


Chain = tuple[tuple[Directive, ...], ...]
"""The directive lists in force at one block, outermost (http) first."""


def innermost(chain: Chain, name: str) -> Directive | None:
    """The value nginx uses for an inherited directive: the nearest level that sets it."""
    for level in reversed(chain):
        found = [d for d in level if d.name == name]
        if found:
            return found[-1]
    return None


def headers(chain: Chain) -> dict[str, tuple[str, Directive]]:
    """Response headers in force: only the nearest level with any ``add_header`` (or
    ``more_set_headers``) counts, since nginx inherits add_header all-or-nothing."""
    for level in reversed(chain):
        found: dict[str, tuple[str, Directive]] = {}
        for d in level:
            if d.name == "add_header" and d.args:
                found[d.args[0].lower()] = (" ".join(d.args[1:2]), d)
            elif d.name == "more_set_headers":
                for arg in d.args:
                    name, _, value = arg.partition(":")
                    found[name.strip().lower()] = (value.strip(), d)
        if any(d.name == "add_header" for d in level) or found:
            return found
    return {}


def servers(
    top: tuple[Directive, ...], parent: tuple[Directive, ...]
) -> list[tuple[Chain, Directive]]:
    """Every ``server`` of ``http`` blocks, or at the top of a fragment, with the levels
    above it; ``parent`` is the http level a fragment is included into."""
    out: list[tuple[Chain, Directive]] = []
    for d in top:
        if d.name == "http" and d.block is not None:
            out += [((d.block,), s) for s in d.children("server") if s.block is not None]
        elif d.name == "server" and d.block is not None:
            out.append(((parent, top), d))
    return out


def locations(chain: Chain, block: Directive) -> list[tuple[Chain, Directive]]:
    """Every location (nested ones too) with the chain in force inside it."""
    inner = (*chain, block.block or ())
    out: list[tuple[Chain, Directive]] = []
    for d in block.children("location"):
        out.append(((*inner, d.block or ()), d))
        out += locations(inner, d)
    return out


def check_gunicorn(settings: dict[str, Setting], hits: Hits, facts: list[Fact]) -> None:
    for key in ("forwarded_allow_ips", "reload"):
        s = settings.get(key)
        value = s.value if s else None
        how = s.how if s else "not set in this file (gunicorn default)"
        facts.append(Fact(f"gunicorn.{key}", value, Location(hits.rel, s.line if s else 1), how))
    fwd = settings.get("forwarded_allow_ips")
    if fwd and (
        "*" in fwd.value
        if isinstance(fwd.value, list | tuple)
        else "*" in str(fwd.value).split(",")
    ):
        hits(
            "GUNICORN-FORWARDED-ALLOW-ALL",
            fwd.line,
            f"forwarded_allow_ips = {fwd.value!r}: any client can spoof X-Forwarded-*",
            "*",
        )
    reload = settings.get("reload")
    if reload and reload.value is True:
        hits("GUNICORN-RELOAD", reload.line, "reload = True restarts on code changes", "reload")


def check_uwsgi(section: dict[str, list[tuple[str, int]]], hits: Hits) -> None:
    for key in ("py-autoreload", "python-autoreload"):
        for value, line in section.get(key, []):
            if value not in ("", "0", "false"):
                hits("UWSGI-AUTORELOAD", line, f"{key} = {value}", key)
    for value, line in section.get("stats", []):
        if not (LOCAL.match(value) or value.startswith("/")):
            hits("UWSGI-STATS-EXPOSED", line, f"stats = {value} is reachable off the host", value)
    for key in ("uid", "gid"):
        for value, line in section.get(key, []):
            if value in ("root", "0"):
                hits("UWSGI-ROOT", line, f"{key} = {value}", key)
