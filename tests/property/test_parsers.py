"""Property-based tests of every parser that reads hostile input.

The contract: whatever bytes an audited repository (or a user) hands a parser, it
returns a result or fails with the project's own typed error (a subclass of
``AuditorError`` that names the file, or the parser's documented mechanism:
``Problem`` entries for dependency manifests, ``FileProblem`` for configuration
files, poisoned modules and unknown facts for the static Python evaluator).
Never a stray ``ValueError``, ``RecursionError`` or ``AttributeError``.

Inputs are arbitrary text and bytes plus structured documents assembled from
fragments (YAML, TOML, JSON, requirements lines, Dockerfile and nginx lines,
Python statements), so the generated inputs get past the first syntax check
and reach the validation code behind it.

Runs are derandomized (the same examples every run) so the suite is stable;
``AUDITOR_FUZZ=N`` switches to random exploration with N times the examples.
Bugs found here are kept as regression tests (their inputs) at the end of the
module, each with its exact minimal input: fix the parser, then drop the mark.
"""

from __future__ import annotations

import atexit
import copy
import datetime as dt
import functools
import json
import math
import os
import re
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, example, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from auditor import attestations, config, waivers  # noqa: E402
from auditor import checklist as checklist_mod  # noqa: E402
from auditor.audit import load_checklist  # noqa: E402
from auditor.checklist import Checklist, CollectorInfo  # noqa: E402
from auditor.collectors.base import AuditContext  # noqa: E402
from auditor.collectors.dependencies import DependenciesCollector  # noqa: E402
from auditor.collectors.django_settings import DjangoSettingsCollector  # noqa: E402
from auditor.collectors.dockerfile import RULES as DOCKER_RULES  # noqa: E402
from auditor.collectors.dockerfile import check_dockerfile  # noqa: E402
from auditor.collectors.flask_config import FlaskConfigCollector  # noqa: E402
from auditor.collectors.webserver import RULES as WEB_RULES  # noqa: E402
from auditor.collectors.webserver import check_nginx, weak_ciphers  # noqa: E402
from auditor.configparse import (  # noqa: E402
    FileProblem,
    Hits,
    webconf,
)
from auditor.configparse import dockerfile as df  # noqa: E402
from auditor.deps import locks, pipfile, pyproject, pythons, requirements, setupcfg  # noqa: E402
from auditor.deps.discover import discover  # noqa: E402
from auditor.deps.model import Manifest, Problem  # noqa: E402
from auditor.errors import AuditorError, ChecklistError, ConfigError  # noqa: E402
from auditor.evidence import CollectorResult, Fact  # noqa: E402
from auditor.pystatic import source as pysource  # noqa: E402
from auditor.pystatic.load import Loader  # noqa: E402
from auditor.pystatic.values import LoadedModule  # noqa: E402
from auditor.resources import default_checklist  # noqa: E402

T = TypeVar("T")

# generated Python source is often odd ("1if x else 2"): the parser may warn, that is fine
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    # Hypothesis caches (unicode tables, constants) go to a temporary folder, never into
    # the work tree; the example database is off (``database=None`` below).
    _HOME = tempfile.mkdtemp(prefix="auditor-hypothesis-")
    atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
    set_hypothesis_home_dir(_HOME)

FUZZ = int(os.environ.get("AUDITOR_FUZZ", "0") or 0)
"""0: derandomized, fixed example counts (CI); N > 0: random runs with N times as many."""

_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]


def cfg(examples: int) -> settings:
    return settings(
        max_examples=examples * max(FUZZ, 1),
        deadline=None,
        database=None,  # nothing written into the work tree
        derandomize=FUZZ == 0,
        suppress_health_check=_HEALTH,
        print_blob=True,
    )


TODAY = dt.date(2026, 6, 1)


# --------------------------------------------------------------------------- helpers


class Scratch:
    """One folder reused by every example of a test (a function-scoped tmp_path would
    be shared between examples anyway); ``fresh`` empties it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def fresh(self, name: str = "t") -> Path:
        path = self.root / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def write(self, rel: str, data: str | bytes, name: str = "t") -> Path:
        path = self.root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_bytes(data.encode("utf-8", "surrogatepass"))
        else:
            path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
    return Scratch(tmp_path_factory.mktemp("property"))


def typed(call: Callable[[], T], *allowed: type[BaseException]) -> T | BaseException:
    """The call's result, or one of the ``allowed`` (documented) errors, which must
    carry a message. Anything else propagates and fails the property."""
    try:
        return call()
    except allowed as e:
        assert str(e).strip(), f"{type(e).__name__} without a message"
        return e


def names_file(err: BaseException, *displays: str) -> None:
    """An ``InputError`` message starts with the file it is about."""
    if isinstance(err, AuditorError):
        assert str(err).startswith(displays), str(err)


@dataclass(frozen=True)
class Bug:
    """A parser bug found here, kept as a regression test at the end of this module.

    The property tests reject (rather than fail on) an input that raises exactly this
    signature: the exception type, a message pattern, and the project function it
    escaped from. Everything else still fails them, so one known bug does not hide
    the next. Once the parser is fixed the signature never occurs again and the
    pinned test XPASSes (strictly: it fails until its mark and this entry go)."""

    name: str
    exc: type[BaseException]
    where: tuple[str, ...]
    """``module.py:function`` frames, any of which must be in the traceback."""
    message: str = ""

    def matches(self, err: BaseException) -> bool:
        if not isinstance(err, self.exc) or not re.search(self.message, str(err)):
            return False
        frames = {
            f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.name}"
            for f in traceback.extract_tb(err.__traceback__)
        }
        return any(w in frames for w in self.where)


KNOWN_BUGS = (
    Bug("yaml-reader", yaml.YAMLError, ("auditor/yamlnodes.py:load",), "unacceptable character"),
    Bug("yaml-deep", RecursionError, ("auditor/yamlnodes.py:load", "deps/pythons.py:workflow")),
    Bug("url-split", ValueError, ("deps/specs.py:url_pinned", "deps/specs.py:egg_name")),
    Bug("nul-path", ValueError, ("deps/repofiles.py:confined",), "embedded null byte"),
    Bug("dir-include", IsADirectoryError, ("deps/repofiles.py:read_text",)),
    Bug("lock-metadata", AttributeError, ("deps/locks.py:parse",), "has no attribute 'get'"),
    Bug("lock-files", TypeError, ("deps/locks.py:_hashed",), "must be an iterable"),
    Bug("toml-deep", RecursionError,
        ("deps/repofiles.py:load_toml", "auditor/config.py:read_table")),
    Bug("json-deep", RecursionError, ("deps/pipfile.py:parse_lock",)),
    Bug("unparse-deep", RecursionError, ("configparse/webconf.py:_is_getenv",)),
    Bug("overlay-long", OSError, ("auditor/overlay.py:_base_path",), "too long"),
    Bug("overlay-nul", ValueError, ("auditor/overlay.py:_base_path",), "embedded null byte"),
)  # fmt: skip


def tolerating_known_bugs(test: Callable[..., None]) -> Callable[..., None]:
    """Put under ``@given``: an input that only re-finds a pinned bug is rejected."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            test(*args, **kwargs)
        except Exception as e:
            if any(bug.matches(e) for bug in KNOWN_BUGS):
                reject()
            raise

    return run


_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def yaml_printable(data: str | bytes) -> str | bytes:
    """``data`` without the characters PyYAML's reader refuses. They only re-find the
    pinned ``yaml-reader`` bug (and would be rejected); replacing them keeps the rest of
    the example. ``test_checklist_arbitrary_text`` still feeds them unchanged."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        return _NOT_YAML_PRINTABLE.sub("?", text).encode("utf-8")
    return _NOT_YAML_PRINTABLE.sub("?", data)


# --------------------------------------------------------------------------- generic data

SHORT_TEXT = st.text(max_size=12)
WEIRD_STRINGS = st.sampled_from(
    ["", " ", "\x00", "\t", "\n", "~", "*", "-", "..", "../x", "/etc/passwd", "a" * 300,
     "${X}", "$(id)", "'", '"', "\\", "é", "😀", "\u2028", "null", "true", "1e999", "0x10",
     "2026-01-01", "1.2.3", "TLSv1", "CWE-89", "P01-C01", "[", "]", "{", "}", ",", ";", "#"]
)  # fmt: skip
STRINGS = st.one_of(SHORT_TEXT, WEIRD_STRINGS)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), STRINGS,
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
)  # fmt: skip

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), STRINGS)


def nested(keys: st.SearchStrategy[str], leaves: st.SearchStrategy[Any] = SCALARS) -> Any:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=12,
    )


def maybe(good: st.SearchStrategy[Any], junk: st.SearchStrategy[Any]) -> Any:
    """Mostly the expected shape, sometimes anything at all."""
    return st.one_of(good, good, good, junk)


def lines_of(fragment: st.SearchStrategy[str], max_size: int = 14) -> Any:
    return st.lists(fragment, max_size=max_size).map("\n".join)


# --------------------------------------------------------------------------- YAML

YAML_FRAGMENTS = st.sampled_from(
    ["", "---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "- ", "- - ", "key: value", "id: x",
     "practices:", "  - id: P01", "    controls:", "waivers:", "attestations:", "? complex",
     ": v", "&a [1, 2]", "*a", "b: *a", "<<: *a", "!!python/object:os.system ls",
     "!!binary aGVsbG8=", "!custom x", "|", ">-", "  folded", "'unterminated", '"\\x"',
     '"\\0"', "{a: 1, b: [", "[a, {b: c}]", "\t- tab", "a: b: c", "- &x a", "null: ~",
     "2026-01-01: date key", "1: int key", "? [a, b]\n: c", "  - ", "    ", "#comment"]
)  # fmt: skip
YAML_TEXT = st.one_of(
    lines_of(st.one_of(YAML_FRAGMENTS, STRINGS)),
    lines_of(st.tuples(st.integers(0, 6), YAML_FRAGMENTS).map(lambda t: " " * t[0] + t[1])),
)


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)


def mutate(base: Any) -> Any:
    """A valid document with random edits: a value replaced by junk, a key dropped,
    an unknown key added, a list emptied."""

    @st.composite
    def edited(draw: st.DrawFn) -> Any:
        doc = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, 4))):
            node: Any = doc
            path = []
            while isinstance(node, dict | list) and node and draw(st.integers(0, 3)) > 0:
                key = draw(st.sampled_from(list(node) if isinstance(node, dict) else
                                           list(range(len(node)))))  # fmt: skip
                path.append((node, key))
                node = node[key]
            if not path:
                continue
            parent, key = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "add", "swap", "string"]))
            if action == "replace":
                parent[key] = draw(nested(STRINGS))
            elif action == "string":
                parent[key] = draw(STRINGS)
            elif action == "delete":
                del parent[key]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(STRINGS)] = draw(JSON_SCALARS)
            elif action == "swap" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[key]))
        return doc

    return edited()


# --------------------------------------------------------------------------- 1. checklist

COLLECTORS = {
    "bandit": CollectorInfo(True),
    "repository": CollectorInfo(True, frozenset({"repo.security_policy"})),
    "tls": CollectorInfo(False),
    "attestation": CollectorInfo(True),
}
RULES = {"bandit": frozenset({"B602", "B608"})}

CONTROL = {
    "id": "P01-C01", "title": "No shell injection", "rationale": "r", "severity": "high",
    "evidence": {"collector": "bandit", "description": "d", "rules": ["B602"],
                 "pass_if": "no_findings"},
    "remediation": "fix", "references": {"cwe": ["CWE-78"], "asvs": ["5.3.8"]},
}  # fmt: skip
VALID_CHECKLIST = {
    "id": "mini", "version": "1.0", "title": "Mini", "description": "d",
    "practices": [
        {"id": "P01", "title": "Injection", "summary": "s", "weight": 1,
         "controls": [
             CONTROL,
             {**CONTROL, "id": "P01-C02", "severity": "low", "status": "not_implemented",
              "evidence": {"collector": "tls", "description": "live"}},
             {**CONTROL, "id": "P01-C03", "requires": "git",
              "evidence": {"collector": "repository", "description": "policy",
                           "fact": "repo.security_policy", "pass_if": "present",
                           "applies_if": ["repo.security_policy"]}},
             {**CONTROL, "id": "P01-C04",
              "evidence": {"collector": "attestation", "description": "pen test"}},
         ]},
    ],
}  # fmt: skip
OVERLAY = {
    "id": "over", "version": "1", "title": "Overlay", "extends": "base.yaml",
    "practice_weights": {"P01": 2}, "overrides": [{"control": "P01-C01", "severity": "low"}],
    "disable": [{"control": "P01-C02", "reason": "why"}],
    "add_controls": [{"practice": "P01", "control": {**CONTROL, "id": "P01-C09"}}],
}  # fmt: skip
CHECKLIST_KEYS = st.sampled_from(
    ["id", "version", "title", "description", "practices", "controls", "weight", "summary",
     "severity", "evidence", "collector", "rules", "fact", "pass_if", "applies_if", "status",
     "requires", "references", "cwe", "asvs", "remediation", "rationale", "extends",
     "overrides", "disable", "add_controls", "practice_weights", "control", "practice"]
)  # fmt: skip


def load_checklist_file(
    scratch: Scratch, data: str | bytes, base: bool = False, printable: bool = True
) -> Any:
    scratch.fresh()
    if printable:
        data = yaml_printable(data)
    if base:
        scratch.write("base.yaml", yaml_dump(VALID_CHECKLIST))
    path = scratch.write("cl.yaml", data)
    result = typed(lambda: checklist_mod.load(path, COLLECTORS, RULES), ChecklistError)
    if isinstance(result, ChecklistError):
        names_file(result, str(path), str(path.parent / "base.yaml"))
    else:
        assert isinstance(result, Checklist)
        assert list(result.controls())
    return result


@cfg(300)
@given(text=st.text())
@tolerating_known_bugs
def test_checklist_arbitrary_text(scratch: Scratch, text: str) -> None:
    load_checklist_file(scratch, text, printable=False)


@cfg(400)
@given(text=st.text(st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n\r")))
@tolerating_known_bugs
def test_checklist_arbitrary_printable_text(scratch: Scratch, text: str) -> None:
    load_checklist_file(scratch, text)


@cfg(400)
@given(data=st.binary())
@tolerating_known_bugs
def test_checklist_arbitrary_bytes(scratch: Scratch, data: bytes) -> None:
    load_checklist_file(scratch, data)


@cfg(400)
@given(text=YAML_TEXT)
@tolerating_known_bugs
def test_checklist_yaml_fragments(scratch: Scratch, text: str) -> None:
    load_checklist_file(scratch, text)


@cfg(400)
@given(doc=st.one_of(mutate(VALID_CHECKLIST), nested(CHECKLIST_KEYS)))
@tolerating_known_bugs
def test_checklist_structured_documents(scratch: Scratch, doc: Any) -> None:
    load_checklist_file(scratch, yaml_dump(doc))


@cfg(250)
@given(doc=mutate(OVERLAY))
@tolerating_known_bugs
def test_checklist_overlay_documents(scratch: Scratch, doc: Any) -> None:
    load_checklist_file(scratch, yaml_dump(doc), base=True)


# --------------------------------------------------------------------------- 2./3. governance


@pytest.fixture(scope="module")
def bundled() -> Checklist:
    return load_checklist(default_checklist())


def _governance_ids(cl: Checklist) -> tuple[list[str], list[str], list[str]]:
    controls = [c.id for c in cl.controls() if not c.manual]
    manual = [c.id for c in cl.controls() if c.manual]
    rules = sorted({r for c in cl.controls() for r in c.evidence.rules})
    return controls, manual, rules


def valid_waivers(cl: Checklist) -> dict[str, Any]:
    controls, _, rules = _governance_ids(cl)
    base = {"justification": "accepted", "owner": "alice", "approved_by": "bob",
            "created": "2026-01-01", "expires": "2026-03-01", "ticket": "SEC-1"}  # fmt: skip
    return {
        "waivers": [
            {**base, "control": controls[0]},
            {**base, "rule": rules[0], "paths": ["src/*.py"]},
            {**base, "fingerprint": "f" * 16},
        ]
    }


def valid_attestations(cl: Checklist) -> dict[str, Any]:
    _, manual, _ = _governance_ids(cl)
    base = {"statement": "done", "evidence": "report.pdf", "attested_by": "carol",
            "date": "2026-01-15", "valid_days": 365}  # fmt: skip
    return {"attestations": [{**base, "control": c} for c in manual[:3]]}


@functools.cache
def waiver_docs(cl: Checklist) -> Any:
    controls, _, rules = _governance_ids(cl)
    one = st.fixed_dictionaries(
        {},
        optional={
            "control": maybe(st.sampled_from(controls), STRINGS),
            "rule": maybe(st.sampled_from(rules), STRINGS),
            "fingerprint": STRINGS,
            "paths": maybe(st.lists(STRINGS, max_size=3), nested(STRINGS)),
            "justification": STRINGS, "owner": STRINGS, "approved_by": STRINGS,
            "created": maybe(st.dates().map(str), SCALARS),
            "expires": maybe(st.dates().map(str), SCALARS),
            "ticket": STRINGS, "extra": SCALARS,
        },
    )  # fmt: skip
    return st.one_of(
        mutate(valid_waivers(cl)), st.fixed_dictionaries({"waivers": st.lists(one, max_size=4)}),
        nested(st.sampled_from(["waivers", "control", "rule", "owner", "expires"])),
    )  # fmt: skip


@functools.cache
def attestation_docs(cl: Checklist) -> Any:
    _, manual, _ = _governance_ids(cl)
    one = st.fixed_dictionaries(
        {},
        optional={
            "control": maybe(st.sampled_from(manual), STRINGS), "statement": STRINGS,
            "evidence": STRINGS, "attested_by": STRINGS,
            "date": maybe(st.dates().map(str), SCALARS),
            "valid_days": maybe(st.integers(-10, 5000), SCALARS),
        },
    )  # fmt: skip
    listed = st.fixed_dictionaries({"attestations": st.lists(one, max_size=4)})
    return st.one_of(mutate(valid_attestations(cl)), listed)


def load_waivers(scratch: Scratch, cl: Checklist, data: str | bytes) -> Any:
    scratch.fresh()
    path = scratch.write("waivers.yaml", yaml_printable(data))
    result = typed(lambda: waivers.load(path, cl, display=".auditor/waivers.yaml"),
                   waivers.WaiverError)  # fmt: skip
    if isinstance(result, BaseException):
        names_file(result, ".auditor/waivers.yaml")
    else:
        for w in result:
            w.to_dict(TODAY, 0)
            w.describe()
    return result


def load_attestations(scratch: Scratch, cl: Checklist, data: str | bytes) -> Any:
    scratch.fresh()
    path = scratch.write("attestations.yaml", yaml_printable(data))
    result = typed(lambda: attestations.load(path, cl, TODAY, display="att.yaml"),
                   attestations.AttestationError)  # fmt: skip
    if isinstance(result, BaseException):
        names_file(result, "att.yaml")
    else:
        for a in result.values():
            a.fact()
    return result


def test_seed_documents_are_valid(scratch: Scratch, bundled: Checklist) -> None:
    """The documents the structured strategies mutate load cleanly, so the mutations
    reach every validation step behind the first."""
    assert isinstance(load_checklist_file(scratch, yaml_dump(VALID_CHECKLIST)), Checklist)
    assert isinstance(load_checklist_file(scratch, yaml_dump(OVERLAY), base=True), Checklist)
    assert len(load_waivers(scratch, bundled, yaml_dump(valid_waivers(bundled)))) == 3
    assert len(load_attestations(scratch, bundled, yaml_dump(valid_attestations(bundled)))) == 3


@cfg(300)
@given(data=st.data())
@tolerating_known_bugs
def test_waivers_structured_documents(scratch: Scratch, bundled: Checklist, data: Any) -> None:
    load_waivers(scratch, bundled, yaml_dump(data.draw(waiver_docs(bundled))))


@cfg(300)
@given(text=st.one_of(YAML_TEXT, st.text(st.characters(exclude_categories=("Cc", "Cs")))))
@tolerating_known_bugs
def test_waivers_text(scratch: Scratch, bundled: Checklist, text: str) -> None:
    load_waivers(scratch, bundled, text)


@cfg(300)
@given(data=st.data())
@tolerating_known_bugs
def test_attestations_structured_documents(scratch: Scratch, bundled: Checklist, data: Any) -> None:
    load_attestations(scratch, bundled, yaml_dump(data.draw(attestation_docs(bundled))))


@cfg(300)
@given(text=st.one_of(YAML_TEXT, st.text(st.characters(exclude_categories=("Cc", "Cs")))))
@tolerating_known_bugs
def test_attestations_text(scratch: Scratch, bundled: Checklist, text: str) -> None:
    load_attestations(scratch, bundled, text)


# --------------------------------------------------------------------------- TOML

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    return key if _BARE.fullmatch(key) else toml_string(key)


def toml_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    return toml_string(str(value))


def toml_dump(doc: dict[str, Any], headers: bool = True) -> str:
    """A small TOML writer: tables as [headers], lists of tables as [[headers]],
    everything deeper than that inline. ``None`` values are dropped (TOML has none)."""
    out: list[str] = []

    def table(prefix: list[str], data: dict[str, Any]) -> None:
        subs = []
        for k, v in data.items():
            if v is None:
                continue
            if headers and isinstance(v, dict) and len(prefix) < 4:
                subs.append((k, v, False))
            elif headers and isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                subs.append((k, v, True))
            else:
                out.append(f"{toml_key(str(k))} = {toml_value(v)}")
        for k, v, is_array in subs:
            path = ".".join(toml_key(str(p)) for p in [*prefix, k])
            if is_array:
                for item in v:
                    out.append(f"\n[[{path}]]")
                    for ik, iv in item.items():
                        if iv is not None:
                            out.append(f"{toml_key(str(ik))} = {toml_value(iv)}")
            else:
                out.append(f"\n[{path}]")
                table([*prefix, k], v)

    table([], doc)
    return "\n".join(out) + "\n"


TOML_FRAGMENTS = st.sampled_from(
    ["[project]", "[tool.auditor]", "[tool]", "[[package]]", "[tool.poetry.dependencies]",
     "[packages]", "[metadata]", "a = 1", 'name = "x"', 'version = "1.0"', "x = [", "]",
     "y = {", "}", '"quoted key" = 1', "a.b.c = 1", "t = 1979-05-27T07:32:00Z", 'z = """',
     "'''", "w = nan", "v = 0x_1", "dup = 1", "dup = 2", "[a]\n[a]", "k = [1, 'a']",
     'requires-python = ">=3.8"', 'dependencies = ["requests"]', "=", "[]", "[[]]"]
)  # fmt: skip
TOML_TEXT = lines_of(st.one_of(TOML_FRAGMENTS, STRINGS))

# --------------------------------------------------------------------------- 10. config


AUDITOR_TABLE = st.fixed_dictionaries(
    {},
    optional={
        "exclude": maybe(st.lists(STRINGS, max_size=3), SCALARS),
        "default_excludes": maybe(st.booleans(), SCALARS),
        "timeout": maybe(st.floats(-1, 1e6), SCALARS),
        "timeouts": maybe(st.dictionaries(STRINGS, st.floats(), max_size=3), SCALARS),
        "formats": maybe(st.lists(st.sampled_from(["html", "json", "sarif", "x"])), SCALARS),
        "fail_under": maybe(st.integers(-5, 200), SCALARS),
        "honour_inline_suppressions": SCALARS,
        "checklist": STRINGS,
        "fail_on": maybe(st.sampled_from(["critical", "high", "x"]), SCALARS),
        "waiver_max_days": maybe(
            st.dictionaries(st.sampled_from(["critical", "high", "medium", "low", "x"]),
                            st.one_of(st.integers(-3, 900), SCALARS), max_size=4),
            SCALARS,
        ),
        "workers": maybe(st.integers(-1, 300), SCALARS),
        "cache": SCALARS, "osv_db": STRINGS, "unknown_key": SCALARS,
        "waivers": STRINGS, "changed_since": SCALARS, "fail_on_error": SCALARS,
    },
)  # fmt: skip


def read_config(scratch: Scratch, data: str | bytes, in_pyproject: bool) -> Any:
    scratch.fresh()
    path = scratch.write("pyproject.toml", data)
    result = typed(lambda: config.read_table(path, in_pyproject=in_pyproject), ConfigError)
    if isinstance(result, BaseException):
        names_file(result, str(path))
    else:
        assert isinstance(result, dict)
    return result


@cfg(400)
@given(table=AUDITOR_TABLE, wrap=st.integers(0, 2), in_pyproject=st.booleans(),
       headers=st.booleans())  # fmt: skip
@tolerating_known_bugs
def test_config_structured_tables(
    scratch: Scratch, table: dict[str, Any], wrap: int, in_pyproject: bool, headers: bool
) -> None:
    doc: dict[str, Any] = table
    if wrap:
        doc = {"tool": {"auditor": table}} if wrap == 1 else {"tool": table, "project": {}}
    read_config(scratch, toml_dump(doc, headers), in_pyproject)


@cfg(400)
@given(data=st.one_of(st.text(), st.binary(), TOML_TEXT), in_pyproject=st.booleans())
@tolerating_known_bugs
def test_config_arbitrary_input(scratch: Scratch, data: str | bytes, in_pyproject: bool) -> None:
    read_config(scratch, data, in_pyproject)


# --------------------------------------------------------------------------- 4. dependencies

NAMES = st.sampled_from(
    ["requests", "Django", "flask_cors", "a", "A-b.c", "zope.interface", "0", "-bad",
     "in valid", "x" * 80, "é", "python"]
)  # fmt: skip
VERSIONS = st.sampled_from(
    ["1", "1.2", "1.2.3", "0.0", "0", "1.0a1", "1!2.0", "1.0+local", "1.*", "*", "x", "",
     "1..2", "99999999999999999999", "2.0.post1.dev3", "v1.0", "latest", "3.12", "3.8.10"]
)  # fmt: skip
OPS = st.sampled_from(["==", ">=", "<=", "~=", "!=", "===", "<", ">", "^", "~", "=", ""])
SPEC = st.lists(st.tuples(OPS, VERSIONS).map("".join), max_size=3).map(",".join)
POETRY_SPEC = st.lists(
    st.tuples(OPS, st.sampled_from(["", " "]), VERSIONS).map("".join), max_size=3
).flatmap(lambda parts: st.sampled_from([",", " ", " || ", "|"]).map(lambda s: s.join(parts)))
URLS = st.tuples(
    st.sampled_from(
        ["git+https://github.com/a/b", "git+ssh://git@github.com/a/b.git", "https://host/x.whl",
         "https://user:token@host/pkg-1.0.tar.gz", "https://[::1]/x", "http://[x",
         "git+https://[bad", "git+https://h]/x", "file:///tmp/x", "./local", "../up", "/abs",
         "~/home", "svn+http://x/y", "hg+https://x", ".", "https://host/pkg-1.0-py3-none-any.whl",
         "https://host/", "git+", "https://h:99999/x", "C:\\x"]
    ),
    st.sampled_from(["", "@" + "a" * 40, "@main", "@r12", "#egg=foo", "#egg=",
                     "#sha256=" + "a" * 64, "#subdirectory=x&egg=y", "?a=b", "@"]),
).map("".join)  # fmt: skip
MARKERS = st.sampled_from(
    ["", "; python_version < '3.8'", "; sys_platform == 'win32'", "; extra == 'x'", ";", "; bad"]
)
PEP508 = st.one_of(
    st.tuples(NAMES, st.sampled_from(["", "[x]", "[x,y]", "[", "[]"]), SPEC, MARKERS).map("".join),
    st.tuples(NAMES, st.just(" @ "), URLS, MARKERS).map("".join),
    URLS,
)
PATHS = st.sampled_from(
    ["sub/req.txt", "req-b.txt", "requirements.txt", "../x.txt", "/etc/passwd", "~x", "",
     "missing.txt", "sub", "a\x00b", "x" * 300, "https://host/r.txt", "sub/../req-b.txt",
     "link.txt"]
)  # fmt: skip
HASH = st.sampled_from(
    ["sha256:" + "a" * 64, "sha512:abc", "md5:abc", "sha256:", "sha256:zz", "", "x"]
)
REQ_LINES = st.one_of(
    PEP508,
    st.tuples(PEP508, st.lists(HASH.map(lambda h: f" --hash={h}"), max_size=2)).map(
        lambda t: t[0] + "".join(t[1])
    ),
    st.tuples(st.sampled_from(["-r ", "-c ", "--requirement=", "--constraint ", "-r", "-c"]),
              PATHS).map("".join),
    st.tuples(st.sampled_from(["-e ", "--editable=", "-e"]), st.one_of(URLS, PATHS)).map(
        "".join
    ),
    st.tuples(
        st.sampled_from(["-i ", "--index-url ", "--extra-index-url ", "-f ", "--find-links=",
                         "--trusted-host ", "--only-binary ", "--unknown ", "--hash "]),
        st.one_of(URLS, STRINGS),
    ).map("".join),
    st.sampled_from(
        ["--no-index", "--pre", "--require-hashes", "# comment", "x  # trailing", "\\",
         "requests \\", "  ==1.0", "${TOKEN}", "pkg==${VERSION}", "-e", "-r", "'unbalanced",
         "--hash", "name --install-option='x'", "a==1 -r b.txt", "\ufeffrequests"]
    ),
    STRINGS,
)  # fmt: skip
REQ_TEXT = lines_of(REQ_LINES)

LOCK_DOCS = st.fixed_dictionaries(
    {},
    optional={
        "package": maybe(
            st.lists(
                maybe(
                    st.fixed_dictionaries(
                        {"name": maybe(NAMES, SCALARS)},
                        optional={
                            "version": maybe(VERSIONS, SCALARS),
                            "source": maybe(
                                st.fixed_dictionaries(
                                    {},
                                    optional={
                                        "type": st.sampled_from(
                                            ["git", "directory", "file", "legacy", "url", "x"]
                                        ),
                                        "url": maybe(URLS, SCALARS),
                                        "resolved_reference": maybe(st.just("a" * 40), SCALARS),
                                        "registry": URLS, "editable": SCALARS,
                                        "virtual": SCALARS, "path": STRINGS, "git": URLS,
                                    },
                                ),
                                SCALARS,
                            ),
                            "files": maybe(
                                st.lists(st.fixed_dictionaries({"file": STRINGS, "hash": HASH})),
                                nested(STRINGS),
                            ),
                            "wheels": maybe(st.lists(st.fixed_dictionaries({"hash": HASH})),
                                            SCALARS),
                            "sdist": maybe(st.fixed_dictionaries({"hash": HASH}), SCALARS),
                            "git": URLS, "revision": STRINGS, "path": STRINGS,
                            "dependencies": nested(NAMES),
                        },
                    ),
                    nested(STRINGS),
                ),
                max_size=4,
            ),
            SCALARS,
        ),
        "metadata": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "files": maybe(
                        st.dictionaries(NAMES, st.lists(st.fixed_dictionaries({"hash": HASH}))),
                        nested(STRINGS),
                    ),
                    "content-hash": STRINGS,
                },
            ),
            SCALARS,
        ),
    },
)  # fmt: skip

POETRY_VALUE = st.one_of(
    POETRY_SPEC,
    st.fixed_dictionaries({"version": maybe(POETRY_SPEC, SCALARS)},
                          optional={"markers": STRINGS, "python": POETRY_SPEC,
                                    "optional": st.booleans()}),
    st.fixed_dictionaries({"git": maybe(URLS, SCALARS)},
                          optional={"rev": STRINGS, "tag": STRINGS, "branch": STRINGS}),
    st.fixed_dictionaries({"path": maybe(PATHS, SCALARS)}, optional={"develop": SCALARS}),
    st.fixed_dictionaries({"url": maybe(URLS, SCALARS)}),
    nested(STRINGS),
)  # fmt: skip
POETRY_VALUES = st.one_of(POETRY_VALUE, st.lists(POETRY_VALUE, max_size=3))
REQ_LIST = maybe(st.lists(maybe(PEP508, nested(STRINGS)), max_size=4), SCALARS)
PYPROJECT_DOCS = st.fixed_dictionaries(
    {},
    optional={
        "project": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": STRINGS, "requires-python": maybe(SPEC, SCALARS),
                    "dependencies": REQ_LIST,
                    "optional-dependencies": maybe(st.dictionaries(NAMES, REQ_LIST, max_size=2),
                                                   SCALARS),
                },
            ),
            nested(STRINGS),
        ),
        "dependency-groups": maybe(
            st.dictionaries(
                NAMES,
                st.lists(st.one_of(PEP508, st.fixed_dictionaries({"include-group": NAMES}),
                                   SCALARS), max_size=3),
                max_size=2,
            ),
            SCALARS,
        ),
        "tool": st.fixed_dictionaries(
            {},
            optional={
                "uv": st.fixed_dictionaries({}, optional={"dev-dependencies": REQ_LIST}),
                "pdm": st.fixed_dictionaries(
                    {}, optional={"dev-dependencies": maybe(st.dictionaries(NAMES, REQ_LIST),
                                                            SCALARS)}
                ),
                "poetry": st.fixed_dictionaries(
                    {},
                    optional={
                        "dependencies": maybe(
                            st.dictionaries(st.one_of(NAMES, st.just("python")), POETRY_VALUES,
                                            max_size=4),
                            SCALARS,
                        ),
                        "dev-dependencies": st.dictionaries(NAMES, POETRY_VALUES, max_size=2),
                        "group": maybe(
                            st.dictionaries(
                                NAMES,
                                st.fixed_dictionaries({"dependencies": st.dictionaries(
                                    NAMES, POETRY_VALUES, max_size=2)}),
                                max_size=2,
                            ),
                            SCALARS,
                        ),
                        "source": maybe(
                            st.lists(
                                maybe(
                                    st.fixed_dictionaries(
                                        {"name": STRINGS, "url": maybe(URLS, SCALARS)},
                                        optional={
                                            "priority": st.sampled_from(
                                                ["supplemental", "secondary", "primary", "x"]
                                            ),
                                            "secondary": SCALARS,
                                        },
                                    ),
                                    SCALARS,
                                ),
                                max_size=3,
                            ),
                            SCALARS,
                        ),
                    },
                ),
                "auditor": AUDITOR_TABLE,
            },
        ),
        "build-system": st.fixed_dictionaries({"requires": REQ_LIST}),
    },
)  # fmt: skip
PIP_VALUE = st.one_of(
    SPEC,
    st.just("*"),
    st.fixed_dictionaries(
        {},
        optional={"version": maybe(SPEC, SCALARS), "hashes": maybe(st.lists(HASH), SCALARS),
                  "markers": STRINGS, "index": STRINGS, "extras": st.lists(STRINGS)},
    ),
    st.fixed_dictionaries({"git": maybe(URLS, SCALARS)},
                          optional={"ref": SCALARS, "editable": SCALARS}),
    st.fixed_dictionaries({"path": maybe(PATHS, SCALARS)}, optional={"editable": SCALARS}),
    st.fixed_dictionaries({"file": maybe(URLS, SCALARS)}),
    nested(STRINGS),
)  # fmt: skip
PIPFILE_DOCS = st.fixed_dictionaries(
    {},
    optional={
        "source": maybe(
            st.lists(
                maybe(st.fixed_dictionaries({"name": STRINGS, "url": maybe(URLS, SCALARS),
                                             "verify_ssl": SCALARS}), SCALARS),
                max_size=3,
            ),
            SCALARS,
        ),
        "packages": maybe(st.dictionaries(NAMES, PIP_VALUE, max_size=4), SCALARS),
        "dev-packages": maybe(st.dictionaries(NAMES, PIP_VALUE, max_size=3), SCALARS),
        "requires": maybe(
            st.fixed_dictionaries(
                {},
                optional={"python_version": maybe(VERSIONS, SCALARS),
                          "python_full_version": maybe(VERSIONS, SCALARS)},
            ),
            SCALARS,
        ),
    },
)  # fmt: skip
PIPFILE_LOCK_DOCS = st.fixed_dictionaries(
    {},
    optional={
        "_meta": nested(STRINGS),
        "default": maybe(st.dictionaries(NAMES, PIP_VALUE, max_size=4), SCALARS),
        "develop": maybe(st.dictionaries(NAMES, PIP_VALUE, max_size=3), SCALARS),
    },
)
SETUP_CFG_LINES = st.one_of(
    st.sampled_from(
        ["[options]", "[options.extras_require]", "[metadata]", "install_requires =",
         "python_requires = >=3.8", "python_requires =", "dev = pytest", "tests =",
         "install_requires = file: req-b.txt", "install_requires = file: ../x.txt, a\x00b",
         "install_requires = a; b", "key", "%(x)s", "[options", "= value", "install_requires",
         "    # comment", ";comment"]
    ),
    PEP508.map(lambda r: "    " + r),
    st.tuples(st.sampled_from(["install_requires = ", "dev = ", "python_requires = "]),
              st.one_of(PEP508, SPEC, STRINGS)).map("".join),
    STRINGS,
)  # fmt: skip
WORKFLOW_DOCS = st.fixed_dictionaries(
    {
        "jobs": st.dictionaries(
            NAMES,
            st.fixed_dictionaries(
                {},
                optional={
                    "strategy": st.fixed_dictionaries(
                        {"matrix": st.dictionaries(
                            st.sampled_from(["python-version", "python", "os", "include"]),
                            maybe(st.lists(maybe(VERSIONS, SCALARS), max_size=3), SCALARS),
                            max_size=3)}
                    ),
                    "steps": st.lists(
                        st.fixed_dictionaries(
                            {"uses": st.just("actions/setup-python@v5")},
                            optional={"with": st.fixed_dictionaries(
                                {"python-version": maybe(
                                    st.one_of(VERSIONS,
                                              st.just("${{ matrix.python-version }}"),
                                              st.just("${{ matrix.python }}"),
                                              st.lists(VERSIONS, max_size=2)),
                                    SCALARS)})},
                        ),
                        max_size=3,
                    ),
                },
            ),
            max_size=2,
        )
    }
)  # fmt: skip
DOCKER_LINES = st.one_of(
    st.sampled_from(
        ["FROM python:3.8-slim", "FROM python:3.13", "FROM --platform=$X ${BASE:-python}:${TAG}",
         "FROM python:${PY:-3.9} AS build", "FROM build", "FROM", "FROM a AS", "from python",
         "ARG PY=3.7", "ARG TAG", "ARG", "ARG X=\"a b\" Y='c'", "ENV A=1 B=\"x y\"",
         "ENV DB_PASSWORD secret", "ENV SECRET_KEY=${SECRET_KEY:-changeme}", "ENV FLASK_DEBUG=1",
         "ENV FLASK_ENV development", "ENV", "ENV =", "ENV A=", "ENV \"A=1\"", "RUN <<EOF",
         "RUN <<-'EOT' cat", "EOF", "EOT", "\tEOT", "RUN <<A <<B", "COPY <<EOF /x", "A", "B",
         "RUN pip install --extra-index-url https://u:p@host/simple x",
         "RUN pip install --index-url=http://host/ --trusted-host host x",
         "ENV PIP_EXTRA_INDEX_URL=https://x/", "USER root", "USER 0", "USER", "USER app:app",
         "HEALTHCHECK NONE", "HEALTHCHECK CMD curl -f http://localhost/", "EXPOSE 22",
         "ADD http://example.com/x.tar.gz /x", "ADD --checksum=sha256:abc http://x /y",
         "COPY --chown=a --from=build . .", 'CMD ["a"', "CMD [1, 2]", 'CMD ["gunicorn", "app"]',
         "CMD gunicorn --reload app", "ENTRYPOINT []", "# escape=`", "# syntax=docker/x:1",
         "# escape=\\", "RUN a \\", "  && b", "RUN a `", "", "# comment",
         'SHELL ["/bin/sh", "-c"]', "RUN curl https://x | sh", "RUN chmod 777 /app",
         "RUN sudo apt-get install x", "LABEL a=b", "WORKDIR $HOME", "ONBUILD RUN x",
         "ONBUILD", "${", "$", "${A:+b}", "${A:-}", "MAINTAINER me", "STOPSIGNAL 9",
         "VOLUME /var/run/docker.sock", "RUN --mount=type=secret,id=x cat /run/secrets/x"]
    ),
    STRINGS,
)  # fmt: skip
DOCKER_TEXT = lines_of(DOCKER_LINES, 18)


def in_tree(scratch: Scratch, files: dict[str, str | bytes]) -> Path:
    root = scratch.fresh()
    scratch.write("sub/req.txt", "flask==2.0\n")
    scratch.write("req-b.txt", "-c sub/req.txt\nrequests>=2\n")
    try:
        (root / "link.txt").symlink_to(root / "req-b.txt")
    except OSError:
        pass
    for rel, data in files.items():
        scratch.write(rel, data)
    return root


def check_manifest(m: Any, rel: str) -> Manifest:
    assert isinstance(m, Manifest), m
    assert m.path == rel
    for p in m.problems:
        assert isinstance(p, Problem) and p.message
        str(p)
    for d in m.dependencies:
        d.to_dict()
        assert isinstance(d.pinned, bool)
    m.lock_like  # noqa: B018 - the property must not raise
    return m


PARSERS: dict[str, tuple[str, Callable[[str, str], Manifest]]] = {
    "requirements": ("requirements.txt", lambda r, p: requirements.parse(r, p)),
    "constraints": ("constraints.txt", lambda r, p: requirements.parse(r, p, "constraints")),
    "pyproject": ("pyproject.toml", pyproject.parse),
    "setup.cfg": ("setup.cfg", setupcfg.parse),
    "Pipfile": ("Pipfile", pipfile.parse_pipfile),
    "Pipfile.lock": ("Pipfile.lock", pipfile.parse_lock),
    "poetry.lock": ("poetry.lock", lambda r, p: locks.parse(r, p, "poetry.lock")),
    "uv.lock": ("uv.lock", lambda r, p: locks.parse(r, p, "uv.lock")),
    "pdm.lock": ("pdm.lock", lambda r, p: locks.parse(r, p, "pdm.lock")),
    "Dockerfile": ("Dockerfile", pythons.dockerfile),
    "workflow": (".github/workflows/ci.yml", pythons.workflow),
    ".python-version": (".python-version",
                        lambda r, p: pythons.version_file(r, p, ".python-version")),
    "runtime.txt": ("runtime.txt", lambda r, p: pythons.version_file(r, p, "runtime.txt")),
}  # fmt: skip


def parse_manifest(scratch: Scratch, kind: str, data: str | bytes) -> Manifest:
    rel, parse = PARSERS[kind]
    root = in_tree(scratch, {rel: data})
    return check_manifest(parse(str(root), rel), rel)


@cfg(300)
@given(kind=st.sampled_from(sorted(PARSERS)), data=st.one_of(st.text(), st.binary()))
@tolerating_known_bugs
def test_dependency_parsers_arbitrary_input(scratch: Scratch, kind: str, data: str) -> None:
    parse_manifest(scratch, kind, data)


@cfg(600)
@given(text=REQ_TEXT, constraints=st.booleans())
@tolerating_known_bugs
def test_requirements_lines(scratch: Scratch, text: str, constraints: bool) -> None:
    parse_manifest(scratch, "constraints" if constraints else "requirements", text)


@cfg(500)
@given(doc=PYPROJECT_DOCS, headers=st.booleans())
@tolerating_known_bugs
def test_pyproject_documents(scratch: Scratch, doc: dict[str, Any], headers: bool) -> None:
    parse_manifest(scratch, "pyproject", toml_dump(doc, headers))


@cfg(400)
@given(doc=LOCK_DOCS, kind=st.sampled_from(["poetry.lock", "uv.lock", "pdm.lock"]),
       headers=st.booleans())  # fmt: skip
@tolerating_known_bugs
def test_lock_documents(scratch: Scratch, doc: dict[str, Any], kind: str, headers: bool) -> None:
    parse_manifest(scratch, kind, toml_dump(doc, headers))


@cfg(400)
@given(doc=PIPFILE_DOCS, headers=st.booleans())
@tolerating_known_bugs
def test_pipfile_documents(scratch: Scratch, doc: dict[str, Any], headers: bool) -> None:
    parse_manifest(scratch, "Pipfile", toml_dump(doc, headers))


@cfg(400)
@given(doc=st.one_of(PIPFILE_LOCK_DOCS, nested(NAMES)))
@tolerating_known_bugs
def test_pipfile_lock_documents(scratch: Scratch, doc: Any) -> None:
    parse_manifest(scratch, "Pipfile.lock", json.dumps(doc, default=str, indent=1))


@cfg(400)
@given(text=lines_of(SETUP_CFG_LINES))
@tolerating_known_bugs
def test_setup_cfg_documents(scratch: Scratch, text: str) -> None:
    parse_manifest(scratch, "setup.cfg", text)


@cfg(300)
@given(doc=st.one_of(WORKFLOW_DOCS, nested(st.sampled_from(["python-version", "matrix", "on"]))))
@tolerating_known_bugs
def test_workflow_documents(scratch: Scratch, doc: Any) -> None:
    parse_manifest(scratch, "workflow", yaml_dump(doc))


@cfg(300)
@given(kind=st.sampled_from([".python-version", "runtime.txt", "Dockerfile"]),
       text=st.one_of(lines_of(st.one_of(VERSIONS, STRINGS,
                                         st.sampled_from(["python-3.12.1", "pypy3.10", "3.11 # x",
                                                          "cpython-3.9.1"]))),
                      DOCKER_TEXT))  # fmt: skip
@tolerating_known_bugs
def test_interpreter_declarations(scratch: Scratch, kind: str, text: str) -> None:
    parse_manifest(scratch, kind, text)


@pytest.fixture(scope="module")
def osv_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("osv")
    for name in ("requests", "django", "a"):
        record = {
            "id": f"PYSEC-0000-{name}", "modified": "2026-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": "1.5"}]}],
                          "versions": ["1.0", "1.2"]}],
        }  # fmt: skip
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    return folder


@cfg(150)
@given(
    req=REQ_TEXT, pyproject_doc=PYPROJECT_DOCS, lock=LOCK_DOCS, pipfile_doc=PIPFILE_DOCS,
    setup_cfg=lines_of(SETUP_CFG_LINES), docker=DOCKER_TEXT,
)  # fmt: skip
@tolerating_known_bugs
def test_dependencies_collector_over_a_generated_tree(
    scratch: Scratch, osv_db: Path, req: str, pyproject_doc: dict[str, Any],
    lock: dict[str, Any], pipfile_doc: dict[str, Any], setup_cfg: str, docker: str,
) -> None:  # fmt: skip
    """The collector's entry point: discovery (following -r/-c between files), every
    parser, the pinning and interpreter analysis and the vulnerability matching."""
    root = in_tree(
        scratch,
        {
            "requirements.txt": req, "requirements/dev.in": req, "pyproject.toml":
            toml_dump(pyproject_doc), "poetry.lock": toml_dump(lock), "Pipfile":
            toml_dump(pipfile_doc), "setup.cfg": setup_cfg, "Dockerfile": docker,
        },
    )  # fmt: skip
    for m in discover(root, ()).manifests:
        check_manifest(m, m.path)
    result = DependenciesCollector(osv_db=osv_db, max_db_age_days=10**6, today=TODAY).collect(
        AuditContext(root, False, (), 60.0)
    )
    assert isinstance(result, CollectorResult)
    json.dumps([f.value for f in result.facts], default=str)


# --------------------------------------------------------------------------- 5. pystatic

SETTING_NAMES = st.sampled_from(
    ["SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MIDDLEWARE", "INSTALLED_APPS", "DATABASES",
     "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_AGE",
     "CSRF_COOKIE_SECURE", "CSRF_TRUSTED_ORIGINS", "PASSWORD_HASHERS", "AUTH_PASSWORD_VALIDATORS",
     "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS", "REST_FRAMEWORK", "CORS_ALLOW_ALL_ORIGINS",
     "CORS_ALLOWED_ORIGIN_REGEXES", "CONTENT_SECURITY_POLICY", "SECURE_CSP", "LOGGING", "ADMINS",
     "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "FILE_UPLOAD_PERMISSIONS",
     "DATA_UPLOAD_MAX_MEMORY_SIZE", "SILENCED_SYSTEM_CHECKS", "SESSION_COOKIE_SAMESITE",
     "SECRET_KEY_FALLBACKS", "EMAIL_HOST_PASSWORD", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
     "CSP_DEFAULT_SRC", "ROOT_URLCONF", "BASE_DIR", "x", "env", "_tmp"]
)  # fmt: skip
PY_ATOMS = st.one_of(
    st.integers(-(2**70), 2**70).map(repr),
    st.floats(allow_nan=False).map(repr),
    st.text(max_size=8).map(repr),
    st.binary(max_size=6).map(repr),
    st.sampled_from(
        ["None", "True", "False", "...", "os", "os.environ", "__file__", "__name__", "BASE_DIR",
         "DEBUG", "SECRET_KEY", "MIDDLEWARE", "undefined_name", "x", "Path", "env", "config",
         "'django.middleware.security.SecurityMiddleware'",
         "'django.middleware.csrf.CsrfViewMiddleware'",
         "'django.contrib.auth.hashers.MD5PasswordHasher'", "'corsheaders'", "'*'",
         "'django-insecure-abc'", "'x' * 50", "10**100", "2**4097", "'a' * 10**9",
         "[0] * 10**7", "1e308 * 10", "float('nan')", "float('inf')", "globals()", "locals()",
         "vars()", "type", "object", "self", "settings", "app", "app.config",
         "datetime.timedelta(days=1)", "timedelta(hours=2)"]
    ),
)  # fmt: skip
BINOPS = st.sampled_from(
    ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "|", "&", "^", "@", "==", "!=", "<",
     ">=", "in", "not in", "is", "is not", "and", "or"]
)  # fmt: skip
CALLS = st.sampled_from(
    ["int", "str", "bool", "float", "len", "list", "tuple", "dict", "set", "frozenset",
     "sorted", "reversed", "min", "max", "sum", "abs", "any", "all", "range", "repr", "round",
     "zip", "enumerate", "print", "open", "eval", "exec", "__import__", "getattr", "hasattr",
     "isinstance", "os.environ.get", "os.getenv", "os.environ.setdefault", "os.path.join",
     "os.path.dirname", "os.environ.__getitem__", "env", "env.bool", "env.list", "config",
     "Path", "Path(__file__).resolve().parent.joinpath", "json.loads", "ast.literal_eval",
     "globals().update", "locals().get", "dict(os.environ).get", "type", "lambda: 1",
     "(lambda *a, **k: a)", "datetime.timedelta", "Flask", "CSRFProtect", "Talisman"]
)  # fmt: skip
METHODS = st.sampled_from(
    ["split", "strip", "lower", "upper", "join", "format", "get", "items", "keys", "values",
     "append", "extend", "insert", "remove", "pop", "update", "copy", "replace", "startswith",
     "encode", "decode", "count", "index", "setdefault", "total_seconds", "splitlines",
     "partition", "__class__", "__dict__", "mro"]
)  # fmt: skip


FSTRING_FIELDS = st.sampled_from(
    ["x", "DEBUG", "SECRET_KEY", "1", "1 + 2", "os.environ", "BASE_DIR", "[1, 2]", "None"]
)
"""Fields without quotes or backslashes, which a 3.11 f-string cannot hold."""


def py_expr(max_leaves: int = 10) -> Any:
    def extend(inner: Any) -> Any:
        return st.one_of(
            st.tuples(inner, BINOPS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+", "~", "not "]), inner).map(
                lambda t: f"({t[0]}{t[1]})"
            ),
            st.tuples(CALLS, st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            st.tuples(inner, METHODS, st.lists(inner, max_size=2)).map(
                lambda t: f"({t[0]}).{t[1]}({', '.join(t[2])})"
            ),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(inner, inner, inner).map(lambda t: f"{t[0]}[{t[1]}:{t[2]}]"),
            st.lists(inner, max_size=4).map(lambda xs: f"[{', '.join(xs)}]"),
            st.lists(inner, max_size=3).map(lambda xs: f"({''.join(x + ', ' for x in xs)})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
            st.lists(st.tuples(inner, inner), max_size=3).map(
                lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
            ),
            inner.map(lambda x: f"[*{x}]"),
            inner.map(lambda x: "{**" + x + "}"),
            st.tuples(inner, inner).map(lambda t: f"[v for v in {t[0]} if {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{k: {t[1]} for k in {t[0]}}}"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(FSTRING_FIELDS, st.sampled_from(["", "!r", "!s", ":>10", ":{x}", ":%Y"])).map(
                lambda t: f"f'{{{t[0]}{t[1]}}}x'"
            ),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} % {t[1]})"),
            inner.map(lambda x: f"(lambda q: {x})(1)"),
            inner.map(lambda x: f"(_w := {x})"),
            st.tuples(inner, st.sampled_from(["a", "b", "__class__", "environ", "config"])).map(
                lambda t: f"({t[0]}).{t[1]}"
            ),
            st.tuples(st.sampled_from(["'X'", "'DEBUG'", "'SECRET'", "1"]), inner).map(
                lambda t: f"os.environ.get({t[0]}, {t[1]})"
            ),
            st.tuples(inner, inner).map(lambda t: f"env({t[0]}, default={t[1]})"),
        )

    return st.recursive(PY_ATOMS, extend, max_leaves=max_leaves)


def indent(block: str) -> str:
    return "\n".join("    " + line for line in block.splitlines()) or "    pass"


def py_statements(depth: int = 2) -> Any:
    expr = py_expr()
    simple = st.one_of(
        st.tuples(SETTING_NAMES, expr).map(lambda t: f"{t[0]} = {t[1]}"),
        st.tuples(SETTING_NAMES, expr).map(lambda t: f"{t[0]} = {t[1]}"),
        st.tuples(SETTING_NAMES, st.sampled_from(["+=", "-=", "*=", "|=", "//="]), expr).map(
            " ".join
        ),
        st.tuples(
            SETTING_NAMES,
            st.sampled_from(["append", "insert", "extend", "remove", "update", "pop", "clear"]),
            st.lists(expr, max_size=2),
        ).map(lambda t: f"{t[0]}.{t[1]}({', '.join(t[2])})"),
        st.tuples(SETTING_NAMES, expr, expr).map(lambda t: f"{t[0]}[{t[1]}] = {t[2]}"),
        st.tuples(SETTING_NAMES, SETTING_NAMES, expr).map(lambda t: f"{t[0]}, {t[1]} = {t[2]}"),
        st.tuples(SETTING_NAMES, SETTING_NAMES, expr).map(lambda t: f"{t[0]} = {t[1]} = {t[2]}"),
        st.tuples(SETTING_NAMES, expr).map(lambda t: f"{t[0]}: int = {t[1]}"),
        st.tuples(SETTING_NAMES, expr).map(lambda t: f"{t[0]}.sub = {t[1]}"),
        st.tuples(expr, expr).map(lambda t: f"app.config[{t[0]}] = {t[1]}"),
        expr.map(lambda e: f"app.config.update({e})"),
        expr.map(lambda e: f"app.config.from_object({e})"),
        expr.map(lambda e: f"app.secret_key = {e}"),
        expr.map(lambda e: f"Talisman(app, content_security_policy={e})"),
        SETTING_NAMES.map(lambda n: f"del {n}"),
        expr.map(lambda e: f"globals()[{e}] = 1"),
        expr.map(lambda e: f"globals().update({e})"),
        expr.map(lambda e: f"exec({e})"),
        expr.map(lambda e: f"assert {e}"),
        expr,
        st.sampled_from(
            [
                "import os",
                "import os.path as p",
                "from os import environ, getenv",
                "from .base import *",
                "from proj.base import *",
                "from . import base",
                "from .base import SECRET_KEY as K, DEBUG",
                "import proj.base",
                "from .missing import *",
                "from nowhere import *",
                "import nowhere",
                "from .. import x",
                "from . import *",
                "from pathlib import Path",
                "import environ",
                "env = environ.Env()",
                "from decouple import config",
                "from flask import Flask",
                "app = Flask(__name__)",
                "from flask_wtf.csrf import CSRFProtect",
                "CSRFProtect(app)",
                "app.config.from_pyfile('settings.cfg')",
                "from datetime import timedelta",
                "import datetime",
                "global DEBUG",
                "pass",
                "raise ImportError('x')",
                "raise KeyError",
                "from .settings import *",
                "__all__ = ['DEBUG']",
                "BASE_DIR = Path(__file__).resolve().parent.parent",
                "locals().clear()",
            ]
        ),
    )
    if depth == 0:
        return simple
    body = st.lists(py_statements(depth - 1), min_size=1, max_size=3).map("\n".join)
    compound = st.one_of(
        st.tuples(expr, body, body).map(
            lambda t: f"if {t[0]}:\n{indent(t[1])}\nelse:\n{indent(t[2])}"
        ),
        st.tuples(expr, body).map(lambda t: f"for item in {t[0]}:\n{indent(t[1])}"),
        st.tuples(expr, body).map(lambda t: f"while {t[0]}:\n{indent(t[1])}\n    break"),
        st.tuples(
            body,
            st.sampled_from(["KeyError", "ImportError", "Exception", "(KeyError, ValueError)", ""]),
            body,
        ).map(lambda t: f"try:\n{indent(t[0])}\nexcept {t[1]}:\n{indent(t[2])}"),
        st.tuples(body, body).map(lambda t: f"try:\n{indent(t[0])}\nfinally:\n{indent(t[1])}"),
        st.tuples(expr, body).map(lambda t: f"with {t[0]} as fh:\n{indent(t[1])}"),
        st.tuples(body, expr, SETTING_NAMES).map(
            lambda t: f"def helper(a, b=1):\n{indent(t[0])}\n    return {t[1]}\n{t[2]} = helper(2)"
        ),
        st.tuples(body, SETTING_NAMES).map(
            lambda t: f"class Config:\n{indent(t[0])}\n{t[1]} = Config.DEBUG"
        ),
        st.tuples(expr, body).map(lambda t: f"match {t[0]}:\n    case 1:\n{indent(indent(t[1]))}"),
    )
    return st.one_of(simple, simple, compound)


PY_MODULE = st.lists(py_statements(), max_size=10).map("\n".join)
MANAGE_PY = (
    "import os\nimport sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"
)


def run_python_collectors(root: Path) -> None:
    ctx = AuditContext(root, False, (), 60.0)
    for collector in (DjangoSettingsCollector(), FlaskConfigCollector()):
        result = collector.collect(ctx)
        assert isinstance(result, CollectorResult)
        for f in result.facts:
            assert isinstance(f, Fact)
        json.dumps([f.value for f in result.facts], default=str)


def interpret(root: Path) -> LoadedModule:
    loader = Loader(root, [""])
    module = loader.interpret("proj.settings", "proj/settings.py", False)
    assert isinstance(module, LoadedModule)
    loader.load("proj.base")
    return module


def python_tree(scratch: Scratch, settings_src: str | bytes, base_src: str | bytes = "") -> Path:
    root = scratch.fresh()
    scratch.write("manage.py", MANAGE_PY)
    scratch.write("proj/__init__.py", "")
    scratch.write("proj/settings.py", settings_src)
    scratch.write("proj/base.py", base_src)
    scratch.write("proj/app.py", b"from flask import Flask\napp = Flask(__name__)\n"
                  + (settings_src if isinstance(settings_src, bytes) else
                     settings_src.encode("utf-8", "surrogatepass")))  # fmt: skip
    return root


@cfg(300)
@given(settings_src=PY_MODULE, base_src=PY_MODULE)
@tolerating_known_bugs
def test_static_evaluator_generated_settings(
    scratch: Scratch, settings_src: str, base_src: str
) -> None:
    root = python_tree(scratch, settings_src, base_src)
    interpret(root)
    run_python_collectors(root)


@cfg(300)
@given(data=st.one_of(st.binary(), st.text().map(lambda t: t.encode("utf-8", "surrogatepass"))))
@example(data=b"# -*- coding: rot13 -*-\nk = 1\n")
@example(data=b"x = " + b"(" * 300 + b")" * 300)
@example(data=b"x = " + b"-" * 100_000 + b"1")
@example(data=b"\xef\xbb\xbfx = 1")
@tolerating_known_bugs
def test_static_evaluator_arbitrary_bytes(scratch: Scratch, data: bytes) -> None:
    parsed = pysource.parse_source("proj/settings.py", data)
    assert isinstance(parsed, pysource.Parsed | pysource.SourceError)
    root = python_tree(scratch, data)
    interpret(root)
    run_python_collectors(root)


@cfg(40)
@given(n=st.integers(50, 3000), kind=st.sampled_from(["paren", "list", "if", "call", "attr",
                                                       "binop", "not", "lambda"]))  # fmt: skip
@tolerating_known_bugs
def test_static_evaluator_deep_nesting(scratch: Scratch, n: int, kind: str) -> None:
    src = {
        "paren": "X = " + "(" * n + "1" + ")" * n,
        "list": "X = " + "[" * n + "]" * n,
        "if": "".join("    " * i + "if DEBUG:\n" for i in range(min(n, 90)))
        + "    " * min(n, 90)
        + "X = 1\n",
        "call": "X = " + "str(" * n + "1" + ")" * n,
        "attr": "X = os" + ".environ" * n,
        "binop": "X = 1" + " + 1" * n,
        "not": "X = " + "not " * n + "True",
        "lambda": "X = " + "lambda: " * n + "1",
    }[kind]
    root = python_tree(scratch, src + "\n")
    interpret(root)
    run_python_collectors(root)


# --------------------------------------------------------------------------- 6. Dockerfile


def check_parsed_dockerfile(text: str) -> None:
    parsed = df.parse(text)
    assert isinstance(parsed, df.Dockerfile)
    hits = Hits(DOCKER_RULES, "Dockerfile")
    facts: list[Fact] = []
    check_dockerfile(parsed, hits, facts)
    for ins in [*parsed.preamble, *(i for s in parsed.stages for i in s.instructions)]:
        assert ins.keyword == ins.keyword.upper()
        ins.exec_form()
        ins.words()
        for name, value in [*df.arg_pairs(ins), *df.env_pairs(ins)]:
            df.secret_name(name)
            if value is not None:
                df.literal(value)
                df.debug_setting(name, value)
        df.substitute(ins.args, dict(parsed.global_args))


@cfg(600)
@given(text=st.one_of(DOCKER_TEXT, st.text()))
@tolerating_known_bugs
def test_dockerfile_parser(text: str) -> None:
    check_parsed_dockerfile(text)


# --------------------------------------------------------------------------- 7. web servers

NGINX_LINES = st.one_of(
    st.sampled_from(
        ["http {", "server {", "}", "}", "location / {", "location ~ \\.php$ {",
         "location /media/ {", "listen 443 ssl;", "listen 80;", "listen [::]:443 ssl http2;",
         "listen;", "ssl_protocols TLSv1 TLSv1.3;", "ssl_protocols;",
         "ssl_ciphers 'ALL:!aNULL:RC4';", "ssl_ciphers;",
         'add_header Strict-Transport-Security "max-age=0" always;',
         "add_header Strict-Transport-Security max-age=abc;", "add_header;",
         "add_header X-Frame-Options DENY;", "more_set_headers 'X-A: y' 'bad';",
         "more_set_headers;", "server_tokens on;", "client_max_body_size 0;", "autoindex on;",
         "return 301 https://$host$request_uri;", "return;", "rewrite ^ https://$host;",
         "include /etc/nginx/conf.d/*.conf;", "include sites/*;", "if ($http_x) {",
         "fastcgi_pass unix:/run/php.sock;", "uwsgi_pass 127.0.0.1:9000;", "proxy_pass http://x;",
         "# comment", "'", '"', ";", "{", "}", "${x}", "server_name _;", "events {}",
         "upstream app { server 127.0.0.1; }", "map $a $b { default 1; }", "lua_block { x }",
         "location = /x { deny all; }"]
    ),
    STRINGS,
)  # fmt: skip
UWSGI_LINES = st.one_of(
    st.sampled_from(
        ["[uwsgi]", "[other]", "stats = 0.0.0.0:9191", "stats = 127.0.0.1:1", "stats = /tmp/s",
         "stats =", "uid = root", "gid = 0", "py-autoreload = 1", "python-autoreload = false",
         "py-autoreload", "= x", "[", "]", "[ uwsgi ]", "; c", "# c"]
    ),
    STRINGS,
)  # fmt: skip
GUNICORN_LINES = st.one_of(
    st.sampled_from(
        ["forwarded_allow_ips = '*'", "forwarded_allow_ips = ['*', '10.0.0.1']",
         "forwarded_allow_ips = os.environ.get('FWD', '*')", "forwarded_allow_ips = 1",
         "forwarded_allow_ips = {'*': 1}", "forwarded_allow_ips = b'*'",
         "forwarded_allow_ips = None", "reload = True", "reload: bool = True",
         "reload = os.getenv('R', True)", "bind = '0.0.0.0:8000'", "workers = 2 * 4",
         "import os", "x = y = 1", "a, b = 1, 2", "reload = {[]: 1}", "reload = {1, []}",
         "reload = -(--1)", "reload = 1e999j", "forwarded_allow_ips = getenv('F', 1, 2)"]
    ),
    st.tuples(st.sampled_from(["forwarded_allow_ips", "reload", "bind"]), py_expr(6)).map(
        lambda t: f"{t[0]} = {t[1]}"
    ),
    STRINGS,
)  # fmt: skip


def read_web(scratch: Scratch, rel: str, data: str | bytes) -> None:
    root = scratch.fresh()
    scratch.write(rel, data)
    hits = Hits(WEB_RULES, rel)
    facts: list[Fact] = []
    if rel.endswith(".conf"):
        top = typed(lambda: webconf.parse_nginx(root, rel), FileProblem)
        if not isinstance(top, BaseException):
            check_nginx(top, (), hits, facts)
            for d in top:
                for arg in d.args:
                    weak_ciphers(arg)
    elif rel.endswith(".py"):
        got = typed(lambda: webconf.gunicorn_settings(root, rel), FileProblem)
        if not isinstance(got, BaseException):
            webconf.check_gunicorn(got, hits, facts)
    else:
        section = typed(lambda: webconf.ini_section(root, rel, "uwsgi"), FileProblem)
        if not isinstance(section, BaseException):
            webconf.check_uwsgi(section, hits)


@cfg(500)
@given(text=lines_of(NGINX_LINES, 20))
@tolerating_known_bugs
def test_nginx_reader(scratch: Scratch, text: str) -> None:
    read_web(scratch, "nginx.conf", text)


@cfg(400)
@given(text=lines_of(GUNICORN_LINES))
@tolerating_known_bugs
def test_gunicorn_reader(scratch: Scratch, text: str) -> None:
    read_web(scratch, "gunicorn.conf.py", text)


@cfg(300)
@given(text=lines_of(UWSGI_LINES))
@tolerating_known_bugs
def test_uwsgi_reader(scratch: Scratch, text: str) -> None:
    read_web(scratch, "uwsgi.ini", text)


@cfg(300)
@given(kind=st.sampled_from(["nginx.conf", "gunicorn.conf.py", "uwsgi.ini"]),
       data=st.one_of(st.text(), st.binary()))  # fmt: skip
@tolerating_known_bugs
def test_web_readers_arbitrary_input(scratch: Scratch, kind: str, data: str | bytes) -> None:
    read_web(scratch, kind, data)


@cfg(30)
@given(n=st.integers(10, 3000))
@tolerating_known_bugs
def test_nginx_deep_nesting(scratch: Scratch, n: int) -> None:
    read_web(scratch, "nginx.conf", "http {" * n + "}" * n)


@cfg(40)
@given(n=st.integers(10, 3000), kind=st.sampled_from(["paren", "list", "neg", "attr"]))
@tolerating_known_bugs
def test_gunicorn_deep_nesting(scratch: Scratch, n: int, kind: str) -> None:
    value = {"paren": "(" * n + "1" + ")" * n, "list": "[" * n + "]" * n, "neg": "-" * n + "1",
             "attr": "os" + ".environ" * n + ".get('A', 'b')"}[kind]  # fmt: skip
    read_web(scratch, "gunicorn.conf.py", f"reload = {value}\n")


# --------------------------------------------------------------------------- known bugs
# Each test below pins one bug with its exact minimal input; the property tests above
# avoid only that input family. Fix the parser, then remove the mark.


# --------------------------------------------------------------------------- known bugs
# One test per bug, with the exact minimal input the properties above found (or that
# the deep-nesting probes found). Each asserts the contract, so it XPASSes, and with
# strict=True fails, as soon as the parser is fixed: then drop the mark and the
# matching KNOWN_BUGS entry.


def _checklist(tmp: Path, text: str) -> Any:
    path = tmp / "cl.yaml"
    path.write_text(text)
    return typed(lambda: checklist_mod.load(path, COLLECTORS, RULES), ChecklistError)


def _waivers(tmp: Path, text: str) -> Any:
    path = tmp / "waivers.yaml"
    path.write_text(text)
    cl = load_checklist(default_checklist())
    return typed(lambda: waivers.load(path, cl), waivers.WaiverError)


def _manifest(tmp: Path, rel: str, data: str, parse: Callable[[str, str], Manifest]) -> Any:
    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
    (tmp / rel).write_text(data)
    return check_manifest(parse(str(tmp), rel), rel)


def _discover(tmp: Path, files: dict[str, str], dirs: tuple[str, ...]) -> Any:
    for d in dirs:
        (tmp / d).mkdir()
    for rel, text in files.items():
        (tmp / rel).write_text(text)
    return [check_manifest(m, m.path) for m in discover(tmp, ()).manifests]


def _config(tmp: Path, text: str) -> Any:
    (tmp / "auditor.toml").write_text(text)
    return typed(lambda: config.read_table(tmp / "auditor.toml", in_pyproject=False), ConfigError)


def _gunicorn(tmp: Path, text: str) -> Any:
    (tmp / "gunicorn.conf.py").write_text(text)
    return typed(lambda: webconf.gunicorn_settings(tmp, "gunicorn.conf.py"), FileProblem)


def _bug(name: str, call: Callable[[Path], Any], raises: type[BaseException], reason: str) -> Any:
    """A parser bug this corpus found (``reason``: what it was, ``raises``: how it escaped).
    All are fixed; each input stays as a regression test of the contract."""
    del raises, reason
    return pytest.param(call, id=name)


DEEP = 1000
PINNED = [
    _bug("yaml-reader", lambda t: _checklist(t, "\x00"), yaml.YAMLError,
         "yamlnodes.load creates the PyYAML loader outside its try block; the reader's "
         "printable-character check runs in the constructor, so a NUL (or any C0/C1 control "
         "character) escapes as yaml.reader.ReaderError, not ChecklistError (same for "
         "waivers, attestations: CLI exit 3 'internal error' instead of 2)"),
    _bug("yaml-reader-waivers", lambda t: _waivers(t, "waivers: []\n# \x07\n"), yaml.YAMLError,
         "the same bug through .auditor/waivers.yaml, a file of the audited repository"),
    _bug("yaml-deep", lambda t: _checklist(t, "[" * DEEP + "]" * DEEP), RecursionError,
         "PyYAML's parser and composer recurse per nesting level; yamlnodes.load catches "
         "only yaml.YAMLError"),
    _bug("yaml-deep-workflow",
         lambda t: _manifest(t, ".github/workflows/ci.yml", "[" * DEEP + "]" * DEEP,
                             pythons.workflow),
         RecursionError, "deps.pythons.workflow catches only yaml.YAMLError"),
    _bug("url-split-egg", lambda t: _manifest(t, "requirements.txt", "A://[", requirements.parse),
         ValueError, "specs.egg_name calls urllib.parse.urlsplit unguarded: 'Invalid IPv6 URL'"),
    _bug("url-split-pinned",
         lambda t: _manifest(t, "poetry.lock", '[[package]]\nname = "a"\ngit = "http://[x"\n',
                             lambda r, p: locks.parse(r, p, "poetry.lock")),
         ValueError, "specs.url_pinned calls urlsplit unguarded (also reached from "
         "requirements 'a @ https://[x', Pipfile/Poetry git and url tables)"),
    _bug("nul-path", lambda t: _manifest(t, "requirements.txt", "-r a\x00b", requirements.parse),
         ValueError, "repofiles.confined passes the -r/-c target (and setup.cfg 'file:') to "
         "os.lstat, which raises ValueError('embedded null byte'), not OSError"),
    _bug("dir-include", lambda t: _discover(t, {"requirements.txt": "-r sub\n"}, ("sub",)),
         IsADirectoryError, "repofiles.read_text opens a directory named by -r (O_RDONLY "
         "succeeds) and os.fdopen raises IsADirectoryError outside the try; the fd leaks"),
    _bug("lock-metadata",
         lambda t: _manifest(t, "poetry.lock",
                             '[metadata]\nfiles = 1\n[[package]]\nname = "a"\nversion = "1"\n',
                             lambda r, p: locks.parse(r, p, "poetry.lock")),
         AttributeError, "locks.parse calls .get on [metadata] files without checking it is "
         "a table"),
    _bug("lock-files",
         lambda t: _manifest(t, "poetry.lock",
                             '[[package]]\nname = "a"\nversion = "1"\nfiles = 1\n',
                             lambda r, p: locks.parse(r, p, "poetry.lock")),
         TypeError, "locks._hashed unpacks a package's files value without checking it is a "
         "list"),
    _bug("toml-deep-config", lambda t: _config(t, "a = " + "[" * DEEP + "]" * DEEP),
         RecursionError, "tomllib recurses per nesting level; config.read_table catches only "
         "TOMLDecodeError"),
    _bug("toml-deep-manifest",
         lambda t: _manifest(t, "pyproject.toml", "a = " + "[" * DEEP + "]" * DEEP,
                             pyproject.parse),
         RecursionError, "repofiles.load_toml (pyproject, Pipfile, lock files) catches only "
         "TOMLDecodeError"),
    _bug("json-deep",
         lambda t: _manifest(t, "Pipfile.lock", "[" * 100_000 + "]" * 100_000,
                             pipfile.parse_lock),
         RecursionError, "pipfile.parse_lock catches only JSONDecodeError"),
    _bug("unparse-deep",
         lambda t: _gunicorn(t, "reload = os" + ".environ" * DEEP + ".get('A', 'b')\n"),
         RecursionError, "webconf._is_getenv calls ast.unparse on the callee; an attribute "
         "chain that ast.parse accepts is too deep for ast.unparse"),
    _bug("overlay-nul", lambda t: _checklist(t, 'id: a\nversion: "1"\ntitle: t\nextends: "a\\0"\n'),
         ValueError, "overlay._base_path resolves the extends path: Path.resolve raises "
         "ValueError('embedded null byte')"),
    _bug("overlay-long",
         lambda t: _checklist(t, f'id: a\nversion: "1"\ntitle: t\nextends: {"a" * 300}\n'),
         OSError, "overlay._base_path: Path.is_file raises OSError(ENAMETOOLONG) for a long "
         "extends value (a checklist may come from the audited repository)"),
]  # fmt: skip


@pytest.mark.parametrize("call", PINNED)
def test_known_parser_bug(tmp_path: Path, call: Callable[[Path], Any]) -> None:
    """The contract on one exact input: a result or the parser's own typed error."""
    call(tmp_path)
