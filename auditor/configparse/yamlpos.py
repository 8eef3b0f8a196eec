"""YAML with line numbers, for CI workflows and compose files.

``yaml.safe_load`` forgets where a value came from, and every fact must name
file:line, so we use the same safe loader one step earlier: compose the node
graph (no constructor runs, so no tag can build an object), then convert it
ourselves, keeping each node's line. Scalars are typed by PyYAML's own safe
constructor, except mapping keys, which keep the text as written: safe_load
turns the GitHub Actions key ``on`` into ``True``; here it stays ``"on"``.

Unlike checklists, these files legitimately use anchors, aliases and ``<<``
merges (GitLab CI lives on them), so aliases are allowed but expansion is
budgeted: a billion-laughs document stops at ``MAX_NODES`` with an error, as
does nesting deeper than ``MAX_DEPTH`` or deep enough to exhaust the
composer's recursion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import yaml

from auditor.configparse import FileProblem

MAX_NODES = 200_000
MAX_DEPTH = 64
_MERGE = "tag:yaml.org,2002:merge"
_TYPED = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))

Value = Union[dict[str, "Y"], list["Y"], str, int, float, bool, None]  # noqa: UP007


@dataclass(frozen=True)
class Y:
    """A value and the line it starts on (for a mapping entry, its key's line)."""

    value: Value
    line: int

    def get(self, key: str) -> Y | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def at(self, key: str) -> Y:
        """The value under ``key``, or an empty value (so lookups chain without checks)."""
        found = self.get(key)
        return found if found is not None else Y(None, self.line)

    def plain(self) -> str:
        return self.text() or ""

    def map(self) -> dict[str, Y]:
        return self.value if isinstance(self.value, dict) else {}

    def seq(self) -> list[Y]:
        return self.value if isinstance(self.value, list) else []

    def text(self) -> str | None:
        """The value as a string when it is a scalar, else None."""
        v = self.value
        if isinstance(v, dict | list) or v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, path: str) -> None:
        self.loader = loader
        self.path = path
        self.budget = MAX_NODES

    def fail(self, node: yaml.Node, reason: str) -> FileProblem:
        return FileProblem(self.path, int(node.start_mark.line) + 1, reason)

    def convert(self, node: yaml.Node, line: int, depth: int) -> Y:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(node, f"expands to more than {MAX_NODES} nodes (alias bomb?)")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            return Y(self._mapping(node, depth), line)
        if isinstance(node, yaml.SequenceNode):
            items = [self.convert(n, int(n.start_mark.line) + 1, depth + 1) for n in node.value]
            return Y(items, line)
        if node.tag not in _TYPED:
            return Y(str(node.value), line)  # custom tags (!Ref, !reference): text only
        value = self.loader.construct_object(node, deep=True)
        if not isinstance(value, str | int | float | bool) and value is not None:
            value = str(node.value)
        return Y(value, line)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Y]:
        out: dict[str, Y] = {}
        merged: dict[str, Y] = {}
        for key_node, value_node in node.value:
            key_line = int(key_node.start_mark.line) + 1
            if key_node.tag == _MERGE:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    for k, v in self.convert(src, key_line, depth + 1).map().items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key that is not a scalar")
            out[str(key_node.value)] = self.convert(value_node, key_line, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out


def loads(text: str, path: str) -> Y:
    """Parse one YAML document; any problem is a ``FileProblem`` naming path:line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FileProblem(path, 1, "empty YAML document")
        return _Converter(loader, path).convert(node, int(node.start_mark.line) + 1, 0)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = int(mark.line) + 1 if mark else None
        raise FileProblem(path, line, f"invalid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise FileProblem(path, None, f"invalid YAML: {e}") from None
    except RecursionError:
        raise FileProblem(path, None, "YAML nested too deeply to parse") from None
    finally:
        loader.dispose()
