"""Values the module interpreter binds to names besides plain data: where a name
was set, repository modules and classes (for ``from .base import X``,
``app.config.from_object(ProductionConfig)``)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.evidence import Location
from auditor.pystatic.evaluate import Known, Result, Unknown


@dataclass(frozen=True)
class Binding:
    """The value of a name and the statement that set it (the evidence's file:line)."""

    result: Result
    location: Location


@dataclass(frozen=True, eq=False)
class LoadedModule:
    """A repository module after interpretation. ``poison`` says why names it
    does not bind may still exist at run time; ``error`` why it was not read."""

    name: str
    path: str
    namespace: Mapping[str, Binding]
    poison: str | None = None
    error: str | None = None
    files: tuple[str, ...] = ()

    def get(self, name: str) -> Result | None:
        b = self.namespace.get(name)
        if b is not None:
            return b.result
        if self.error is not None:
            return Unknown(f"{self.path} cannot be analysed: {self.error}")
        if self.poison is not None:
            return Unknown(self.poison)
        return None


@dataclass(frozen=True, eq=False)
class ModuleValue:
    """``import pkg.mod as m``: loaded on first attribute access only."""

    name: str
    load: Callable[[str], LoadedModule | None] = field(repr=False)

    def pyeval_attr(self, attr: str) -> Result | None:
        module = self.load(self.name)
        if module is None:
            return Unknown(f"module {self.name} is not in the repository")
        got = module.get(attr)
        if got is not None:
            return got
        sub = self.load(f"{self.name}.{attr}")
        if sub is not None:
            return Known(ModuleValue(f"{self.name}.{attr}", self.load))
        return Unknown(f"module {self.name} has no attribute {attr}")


@dataclass(frozen=True, eq=False)
class FunctionValue:
    """A function defined in the repository, with the scope that defined it, so a
    caller that passes it an app (``register_extensions(app)``) can follow it."""

    name: str
    node: ast.FunctionDef | ast.AsyncFunctionDef = field(repr=False)
    scope: Any = field(repr=False)


@dataclass(frozen=True, eq=False)
class ClassValue:
    """A class defined in the repository: its body's bindings and its bases."""

    name: str
    attrs: Mapping[str, Binding]
    bases: tuple[Result, ...]
    location: Location

    def mro(self, depth: int = 0) -> list[ClassValue]:
        """Depth-first, left to right, each class once: Python's C3 order for the
        single-inheritance config hierarchies this is used for."""
        order: list[ClassValue] = [self]
        if depth > 20:
            return order
        for base in self.bases:
            if isinstance(base, Known) and isinstance(base.value, ClassValue):
                for cls in base.value.mro(depth + 1):
                    if cls not in order:
                        order.append(cls)
        return order

    def unresolved_bases(self) -> list[str]:
        """Bases we cannot see into (other than ``object``): their attributes
        might override nothing, or anything."""
        out: list[str] = []
        for cls in self.mro():
            for base in cls.bases:
                if isinstance(base, Unknown):
                    out.append(base.reason)
                elif not isinstance(base.value, ClassValue):
                    name = getattr(base.value, "path", type(base.value).__name__)
                    if name != "builtins.object":
                        out.append(str(name))
        return out

    def find(self, attr: str) -> Binding | None:
        for cls in self.mro():
            b = cls.attrs.get(attr)
            if b is not None:
                return b
        return None

    def all_attrs(self) -> dict[str, Binding]:
        merged: dict[str, Binding] = {}
        for cls in reversed(self.mro()):
            merged.update(cls.attrs)
        return merged

    def pyeval_attr(self, attr: str) -> Result | None:
        b = self.find(attr)
        if b is not None:
            return b.result
        return Unknown(f"class {self.name} has no attribute {attr} that we can see")
