"""Assignments and in-place changes for the module interpreter (``auditor.pystatic.module``).

Containers are copied before a change, so a module that imported a list keeps
its own version and provenance (which entry came from where) survives.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor.pystatic.eval_calls import guarded_binop
from auditor.pystatic.evaluate import Known, Result, Unknown, merge_env
from auditor.pystatic.limits import Opaque, check_size, iterate
from auditor.pystatic.values import Binding

if TYPE_CHECKING:
    from auditor.pystatic.module import Interpreter

_DYNAMIC_FUNCS = frozenset({"exec", "eval", "setattr", "delattr", "__import__"})
_NAMESPACE_FUNCS = frozenset({"globals", "locals", "vars"})
_LIST_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "reverse"})
_DICT_MUTATORS = frozenset({"update", "setdefault", "pop", "clear"})
_SET_MUTATORS = frozenset({"add", "discard", "remove", "update", "clear"})


def _is_namespace_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NAMESPACE_FUNCS
    )


def is_dynamic_call(call: ast.Call) -> bool:
    """``exec(...)``, ``globals().update(...)``, ``helper(locals())``: the
    namespace can change in ways we cannot see."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in _DYNAMIC_FUNCS:
        return True
    if isinstance(func, ast.Attribute) and _is_namespace_call(func.value):
        return True
    args = [*call.args, *(k.value for k in call.keywords)]
    return any(_is_namespace_call(a) for a in args)


def is_dynamic_target(target: ast.expr) -> bool:
    return isinstance(target, ast.Subscript) and _is_namespace_call(target.value)


def stored_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def assign(interp: Interpreter, target: ast.expr, value: Result, line: int) -> None:
    if isinstance(target, ast.Name):
        interp.bind(target.id, value, line)
    elif isinstance(target, ast.Tuple | ast.List):
        items = iterate(value.value) if isinstance(value, Known) and not value.opaque else None
        plain = not any(isinstance(t, ast.Starred) for t in target.elts)
        if (
            not isinstance(value, Known)
            or items is None
            or not plain
            or len(items) != len(target.elts)
        ):
            reason = value.reason if isinstance(value, Unknown) else "cannot be unpacked"
            for name in stored_names(target):
                interp.bind(name, Unknown(reason), line)
            return
        for t, v in zip(target.elts, items, strict=True):
            assign(interp, t, Known(v, value.env, True), line)
    elif isinstance(target, ast.Subscript):
        _assign_item(interp, target, value, line)
    elif isinstance(target, ast.Starred):
        for name in stored_names(target):
            interp.bind(name, Unknown("starred assignment"), line)


def _path(interp: Interpreter, target: ast.Subscript) -> tuple[str, list[Any]] | None:
    keys: list[Any] = []
    node: ast.expr = target
    while isinstance(node, ast.Subscript):
        key = interp.ev.eval(node.slice)
        if isinstance(key, Unknown) or isinstance(node.slice, ast.Slice):
            return None
        keys.insert(0, key.value)
        node = node.value
    return (node.id, keys) if isinstance(node, ast.Name) else None


def _assign_item(interp: Interpreter, target: ast.Subscript, value: Result, line: int) -> None:
    path = _path(interp, target)
    root = target
    while isinstance(root.value, ast.Subscript):
        root = root.value
    if not isinstance(root.value, ast.Name):
        return  # app.config["X"] = ...: the observer's business, not a module name
    name = root.value.id
    current = interp.lookup(name)
    if current is None:
        return
    if path is None or isinstance(current, Unknown):
        reason = current.reason if isinstance(current, Unknown) else "a key cannot be resolved"
        interp.bind(name, Unknown(f"changed at {interp.path}:{line}: {reason}"), line)
        return
    interp.bind(name, set_in(current, path[1], value), line)


def set_in(container: Known, keys: list[Any], value: Result) -> Result:
    """``container[k0][k1]... = value`` on copies, keeping per-key provenance."""
    data = container.value
    if not isinstance(data, dict | list):
        return Unknown(f"item assignment into a {type(data).__name__}")
    key = keys[0]
    if len(keys) == 1:
        child: Result = value
    else:
        try:
            inner = container.items.get(key) if container.items else None
            child_known = inner or Known(data[key], container.env)
        except (KeyError, IndexError, TypeError) as e:
            return Unknown(f"item assignment would raise {type(e).__name__}: {e}")
        child = set_in(child_known, keys[1:], value)
    new = copy.copy(data)
    try:
        if isinstance(child, Unknown):
            if not isinstance(new, dict):
                return child
            new[key] = Opaque(child.reason, child.env)
        else:
            new[key] = child.value
    except (IndexError, TypeError) as e:
        return Unknown(f"item assignment would raise {type(e).__name__}: {e}")
    items = None
    if isinstance(new, dict) and isinstance(data, dict):
        items = dict(container.items or {k: Known(v, container.env) for k, v in data.items()})
        items[key] = child if isinstance(child, Known) else Known(new[key])
    env = merge_env(container, child) if isinstance(child, Known) else container.env
    return Known(new, env, True, items)


def aug_assign(interp: Interpreter, node: ast.AugAssign) -> None:
    from auditor.pystatic.evaluate import _BINOPS

    line = node.lineno
    current = interp.ev.eval(node.target)
    value = interp.ev.eval(node.value)
    result: Result
    if isinstance(current, Unknown):
        result = Unknown(f"changed at {interp.path}:{line}: {current.reason}", current.env)
    elif isinstance(value, Unknown):
        result = Unknown(f"changed at {interp.path}:{line}: {value.reason}", value.env)
    elif isinstance(current.value, list) and isinstance(node.op, ast.Add):
        extra = iterate(value.value)  # list += any iterable, like list.extend
        if extra is None:
            result = Unknown(f"'+=' with a {type(value.value).__name__}")
        else:
            result = Known(current.value + extra, merge_env(current, value), True)
            check_size(result.value)
    else:
        fn = _BINOPS.get(type(node.op))
        if fn is None:
            result = Unknown("unsupported augmented assignment")
        else:
            result = guarded_binop(fn, type(node.op).__name__, current, value)
    if isinstance(node.target, ast.Name):
        interp.bind(node.target.id, result, line)
    elif isinstance(node.target, ast.Subscript):
        _assign_item(interp, node.target, result, line)


def mutate(interp: Interpreter, call: ast.Call, line: int) -> None:
    """``MIDDLEWARE.insert(0, ...)``, ``LOGGING.update(...)`` and the like."""
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return
    name, method = func.value.id, func.attr
    current = interp.lookup(name)
    if not isinstance(current, Known):
        return
    data = current.value
    allowed = (
        (isinstance(data, list) and method in _LIST_MUTATORS)
        or (isinstance(data, dict) and method in _DICT_MUTATORS)
        or (isinstance(data, set) and method in _SET_MUTATORS)
    )
    if not allowed:
        return
    args = [interp.ev.eval(a) for a in call.args]
    kwargs = {k.arg: interp.ev.eval(k.value) for k in call.keywords}
    every = [*args, *kwargs.values()]
    bad = next((a for a in every if isinstance(a, Unknown) or a.opaque), None)
    if (
        bad is not None
        or any(k is None for k in kwargs)
        or any(isinstance(a, ast.Starred) for a in call.args)
    ):
        why = bad.reason if isinstance(bad, Unknown) else "an argument that cannot be resolved"
        interp.bind(name, Unknown(f"changed by .{method}() at {interp.path}:{line}: {why}"), line)
        return
    new = copy.copy(data)
    pos = [a.value for a in args if isinstance(a, Known)]
    kw = {str(k): v.value for k, v in kwargs.items() if isinstance(v, Known)}
    try:
        if method == "extend" or (method == "update" and isinstance(new, set)):
            items = iterate(pos[0]) if pos else None
            if items is None:
                raise TypeError("not iterable")
            getattr(new, method)(items)
        else:
            getattr(new, method)(*pos, **kw)
        check_size(new)
    except (TypeError, ValueError, IndexError, KeyError) as e:
        interp.bind(name, Unknown(f".{method}() at {interp.path}:{line} would raise {e!r}"), line)
        return
    known = [a for a in every if isinstance(a, Known)]
    interp.bind(name, Known(new, merge_env(current, *known), True), line)


def merge(ends: list[dict[str, Binding]], reason: str) -> dict[str, Binding]:
    """Names equal on every path keep their binding; the others become unknown."""
    merged: dict[str, Binding] = {}
    for name in sorted({n for ns in ends for n in ns}):
        options = [ns.get(name) for ns in ends]
        first = options[0]
        if first is not None and all(o is first for o in options):
            merged[name] = first
            continue
        if first is not None and all(_same(first, o) for o in options):
            merged[name] = first
            continue
        where = next(o.location for o in options if o is not None)
        merged[name] = Binding(Unknown(f"set under a {reason}"), where)
    return merged


def _same(a: Binding, b: Binding | None) -> bool:
    if b is None or not isinstance(a.result, Known) or not isinstance(b.result, Known):
        return False
    try:
        x, y = a.result.value, b.result.value
        return bool(type(x) is type(y) and x == y)
    except Exception:  # noqa: BLE001 - comparing odd values must not crash the audit
        return False
