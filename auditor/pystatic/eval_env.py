"""Environment reads, judged the way a deployment that forgets the variable sees them.

``os.environ.get``/``os.getenv``/``os.environ.setdefault`` return their default;
django-environ returns the default *uncast* (unless ``parse_default=True``), and
python-decouple casts it. Reading a variable without a default is ``Unknown``
with the variable named: the value comes from the deployment.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from auditor.pystatic.evaluate import EnvRead, Known, Result, Unknown, merge_env
from auditor.pystatic.limits import Opaque, Symbol

ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_NOTSET = object()


def no_default(name: str, how: str) -> Unknown:
    return Unknown(f"from environment {name} ({how}) with no default: set at deployment", (name,))


def env_get(path: str, args: list[Result], kwargs: dict[str, Result]) -> Result:
    key = args[0] if args else kwargs.get("key")
    default: Result = args[1] if len(args) > 1 else kwargs.get("default", Known(None))
    if not isinstance(key, Known) or not isinstance(key.value, str):
        return Unknown(f"{path}() with a variable name that cannot be resolved")
    if isinstance(default, Unknown):
        return Unknown(f"default of environment {key.value} cannot be resolved: {default.reason}")
    env = (*default.env, EnvRead(key.value, default.value))
    return Known(default.value, env, default.computed, default.items)


def env_item(key: Result) -> Result:
    """``os.environ["X"]``: a deployment without X does not start at all."""
    if isinstance(key, Known) and isinstance(key.value, str):
        return no_default(key.value, "os.environ[...]")
    return Unknown("os.environ[...] with a variable name that cannot be resolved")


@dataclass(frozen=True)
class EnvReader:
    """A django-environ ``Env(...)`` object with its scheme of (cast, default)."""

    scheme: tuple[tuple[str, Any], ...]

    def default_for(self, name: str) -> Any:
        for var, info in self.scheme:
            if var == name and isinstance(info, tuple) and len(info) == 2:
                return info[1]
        return _NOTSET


def make_env_reader(kwargs: dict[str, Result]) -> Result:
    scheme: list[tuple[str, Any]] = []
    for name, spec in sorted(kwargs.items()):
        if isinstance(spec, Unknown):
            return Unknown(f"environ.Env scheme for {name} cannot be resolved: {spec.reason}")
        scheme.append((name, spec.value))
    return Known(EnvReader(tuple(scheme)))


_DEFAULT_SECOND = frozenset({"bool", "int", "float", "str", "json", "url", "path", "bytes"})
_DEFAULT_THIRD = frozenset({"__call__", "get_value", "list", "tuple", "dict"})
_URL_PARSED = frozenset({"db_url", "db", "cache_url", "cache", "email_url", "email", "search_url"})


def env_reader_call(
    reader: EnvReader, method: str, args: list[Result], kwargs: dict[str, Result]
) -> Result:
    name = args[0] if args else kwargs.get("var")
    if method in ("db_url", "db") and not args and "var" not in kwargs:
        name = Known("DATABASE_URL")
    if not isinstance(name, Known) or not isinstance(name.value, str):
        return Unknown(f"env.{method}() with a variable name that cannot be resolved")
    var = name.value
    if method in _DEFAULT_SECOND or method in _URL_PARSED:
        default = args[1] if len(args) > 1 else kwargs.get("default")
    elif method in _DEFAULT_THIRD:
        default = args[2] if len(args) > 2 else kwargs.get("default")
    else:
        return Unknown(f"django-environ env.{method}() is not modelled")
    if default is None:
        scheme_default = reader.default_for(var)
        if scheme_default is _NOTSET:
            return no_default(var, f"django-environ env.{method}")
        default = Known(scheme_default)
    if isinstance(default, Unknown):
        return Unknown(f"default of environment {var} cannot be resolved: {default.reason}")
    parse = kwargs.get("parse_default")
    if isinstance(parse, Known) and parse.value:
        return Unknown(f"django-environ parses the default of {var} (parse_default=True)")
    read = Known(default.value, (*default.env, EnvRead(var, default.value)), default.computed)
    if method in ("db_url", "db"):
        return database_url(read)
    if method in _URL_PARSED:
        return Unknown(f"django-environ env.{method}() parses a URL into settings; not modelled")
    return read


def database_url(url: Known) -> Result:
    """The parts of a database URL that matter to an audit, with the password's
    provenance kept so a literal one in a default can be reported."""
    if not isinstance(url.value, str):
        return Unknown("a database URL that is not a string")
    try:
        parts = urlsplit(url.value)
        password = unquote(parts.password) if parts.password is not None else ""
        user = unquote(parts.username) if parts.username is not None else ""
        host, port = parts.hostname or "", parts.port or ""
    except ValueError as e:
        return Unknown(f"database URL cannot be parsed: {e}")
    values: dict[str, Any] = {
        "ENGINE": Opaque(f"engine chosen from URL scheme {parts.scheme!r}"),
        "NAME": parts.path.lstrip("/"),
        "USER": user,
        "PASSWORD": password,
        "HOST": host,
        "PORT": str(port),
    }
    items = {k: Known(v, url.env, True) for k, v in values.items()}
    return Known(values, url.env, True, items)


@dataclass(frozen=True)
class CsvCast:
    """python-decouple's ``Csv()`` cast."""

    delimiter: str = ","


_DECOUPLE_BOOLEANS = {
    "1": True, "yes": True, "true": True, "on": True,
    "0": False, "no": False, "false": False, "off": False, "": False,
}  # fmt: skip


def decouple_config(args: list[Result], kwargs: dict[str, Result]) -> Result:
    name = args[0] if args else kwargs.get("option")
    default = args[1] if len(args) > 1 else kwargs.get("default")
    cast = args[2] if len(args) > 2 else kwargs.get("cast")
    if not isinstance(name, Known) or not isinstance(name.value, str):
        return Unknown("decouple config() with a variable name that cannot be resolved")
    if default is None:
        return no_default(name.value, "python-decouple config")
    if isinstance(default, Unknown) or isinstance(cast, Unknown):
        bad = default if isinstance(default, Unknown) else cast
        reason = bad.reason if isinstance(bad, Unknown) else ""
        return Unknown(f"decouple config({name.value!r}) cannot be resolved: {reason}")
    value = default.value
    kind = cast.value if isinstance(cast, Known) else None
    try:
        value = _decouple_cast(value, kind)
    except (ValueError, TypeError) as e:
        return Unknown(f"decouple would fail casting the default of {name.value}: {e}")
    env = (*merge_env(default), EnvRead(name.value, default.value))
    return Known(value, env, computed=kind is not None)


def _decouple_cast(value: Any, kind: Any) -> Any:
    if kind is None:
        return value
    if isinstance(kind, CsvCast):
        lexer = shlex.shlex(str(value), posix=True)
        lexer.whitespace = kind.delimiter
        lexer.whitespace_split = True
        return [s.strip() for s in lexer]
    if not isinstance(kind, Symbol):
        raise TypeError(f"cast {kind!r} is not modelled")
    if kind.path == "builtins.bool":
        text = str(value).lower()
        if text not in _DECOUPLE_BOOLEANS:
            raise ValueError(f"Not a boolean: {value}")
        return _DECOUPLE_BOOLEANS[text]
    casts = {"builtins.int": int, "builtins.float": float, "builtins.str": str}
    if kind.path not in casts:
        raise TypeError(f"cast {kind.path} is not modelled")
    return casts[kind.path](value)
