"""Results of static evaluation: a known value with its provenance (which
environment variables decided it, whether it was computed), or an unknown with
the reason. Shared by the evaluator, the module interpreter and the collectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.pystatic.limits import is_plain, opaque_reason
from auditor.redact import redact


@dataclass(frozen=True)
class EnvRead:
    """One environment variable read whose default decided the value."""

    name: str
    default: Any


@dataclass(frozen=True)
class Known:
    value: Any
    env: tuple[EnvRead, ...] = ()
    computed: bool = False
    items: Mapping[Any, Known] | None = field(default=None, compare=False)
    """Per-key provenance of a dict built from a display, so a password inside
    DATABASES can be told apart from the environment-driven host next to it."""

    @property
    def opaque(self) -> bool:
        return not is_plain(self.value)

    def how(self, secret: bool = False) -> str:
        if not self.env:
            return "computed from literals" if self.computed else "literal"
        parts = [f"{r.name}, default {_show(r.default, secret)}" for r in self.env]
        text = "from environment " + "; ".join(parts)
        return text + ", then computed" if self.computed else text


@dataclass(frozen=True)
class Unknown:
    reason: str
    env: tuple[str, ...] = ()
    """Environment variables without a default that decide the value: known to
    come from the deployment, unknown in the repository."""


Result = Known | Unknown
Lookup = Callable[[str], Result | None]


def _show(value: Any, secret: bool) -> str:
    if secret and isinstance(value, str) and value:
        return repr(redact(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def merge_env(*results: Known) -> tuple[EnvRead, ...]:
    seen: dict[str, EnvRead] = {}
    for r in results:
        for e in r.env:
            seen.setdefault(e.name, e)
    return tuple(seen.values())


def derived(value: Any, *inputs: Known) -> Known:
    return Known(value, merge_env(*inputs), computed=True)


def first_unknown(*results: Result) -> Unknown | None:
    for r in results:
        if isinstance(r, Unknown):
            return r
    return None


def require(*results: Result) -> list[Known] | Unknown:
    """The results as plain known values, or the first reason one is not."""
    out: list[Known] = []
    for r in results:
        if isinstance(r, Unknown):
            return r
        if r.opaque:
            return Unknown(opaque_reason(r.value))
        out.append(r)
    return out


def opaque_unknown(*results: Result) -> Unknown | None:
    """Operations on values we only partly know (a symbol, a dict with an
    unresolved entry) would be guesses, so they are unknown."""
    for r in results:
        if isinstance(r, Known) and r.opaque:
            return Unknown(opaque_reason(r.value))
    return None
