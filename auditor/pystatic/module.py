"""Interpret a module's statements in order, without running anything.

Settings are the state of a module's namespace after its last statement:
``from .base import *`` copies another module's names (keeping where they were
set), later assignments override, ``MIDDLEWARE.insert(0, ...)`` mutates, and an
``if`` we cannot decide makes every name it may change ``Unknown``. A
``try/except KeyError`` around ``os.environ["X"]`` runs its handler, because that
is what a deployment that forgets X gets. Code that rewrites the namespace
dynamically (``globals().update``, ``exec``, a star import from outside the
repository) poisons it: every name becomes unknown rather than guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Protocol

from auditor.evidence import Location
from auditor.pystatic import mutate as pymutate
from auditor.pystatic.evaluate import Budget, Evaluator, Known, Result, Unknown
from auditor.pystatic.flow import ControlFlow, EnvMissing, ImportFailed
from auditor.pystatic.values import Binding, ClassValue, FunctionValue, LoadedModule

__all__ = ["EnvMissing", "ImportFailed", "Interpreter", "ModuleSource", "Observer"]

_EXECUTES_FILES = frozenset({"split_settings.tools.include", "django_heroku.settings"})


class ModuleSource(Protocol):
    budget: Budget

    def load(self, dotted: str) -> LoadedModule | None: ...

    def find(self, dotted: str) -> tuple[str, bool] | None: ...


class Observer(Protocol):
    def observe(self, stmt: ast.stmt, interp: Interpreter) -> None: ...


class Interpreter(ControlFlow):
    def __init__(
        self,
        loader: ModuleSource,
        module: str,
        path: str,
        is_package: bool = False,
        observer: Observer | None = None,
        parent: Interpreter | None = None,
    ) -> None:
        self.loader = loader
        self.module = module
        self.path = path
        self.is_package = is_package
        self.observer = observer
        self.parent = parent
        self.ns: dict[str, Binding] = {}
        self.poison: str | None = None
        self.uncertain: str | None = None
        self.catch_env = False
        self.catch_import = False
        self.files: list[str] = [path]
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.ev = Evaluator(self.lookup, loader.budget)
        self.ev.where = path

    # --- names ---------------------------------------------------------------
    def lookup(self, name: str) -> Result | None:
        b = self.ns.get(name)
        if b is not None:
            return b.result
        if self.poison is not None:
            return Unknown(self.poison)
        if self.parent is not None:
            return self.parent.lookup(name)
        if name == "__name__":
            return Unknown("__name__ depends on how the module is started")
        if name == "__file__":
            return Unknown("__file__ is the file's location at run time")
        return None

    def loc(self, line: int) -> Location:
        return Location(self.path, line)

    def bind(self, name: str, result: Result, line: int) -> None:
        self.ns[name] = Binding(result, self.loc(line))

    def poison_all(self, reason: str, line: int) -> None:
        for name in list(self.ns):
            self.bind(name, Unknown(reason), line)
        self.poison = reason

    # --- statements ------------------------------------------------------------
    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.execute(stmt)

    def execute(self, stmt: ast.stmt) -> None:
        self.loader.budget.spend()
        handler: Callable[[ast.stmt], None] | None = getattr(self, "_" + type(stmt).__name__, None)
        if handler is not None:
            handler(stmt)
        if self.observer is not None:
            self.observer.observe(stmt, self)

    def _Assign(self, node: ast.Assign) -> None:
        if any(pymutate.is_dynamic_target(t) for t in node.targets):
            self.poison_all(f"line {node.lineno} writes to globals() dynamically", node.lineno)
            return
        value = self.ev.eval(node.value)
        if isinstance(value, Unknown) and value.env and self.catch_env:
            raise EnvMissing(value, node.lineno, list(node.targets))
        for target in node.targets:
            pymutate.assign(self, target, value, node.lineno)

    def _AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            value = self.ev.eval(node.value)
            if isinstance(value, Unknown) and value.env and self.catch_env:
                raise EnvMissing(value, node.lineno, [node.target])
            pymutate.assign(self, node.target, value, node.lineno)

    def _AugAssign(self, node: ast.AugAssign) -> None:
        pymutate.aug_assign(self, node)

    def _Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            if pymutate.is_dynamic_call(node.value):
                self.poison_all(
                    f"line {node.lineno} changes the namespace dynamically "
                    f"({ast.unparse(node.value.func)[:60]})",
                    node.lineno,
                )
                return
            callee = self.ev.eval(node.value.func)
            if isinstance(callee, Known) and getattr(callee.value, "path", "") in _EXECUTES_FILES:
                self.poison_all(
                    f"line {node.lineno} executes other files into the namespace "
                    f"({callee.value.path}), which is not followed",
                    node.lineno,
                )
                return
            pymutate.mutate(self, node.value, node.lineno)

    def _Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.ns.pop(target.id, None)

    def _With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                for name in pymutate.stored_names(item.optional_vars):
                    self.bind(name, Unknown("value of a with-statement"), node.lineno)
        self.run(node.body)

    _AsyncWith = _With

    def _FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions[node.name] = node
        self.bind(node.name, Known(FunctionValue(node.name, node, self)), node.lineno)

    _AsyncFunctionDef = _FunctionDef

    def _ClassDef(self, node: ast.ClassDef) -> None:
        body = Interpreter(self.loader, self.module, self.path, self.is_package, None, self)
        body.run(node.body)
        bases = tuple(self.ev.eval(b) for b in node.bases)
        cls = ClassValue(node.name, dict(body.ns), bases, self.loc(node.lineno))
        self.bind(node.name, Known(cls), node.lineno)

    def _Import(self, node: ast.Import) -> None:
        from auditor.pystatic.imports import do_import

        do_import(self, node)

    def _ImportFrom(self, node: ast.ImportFrom) -> None:
        from auditor.pystatic.imports import do_import_from

        do_import_from(self, node)

    def function_scope(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Interpreter:
        """A scope for running a factory function's body: parameters with a
        default are judged at it, parameters without one are unknown."""
        scope = Interpreter(self.loader, self.module, self.path, self.is_package,
                            self.observer, self)  # fmt: skip
        args = fn.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        pairs = list(zip(positional, defaults, strict=True))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        for arg, default in pairs:
            if default is None:
                value: Result = Unknown(f"parameter {arg.arg} of {fn.name}() has no default")
            else:
                value = self.ev.eval(default)
            scope.bind(arg.arg, value, fn.lineno)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.bind(extra.arg, Unknown(f"*{extra.arg} of {fn.name}()"), fn.lineno)
        return scope
