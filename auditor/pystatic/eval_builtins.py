"""Builtins and methods ``auditor.pystatic.evaluate`` applies to plain data: a closed list
of pure functions (``int``, ``sorted``, ``str.split``, ``dict.items``...), with
size checks before anything could grow without bound."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from typing import Any

from auditor.pystatic.limits import Opaque, check_size, format_spec_ok, iterate
from auditor.pystatic.result import Known, Result, Unknown, derived, first_unknown, opaque_unknown

_STR_METHODS = frozenset(
    {
        "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "startswith",
        "endswith", "casefold", "title", "capitalize", "splitlines", "isdigit", "isnumeric",
        "isalpha", "removeprefix", "removesuffix", "count", "find", "partition", "rpartition",
    }
)  # fmt: skip
_SEQ_METHODS = frozenset({"index", "count", "copy"})
_DICT_METHODS = frozenset({"keys", "values", "items", "copy"})


def timedelta(args: list[Result], kwargs: dict[str, Result]) -> Result:
    all_args = [*args, *kwargs.values()]
    bad = first_unknown(*all_args) or opaque_unknown(*all_args)
    if bad is not None:
        return bad
    try:
        value = dt.timedelta(
            *[a.value for a in args if isinstance(a, Known)],
            **{k: v.value for k, v in kwargs.items() if isinstance(v, Known)},
        )
    except (TypeError, ValueError, OverflowError) as e:
        return Unknown(f"timedelta(...) would raise {type(e).__name__}: {e}")
    return derived(value, *[a for a in all_args if isinstance(a, Known)])


def builtin(name: str, args: list[Result], kwargs: dict[str, Result]) -> Result:
    if name == "dict" and not args:
        return _dict_of(kwargs)
    if kwargs and not (name == "sorted" and set(kwargs) == {"reverse"}):
        return Unknown(f"{name}() with keyword arguments is not evaluated")
    all_args = [*args, *kwargs.values()]
    bad = first_unknown(*all_args) or opaque_unknown(*all_args)
    if bad is not None:
        return bad
    known = [a for a in all_args if isinstance(a, Known)]
    values = [a.value for a in args if isinstance(a, Known)]
    try:
        value = _apply_builtin(name, values, kwargs)
    except (TypeError, ValueError, OverflowError) as e:
        return Unknown(f"{name}(...) would raise {type(e).__name__}: {e}")
    check_size(value)
    return derived(value, *known)


def _dict_of(kwargs: dict[str, Result]) -> Known:
    """``dict(A=..., B=...)`` keeps per-key provenance like a display does."""
    values: dict[str, Any] = {}
    items: dict[str, Known] = {}
    for k, v in kwargs.items():
        values[k] = v.value if isinstance(v, Known) else Opaque(v.reason, v.env)
        items[k] = v if isinstance(v, Known) else Known(values[k])
    known = [v for v in kwargs.values() if isinstance(v, Known)]
    return Known(values, derived(None, *known).env, True, items)


def _apply_builtin(name: str, values: list[Any], kwargs: dict[str, Result]) -> Any:
    iterables = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}
    if name in iterables:
        if not values:
            return iterables[name]()
        items = iterate(values[0])
        if items is None:
            raise TypeError(f"{type(values[0]).__name__} object is not iterable")
        return iterables[name](items)
    if name in ("sorted", "reversed", "any", "all"):
        items = iterate(values[0]) if values else None
        if items is None:
            raise TypeError(f"{name}() needs an iterable")
        if name == "sorted":
            reverse = kwargs.get("reverse")
            backwards = bool(reverse.value) if isinstance(reverse, Known) else False
            return sorted(items, reverse=backwards)
        fns: dict[str, Callable[[list[Any]], Any]] = {
            "reversed": lambda v: v[::-1], "any": any, "all": all
        }  # fmt: skip
        return fns[name](items)
    if name in ("min", "max") and values:
        pool = iterate(values[0]) if len(values) == 1 else values
        if pool is None:
            raise TypeError(f"{name}() needs an iterable")
        return min(pool) if name == "min" else max(pool)
    if name == "dict" and len(values) == 1:
        return dict(values[0])
    simple: dict[str, Callable[..., Any]] = {
        "bool": bool, "int": int, "float": float, "str": str, "len": len, "abs": abs,
        "dict": dict,
    }  # fmt: skip
    if name == "str" and values and not isinstance(values[0], str | int | float | bool):
        text = str(values[0])
        check_size(text)
        return text
    return simple[name](*values)


def method(base: Known, method: str, args: list[Result], kwargs: dict[str, Result]) -> Result:
    value = base.value
    if isinstance(value, dict) and method == "get" and not kwargs:
        return _dict_get(base, args)
    all_args = [base, *args, *kwargs.values()]
    bad = first_unknown(*all_args) or opaque_unknown(*all_args)
    if bad is not None:
        return bad
    allowed = (
        (isinstance(value, str) and method in _STR_METHODS | {"join", "replace", "format"})
        or (isinstance(value, list | tuple) and method in _SEQ_METHODS)
        or (isinstance(value, dict) and method in _DICT_METHODS)
        or (isinstance(value, dt.timedelta) and method == "total_seconds")
    )
    if not allowed:
        return Unknown(f"method .{method}() of a {type(value).__name__} is not evaluated")
    pos = [a.value for a in args if isinstance(a, Known)]
    kw = {k: v.value for k, v in kwargs.items() if isinstance(v, Known)}
    try:
        result = _call_method(value, method, pos, kw)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError) as e:
        return Unknown(f".{method}(...) would raise {type(e).__name__}: {e}")
    check_size(result)
    return derived(result, *[a for a in all_args if isinstance(a, Known)])


def _call_method(value: Any, method: str, pos: list[Any], kw: dict[str, Any]) -> Any:
    if method == "replace" and isinstance(value, str) and len(pos) >= 2:
        if isinstance(pos[0], str) and isinstance(pos[1], str) and pos[0]:
            if len(value) + value.count(pos[0]) * len(pos[1]) > 1_000_000:
                raise ValueError("result too large")
    if method == "format":
        for _, field, spec, _conv in string.Formatter().parse(value):
            if field and ("." in field or "[" in field):
                raise ValueError("format fields with attribute or index access")
            if spec and ("{" in spec or not format_spec_ok(spec)):
                raise ValueError("format width too large")
    if method == "join" and not all(isinstance(v, str) for v in (iterate(pos[0]) or [0])):
        raise TypeError("join() needs strings")
    if method in ("keys", "values", "items"):
        return list(getattr(value, method)())
    return getattr(value, method)(*pos, **kw)


def _dict_get(base: Known, args: list[Result]) -> Result:
    if not args or isinstance(args[0], Unknown) or len(args) > 2:
        return Unknown("dict.get() with a key that cannot be resolved")
    key = args[0].value
    try:
        present = key in base.value
    except TypeError:
        return Unknown("dict.get() with an unhashable key")
    if present:
        return item(base, key)
    default = args[1] if len(args) > 1 else Known(None)
    return default


def item(base: Known, key: Any) -> Result:
    child = base.items.get(key) if base.items is not None else None
    if child is None:
        child = Known(base.value[key], base.env, True)
    if isinstance(child.value, Opaque):
        return Unknown(child.value.reason, child.value.env)
    return child
