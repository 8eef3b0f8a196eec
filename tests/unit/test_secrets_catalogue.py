"""The detector catalogue as data, and the structural checks it can name."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from auditor.resources import checks_dir
from auditor.rules import load_catalog
from auditor.secretscan import detectors, validators
from auditor.secretscan.detectors import DetectorFileError
from tests.unit.test_secrets_samples import load_detectors, samples

GENERIC = {
    "generic-secret",
    "dotenv-secret",
    "database-url-password",
    "broker-url-password",
    "django-secret-key",
    "flask-secret-key",
    "netrc-password",
    "pypirc-password",
    "jwt",
    "private-key-pem",
    "openssh-private-key",
    "pgp-private-key",
    "pkcs12-file",
}


def test_the_catalogue_has_at_least_35_provider_specific_detectors() -> None:
    found = load_detectors()
    specific = [d for d in found.detectors if d.id not in GENERIC]
    assert len(specific) >= 35, [d.id for d in specific]
    found.compile_all()
    assert len(found.placeholders) >= 10


def test_the_rule_catalogue_lists_every_detector() -> None:
    catalog = load_catalog(checks_dir())
    assert set(catalog["secrets"]) == {d.id for d in load_detectors().detectors} | {"placeholder"}


def _write(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(
        "tool: secrets\nrules:\n"
        "  - id: placeholder\n    title: p\n    kind: placeholders\n    patterns: ['x{4}']\n" + rule
    )
    return path


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("  - id: a\n    title: t\n    regex: 'x'\n    colour: red\n", "unknown key 'colour'"),
        ("  - id: a\n    title: t\n    regex: 'x'\n", "expected keywords"),
        ("  - id: a\n    title: t\n    keywords: [x]\n    regex: 'x'\n    validate: [nope]\n",
         "known validator"),
        ("  - id: a\n    title: t\n    keywords: [x]\n    regex: 'x'\n    scope: file\n",
         "expected scope"),
        ("  - id: A_b\n    title: t\n    keywords: [x]\n    regex: 'x'\n", "lowercase-dashed"),
        ("  - id: a\n    title: t\n    keywords: [x]\n    regex: 'é'\n", "ASCII regex"),
        ("  - id: a\n    title: t\n    keywords: [x]\n    regex: 'x'\n    paths: ['(']\n",
         "valid regex"),
    ],
)  # fmt: skip
def test_a_bad_detector_is_refused_with_its_position(
    tmp_path: Path, rule: str, message: str
) -> None:
    with pytest.raises(DetectorFileError) as e:
        detectors.load(_write(tmp_path, rule))
    assert message in str(e.value)
    assert str(e.value).startswith(str(tmp_path / "d.yaml") + ":")


def test_a_regex_that_does_not_compile_fails_with_its_position(tmp_path: Path) -> None:
    found = detectors.load(_write(tmp_path, "  - id: a\n    title: t\n    keywords: [x]\n"
                                            "    regex: '(unclosed'\n"))  # fmt: skip
    with pytest.raises(DetectorFileError, match=r"d\.yaml:\d+:\d+: expected a valid regex"):
        found.compile_all()


def test_github_checksums() -> None:
    tokens = [s.secret for s in samples() if s.rule.startswith("github-") and "_" in s.secret]
    assert tokens and all(validators.github_crc32(t.encode()) for t in tokens if t[3] == "_")
    assert not validators.github_crc32(b"ghp_" + b"A" * 36)
    assert validators.base62(0, 6) == "000000" and validators.base62(61, 1) == "z"


def _b64(doc: object) -> bytes:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=")


def test_jwt_needs_a_real_algorithm_and_a_signature() -> None:
    head, body = _b64({"alg": "HS256"}), _b64({"sub": "x"})
    assert validators.jwt(head + b"." + body + b"." + b"A" * 43)
    assert not validators.jwt(_b64({"alg": "none"}) + b"." + body + b"." + b"A" * 43)
    assert not validators.jwt(head + b"." + body + b"." + b"A" * 8)
    assert not validators.jwt(b"eyJhbGciOi.eyJzdWIi.notbase64!!!!!!!!!!!")


def test_other_structure_checks() -> None:
    assert validators.der_length(b"\x30\x03abc")
    assert not validators.der_length(b"\x30\x82\x10\x00abc")
    assert validators.pem_body(b"-----BEGIN X-----\n" + base64.b64encode(b"k" * 60) + b"\n-----END")
    assert not validators.pem_body(b"-----BEGIN X-----\n...\n-----END")
    assert validators.mixed_chars(b"Zq8vYw2LmT4nRx7K")
    assert not validators.mixed_chars(b"prod_database_password")
    assert not validators.mixed_chars(b"api_token_v2")
    assert not validators.mixed_chars(b"https://auth.internal/v1")
    assert validators.entropy(b"aaaa") == 0.0
    assert validators.entropy(b"abcd") == 2.0
