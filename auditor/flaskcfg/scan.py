"""Interpret the modules that create Flask/FastAPI apps, with the observer on,
plus the side evidence that is not configuration: ``.flaskenv``/``.env`` debug
switches and code that sets a Content-Security-Policy header itself."""

from __future__ import annotations

import ast
import posixpath
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditor import files, observed
from auditor.evidence import Location
from auditor.flaskcfg.observe import FlaskObserver, Observed
from auditor.flaskcfg.sources import poison
from auditor.pystatic import source as pysource
from auditor.pystatic.limits import Budget, Stop
from auditor.pystatic.load import Loader, module_for_path
from auditor.pystatic.module import EnvMissing, ImportFailed, Interpreter

_MARKERS = (b"flask", b"fastapi", b"starlette", b"quart", b".config[", b".config.update",
            b".config.from_", b"init_app", b"secret_key", b"add_middleware")  # fmt: skip
MAX_STEPS = 3_000_000
MAX_IMPORT_DEPTH = 6
_CSP = "content-security-policy"


def _mentions(data: bytes) -> bool:
    lower = data.lower()
    return _CSP.encode() in lower or any(m in lower for m in _MARKERS)


_MENTIONS = observed.screen("flask-mentions", _mentions)
_DEBUG_ON = ("1", "true", "yes", "on")
MAX_FUNCTION_RUNS = 200


@dataclass
class Scan:
    observed: Observed = field(default_factory=Observed)
    errors: dict[str, str] = field(default_factory=dict)
    csp_headers: list[Location] = field(default_factory=list)
    dotenv_debug: list[tuple[Location, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _csp_header_sets(tree: ast.Module, rel: str) -> list[Location]:
    out: list[Location] = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr in ("set", "setdefault", "add", "add_header", "__setitem__"):
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            if key.value.lower() == _CSP and isinstance(node, ast.expr):
                out.append(Location(rel, node.lineno))
    return out


def _dotenv(root: Path, folders: set[str], scan: Scan) -> None:
    for folder in sorted(folders):
        for name in (".flaskenv", ".env"):
            rel = posixpath.join(folder, name) if folder else name
            data = pysource.read_bytes(root, rel, 256 * 1024)
            if isinstance(data, pysource.SourceError):
                continue
            for n, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                line = raw.strip().removeprefix("export ").strip()
                key, _, value = line.partition("=")
                value = value.strip().strip("'\"").lower()
                if (key.strip() == "FLASK_DEBUG" and value in _DEBUG_ON) or (
                    key.strip() == "FLASK_ENV" and value == "development"
                ):
                    scan.dotenv_debug.append((Location(rel, n), f"{key.strip()}={value}"))


def _run(interp: Interpreter, body: list[ast.stmt]) -> str | None:
    try:
        interp.run(body)
    except (ImportFailed, EnvMissing) as e:
        return str(e)
    except Stop as e:
        return f"not analysed to the end: {e.reason}"
    except RecursionError:
        return "statements nested too deeply to analyse"
    return None


def scan(root: Path, excludes: tuple[str, ...], timeout: float = 600.0) -> Scan:
    result = Scan()
    budget = Budget(MAX_STEPS, time.monotonic() + timeout * 0.9)
    found = files.walk(root, (".py",), excludes)
    candidates: list[str] = []
    for rel in found.files:
        data = pysource.read_screened(root, rel, _MENTIONS)
        if data is None:
            continue
        if isinstance(data, pysource.SourceError):
            result.errors[rel] = data.reason
            continue
        lower = data.lower()
        if _CSP.encode() in lower:
            parsed = pysource.parse_source(rel, data)
            if isinstance(parsed, pysource.Parsed):
                result.csp_headers += _csp_header_sets(parsed.tree, rel)
        if any(m in lower for m in _MARKERS):
            candidates.append(rel)
    roots = [module_for_path(root, rel)[0] for rel in candidates]
    loader = Loader(root, ["", *roots], budget, MAX_IMPORT_DEPTH)
    observer = FlaskObserver(loader, result.observed)
    runs = 0
    for rel in candidates:
        parsed_file = loader.parse(rel)
        if isinstance(parsed_file, pysource.SourceError):
            result.errors[rel] = parsed_file.reason
            continue
        _, dotted, is_package = module_for_path(root, rel)
        interp = Interpreter(loader, dotted, rel, is_package, observer)
        failed = _run(interp, parsed_file.tree.body)
        if failed and ("nested" in failed or "not analysed" in failed):
            result.errors[rel] = failed
            for app in result.observed.apps.values():
                poison(app, f"{rel} could not be analysed to the end: {failed}")
        for fn in sorted(interp.functions.values(), key=lambda f: f.lineno):
            runs += 1
            if runs > MAX_FUNCTION_RUNS:
                break
            _run(interp.function_scope(fn), fn.body)
        result.files.append(rel)
    folders = {""} | {a.folder for a in result.observed.apps.values()}
    _dotenv(root, folders, result)
    result.errors.update(loader.errors)
    return result
