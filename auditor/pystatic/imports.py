"""Import statements for the module interpreter.

A module in the repository is interpreted (once, cached by the loader) and its
names copied with the location where *it* set them, so evidence for a setting
inherited through ``from .base import *`` points into ``base.py``. A name from
any other module becomes a ``Symbol``: recognisable (``os.environ``) but never a
value. A relative import of a module that is not in the repository fails the way
Python would, which is what runs ``except ImportError`` handlers.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from auditor.pystatic.evaluate import Known
from auditor.pystatic.limits import CONSTANTS, Symbol
from auditor.pystatic.values import LoadedModule, ModuleValue

if TYPE_CHECKING:
    from auditor.pystatic.module import Interpreter


def resolve_from(interp: Interpreter, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    package = interp.module if interp.is_package else interp.module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base += node.module.split(".")
    return ".".join(base) or None


def do_import(interp: Interpreter, node: ast.Import) -> None:
    load, find = interp.loader.load, interp.loader.find
    for alias in node.names:
        name = alias.name if alias.asname else alias.name.split(".")[0]
        value = ModuleValue(name, load) if find(name) is not None else Symbol(name)
        interp.bind(alias.asname or name, Known(value), node.lineno)


def do_import_from(interp: Interpreter, node: ast.ImportFrom) -> None:
    from auditor.pystatic.module import ImportFailed

    base = resolve_from(interp, node)
    line = node.lineno
    if base is None:
        raise ImportFailed(f"relative import beyond the top-level package at {interp.path}:{line}")
    loaded = interp.loader.load(base)
    if loaded is None and node.level > 0:
        where = f"{interp.path}:{line}"
        raise ImportFailed(f"module {base} (imported at {where}) is not in the repository")
    for alias in node.names:
        if alias.name == "*":
            if loaded is not None:
                star(interp, loaded, line)
            elif interp.catch_import:
                raise ImportFailed(f"module {base} is not in the repository")
            else:
                interp.poison_all(
                    f"'from {base} import *' at {interp.path}:{line} brings in names from "
                    "outside the repository",
                    line,
                )
            continue
        name = alias.asname or alias.name
        if loaded is None:
            path = f"{base}.{alias.name}"
            constant = CONSTANTS.get(path)
            interp.bind(name, Known(constant if constant is not None else Symbol(path)), line)
            continue
        binding = loaded.namespace.get(alias.name)
        if binding is not None:
            interp.ns[name] = binding
            continue
        if interp.loader.load(f"{base}.{alias.name}") is not None:
            interp.bind(name, Known(ModuleValue(f"{base}.{alias.name}", interp.loader.load)), line)
            continue
        got = loaded.get(alias.name)
        if got is None:
            raise ImportFailed(f"cannot import {alias.name} from {base} ({interp.path}:{line})")
        interp.bind(name, got, line)


def star(interp: Interpreter, loaded: LoadedModule, line: int) -> None:
    if loaded.error is not None:
        interp.poison_all(f"{loaded.path} cannot be analysed: {loaded.error}", line)
        return
    if loaded.poison is not None:
        interp.poison_all(loaded.poison, line)
    exported = loaded.namespace.get("__all__")
    names: list[str]
    if (
        exported is not None
        and isinstance(exported.result, Known)
        and isinstance(exported.result.value, list | tuple)
        and all(isinstance(n, str) for n in exported.result.value)
    ):
        names = list(exported.result.value)
    else:
        names = [n for n in loaded.namespace if not n.startswith("_")]
    for n in names:
        if n in loaded.namespace:
            interp.ns[n] = loaded.namespace[n]
    for f in loaded.files:
        if f not in interp.files:
            interp.files.append(f)
