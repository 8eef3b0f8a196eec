"""The libyaml path for our own rule files must read exactly what the strict path reads
and refuse exactly what it refuses, with the same positioned errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor import yamlnodes
from auditor.errors import ChecklistError
from auditor.resources import checks_dir
from auditor.rules import rule_files


def _plain(node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return [(_plain(k), _plain(v)) for k, v in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    return (node.tag, node.value, node.start_mark.line, node.start_mark.column)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="libyaml not available")
@pytest.mark.parametrize("path", rule_files(checks_dir()), ids=lambda p: p.name)
def test_trusted_path_composes_the_same_tree(path: Path) -> None:
    strict = yamlnodes.load(path, ChecklistError)
    fast = yamlnodes.load(path, ChecklistError, trusted=True)
    assert _plain(fast.node) == _plain(strict.node)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("a: &x 1\nb: *x\n", (1, 4), "anchors or aliases"),
        ("rules:\n  - id: [unclosed\n", (3, 1), "expected valid YAML"),
        ("", (1, 1), "empty file"),
    ],
)
def test_trusted_path_refuses_like_the_strict_path(
    tmp_path: Path, text: str, where: tuple[int, int], expected: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    errors = []
    for trusted in (False, True):
        with pytest.raises(ChecklistError) as info:
            yamlnodes.load(path, ChecklistError, trusted=trusted)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert expected in errors[0] and f":{where[0]}:{where[1]}" in errors[0], errors[0]
