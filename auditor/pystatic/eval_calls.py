"""Calls, subscripts and f-strings for ``auditor.pystatic.evaluate``: a closed list of pure
operations on plain data. A call we do not list is ``Unknown``, whatever it is."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from auditor.pystatic import eval_builtins as builtins_
from auditor.pystatic import eval_env as envmod
from auditor.pystatic.evaluate import (
    Evaluator,
    Known,
    Result,
    Unknown,
    derived,
    first_unknown,
    opaque_unknown,
    require,
)
from auditor.pystatic.limits import (
    BUILTINS,
    INSTANCE_CLASSES,
    Instance,
    Opaque,
    Stop,
    Symbol,
    check_size,
    format_spec_ok,
    is_plain,
    iterate,
    result_size_ok,
)

_NOOP_CALLS = frozenset({"dotenv.load_dotenv", "environ.Env.read_env", "environ.Env.smart_cast"})


def guarded_binop(fn: Callable[[Any, Any], Any], op: str, left: Known, right: Known) -> Result:
    too_big = result_size_ok(op, left.value, right.value)
    if too_big:
        return Unknown(too_big)
    try:
        value = fn(left.value, right.value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        return Unknown(f"the operation would raise {type(e).__name__}: {e}")
    check_size(value)
    return derived(value, left, right)


def _args(ev: Evaluator, node: ast.Call) -> tuple[list[Result], dict[str, Result]] | Unknown:
    args: list[Result] = []
    for a in node.args:
        if isinstance(a, ast.Starred):
            r = ev.ev(a.value)
            seq = iterate(r.value) if isinstance(r, Known) and not r.opaque else None
            if seq is None or not isinstance(r, Known):
                return Unknown("a *argument that cannot be resolved")
            args += [Known(v, r.env) for v in seq]
        else:
            args.append(ev.ev(a))
    kwargs: dict[str, Result] = {}
    for kw in node.keywords:
        r = ev.ev(kw.value)
        if kw.arg is not None:
            kwargs[kw.arg] = r
        elif isinstance(r, Known) and isinstance(r.value, dict):
            kwargs.update({str(k): Known(v, r.env) for k, v in r.value.items()})
        else:
            return Unknown("a **argument that cannot be resolved")
    return args, kwargs


def call(ev: Evaluator, node: ast.Call) -> Result:
    func = node.func
    if isinstance(func, ast.Attribute):
        base = ev.ev(func.value)
        if isinstance(base, Unknown):
            return base
        target: Any = base.value
        method = func.attr
        if isinstance(target, Symbol):
            return _symbol_call(ev, node, f"{target.path}.{method}")
    else:
        callee = ev.ev(func)
        if isinstance(callee, Unknown):
            return callee
        if isinstance(callee.value, Symbol):
            return _symbol_call(ev, node, callee.value.path)
        base, target, method = callee, callee.value, "__call__"
    got = _args(ev, node)
    if isinstance(got, Unknown):
        return got
    args, kwargs = got
    if isinstance(target, envmod.EnvReader):
        return envmod.env_reader_call(target, method, args, kwargs)
    call_hook = getattr(target, "pyeval_call", None)
    if callable(call_hook):
        hooked: Result = call_hook(method, args, kwargs)
        return hooked
    return builtins_.method(base, method, args, kwargs)


def _symbol_call(ev: Evaluator, node: ast.Call, path: str) -> Result:
    got = _args(ev, node)
    if isinstance(got, Unknown):
        return got
    args, kwargs = got
    if path in envmod.ENV_GETTERS:
        return envmod.env_get(path, args, kwargs)
    if path in ("environ.Env", "environ.FileAwareEnv"):
        return envmod.make_env_reader(kwargs)
    if path == "decouple.config":
        return envmod.decouple_config(args, kwargs)
    if path == "decouple.Csv":
        return Known(envmod.CsvCast())
    if path in _NOOP_CALLS:
        return Known(None)
    if path in INSTANCE_CLASSES:
        origin = f"{ev.where}:{node.lineno}:{node.col_offset + 1}"
        return Known(Instance(path, origin, tuple(args), tuple(sorted(kwargs.items()))))
    if path == "datetime.timedelta":
        return builtins_.timedelta(args, kwargs)
    if path.startswith("builtins.") and path.removeprefix("builtins.") in BUILTINS:
        return builtins_.builtin(path.removeprefix("builtins."), args, kwargs)
    return Unknown(f"call to {path}() is not evaluated")


def subscript(ev: Evaluator, node: ast.Subscript) -> Result:
    base = ev.ev(node.value)
    if isinstance(base, Unknown):
        return base
    if isinstance(base.value, Symbol):
        if base.value.path == "os.environ":
            return envmod.env_item(ev.ev(node.slice))
        return Unknown(f"{base.value.path}[...] is not evaluated")
    if isinstance(node.slice, ast.Slice):
        parts = [ev.ev(p) if p is not None else Known(None)
                 for p in (node.slice.lower, node.slice.upper, node.slice.step)]  # fmt: skip
        bad = first_unknown(*parts) or opaque_unknown(base, *parts)
        if bad is not None:
            return bad
        try:
            sl = slice(*[p.value for p in parts if isinstance(p, Known)])
            return derived(base.value[sl], base)
        except (TypeError, ValueError) as e:
            return Unknown(f"the slice would raise {type(e).__name__}: {e}")
    key = ev.ev(node.slice)
    if isinstance(key, Unknown):
        return key
    if not is_plain(key.value):
        return Unknown("a subscript key that is not plain data")
    if not isinstance(base.value, dict | list | tuple | str):
        return Unknown(f"subscript of a {type(base.value).__name__} is not evaluated")
    try:
        if isinstance(base.value, dict):
            return builtins_.item(base, key.value)
        got = base.value[key.value]
    except (KeyError, IndexError, TypeError) as e:
        return Unknown(f"the subscript would raise {type(e).__name__}: {e}")
    if isinstance(got, Opaque):
        return Unknown(got.reason, got.env)
    return derived(got, base, key)


def joined_str(ev: Evaluator, node: ast.JoinedStr) -> Result:
    out: list[str] = []
    seen: list[Known] = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            out.append(str(part.value))
            continue
        if not isinstance(part, ast.FormattedValue):
            return Unknown("unexpected f-string part")
        spec_result: Result = Known("") if part.format_spec is None else ev.ev(part.format_spec)
        got = require(ev.ev(part.value), spec_result)
        if isinstance(got, Unknown):
            return got
        value, spec = got
        if not isinstance(spec.value, str) or not format_spec_ok(spec.value):
            return Unknown("an f-string format spec that is not evaluated")
        convs: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}
        conv = convs.get(part.conversion)
        raw = conv(value.value) if conv else value.value
        try:
            out.append(format(raw, spec.value))
        except (TypeError, ValueError) as e:
            return Unknown(f"the f-string would raise {type(e).__name__}: {e}")
        seen.append(value)
        if sum(map(len, out)) > 1_000_000:
            raise Stop("an f-string result would be too large")
    return derived("".join(out), *seen)
