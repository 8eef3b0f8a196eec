"""Where a Flask app's configuration comes from, resolved statically.

``app.config.update``/``from_mapping`` take evaluated mappings;
``from_object`` a class (its uppercase attributes through the base classes,
each with the line that set it) or a repository module named by import string;
``from_pyfile``/``from_file`` a repository file relative to the app's folder,
interpreted or parsed (JSON/TOML) without running it. A source we cannot see
(a file provided at deployment, ``from_envvar``) *poisons* the configuration:
keys it could set become unknown, unless set again afterwards.
"""

from __future__ import annotations

import ast
import json
import posixpath
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor.evidence import Location
from auditor.pystatic import source as pysource
from auditor.pystatic.evaluate import Known, Result, Unknown
from auditor.pystatic.limits import Instance, Symbol
from auditor.pystatic.load import Loader
from auditor.pystatic.values import Binding, ClassValue, ModuleValue

if TYPE_CHECKING:
    from auditor.flaskcfg.observe import App
    from auditor.pystatic.module import Interpreter


@dataclass(frozen=True)
class Entry:
    result: Result
    location: Location
    how: str


def poison(app: App, reason: str) -> None:
    """Keys already set may be overwritten by what we cannot see; keys set later win."""
    for key, e in list(app.config.items()):
        app.config[key] = Entry(Unknown(reason), e.location, e.how)
    app.poison = reason


def _bindings(app: App, names: Mapping[str, Binding], how: str) -> None:
    for key in sorted(names):
        if key.isupper():
            b = names[key]
            app.config[key] = Entry(b.result, b.location, how)


def _mapping(app: App, value: Result, where: Location, how: str) -> None:
    if isinstance(value, Unknown) or not isinstance(value.value, dict):
        reason = value.reason if isinstance(value, Unknown) else "not a dict"
        poison(app, f"{how} at {where} with a mapping we cannot resolve: {reason}")
        return
    for key, item in value.value.items():
        if isinstance(key, str) and key.isupper():
            child = (value.items or {}).get(key) or Known(item, value.env)
            app.config[key] = Entry(child, where, how)


def from_object(loader: Loader, app: App, obj: Result, where: Location) -> None:
    how = f"from_object at {where}"
    value = obj.value if isinstance(obj, Known) else None
    if isinstance(value, str):
        value = _import_string(loader, value)
    if isinstance(value, ClassValue):
        _bindings(app, value.all_attrs(), f"{how}: class {value.name}")
        hidden = value.unresolved_bases()
        if hidden:
            reason = f"class {value.name} derives from {', '.join(hidden)}, which we cannot see"
            for key, e in app.config.items():
                if key not in value.all_attrs():
                    app.config[key] = Entry(Unknown(reason), e.location, e.how)
            app.poison = reason
        return
    if isinstance(value, ModuleValue):
        module = loader.load(value.name)
        if module is not None and module.error is None:
            _bindings(app, module.namespace, f"{how}: module {value.name}")
            if module.poison:
                poison(app, module.poison)
            return
    reason = obj.reason if isinstance(obj, Unknown) else "an object we cannot resolve"
    poison(app, f"configuration loaded at {where} from {reason}")


def _import_string(loader: Loader, name: str) -> Any:
    dotted = name.replace(":", ".")
    if loader.load(dotted) is not None:
        return ModuleValue(dotted, loader.load)
    module_name, _, attr = dotted.rpartition(".")
    module = loader.load(module_name) if module_name else None
    if module is not None:
        got = module.get(attr)
        if isinstance(got, Known):
            return got.value
    return None


def _file(loader: Loader, app: App, name: Result, silent: bool, where: Location,
          method: str) -> str | None:  # fmt: skip
    """The repository path of a config file, or None after recording why not."""
    if not isinstance(name, Known) or not isinstance(name.value, str):
        poison(app, f"{method} at {where} with a file name we cannot resolve")
        return None
    rel = posixpath.normpath(posixpath.join(app.folder, name.value))
    if name.value.startswith("/") or rel.startswith(".."):
        poison(app, f"{method} at {where} reads {name.value}, outside the repository")
        return None
    if not pysource.is_regular_file(loader.root, rel):
        if not silent:
            poison(app, f"{method} at {where} reads {rel}, which is not in the repository "
                         "(provided at deployment)")  # fmt: skip
        return None
    return rel


def config_call(loader: Loader, app: App, method: str, call: ast.Call, interp: Interpreter,
                where: Location) -> None:  # fmt: skip
    ev = interp.ev
    args = [ev.eval(a) for a in call.args]
    kwargs = {k.arg: ev.eval(k.value) for k in call.keywords if k.arg}
    silent_r = kwargs.get("silent")
    silent = isinstance(silent_r, Known) and bool(silent_r.value)
    if interp.uncertain:
        poison(app, f"app.config.{method} at {where} runs under a {interp.uncertain}")
    elif method in ("update", "from_mapping"):
        if args:
            _mapping(app, args[0], where, f"app.config.{method}")
        for key, value in kwargs.items():
            if key.isupper():
                app.config[key] = Entry(value, where, f"app.config.{method}")
    elif method == "from_object" and args:
        if isinstance(call.args[0], ast.Name) and call.args[0].id == "__name__":
            top = interp
            while top.parent is not None:
                top = top.parent
            _bindings(app, top.ns, f"from_object(__name__) at {where}")
        else:
            from_object(loader, app, args[0], where)
    elif method == "from_pyfile" and args:
        rel = _file(loader, app, args[0], silent, where, "from_pyfile")
        if rel is not None:
            module = loader.interpret(f"<config {rel}>", rel, False)
            if module.error is not None:
                poison(app, f"{rel} cannot be analysed: {module.error}")
            else:
                _bindings(app, module.namespace, f"from_pyfile at {where}")
    elif method == "from_file" and args:
        _from_file(loader, app, args[0], kwargs.get("load"), silent, where)
    elif method == "from_envvar" and not silent:
        poison(app, f"from_envvar at {where}: values come from a file named at deployment")
    elif method == "setdefault" and len(args) == 2:
        name = args[0]
        if isinstance(name, Known) and isinstance(name.value, str) and name.value not in app.config:
            app.config[name.value] = Entry(args[1], where, "app.config.setdefault")


def _from_file(loader: Loader, app: App, name: Result, load: Result | None, silent: bool,
               where: Location) -> None:  # fmt: skip
    parser = load.value.path if isinstance(load, Known) and isinstance(load.value, Symbol) else ""
    rel = _file(loader, app, name, silent, where, "from_file")
    if rel is None:
        return
    data = pysource.read_bytes(loader.root, rel)
    try:
        if isinstance(data, pysource.SourceError):
            raise ValueError(data.reason)
        if parser == "json.load":
            parsed = json.loads(data)
        elif parser in ("tomllib.load", "toml.load", "tomli.load"):
            parsed = tomllib.loads(data.decode("utf-8"))
        else:
            raise ValueError(f"loader {parser or '?'} is not modelled")
    except (ValueError, UnicodeDecodeError) as e:
        poison(app, f"from_file at {where} ({rel}) cannot be read: {e}")
        return
    if not isinstance(parsed, dict):
        poison(app, f"from_file at {where} ({rel}) is not a mapping")
        return
    for key, value in parsed.items():
        if isinstance(key, str) and key.isupper():
            app.config[key] = Entry(Known(value), Location(rel, 1), f"from_file at {where}")


def apply_talisman(config: dict[str, Entry], inst: Instance, where: Location) -> None:
    """What ``Talisman(app, ...)`` writes into the config when it initialises
    (flask-talisman 1.x): SameSite, HttpOnly; Secure is forced per request."""
    how = "set by Flask-Talisman"
    same = inst.kwarg("session_cookie_samesite")
    config["SESSION_COOKIE_SAMESITE"] = Entry(same if same is not None else Known("Lax"), where,
                                              how)  # fmt: skip
    http_only = inst.kwarg("session_cookie_http_only")
    if http_only is None or (isinstance(http_only, Known) and http_only.value):
        config["SESSION_COOKIE_HTTPONLY"] = Entry(Known(True), where, how)
