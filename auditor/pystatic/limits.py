"""Bounds and plain-data rules for the static evaluator (``auditor.pystatic.evaluate``).

Hostile source can ask for ``"x" * 10**12``, a comprehension over itself or an
expression nested ten thousand deep; every such request ends here in ``Stop``
with a reason instead of exhausting memory or time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor import observed

MAX_DEPTH = 100
MAX_ITEMS = 100_000
MAX_STR = 1_000_000
MAX_INT_BITS = 4096
DEFAULT_STEPS = 500_000

SECRET_KEY_NAME = re.compile(r"PASS|SECRET|TOKEN|PRIVATE|API_?KEY|CREDENTIAL", re.IGNORECASE)


class Stop(Exception):
    """Evaluation must stop; the reason becomes an Unknown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Symbol:
    """A name from a module we do not evaluate (``os.environ``, ``flask.Flask``):
    usable to recognise a call, never as a value."""

    path: str


@dataclass(frozen=True)
class Opaque:
    """An unresolved entry inside an otherwise known dict."""

    reason: str
    env: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Instance:
    """An object of a framework or extension class we recognise (a Flask app,
    CSRFProtect, a Starlette middleware declaration): created at ``origin``
    (file:line:col), with the arguments it was given."""

    path: str
    origin: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def kwarg(self, name: str) -> Any:
        return next((v for k, v in self.kwargs if k == name), None)


INSTANCE_CLASSES = frozenset(
    {
        "flask.Flask", "flask.app.Flask", "quart.Quart", "fastapi.FastAPI",
        "fastapi.applications.FastAPI", "starlette.applications.Starlette",
        "flask_wtf.CSRFProtect", "flask_wtf.csrf.CSRFProtect", "flask_seasurf.SeaSurf",
        "flask_talisman.Talisman", "flask_talisman.talisman.Talisman", "flask_login.LoginManager",
        "flask_login.login_manager.LoginManager", "flask_cors.CORS",
        "starlette.middleware.Middleware", "fastapi.middleware.Middleware",
    }
)  # fmt: skip
"""Classes whose instances the Flask/FastAPI collector follows through assignments
and imports; calling any other unknown class stays ``Unknown``."""


class Budget:
    """Steps (and optionally wall-clock time) shared by everything one collection
    evaluates, so the total work is bounded, not just each expression."""

    def __init__(self, steps: int = DEFAULT_STEPS, deadline: float | None = None) -> None:
        self.steps = steps
        self.limit = steps
        self.deadline = deadline
        self.spent = f"evaluation budget of {steps} steps exhausted"

    def spend(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise Stop(self.spent)
        if self.deadline is not None and self.steps % 1024 == 0:
            if time.monotonic() > self.deadline:
                # every later evaluation stops for the same reason, and says so
                self.steps = -1
                self.spent = "the collector's time limit was reached"
                obs = observed.current()
                if obs is not None:
                    obs.volatile = True
                raise Stop(self.spent)


BUILTINS = frozenset(
    {
        "bool", "int", "float", "str", "len", "list", "tuple", "set", "frozenset",
        "dict", "sorted", "any", "all", "min", "max", "abs", "reversed",
    }
)  # fmt: skip

_CSP_KEYWORDS = {
    "NONE": "'none'",
    "REPORT_SAMPLE": "'report-sample'",
    "SELF": "'self'",
    "STRICT_DYNAMIC": "'strict-dynamic'",
    "UNSAFE_EVAL": "'unsafe-eval'",
    "UNSAFE_HASHES": "'unsafe-hashes'",
    "UNSAFE_INLINE": "'unsafe-inline'",
    "WASM_UNSAFE_EVAL": "'wasm-unsafe-eval'",
}
CONSTANTS: dict[str, Any] = {
    **{f"django.utils.csp.CSP.{k}": v for k, v in _CSP_KEYWORDS.items()},
    "django.utils.csp.CSP.NONCE": "<CSP_NONCE_SENTINEL>",
    **{f"csp.constants.{k}": v for k, v in _CSP_KEYWORDS.items()},
    "csp.constants.NONCE": "<CSP_NONCE_SENTINEL>",
}
"""Library constants settings files use as values (Django 6 ``CSP.SELF``,
django-csp ``constants.UNSAFE_INLINE``), as those libraries define them."""

_PLAIN_LEAVES = (type(None), bool, int, float, str, bytes, dt.timedelta)


def is_plain(value: Any, depth: int = 0) -> bool:
    if isinstance(value, _PLAIN_LEAVES):
        return True
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list | tuple | set | frozenset):
        return all(is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(is_plain(v, depth + 1) for v in value.values())
    return False


def opaque_reason(value: Any, depth: int = 0) -> str:
    if isinstance(value, Opaque):
        return value.reason
    if isinstance(value, Symbol):
        return f"{value.path} comes from code that is not evaluated"
    if depth <= MAX_DEPTH:
        children: list[Any] = []
        if isinstance(value, list | tuple | set | frozenset):
            children = list(value)
        elif isinstance(value, dict):
            children = list(value.values())
        for child in children:
            if not is_plain(child, depth + 1):
                return opaque_reason(child, depth + 1)
    return f"a {type(value).__name__} value is not evaluated"


def check_size(value: Any) -> None:
    if isinstance(value, str | bytes) and len(value) > MAX_STR:
        raise Stop(f"a string longer than {MAX_STR} characters is not built")
    if isinstance(value, list | tuple | set | frozenset | dict) and len(value) > MAX_ITEMS:
        raise Stop(f"a container with more than {MAX_ITEMS} items is not built")
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise Stop(f"an integer wider than {MAX_INT_BITS} bits is not built")


def iterate(value: Any) -> list[Any] | None:
    """Items in Python's iteration order; sets are sorted, because their order
    changes with hash randomisation and our output must be deterministic."""
    if isinstance(value, list | tuple | str):
        items = list(value)
    elif isinstance(value, set | frozenset):
        items = sorted(value, key=repr)
    elif isinstance(value, dict):
        items = list(value)
    else:
        return None
    check_size(items)
    return items


def result_size_ok(op: str, a: Any, b: Any) -> str | None:
    """Why ``a <op> b`` would be too big to compute, checked before computing it."""
    if op in ("Mult",):
        seq, n = (a, b) if isinstance(b, int) else (b, a)
        if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int):
            if len(seq) * max(n, 0) > max(MAX_STR, MAX_ITEMS):
                return "a repeated sequence would be too large"
    if op == "Pow" and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b * math.log2(abs(a)) > MAX_INT_BITS:
            return "a power would be too large"
    if op == "LShift" and isinstance(b, int) and b > MAX_INT_BITS:
        return "a shift would be too large"
    text = str(a) if isinstance(a, str | bytes) else None
    if op == "Mod" and text is not None and ("*" in text or re.search(r"\d{5,}", text)):
        return "a %-format with a huge or computed width is not evaluated"
    return None


def format_spec_ok(spec: str) -> bool:
    return re.search(r"\d{5,}", spec) is None


def to_json(value: Any, secret: bool, redact: Callable[[str], str], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return redact(value) if secret and value else value
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace")) if secret else f"<{len(value)} bytes>"
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, list | tuple):
        return [to_json(v, secret, redact, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json(v, secret, redact, depth + 1) for v in value), key=repr)
    if isinstance(value, dict):
        return {
            str(k): to_json(v, secret or bool(SECRET_KEY_NAME.search(str(k))), redact, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, Opaque):
        return f"<unknown: {value.reason}>"
    if isinstance(value, Symbol):
        return f"<{value.path}>"
    return f"<{type(value).__name__}>"
