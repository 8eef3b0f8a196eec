"""Which settings module(s) a Django project deploys with.

``wsgi.py``/``asgi.py`` name the module production servers load (through
``os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)``); ``manage.py`` names
the one management commands use. We judge the deployment entry points when
there are any, ``manage.py`` otherwise, other files last. Without any entry
point, ``settings.py`` files that look like Django settings (and
``settings/prod(uction).py``) are used, and the evidence says so.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor import files, observed
from auditor.evidence import Location
from auditor.pystatic import source as pysource
from auditor.pystatic.evaluate import Known, evaluate
from auditor.pystatic.limits import Symbol
from auditor.pystatic.load import module_for_path

VARIABLE = "DJANGO_SETTINGS_MODULE"
_SETS_VARIABLE = observed.screen("django-entry-point", lambda data: VARIABLE.encode() in data)
_TIERS = {"wsgi.py": 0, "asgi.py": 0, "manage.py": 1}
_MARKERS = re.compile(
    rb"^(INSTALLED_APPS|MIDDLEWARE|ROOT_URLCONF|WSGI_APPLICATION|DATABASES|SECRET_KEY)\s*[:=+]",
    re.MULTILINE,
)
_PROD_NAMES = ("production.py", "prod.py")


@dataclass(frozen=True)
class Target:
    """One settings module to evaluate, and why we chose it."""

    module: str
    source: Location
    how: str
    search_roots: tuple[str, ...]
    path: str | None = None
    """Set when the module was chosen by file rather than by dotted name."""
    is_package: bool = False
    unresolved: str | None = None


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _ancestors(rel_dir: str) -> tuple[str, ...]:
    out = [rel_dir]
    while rel_dir:
        rel_dir = posixpath.dirname(rel_dir)
        out.append(rel_dir)
    return tuple(dict.fromkeys(out))


def _settings_calls(tree: ast.Module) -> list[tuple[int, ast.expr]]:
    found: list[tuple[int, ast.expr]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == VARIABLE
        ):
            found.append((node.lineno, node.args[1]))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant):
                    if t.slice.value == VARIABLE:
                        found.append((node.lineno, node.value))
    return found


def _entry_points(root: Path, rel: str, d: Discovery) -> list[tuple[int, Target]]:
    data = pysource.read_screened(root, rel, _SETS_VARIABLE)
    if data is None:
        return []
    if isinstance(data, pysource.SourceError):
        d.errors[rel] = data.reason
        return []
    parsed = pysource.parse_source(rel, data)
    if isinstance(parsed, pysource.SourceError):
        d.errors[rel] = parsed.reason
        return []
    name = posixpath.basename(rel)
    tier = _TIERS.get(name, 2)
    roots = _ancestors(posixpath.dirname(rel))
    out: list[tuple[int, Target]] = []
    for line, expr in _settings_calls(parsed.tree):
        value = evaluate(expr, {"os": Known(Symbol("os"))})
        where = Location(rel, line)
        if isinstance(value, Known) and isinstance(value.value, str):
            how = f"{VARIABLE} in {where} ({value.how()})"
            out.append((tier, Target(value.value, where, how, roots)))
        elif tier < 2:
            reason = value.reason if not isinstance(value, Known) else "not a string"
            why = f"{VARIABLE} at {where} cannot be resolved: {reason}"
            out.append((tier, Target("?", where, why, roots, unresolved=why)))
        else:
            d.ignored.append(f"{where}: sets {VARIABLE} from a value we cannot resolve "
                             "(not a project entry point)")  # fmt: skip
    return out


def _by_name(root: Path, paths: list[str], d: Discovery) -> None:
    """No entry point names a module: fall back to files that look like settings."""
    chosen: list[str] = []
    for rel in paths:
        name, folder = posixpath.basename(rel), posixpath.basename(posixpath.dirname(rel))
        if folder == "settings" and name in _PROD_NAMES:
            chosen.append(rel)
        elif name == "settings.py":
            data = pysource.read_bytes(root, rel)
            if not isinstance(data, pysource.SourceError) and len(_MARKERS.findall(data)) >= 2:
                chosen.append(rel)
    for rel in chosen:
        search_root, dotted, is_package = module_for_path(root, rel)
        how = (f"{rel} looks like Django settings; no manage.py, wsgi.py or asgi.py sets "
               f"{VARIABLE}")  # fmt: skip
        d.targets.append(Target(dotted, Location(rel, 1), how, (search_root,), rel, is_package))


def explicit_target(root: Path, spec: str) -> Target:
    if spec.endswith(".py") or "/" in spec:
        rel = spec.strip("/")
        if not pysource.is_regular_file(root, rel):
            why = f"configured settings file {spec} is not a regular file in the repository"
            return Target(spec, Location(rel, 1), why, ("",), rel, unresolved=why)
        search_root, dotted, is_package = module_for_path(root, rel)
        return Target(dotted, Location(rel, 1), f"configured settings file {rel}", (search_root,),
                      rel, is_package)  # fmt: skip
    return Target(spec, Location(".", None), f"configured settings module {spec}", ("", "src"))


def discover(root: Path, excludes: tuple[str, ...], explicit: str | None) -> Discovery:
    d = Discovery()
    if explicit:
        d.targets.append(explicit_target(root, explicit))
        return d
    found = files.walk(root, (".py",), excludes)
    candidates: list[tuple[int, Target]] = []
    for rel in found.files:
        candidates += _entry_points(root, rel, d)
    if not candidates:
        _by_name(root, found.files, d)
        return d
    best = min(tier for tier, _ in candidates)
    seen: set[str] = set()
    for tier, target in sorted(candidates, key=lambda c: (c[0], c[1].source)):
        if tier != best:
            d.ignored.append(f"{target.source}: {target.module} (a deployment entry point wins)")
        elif target.module not in seen or target.unresolved:
            seen.add(target.module)
            d.targets.append(target)
    return d
