"""Follow Flask and FastAPI applications while their modules are interpreted.

The interpreter (``auditor.pystatic.module``) calls ``observe`` after each statement
it executes, in order, with the namespace of that moment; so
``app.config.from_object(Base)`` followed by ``app.config["DEBUG"] = False``
ends with what Flask would hold. Apps and extensions are recognised objects
(``pylimits.Instance``) keyed by where they were created, so ``csrf.init_app(app)``
in another module still reaches the right app.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import auditor.flaskcfg.sources as sources
from auditor.evidence import Location
from auditor.pystatic.evaluate import Known, Result, Unknown
from auditor.pystatic.limits import Instance, Stop, Symbol
from auditor.pystatic.load import Loader
from auditor.pystatic.module import EnvMissing, ImportFailed
from auditor.pystatic.values import FunctionValue

if TYPE_CHECKING:
    from auditor.pystatic.module import Interpreter

FLASK_APPS = frozenset({"flask.Flask", "flask.app.Flask", "quart.Quart"})
ASGI_APPS = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
CSRF_EXT = frozenset(
    {"flask_wtf.CSRFProtect", "flask_wtf.csrf.CSRFProtect", "flask_seasurf.SeaSurf"}
)
TALISMAN = frozenset({"flask_talisman.Talisman", "flask_talisman.talisman.Talisman"})
LOGIN = frozenset({"flask_login.LoginManager", "flask_login.login_manager.LoginManager"})
CORS_EXT = frozenset({"flask_cors.CORS"})
MIDDLEWARE_DECL = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
MAX_FOLLOW = 4
_ATTR_KEYS = {"secret_key": "SECRET_KEY", "debug": "DEBUG",
              "permanent_session_lifetime": "PERMANENT_SESSION_LIFETIME"}  # fmt: skip


@dataclass
class App:
    kind: str
    """"flask" or "fastapi" (FastAPI and Starlette)."""
    origin: str
    location: Location
    folder: str
    config: dict[str, sources.Entry] = field(default_factory=dict)
    poison: str | None = None
    csrf: list[Location] = field(default_factory=list)
    talisman: list[tuple[Location, Instance]] = field(default_factory=list)
    cors: list[tuple[Location, Instance]] = field(default_factory=list)
    middleware: list[tuple[Location, str, dict[str, Result]]] = field(default_factory=list)
    runs: list[tuple[Location, Result, str | None]] = field(default_factory=list)
    ctor: Instance | None = None


@dataclass
class Observed:
    apps: dict[str, App] = field(default_factory=dict)
    logins: list[tuple[Location, Instance]] = field(default_factory=list)
    protection: list[tuple[Location, Result]] = field(default_factory=list)
    unattributed: list[str] = field(default_factory=list)


def _location(origin: str) -> Location:
    path, line, _col = origin.rsplit(":", 2)
    return Location(path, int(line))


class FlaskObserver:
    def __init__(self, loader: Loader, state: Observed) -> None:
        self.loader = loader
        self.state = state
        self.depth = 0

    # --- recognising objects -------------------------------------------------------
    def app_of(self, result: Result) -> App | None:
        if not isinstance(result, Known) or not isinstance(result.value, Instance):
            return None
        inst = result.value
        if inst.path not in FLASK_APPS | ASGI_APPS:
            return None
        app = self.state.apps.get(inst.origin)
        if app is None:
            loc = _location(inst.origin)
            kind = "flask" if inst.path in FLASK_APPS else "fastapi"
            app = App(kind, inst.origin, loc, loc.path.rpartition("/")[0], ctor=inst)
            self.state.apps[inst.origin] = app
            if kind == "fastapi":
                self._ctor_middleware(app, inst)
        return app

    def _ctor_middleware(self, app: App, inst: Instance) -> None:
        declared = inst.kwarg("middleware")
        if isinstance(declared, Known) and isinstance(declared.value, list | tuple):
            for item in declared.value:
                if isinstance(item, Instance) and item.path in MIDDLEWARE_DECL and item.args:
                    cls = item.args[0]
                    name = (
                        cls.value.path
                        if isinstance(cls, Known) and isinstance(cls.value, Symbol)
                        else "?"
                    )
                    app.middleware.append((_location(item.origin), name, dict(item.kwargs)))

    def _extension(self, inst: Instance, where: Location) -> None:
        target = inst.args[0] if inst.args else inst.kwarg("app")
        if target is None:
            return
        app = self.app_of(target)
        if app is None:
            self.state.unattributed.append(f"{inst.path} at {where} for an app we cannot identify")
            return
        self._attach(app, inst, where)

    def _attach(self, app: App, inst: Instance, where: Location) -> None:
        if inst.path in CSRF_EXT:
            app.csrf.append(where)
        elif inst.path in TALISMAN:
            app.talisman.append((where, inst))
            sources.apply_talisman(app.config, inst, where)
        elif inst.path in CORS_EXT:
            app.cors.append((where, inst))
        elif inst.path in LOGIN:
            self.state.logins.append((where, inst))

    # --- statements ------------------------------------------------------------------
    def observe(self, stmt: ast.stmt, interp: Interpreter) -> None:
        where = Location(interp.path, stmt.lineno)
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    self._seen(interp.lookup(t.id), where)
                else:
                    self._store(t, stmt.value, interp, where)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._call(stmt.value, interp, where)

    def _seen(self, result: Result | None, where: Location) -> None:
        if result is None:
            return
        if self.app_of(result) is None and isinstance(result, Known):
            if isinstance(result.value, Instance):
                self._extension(result.value, where)

    def _store(self, target: ast.expr, value: ast.expr | None, interp: Interpreter,
               where: Location) -> None:  # fmt: skip
        if value is None:
            return
        if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                and target.value.attr == "config"):  # fmt: skip
            app = self.app_of(interp.ev.eval(target.value.value))
            key = interp.ev.eval(target.slice)
            if app and isinstance(key, Known) and isinstance(key.value, str):
                self._set(app, key.value, interp.ev.eval(value), where, "app.config[...] =",
                          interp)  # fmt: skip
        elif isinstance(target, ast.Attribute):
            owner = interp.ev.eval(target.value)
            app = self.app_of(owner)
            if app and target.attr in _ATTR_KEYS:
                self._set(app, _ATTR_KEYS[target.attr], interp.ev.eval(value), where,
                          f"app.{target.attr} =", interp)  # fmt: skip
            elif isinstance(owner, Known) and isinstance(owner.value, Instance):
                if owner.value.path in LOGIN and target.attr == "session_protection":
                    self.state.protection.append((where, interp.ev.eval(value)))

    def _set(self, app: App, key: str, result: Result, where: Location, how: str,
             interp: Interpreter) -> None:  # fmt: skip
        if interp.uncertain:
            result = Unknown(f"set at {where} under a {interp.uncertain}")
        app.config[key] = sources.Entry(result, where, how)

    def _follow(self, call: ast.Call, interp: Interpreter) -> bool:
        """``register_extensions(app)``: run a repository function that is given an
        app, with its parameters bound to the arguments."""
        callee = interp.ev.eval(call.func)
        if not isinstance(callee, Known) or not isinstance(callee.value, FunctionValue):
            return False
        args = [interp.ev.eval(a) for a in call.args]
        if self.depth >= MAX_FOLLOW or not any(self.app_of(a) for a in args):
            return False
        fn = callee.value
        scope = fn.scope.function_scope(fn.node)
        params = [a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args)]
        for name, value in zip(params, args, strict=False):
            scope.bind(name, value, fn.node.lineno)
        self.depth += 1
        try:
            scope.run(fn.node.body)
        except (ImportFailed, EnvMissing, RecursionError, Stop):
            pass
        finally:
            self.depth -= 1
        return True

    def _call(self, call: ast.Call, interp: Interpreter, where: Location) -> None:
        if self._follow(call, interp):
            return
        func = call.func
        if not isinstance(func, ast.Attribute):
            self._seen(interp.ev.eval(call), where)
            return
        owner_node = func.value
        if isinstance(owner_node, ast.Attribute) and owner_node.attr == "config":
            app = self.app_of(interp.ev.eval(owner_node.value))
            if app is not None:
                sources.config_call(self.loader, app, func.attr, call, interp, where)
            return
        owner = interp.ev.eval(owner_node)
        app = self.app_of(owner)
        if app is not None:
            self._app_call(app, func.attr, call, interp, where)
        elif isinstance(owner, Known) and isinstance(owner.value, Instance):
            if func.attr == "init_app" and call.args:
                target = self.app_of(interp.ev.eval(call.args[0]))
                if target is None:
                    self.state.unattributed.append(f"{owner.value.path}.init_app at {where}")
                else:
                    kwargs = {k.arg: interp.ev.eval(k.value) for k in call.keywords if k.arg}
                    inst = Instance(
                        owner.value.path,
                        owner.value.origin,
                        (),
                        tuple(sorted({**dict(owner.value.kwargs), **kwargs}.items())),
                    )
                    self._attach(target, inst, where)  # fmt: skip
        else:
            self._seen(interp.ev.eval(call), where)

    def _app_call(self, app: App, method: str, call: ast.Call, interp: Interpreter,
                  where: Location) -> None:  # fmt: skip
        kwargs = {k.arg: interp.ev.eval(k.value) for k in call.keywords if k.arg}
        if method == "run":
            app.runs.append((where, kwargs.get("debug", Known(None)), interp.uncertain))
        elif method == "add_middleware" and call.args:
            cls = interp.ev.eval(call.args[0])
            name = (
                cls.value.path if isinstance(cls, Known) and isinstance(cls.value, Symbol) else "?"
            )
            app.middleware.append((where, name, kwargs))
