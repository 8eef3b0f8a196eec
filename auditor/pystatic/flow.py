"""Control flow for the module interpreter: ``if`` we can or cannot decide,
loops, ``match`` and ``try``. Paths we cannot choose between are all run from
the same start and merged: a name that differs between them becomes unknown.
A ``try`` whose handler catches a missing environment variable (``KeyError``,
django-environ's ``ImproperlyConfigured``) or a missing module runs that
handler, because that is what a deployment without the variable or the
optional local settings file gets.
"""

from __future__ import annotations

import ast

from auditor.pystatic import mutate as pymutate
from auditor.pystatic.evaluate import EnvRead, Evaluator, Known, Result, Unknown
from auditor.pystatic.values import Binding

IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
ENV_ERRORS = frozenset(
    {"KeyError", "LookupError", "Exception", "BaseException", "ImproperlyConfigured",
     "UndefinedValueError"}
)  # fmt: skip


class ImportFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EnvMissing(Exception):
    """An environment read without default inside a ``try`` that would catch it."""

    def __init__(self, value: Unknown, line: int, targets: list[ast.expr]) -> None:
        super().__init__(", ".join(value.env))
        self.value = value
        self.names = value.env
        self.line = line
        self.targets = targets


def _catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
        if name in names:
            return True
    return False


class ControlFlow:
    """Mixed into ``Interpreter``; relies on its namespace and ``run``."""

    ns: dict[str, Binding]
    poison: str | None
    uncertain: str | None
    catch_env: bool
    catch_import: bool
    path: str
    ev: Evaluator

    def run(self, body: list[ast.stmt]) -> None:
        raise NotImplementedError

    def bind(self, name: str, result: Result, line: int) -> None:
        raise NotImplementedError

    def _If(self, node: ast.If) -> None:
        test = self.ev.eval(node.test)
        if isinstance(test, Known) and not test.opaque:
            self.run(node.body if test.value else node.orelse)
            return
        reason = test.reason if isinstance(test, Unknown) else "not plain data"
        self.branch(
            [node.body, node.orelse],
            f"condition at {self.path}:{node.lineno} cannot be decided ({reason})",
        )

    def branch(self, bodies: list[list[ast.stmt]], reason: str) -> None:
        """Run each possible path from the same start; names that end up
        different become unknown, with the reason."""
        start, start_poison, outer = dict(self.ns), self.poison, self.uncertain
        self.uncertain = outer or reason
        ends: list[tuple[dict[str, Binding], str | None]] = []
        for body in bodies:
            self.ns, self.poison = dict(start), start_poison
            try:
                self.run(body)
            except (ImportFailed, EnvMissing):
                self.poison = self.poison or reason
            ends.append((self.ns, self.poison))
        self.uncertain = outer
        self.ns = pymutate.merge([ns for ns, _ in ends], reason)
        self.poison = next((p for _, p in ends if p is not None), None)

    def _While(self, node: ast.While) -> None:
        self.branch([node.body + node.orelse, node.orelse], f"loop at {self.path}:{node.lineno}")

    def _For(self, node: ast.For | ast.AsyncFor) -> None:
        for name in pymutate.stored_names(node.target):
            self.bind(name, Unknown(f"loop variable at {self.path}:{node.lineno}"), node.lineno)
        self.branch([node.body + node.orelse, node.orelse], f"loop at {self.path}:{node.lineno}")

    _AsyncFor = _For

    def _Match(self, node: ast.Match) -> None:
        bodies = [case.body for case in node.cases] + [[]]
        self.branch(bodies, f"match statement at {self.path}:{node.lineno}")

    def _Try(self, node: ast.Try | ast.TryStar) -> None:
        saved = (self.catch_env, self.catch_import)
        env_handler = next((h for h in node.handlers if _catches(h, ENV_ERRORS)), None)
        import_handler = next((h for h in node.handlers if _catches(h, IMPORT_ERRORS)), None)
        self.catch_env = saved[0] or env_handler is not None
        self.catch_import = saved[1] or import_handler is not None
        try:
            self.run(node.body)
        except ImportFailed:
            if import_handler is None:
                raise
            self.catch_env, self.catch_import = saved
            self._handler(import_handler, ())
        except EnvMissing as e:
            if env_handler is None:
                raise
            self.catch_env, self.catch_import = saved
            if any(isinstance(s, ast.Raise) for s in env_handler.body):
                # the variable is required: without it the module does not load
                for target in e.targets:
                    for name in pymutate.stored_names(target):
                        self.bind(name, e.value, e.line)
            else:
                self._handler(env_handler, e.names)
        else:
            self.catch_env, self.catch_import = saved
            self.run(node.orelse)
        finally:
            self.catch_env, self.catch_import = saved
        self.run(node.finalbody)

    _TryStar = _Try

    def _handler(self, handler: ast.ExceptHandler, env: tuple[str, ...]) -> None:
        before = dict(self.ns)
        if handler.name:
            self.bind(handler.name, Unknown("an exception object"), handler.lineno)
        self.run(handler.body)
        if not env:
            return
        for name, b in list(self.ns.items()):
            if before.get(name) is not b and isinstance(b.result, Known):
                r = b.result
                reads = tuple(EnvRead(n, r.value) for n in env)
                self.ns[name] = Binding(Known(r.value, (*r.env, *reads), r.computed, r.items),
                                        b.location)  # fmt: skip
