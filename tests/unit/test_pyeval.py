"""The static evaluator and module interpreter: Python semantics on plain data,
environment reads judged at their default, bounded work, unknowns with reasons."""

from __future__ import annotations

import ast
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.pystatic import source as pysource
from auditor.pystatic.evaluate import Known, Result, Symbol, Unknown, evaluate, to_json
from auditor.pystatic.load import Loader, module_for_path
from auditor.pystatic.values import ClassValue, LoadedModule

OS = {"os": Known(Symbol("os"))}


def ev(src: str, **names: Result) -> Result:
    return evaluate(ast.parse(src, mode="eval").body, {**OS, **names})


def value(src: str, **names: Result) -> Any:
    r = ev(src, **names)
    assert isinstance(r, Known), r
    return r.value


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("os.environ.get('D', 'False')", "False"),
        ("bool(os.environ.get('D', 'False'))", True),  # the classic: "False" is truthy
        ("os.environ.get('D', '0') == '1'", False),
        ("os.environ.get('D')", None),
        ("os.getenv('D', 'x')", "x"),
        ("os.environ.setdefault('D', 'y')", "y"),
        ("'D' in os.environ", False),
        ("int(os.getenv('HSTS', '3600')) * 2", 7200),
        ("[h.strip() for h in os.environ.get('H', 'a.com, b.com').split(',') if h]",
         ["a.com", "b.com"]),
        ("os.environ.get('H', '').split(',')", [""]),
        ("{**{'a': 1}, 'b': [*(1, 2), 3]}", {"a": 1, "b": [1, 2, 3]}),
        ("f'{1 + 1:>3}x'", "  2x"),
        ("'%s-%d' % ('a', 5)", "a-5"),
        ("'abc'[1:]", "bc"),
        ("sorted({'b', 'a'}, reverse=True)", ["b", "a"]),
        ("{k: v for k, v in {'a': 1}.items()}", {"a": 1}),
        ("60 * 60 * 24 * 365", 31536000),
        ("None is None and 1 < 2 < 3", True),
        ("dict(A=1)['A']", 1),
        ("'x' if 0 else 'y'", "y"),
    ],
)  # fmt: skip
def test_python_semantics_on_plain_data(src: str, expected: Any) -> None:
    assert value(src) == expected


def test_environment_reads_carry_their_provenance() -> None:
    r = ev("os.environ.get('DJANGO_DEBUG', 'False')")
    assert isinstance(r, Known)
    assert r.how() == "from environment DJANGO_DEBUG, default 'False'"
    computed = ev("os.environ.get('DJANGO_DEBUG', '0') == '1'")
    assert isinstance(computed, Known) and computed.how().endswith(", then computed")
    assert ev("'literal'") == Known("literal")
    assert isinstance(ev("'a' + 'b'"), Known) and ev("'a' + 'b'").how() == "computed from literals"  # type: ignore[union-attr]


def test_secret_defaults_are_redacted_in_provenance() -> None:
    r = ev("os.environ.get('SECRET_KEY', 'super-secret-value-123')")
    assert isinstance(r, Known)
    assert "super-secret-value-123" not in r.how(secret=True)
    assert "sha256:" in r.how(secret=True)


def test_a_variable_without_default_is_unknown_and_named() -> None:
    r = ev("os.environ['SECRET_KEY'].strip()")
    assert isinstance(r, Unknown) and r.env == ("SECRET_KEY",)
    assert "no default" in r.reason


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("'x' * 10**12", "too large"),
        ("2 ** 100000", "too large"),
        ("[a for a in list('a' * 50000) for b in list('b' * 50000)]", "too many"),
        ("'%99999999d' % 1", "huge"),
        ("'{:99999999}'.format(1)", "format"),
        ("f'{1:{99999999}}'", "format spec"),
        ("undefined_name + 1", "not defined"),
        ("open('/etc/passwd').read()", "not evaluated"),
        ("__import__('os').system('id')", "not evaluated"),
        ("(lambda: 1)()", "not evaluated"),
        ("1 is 1", "'is'"),
        ("int('abc')", "ValueError"),
        ("{}['missing']", "KeyError"),
        ("[] + ()", "TypeError"),
    ],
)  # fmt: skip
def test_anything_unsafe_or_unmodelled_is_unknown_with_a_reason(src: str, reason: str) -> None:
    r = ev(src)
    assert isinstance(r, Unknown), r
    assert reason in r.reason


def test_deep_nesting_is_unknown_not_a_crash() -> None:
    r = ev("-" * 500 + "1")
    assert isinstance(r, Unknown) and "nested" in r.reason
    nested = evaluate(ast.parse("[" * 150 + "]" * 150, mode="eval").body)
    assert isinstance(nested, Unknown | Known)


def test_short_circuit_ignores_unknowns_that_do_not_matter() -> None:
    assert value("True or unknown_thing") is True
    assert value("False and unknown_thing") is False
    assert isinstance(ev("unknown_thing or True"), Unknown)


def test_symbols_are_never_values() -> None:
    assert isinstance(ev("bool(flask)", flask=Known(Symbol("flask"))), Unknown)
    assert isinstance(ev("x == 1", x=Known(Symbol("mod.X"))), Unknown)


def test_dicts_keep_per_key_provenance_and_partial_values() -> None:
    r = ev("{'default': {'PASSWORD': 'pw', 'HOST': os.environ['DB_HOST']}}")
    assert isinstance(r, Known) and r.items is not None
    inner = r.items["default"]
    assert inner.items is not None and inner.items["PASSWORD"] == Known("pw")
    assert value("d['default']['PASSWORD']", d=r) == "pw"
    assert isinstance(ev("d['default']['HOST']", d=r), Unknown)
    assert isinstance(ev("d == {}", d=r), Unknown)  # comparing a partly unknown dict


def test_django_environ_defaults_are_returned_uncast() -> None:
    env = ev("environ.Env(DEBUG=(bool, False), HOSTS=(list, ['a']))",
             environ=Known(Symbol("environ")))  # fmt: skip
    names = {"env": env}
    assert value("env('DEBUG')", **names) is False
    assert value("env.list('HOSTS')", **names) == ["a"]
    assert value("env.bool('X', default='False')", **names) == "False"
    assert value("env.str('X', 'd')", **names) == "d"
    assert isinstance(ev("env('SECRET_KEY')", **names), Unknown)
    db = ev("env.db('DATABASE_URL', default='postgres://u:p%40ss@db:5432/app')", **names)
    assert isinstance(db, Known) and db.items is not None
    assert db.items["PASSWORD"].value == "p@ss" and db.items["HOST"].value == "db"


def test_decouple_casts_its_default() -> None:
    names = {"config": Known(Symbol("decouple.config")), "Csv": Known(Symbol("decouple.Csv"))}
    assert value("config('DEBUG', default='False', cast=bool)", **names) is False
    assert value("config('DEBUG', default='yes', cast=bool)", **names) is True
    assert value("config('PORT', default='80', cast=int)", **names) == 80
    assert value("config('HOSTS', default='a, b', cast=Csv())", **names) == ["a", "b"]
    assert isinstance(ev("config('SECRET_KEY')", **names), Unknown)


def test_to_json_redacts_and_normalises() -> None:
    data = {"PASSWORD": "hunter2", "age": dt.timedelta(hours=2), "hosts": {"b", "a"}}
    out = to_json(data)
    assert out["PASSWORD"] != "hunter2" and "sha256:" in out["PASSWORD"]
    assert out["age"] == 7200 and out["hosts"] == ["a", "b"]
    assert "abcdefghijk" not in str(to_json(["abcdefghijk"], secret=True))


# --- the module interpreter -------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def load(root: Path, dotted: str) -> LoadedModule:
    module = Loader(root, [""]).load(dotted)
    assert module is not None
    return module


def known(module: LoadedModule, name: str) -> Any:
    r = module.get(name)
    assert isinstance(r, Known), r
    return r.value


def test_star_imports_keep_where_each_name_was_set(tmp_path: Path) -> None:
    write(tmp_path, {
        "site/__init__.py": "", "site/settings/__init__.py": "",
        "site/settings/base.py": "import os\nDEBUG = True\nMIDDLEWARE = ['a', 'b']\n",
        "site/settings/prod.py": (
            "from .base import *\nDEBUG = False\nMIDDLEWARE.insert(0, 'sec')\n"
            "MIDDLEWARE += ('c',)\nMIDDLEWARE.remove('a')\n"
        ),
    })  # fmt: skip
    m = load(tmp_path, "site.settings.prod")
    assert known(m, "DEBUG") is False
    assert str(m.namespace["DEBUG"].location) == "site/settings/prod.py:2"
    assert known(m, "MIDDLEWARE") == ["sec", "b", "c"]
    assert m.files == ("site/settings/prod.py", "site/settings/base.py")
    base = load(tmp_path, "site.settings.base")
    assert known(base, "MIDDLEWARE") == ["a", "b"]  # the import got a copy


def test_conditions_we_cannot_decide_make_names_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": (
        "import os\nA = 1\nB = 1\n"
        "if os.environ.get('STAGE') == 'prod':\n    A = 2\n"  # unset: judged as the default
        "if some_call():\n    B = 2\n"
        "for x in range(3):\n    C = x\n"
    )})  # fmt: skip
    m = load(tmp_path, "m")
    assert known(m, "A") == 1
    b = m.get("B")
    assert isinstance(b, Unknown) and "cannot be decided" in b.reason
    assert isinstance(m.get("C"), Unknown)


def test_try_runs_the_handler_a_deployment_without_the_variable_gets(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/s.py": (
        "import os\n"
        "try:\n    KEY = os.environ['KEY']\nexcept KeyError:\n    KEY = 'fallback'\n"
        "try:\n    from .local import *\nexcept ImportError:\n    LOCAL = False\n"
    )})  # fmt: skip
    m = load(tmp_path, "pkg.s")
    key = m.get("KEY")
    assert isinstance(key, Known) and key.value == "fallback"
    assert [e.name for e in key.env] == ["KEY"]
    assert known(m, "LOCAL") is False


def test_a_handler_that_raises_makes_the_variable_required(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": (
        "import os\ntry:\n    KEY = os.environ['KEY']\n"
        "except KeyError:\n    raise RuntimeError('KEY is required')\n"
    )})  # fmt: skip
    key = load(tmp_path, "m").get("KEY")
    assert isinstance(key, Unknown) and key.env == ("KEY",)


def test_dynamic_namespace_changes_poison_everything(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": "DEBUG = False\nglobals().update({'DEBUG': True})\n",
        "b.py": "from somewhere_else import *\n",
        "c.py": "DEBUG = False\nexec('DEBUG = True')\n",
    })  # fmt: skip
    for name in ("a", "b", "c"):
        m = load(tmp_path, name)
        assert isinstance(m.get("DEBUG"), Unknown), name


def test_classes_resolve_attributes_through_their_bases(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": (
        "class Base:\n    SECRET_KEY = 'x'\n    DEBUG = True\n"
        "class Prod(Base):\n    DEBUG = False\n"
    )})  # fmt: skip
    prod = known(load(tmp_path, "config"), "Prod")
    assert isinstance(prod, ClassValue)
    attrs = prod.all_attrs()
    assert attrs["DEBUG"].result == Known(False) and attrs["SECRET_KEY"].result == Known("x")
    assert str(attrs["SECRET_KEY"].location) == "config.py:2"


def test_module_for_path_climbs_packages(tmp_path: Path) -> None:
    write(tmp_path, {"src/app/__init__.py": "", "src/app/core/__init__.py": "",
                     "src/app/core/settings.py": ""})  # fmt: skip
    assert module_for_path(tmp_path, "src/app/core/settings.py") == ("src", "app.core.settings",
                                                                     False)  # fmt: skip
    assert module_for_path(tmp_path, "src/app/__init__.py") == ("src", "app", True)


# --- hostile files ----------------------------------------------------------------------


def test_hostile_files_become_reasons(tmp_path: Path) -> None:
    (tmp_path / "bad_utf8.py").write_bytes(b"X = '\xff\xfe'\n")
    (tmp_path / "syntax.py").write_text("def (:\n")
    (tmp_path / "nul.py").write_bytes(b"X = 1\x00\n")
    (tmp_path / "deep.py").write_text("X = " + "(" * 300 + "1" + ")" * 300 + "\n")
    (tmp_path / "big.py").write_bytes(b"#" * (pysource.MAX_SOURCE_BYTES + 1))
    os.symlink("/etc/passwd", tmp_path / "link.py")
    for name in ("bad_utf8", "syntax", "nul", "deep", "big", "link"):
        got = pysource.parse_file(tmp_path, f"{name}.py")
        assert isinstance(got, pysource.SourceError), name
        assert got.reason
    module = Loader(tmp_path, [""]).load("syntax")
    assert module is not None and module.error and isinstance(module.get("X"), Unknown)


def test_deeply_nested_statements_do_not_crash(tmp_path: Path) -> None:
    depth = 90
    body = "".join("    " * i + "if True:\n" for i in range(depth)) + "    " * depth + "X = 1\n"
    (tmp_path / "nested.py").write_text(body)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        module = Loader(tmp_path, [""]).load("nested")
    finally:
        sys.setrecursionlimit(limit)
    assert module is not None
    assert module.error or isinstance(module.get("X"), Known | Unknown)


def test_budget_bounds_total_work(tmp_path: Path) -> None:
    from auditor.pystatic.evaluate import Budget

    lines = "".join(f"X{i} = [c for c in 'abcdefghij' * 100]\n" for i in range(50))
    (tmp_path / "heavy.py").write_text(lines)
    module = Loader(tmp_path, [""], Budget(20_000)).load("heavy")
    assert module is not None
    assert isinstance(module.get("X49"), Unknown)
