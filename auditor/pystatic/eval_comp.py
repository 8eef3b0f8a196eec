"""Displays (``[...]``, ``{...}``) and comprehensions for ``auditor.pystatic.evaluate``.

``ALLOWED_HOSTS = [h.strip() for h in os.environ.get("HOSTS", "").split(",") if h]``
is a common way to write a security setting, so we iterate known, bounded data
(every item costs budget) in a child scope, exactly as Python would.
"""

from __future__ import annotations

import ast
from typing import Any

from auditor.pystatic.evaluate import Evaluator
from auditor.pystatic.limits import Opaque, Stop, check_size, is_plain, iterate
from auditor.pystatic.result import Known, Result, Unknown, merge_env, require

Comp = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp


def _bind(target: ast.expr, value: Known, scope: dict[str, Result]) -> bool:
    if isinstance(target, ast.Name):
        scope[target.id] = value
        return True
    if isinstance(target, ast.Tuple | ast.List):
        items = iterate(value.value)
        if items is None or len(items) != len(target.elts):
            return False
        pairs = zip(target.elts, items, strict=True)
        return all(_bind(t, Known(v, value.env), scope) for t, v in pairs)
    return False


def comprehension(ev: Evaluator, node: ast.AST) -> Result:
    if not isinstance(node, Comp):
        return Unknown(f"{type(node).__name__} is not a comprehension")
    produced: list[Any] = []
    parts: list[Known] = []

    def child(scope: dict[str, Result]) -> Evaluator:
        outer = ev.lookup
        sub = Evaluator(lambda name: scope.get(name) or outer(name), ev.budget)
        sub.where = ev.where
        return sub

    def run(index: int, scope: dict[str, Result]) -> Unknown | None:
        sub = child(scope)
        if index == len(node.generators):
            if isinstance(node, ast.DictComp):
                pair = require(sub.ev(node.key), sub.ev(node.value))
                if isinstance(pair, Unknown):
                    return pair
                produced.append((pair[0].value, pair[1].value))
                parts.extend(pair)
            else:
                elt = require(sub.ev(node.elt))
                if isinstance(elt, Unknown):
                    return elt
                produced.append(elt[0].value)
                parts.append(elt[0])
            if len(produced) > 100_000:
                raise Stop("a comprehension would produce too many items")
            return None
        gen = node.generators[index]
        if gen.is_async:
            return Unknown("async comprehensions are not evaluated")
        got = require(sub.ev(gen.iter))
        if isinstance(got, Unknown):
            return got
        source = got[0]
        items = iterate(source.value)
        if items is None:
            return Unknown(f"cannot iterate over a {type(source.value).__name__}")
        parts.append(source)
        for item in items:
            ev.budget.spend()
            inner = dict(scope)
            if not _bind(gen.target, Known(item, source.env), inner):
                return Unknown("a comprehension target that cannot be unpacked")
            keep = True
            for cond in gen.ifs:
                test = require(child(inner).ev(cond))
                if isinstance(test, Unknown):
                    return test
                parts.append(test[0])
                if not test[0].value:
                    keep = False
                    break
            if keep:
                failed = run(index + 1, inner)
                if failed is not None:
                    return failed
        return None

    failed = run(0, {})
    if failed is not None:
        return failed
    value: Any
    try:
        if isinstance(node, ast.DictComp):
            value = dict(produced)
        elif isinstance(node, ast.SetComp):
            value = set(produced)
        else:
            value = produced
    except TypeError as e:
        return Unknown(f"the comprehension would raise TypeError: {e}")
    check_size(value)
    env = {e.name: e for p in parts for e in p.env}
    return Known(value, tuple(env.values()), computed=True)


def elements(ev: Evaluator, elts: list[ast.expr]) -> tuple[list[Any], list[Known]] | Unknown:
    values: list[Any] = []
    parts: list[Known] = []
    for elt in elts:
        inner = elt.value if isinstance(elt, ast.Starred) else elt
        r = ev.ev(inner)
        if isinstance(r, Unknown):
            return r
        if isinstance(elt, ast.Starred):
            seq = iterate(r.value)
            if seq is None:
                return Unknown(f"cannot unpack a {type(r.value).__name__}")
            values.extend(seq)
        else:
            values.append(r.value)
        parts.append(r)
    check_size(values)
    return values, parts


def list_display(ev: Evaluator, node: ast.List) -> Result:
    got = elements(ev, node.elts)
    return got if isinstance(got, Unknown) else Known(got[0], merge_env(*got[1]))


def tuple_display(ev: Evaluator, node: ast.Tuple) -> Result:
    got = elements(ev, node.elts)
    return got if isinstance(got, Unknown) else Known(tuple(got[0]), merge_env(*got[1]))


def set_display(ev: Evaluator, node: ast.Set) -> Result:
    got = elements(ev, node.elts)
    if isinstance(got, Unknown):
        return got
    try:
        return Known(set(got[0]), merge_env(*got[1]))
    except TypeError as e:
        return Unknown(f"the set display would raise TypeError: {e}")


def dict_display(ev: Evaluator, node: ast.Dict) -> Result:
    out: dict[Any, Any] = {}
    items: dict[Any, Known] = {}
    env: list[Known] = []
    for key_node, value_node in zip(node.keys, node.values, strict=True):
        value = ev.ev(value_node)
        if key_node is None:
            if isinstance(value, Unknown):
                return value
            if not isinstance(value.value, dict):
                return Unknown("'**' of a value that is not a dict")
            out.update(value.value)
            fallback = {k: Known(v, value.env) for k, v in value.value.items()}
            items.update(value.items or fallback)
            env.append(value)
            continue
        key = ev.ev(key_node)
        if isinstance(key, Unknown):
            return key
        if not is_plain(key.value):
            return Unknown("a dict key is not plain data")
        try:
            hash(key.value)
        except TypeError:
            return Unknown("a dict key is unhashable")
        if isinstance(value, Unknown):
            out[key.value] = Opaque(value.reason, value.env)
            items[key.value] = Known(out[key.value])
            continue
        out[key.value] = value.value
        items[key.value] = value
        env.append(value)
    check_size(out)
    return Known(out, merge_env(*env), items=items)
