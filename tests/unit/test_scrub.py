from __future__ import annotations

import json

from auditor.scrub import scrub
from tests.unit.test_secrets_samples import samples


def test_scrub_redacts_provider_tokens_and_keeps_json_valid() -> None:
    tokens = [s.secret for s in samples() if s.rule in ("github-pat-classic", "slack-bot-token")]
    doc = {"title": "Secure password storage", "settings": [{"value": tokens}], "n": 'storage",'}
    out = scrub(json.dumps(doc))
    parsed = json.loads(out)
    assert parsed["title"] == "Secure password storage"
    for token in tokens:
        assert token not in out
    assert all("\u2026(sha256:" in v for v in parsed["settings"][0]["value"])


def test_scrub_leaves_ordinary_output_alone() -> None:
    text = json.dumps(
        {"fingerprint": "a" * 20, "sha256": "b" * 64, "commit": "c" * 40, "msg": "password storage"}
    )
    assert scrub(text) == text
