from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from auditor.deps import pipfile, pyproject, setupcfg, specs
from auditor.deps.model import Dependency, Manifest

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write(tmp_path: Path, rel: str, text: str) -> str:
    (tmp_path / rel).write_text(text)
    return rel


def by_name(m: Manifest) -> dict[str, Dependency]:
    return {d.name: d for d in m.dependencies}


PEP621 = """\
[build-system]
requires = ["hatchling"]

[project]
name = "app"
requires-python = ">=3.9"
dependencies = [
    "Django>=4.2,<5",
    "requests==2.31.0",
    'tomli; python_version < "3.11"',
]

[project.optional-dependencies]
crypto = ["cryptography==42.0.5"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff==0.6.0"]

[tool.uv]
dev-dependencies = ["mypy"]
"""


def test_pep621_pep735_and_uv(tmp_path: Path) -> None:
    m = pyproject.parse(str(tmp_path), write(tmp_path, "pyproject.toml", PEP621))
    deps = by_name(m)
    assert not m.problems
    assert "hatchling" not in deps, "build requirements are not application dependencies"
    assert deps["django"].group == "main" and deps["django"].location.line == 8
    assert deps["requests"].version == "2.31.0" and deps["requests"].location.line == 9
    assert deps["tomli"].markers == 'python_version < "3.11"'
    assert deps["cryptography"].group == "extra:crypto" and deps["cryptography"].location.line == 14
    assert deps["pytest"].group == "group:test" and deps["ruff"].location.line == 18
    assert deps["mypy"].group == "dev" and deps["mypy"].location.line == 21
    assert [(p.what, p.specifier, p.location.line) for p in m.pythons] == [
        ("requires-python >=3.9", ">=3.9", 6)
    ]


POETRY = """\
[tool.poetry]
name = "app"

[tool.poetry.dependencies]
python = "^3.10"
django = "^4.2"
requests = "2.31.0"
celery = { version = "~5.3", extras = ["redis"] }
lib = { git = "https://github.com/org/lib.git", tag = "v1.0" }
exact = { git = "https://github.com/org/exact.git", rev = "@COMMIT@" }
localpkg = { path = "../localpkg", develop = true }
multi = [
    { version = "^1.0", python = "<3.11" },
    { version = "^2.0", python = ">=3.11" },
]

[tool.poetry.group.dev.dependencies]
pytest = ">=7,<9"

[[tool.poetry.source]]
name = "private"
url = "https://user:pw@pkgs.example.com/simple"
priority = "supplemental"
""".replace("@COMMIT@", COMMIT)


def test_poetry_tables_sources_and_python(tmp_path: Path) -> None:
    m = pyproject.parse(str(tmp_path), write(tmp_path, "pyproject.toml", POETRY))
    deps = by_name(m)
    assert not m.problems
    assert deps["django"].allowed == (">=4.2,<5",) and not deps["django"].pinned
    assert deps["django"].location.line == 6
    assert deps["requests"].version == "2.31.0" and deps["requests"].pinned
    assert deps["celery"].allowed == (">=5.3,<5.4",)
    assert deps["lib"].url_pinned is False and deps["exact"].pinned
    assert deps["localpkg"].local and deps["localpkg"].editable
    assert deps["multi"].allowed == (">=1.0,<2", ">=2.0,<3")
    assert deps["pytest"].group == "group:dev" and deps["pytest"].location.line == 18
    assert [p.specifier for p in m.pythons] == [">=3.10,<4"]
    assert [i.what for i in m.indexes] == [
        "poetry source 'private' (supplemental) https://***@pkgs.example.com/simple"
    ]
    assert m.indexes[0].location.line == 22


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", (">=1.2.3,<2",)),
        ("^0.2.3", (">=0.2.3,<0.3",)),
        ("^0.0.3", (">=0.0.3,<0.0.4",)),
        ("^0.0", (">=0.0,<0.1",)),
        ("^0", (">=0,<1",)),
        ("~1.2.3", (">=1.2.3,<1.3",)),
        ("~1", (">=1,<2",)),
        ("~=1.2", ("~=1.2",)),
        ("1.2.3", ("==1.2.3",)),
        ("=1.2.3", ("==1.2.3",)),
        ("1.2.*", ("==1.2.*",)),
        ("*", ("",)),
        (">= 1.2, < 2.0", (">=1.2,<2.0",)),
        (">=1.2 <2.0", (">=1.2,<2.0",)),
        ("^1.0 || ^2.0", (">=1.0,<2", ">=2.0,<3")),
    ],
)
def test_poetry_constraints_translate_to_pep440(constraint: str, expected: tuple[str, ...]) -> None:
    assert specs.poetry_constraint(constraint) == expected
    for alt in expected:
        SpecifierSet(alt)


def test_poetry_caret_bounds_follow_packaging_ordering() -> None:
    (alt,) = specs.poetry_constraint("^1.2.3")
    spec = SpecifierSet(alt)
    assert spec.contains("1.9.9") and spec.contains("1.2.3")
    assert not spec.contains("2.0.0") and not spec.contains("1.2.2")


def test_bad_toml_and_bad_entries_are_positioned(tmp_path: Path) -> None:
    rel = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\ndependencies = [\n')
    m = pyproject.parse(str(tmp_path), rel)
    assert len(m.problems) == 1
    assert str(m.problems[0]).startswith("pyproject.toml:") and "expected valid TOML" in str(
        m.problems[0]
    )
    rel = write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = [\n  "ok==1.0",\n  "not valid ===",\n]\n'
        '[tool.poetry.dependencies]\nbroken = "^not.a.version"\n',
    )
    m = pyproject.parse(str(tmp_path), rel)
    assert [d.name for d in m.dependencies] == ["ok"]
    problems = [str(p) for p in m.problems]
    assert problems[0].startswith("pyproject.toml:5: expected a PEP 508 requirement")
    assert problems[1] == (
        "pyproject.toml:8: expected a Poetry version constraint for 'broken', got '^not.a.version'"
    )


def test_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "requirements-base.txt").write_text("six==1.16.0\n")
    rel = write(
        tmp_path,
        "setup.cfg",
        "[metadata]\nname = app\n\n[options]\npython_requires = >=3.7\ninstall_requires =\n"
        "    django>=4.2\n    # a comment\n    requests==2.31.0\n"
        '    tomli; python_version<"3.11"\n\n'
        "[options.extras_require]\ncrypto = cryptography==42.0.5; pyjwt\n"
        "base = file: requirements-base.txt\n",
    )
    m = setupcfg.parse(str(tmp_path), rel)
    deps = by_name(m)
    assert not m.problems
    assert deps["django"].location.line == 7 and deps["requests"].location.line == 9
    assert deps["tomli"].markers == 'python_version < "3.11"'
    assert deps["cryptography"].group == "extra:crypto" and deps["pyjwt"].group == "extra:crypto"
    assert m.includes == ("requirements-base.txt",)
    assert [(p.specifier, p.location.line) for p in m.pythons] == [(">=3.7", 5)]


def test_setup_cfg_syntax_error(tmp_path: Path) -> None:
    rel = write(tmp_path, "setup.cfg", "[options]\ninstall_requires = x\n[broken\n")
    m = setupcfg.parse(str(tmp_path), rel)
    assert str(m.problems[0]).startswith("setup.cfg:3: expected valid INI syntax")


PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
name = "pypi"

[[source]]
url = "https://tok@private.example.com/simple"
name = "private"

[packages]
django = "==4.2.1"
requests = "*"
flask = {version = ">=2.0", extras = ["async"]}
lib = {git = "https://github.com/org/lib.git", ref = "@COMMIT@"}

[dev-packages]
pytest = "8.0.0"

[requires]
python_version = "3.8"
""".replace("@COMMIT@", COMMIT)


def test_pipfile(tmp_path: Path) -> None:
    m = pipfile.parse_pipfile(str(tmp_path), write(tmp_path, "Pipfile", PIPFILE))
    deps = by_name(m)
    assert not m.problems
    assert deps["django"].version == "4.2.1" and deps["django"].location.line == 10
    assert deps["requests"].spec == "" and not deps["requests"].pinned
    assert deps["flask"].spec == ">=2.0"
    assert deps["lib"].pinned and deps["lib"].url is not None
    assert deps["pytest"].version == "8.0.0" and deps["pytest"].group == "dev"
    assert [i.what for i in m.indexes] == [
        "Pipfile source 'private' https://***@private.example.com/simple"
    ]
    assert [(p.specifier, p.location.line) for p in m.pythons] == [("==3.8.*", 19)]


def test_pipfile_lock(tmp_path: Path) -> None:
    lock = f"""\
{{
    "_meta": {{"requires": {{"python_version": "3.8"}}}},
    "default": {{
        "django": {{
            "hashes": ["sha256:{"a" * 64}"],
            "version": "==4.2.1"
        }},
        "lib": {{"git": "https://github.com/org/lib.git", "ref": "{COMMIT}"}}
    }},
    "develop": {{
        "pytest": {{
            "version": "==8.0.0"
        }}
    }}
}}
"""
    m = pipfile.parse_lock(str(tmp_path), write(tmp_path, "Pipfile.lock", lock))
    deps = by_name(m)
    assert not m.problems and m.is_lock
    assert deps["django"].version == "4.2.1" and deps["django"].hashed and deps["django"].locked
    assert deps["django"].location.line == 4
    assert deps["pytest"].version == "8.0.0" and not deps["pytest"].hashed
    assert deps["pytest"].location.line == 11
    assert deps["lib"].pinned
    broken = pipfile.parse_lock(str(tmp_path), write(tmp_path, "Pipfile.lock", '{"default": ['))
    assert str(broken.problems[0]).startswith("Pipfile.lock:1:") and "expected valid JSON" in str(
        broken.problems[0]
    )
