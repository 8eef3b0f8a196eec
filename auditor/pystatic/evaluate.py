"""A safe, bounded evaluator for expressions in untrusted Python source.

Settings files compute their values (``os.environ.get("DEBUG", "0") == "1"``,
``[h for h in ...split(",") if h]``), and a security verdict needs the value a
deployment actually gets, with Python's own semantics ("False" is truthy).
Nothing is imported or executed: we walk the ``ast`` and apply a small set of
pure operations to plain data. Anything else (a call we do not model, a name
we cannot see) becomes ``Unknown`` with the reason, never a guess. Environment
reads are judged at their default, which is what a deployment that forgets
the variable gets, and the provenance says so.
"""

from __future__ import annotations

import ast
import builtins
import datetime as dt
import operator
from collections.abc import Callable, Mapping
from typing import Any

from auditor.pystatic import limits as pylimits
from auditor.pystatic.limits import Budget, Opaque, Stop, Symbol, is_plain, opaque_reason
from auditor.pystatic.result import (
    EnvRead,
    Known,
    Lookup,
    Result,
    Unknown,
    derived,
    first_unknown,
    merge_env,
    opaque_unknown,
    require,
)
from auditor.redact import redact

__all__ = [
    "Budget",
    "EnvRead",
    "Evaluator",
    "Known",
    "Opaque",
    "Result",
    "Symbol",
    "Unknown",
    "evaluate",
    "is_plain",
    "to_json",
]


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_SINGLETONS = (None, True, False)


def _in_environ(op: ast.cmpop, left: Result, right: Result) -> Known | None:
    """``"X" in os.environ`` is False for a deployment that forgets X."""
    if not isinstance(op, ast.In | ast.NotIn) or not isinstance(right, Known):
        return None
    if right.value != Symbol("os.environ") or not isinstance(left, Known):
        return None
    if not isinstance(left.value, str):
        return None
    return Known(isinstance(op, ast.NotIn), (EnvRead(left.value, "<unset>"),), computed=True)


class Evaluator:
    """Evaluates expression nodes against a name lookup. Not thread-safe; one per module."""

    def __init__(self, lookup: Lookup, budget: Budget | None = None) -> None:
        self.lookup = lookup
        self.budget = budget or Budget()
        self.where = ""
        """The file being evaluated, for the origin of recognised objects."""
        self._depth = 0

    def eval(self, node: ast.AST) -> Result:
        """The public entry: depth, budget and interpreter recursion limits all
        end in ``Unknown`` rather than an exception."""
        try:
            return self.ev(node)
        except Stop as e:
            return Unknown(e.reason)
        except RecursionError:
            return Unknown("expression nested too deeply to evaluate")

    def ev(self, node: ast.AST) -> Result:
        self.budget.spend()
        self._depth += 1
        try:
            if self._depth > pylimits.MAX_DEPTH:
                raise Stop(f"expression nested deeper than {pylimits.MAX_DEPTH} levels")
            method = getattr(self, "_" + type(node).__name__, None)
            if method is None:
                return Unknown(f"{type(node).__name__} expressions are not evaluated")
            result: Result = method(node)
            return result
        finally:
            self._depth -= 1

    # --- leaves -----------------------------------------------------------
    def _Constant(self, node: ast.Constant) -> Result:
        return Known(node.value)

    def _Name(self, node: ast.Name) -> Result:
        found = self.lookup(node.id)
        if found is not None:
            return found
        if node.id in vars(builtins):
            return Known(Symbol("builtins." + node.id))
        return Unknown(f"name '{node.id}' is not defined in the evaluated code")

    def _Attribute(self, node: ast.Attribute) -> Result:
        base = self.ev(node.value)
        if isinstance(base, Unknown):
            return base
        value = base.value
        if isinstance(value, Symbol):
            path = f"{value.path}.{node.attr}"
            if path in pylimits.CONSTANTS:
                return Known(pylimits.CONSTANTS[path])
            return Known(Symbol(path))
        attr = getattr(value, "pyeval_attr", None)
        if callable(attr):
            got: Result | None = attr(node.attr)
            if got is not None:
                return got
        if isinstance(value, dt.timedelta) and node.attr in ("days", "seconds"):
            return derived(getattr(value, node.attr), base)
        return Unknown(f"attribute '.{node.attr}' of a {type(value).__name__} is not evaluated")

    # --- containers --------------------------------------------------------
    def _List(self, node: ast.List) -> Result:
        from auditor.pystatic.eval_comp import list_display

        return list_display(self, node)

    def _Tuple(self, node: ast.Tuple) -> Result:
        from auditor.pystatic.eval_comp import tuple_display

        return tuple_display(self, node)

    def _Set(self, node: ast.Set) -> Result:
        from auditor.pystatic.eval_comp import set_display

        return set_display(self, node)

    def _Dict(self, node: ast.Dict) -> Result:
        from auditor.pystatic.eval_comp import dict_display

        return dict_display(self, node)

    # --- operators -------------------------------------------------------------
    def _BinOp(self, node: ast.BinOp) -> Result:
        got = require(self.ev(node.left), self.ev(node.right))
        if isinstance(got, Unknown):
            return got
        left, right = got
        fn = _BINOPS.get(type(node.op))
        if fn is None:
            return Unknown(f"operator {type(node.op).__name__} is not evaluated")
        from auditor.pystatic.eval_calls import guarded_binop

        return guarded_binop(fn, type(node.op).__name__, left, right)

    def _UnaryOp(self, node: ast.UnaryOp) -> Result:
        got = require(self.ev(node.operand))
        if isinstance(got, Unknown):
            return got
        operand = got[0]
        ops: dict[type[ast.unaryop], Callable[[Any], Any]] = {
            ast.Not: operator.not_,
            ast.USub: operator.neg,
            ast.UAdd: operator.pos,
            ast.Invert: operator.invert,
        }
        try:
            return derived(ops[type(node.op)](operand.value), operand)
        except (TypeError, ValueError) as e:
            return Unknown(f"the operation would raise {type(e).__name__}: {e}")

    def _BoolOp(self, node: ast.BoolOp) -> Result:
        """Short-circuits like Python: an unknown operand after a deciding one
        does not matter."""
        is_and = isinstance(node.op, ast.And)
        seen: list[Known] = []
        for value_node in node.values:
            got = require(self.ev(value_node))
            if isinstance(got, Unknown):
                return got
            seen.append(got[0])
            if bool(got[0].value) != is_and:
                break
        last = seen[-1]
        return Known(last.value, merge_env(*seen), computed=True, items=last.items)

    def _Compare(self, node: ast.Compare) -> Result:
        left = self.ev(node.left)
        seen: list[Known] = []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.ev(right_node)
            env_test = _in_environ(op, left, right) if len(node.ops) == 1 else None
            if env_test is not None:
                return env_test
            got = require(left, right)
            if isinstance(got, Unknown):
                return got
            seen += got
            outcome = self._compare(op, got[0].value, got[1].value)
            if isinstance(outcome, Unknown):
                return outcome
            if not outcome:
                return derived(False, *seen)
            left = right
        return derived(True, *seen)

    def _compare(self, op: ast.cmpop, a: Any, b: Any) -> bool | Unknown:
        if isinstance(op, ast.Is | ast.IsNot):
            if not (any(a is s for s in _SINGLETONS) or any(b is s for s in _SINGLETONS)):
                return Unknown("'is' between values other than None/True/False")
            same = a is b
            return same if isinstance(op, ast.Is) else not same
        try:
            return bool(_CMPOPS[type(op)](a, b))
        except (TypeError, ValueError) as e:
            return Unknown(f"the comparison would raise {type(e).__name__}: {e}")

    def _IfExp(self, node: ast.IfExp) -> Result:
        got = require(self.ev(node.test))
        if isinstance(got, Unknown):
            return Unknown(f"condition cannot be decided: {got.reason}", got.env)
        test = got[0]
        chosen = self.ev(node.body if test.value else node.orelse)
        if isinstance(chosen, Unknown):
            return chosen
        return Known(chosen.value, merge_env(test, chosen), True, chosen.items)

    def _Subscript(self, node: ast.Subscript) -> Result:
        from auditor.pystatic.eval_calls import subscript

        return subscript(self, node)

    def _Call(self, node: ast.Call) -> Result:
        from auditor.pystatic.eval_calls import call

        return call(self, node)

    def _JoinedStr(self, node: ast.JoinedStr) -> Result:
        from auditor.pystatic.eval_calls import joined_str

        return joined_str(self, node)

    def _ListComp(self, node: ast.ListComp) -> Result:
        from auditor.pystatic.eval_comp import comprehension

        return comprehension(self, node)

    _SetComp = _ListComp
    _GeneratorExp = _ListComp
    _DictComp = _ListComp


def evaluate(node: ast.AST, names: Mapping[str, Result] | None = None) -> Result:
    """Evaluate one expression with only ``names`` (and safe builtins) visible."""
    table = dict(names or {})
    return Evaluator(table.get).eval(node)


def to_json(value: Any, secret: bool = False) -> Any:
    """A JSON-safe rendering of an evaluated value; every string is redacted when
    ``secret``, and dict entries whose key names a secret are redacted always."""
    return pylimits.to_json(value, secret, redact)


__all__ += ["derived", "first_unknown", "merge_env", "opaque_reason", "opaque_unknown", "require"]
