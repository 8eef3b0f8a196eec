"""Safe YAML reading that keeps positions, so every error names file:line:col.

We compose the YAML node graph (no constructors run, so ``!!python/object``
cannot build anything) and validate nodes directly. Anchors and aliases are
refused outright: no checklist needs them and they are how billion-laughs
documents explode.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import InputError

MAX_YAML_BYTES = 5 * 1024 * 1024

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _NoAliasLoader(yaml.SafeLoader):
    error_class: type[InputError] = InputError
    source_name = ""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or _has_anchor(event):
            mark = event.start_mark
            raise self.error_class(
                self.source_name,
                mark.line + 1,
                mark.column + 1,
                "expected plain YAML without anchors or aliases",
            )
        return super().compose_node(parent, index)


def _has_anchor(event: Any) -> bool:
    return getattr(event, "anchor", None) is not None


class Node:
    """A YAML node with its file, so any accessor can raise a positioned error."""

    def __init__(self, node: yaml.Node, path: str, error: type[InputError]) -> None:
        self.node = node
        self.path = path
        self._error = error

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1

    @property
    def column(self) -> int:
        return int(self.node.start_mark.column) + 1

    def fail(self, message: str) -> InputError:
        return self._error(self.path, self.line, self.column, message)

    def _wrap(self, node: yaml.Node) -> Node:
        return Node(node, self.path, self._error)

    def mapping(
        self, what: str, required: AbstractSet[str], optional: AbstractSet[str] = frozenset()
    ) -> dict[str, Node]:
        """The mapping's values by key; unknown, missing and duplicate keys are errors."""
        if not isinstance(self.node, yaml.MappingNode) or self.node.tag != _MAP:
            raise self.fail(f"expected a mapping for {what}")
        out: dict[str, Node] = {}
        allowed = required | optional
        for key_node, value_node in self.node.value:
            key = self._wrap(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise key.fail(f"expected a string key in {what}")
            name = str(key_node.value)
            if name in out:
                raise key.fail(f"expected each key once in {what}, got duplicate key '{name}'")
            if name not in allowed:
                choices = ", ".join(sorted(allowed))
                raise key.fail(f"expected one of {choices} in {what}, got unknown key '{name}'")
            out[name] = self._wrap(value_node)
        missing = sorted(required - out.keys())
        if missing:
            raise self.fail(f"expected key '{missing[0]}' in {what}")
        return out

    def sequence(self, what: str) -> list[Node]:
        if not isinstance(self.node, yaml.SequenceNode) or self.node.tag != _SEQ:
            raise self.fail(f"expected a list for {what}")
        return [self._wrap(n) for n in self.node.value]

    def string(self, what: str, *, nonempty: bool = True) -> str:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _STR:
            raise self.fail(f"expected a string for {what} (quote it)")
        value = str(self.node.value)
        if nonempty and not value.strip():
            raise self.fail(f"expected a non-empty string for {what}")
        return value

    def number(self, what: str) -> float:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag not in (_INT, _FLOAT):
            raise self.fail(f"expected a number for {what}")
        try:
            return float(str(self.node.value).replace("_", ""))
        except ValueError:
            raise self.fail(f"expected a number for {what}") from None

    def boolean(self, what: str) -> bool:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _BOOL:
            raise self.fail(f"expected true or false for {what}")
        return str(self.node.value).lower() in ("true", "yes", "on")

    def date(self, what: str) -> dt.date:
        """A calendar date written YYYY-MM-DD (plain or quoted)."""
        ok = isinstance(self.node, yaml.ScalarNode) and self.node.tag in (_STR, _TIMESTAMP)
        if ok:
            try:
                return dt.date.fromisoformat(str(self.node.value).strip())
            except ValueError:
                pass
        raise self.fail(f"expected a date YYYY-MM-DD for {what}")

    def strings(self, what: str) -> tuple[str, ...]:
        return tuple(item.string(what) for item in self.sequence(what))

    def items(self) -> list[tuple[Node, Node]]:
        """Key and value nodes of a mapping, keys checked to be strings."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping")
        pairs = [(self._wrap(k), self._wrap(v)) for k, v in self.node.value]
        for key, _ in pairs:
            key.string("key")
        return pairs


def load(
    path: Path, error: type[InputError], display: str | None = None, *, trusted: bool = False
) -> Node:
    """Compose ``path`` into a positioned node tree; every problem is ``error``.

    ``trusted`` is for our own package data only (the rule files in ``checks/``, the bundled
    checklists): every audit reads them, and libyaml composes the half-megabyte semgrep pack
    7x faster. Anchors are still refused, but libyaml's composer recurses in C, so anything
    from an audited repository or a user stays on the pure-Python path."""
    name = display or str(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_YAML_BYTES:
            raise error(
                name, None, None, f"expected a YAML file under {MAX_YAML_BYTES} bytes, got {size}"
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
    except OSError as e:
        raise error(name, None, None, f"expected a readable file ({e.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        msg = f"expected UTF-8 text (invalid byte at offset {e.start})"
        raise error(name, None, None, msg) from None
    fast = getattr(yaml, "CSafeLoader", None) if trusted else None
    if fast is not None:
        try:
            return Node(_compose_fast(text, fast, name, error), name, error)
        except yaml.YAMLError:
            pass  # the pure-Python path below words the error with its position
    try:
        # the reader checks characters in its constructor: it belongs inside the try
        loader = _NoAliasLoader(text)
    except yaml.YAMLError as e:
        raise error(name, None, None, f"expected valid YAML ({e})") from None
    loader.error_class = error
    loader.source_name = name
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise error(name, line, col, f"expected valid YAML ({e.problem or e.context})") from None
    except yaml.YAMLError as e:
        raise error(name, None, None, f"expected valid YAML ({e})") from None
    except RecursionError:
        raise error(name, None, None, "expected YAML nested less deeply") from None
    finally:
        loader.dispose()
    if node is None:
        raise error(name, 1, 1, "expected a YAML document, got an empty file")
    return Node(node, name, error)


def _compose_fast(text: str, loader: Any, name: str, error: type[InputError]) -> yaml.Node:
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or _has_anchor(event):
            mark = event.start_mark
            msg = "expected plain YAML without anchors or aliases"
            if mark is None:
                raise error(name, None, None, msg)
            raise error(name, mark.line + 1, mark.column + 1, msg)
    node = yaml.compose(text, Loader=loader)
    if node is None:
        raise error(name, 1, 1, "expected a YAML document, got an empty file")
    return node
