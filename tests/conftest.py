from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

# Every test (and every CLI it starts) gets its own cache folder, never the developer's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="auditor-test-cache-")

SCHEMA = Path(__file__).resolve().parent.parent / "auditor" / "schema" / "results.schema.json"


@pytest.fixture(scope="session")
def results_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture
def validate_results(results_schema: dict[str, Any]) -> Any:
    def check(doc: dict[str, Any]) -> None:
        jsonschema.Draft202012Validator(results_schema).validate(doc)

    return check
