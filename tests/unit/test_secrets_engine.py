"""The scanning engine: placeholders, structure checks, changed-region scanning, keywords."""

from __future__ import annotations

import random
import re
import string

import pytest

from auditor.secretscan.engine import Parent, Scanner
from auditor.secretscan.keywords import keyword_lines, make_plan, trie_pattern
from tests.unit.test_secrets_samples import load_detectors, samples


def _scan(text: str | bytes, path: str = "x.py") -> list[tuple[str, int]]:
    found = load_detectors()
    data = text.encode() if isinstance(text, str) else text
    hits, _ = Scanner(found).scan(data, found.path_rules([path]))
    return sorted((h.rule_id, h.line) for h in hits)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('key = "AKIAIOSFODNN7EXAMPLE"\n', "aws-access-key-id-placeholder"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "aws-secret-access-key-placeholder",
        ),
        ('password = "changeme"\n', "generic-secret-placeholder"),
        ('api_key = "xxxxxxxxxxxxxxxx"\n', "generic-secret-placeholder"),
        (
            'DATABASE_URL = "postgres://app:${DB_PASSWORD}@db/app"\n',
            "database-url-password-placeholder",
        ),
        ('token = "<your-token>"\n', "generic-secret-placeholder"),
        ("SECRET_KEY=changeme\n", "dotenv-secret-placeholder"),
    ],
)
def test_known_placeholders_are_reported_as_such(text: str, rule: str) -> None:
    path = ".env" if text.startswith("SECRET_KEY=") else "settings.py"
    assert [r for r, _ in _scan(text, path)] == [rule]


def test_a_github_token_with_a_wrong_checksum_is_not_a_secret() -> None:
    [good] = [s for s in samples() if s.rule == "github-pat-classic"]
    token = good.secret
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    found = load_detectors()
    scanner = Scanner(found)
    assert scanner.scan(f"t = '{broken}'\n".encode())[0] == ()
    assert scanner.stats.rejected == 1
    assert [h.rule_id for h in scanner.scan(f"t = '{token}'\n".encode())[0]] == [
        "github-pat-classic"
    ]


def test_path_rules_apply_only_where_they_belong() -> None:
    line = "API_TOKEN=Zq8vYw2LmT4nRx7KpB3s\n"
    assert _scan(line, ".env") == [("dotenv-secret", 1)]
    assert _scan(line, "config/.env.production") == [("dotenv-secret", 1)]
    assert _scan(line, ".env.example") == []
    assert _scan(line, "notes.txt") == []
    assert _scan("machine h login u password Zq8vYw2LmT4nRx7K\n", "home/.netrc") == [
        ("netrc-password", 1)
    ]


def test_a_fallback_detector_does_not_repeat_a_specific_match() -> None:
    [django] = [s for s in samples() if s.rule == "django-secret-key"]
    text = django.content.decode() + 'db_password = "Zq8vYw2LmT4nRx7KpB3s"\n'
    assert _scan(text, "settings.py") == [("django-secret-key", 1), ("generic-secret", 2)]


def test_identifiers_and_environment_lookups_are_not_generic_secrets() -> None:
    text = (
        'token = request.headers.get("Authorization")\n'
        "password = os.environ['DB_PASSWORD']\n"
        'SECRET_NAME = "prod_database_password"\n'
        'token_url = "https://auth.internal/oauth2/token"\n'
    )
    assert _scan(text) == []


def test_binary_content_is_scanned_without_line_numbers() -> None:
    [aws] = [s for s in samples() if s.rule == "aws-access-key-id"]
    blob = b"\x00\x01\x02" * 100 + aws.secret.encode() + b"\x00" * 50
    assert _scan(blob, "lib.so") == [("aws-access-key-id", 0)]


def _mutate(rng: random.Random, lines: list[str], secrets: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out) + 1)
        roll = rng.random()
        if roll < 0.3 and out:
            del out[at : at + rng.randint(1, 3)]
        elif roll < 0.5:
            out.insert(at, f'SECRET = "{rng.choice(secrets)}"')
        else:
            out[at:at] = [f"x{rng.randint(0, 9)} = {rng.randint(0, 99)}"] * rng.randint(1, 3)
    return out


def test_scanning_against_the_parent_equals_a_full_scan() -> None:
    """The changed-region scan with carried hits must be indistinguishable from scanning
    every version whole: lines shift, secrets are added, moved and deleted."""
    found = load_detectors()
    picks = [s.secret for s in samples() if s.rule in ("aws-access-key-id", "npm-token")]
    rng = random.Random(7)
    for _ in range(60):
        lines = [f"line {n}" for n in range(rng.randint(0, 30))]
        lines[0:0] = [f'KEY = "{picks[0]}"'] if rng.random() < 0.5 else []
        parent_data = ("\n".join(lines) + "\n").encode()
        incremental = Scanner(found)
        parent_hits, sticky = incremental.scan(parent_data)
        for _ in range(5):
            lines = _mutate(rng, lines, picks)
            data = ("\n".join(lines) + ("\n" if rng.random() < 0.8 else "")).encode()
            parent = Parent(parent_data, parent_hits, sticky)
            hits, sticky = incremental.scan(data, frozenset(), parent)
            assert hits == Scanner(found).scan(data)[0]
            parent_data, parent_hits = data, hits


def test_a_pem_key_completed_in_a_later_version_is_found() -> None:
    [pem] = [s for s in samples() if s.rule == "private-key-pem"]
    found = load_detectors()
    scanner = Scanner(found)
    lines = pem.secret.splitlines()
    truncated = ("\n".join(lines[:3]) + "\n").encode()  # header and a little body
    hits, sticky = scanner.scan(truncated)
    assert hits == () and sticky
    full = pem.secret.encode()
    hits, _ = scanner.scan(full, frozenset(), Parent(truncated, hits, sticky))
    assert [h.rule_id for h in hits] == ["private-key-pem"]


def test_the_trie_pattern_finds_the_longest_keyword_like_a_flat_alternation() -> None:
    rng = random.Random(3)
    for _ in range(200):
        words = {"".join(rng.choices("abc_", k=rng.randint(1, 5))).encode() for _ in range(8)}
        text = "".join(rng.choices("abc_ \n", k=300)).encode()
        flat = re.compile(b"|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
        trie = re.compile(trie_pattern(words))
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]


def test_keyword_lines_report_overlapping_keywords() -> None:
    """One regex pass reports non-overlapping matches; every keyword present on a line
    must still be found (a detector would otherwise never run there)."""
    found = load_detectors()
    plan = make_plan(found, frozenset())
    keywords = sorted({k for d in plan.line for k in d.keywords} | plan.blob_keywords)
    rng = random.Random(5)
    for _ in range(300):
        parts = [rng.choice(keywords) for _ in range(rng.randint(1, 4))]
        glue = [rng.choice([b"", b"", b"_", b" ", b"x"]) for _ in parts]
        line = b"".join(g + p for g, p in zip(glue, parts, strict=True)).lower()
        [got] = keyword_lines(plan, line).values() or [set()]
        assert got == {k for k in keywords if k in line}, line


def test_a_hit_never_carries_the_raw_value() -> None:
    for sample in samples():
        found = load_detectors()
        hits, _ = Scanner(found).scan(sample.content, found.path_rules([sample.path]))
        for hit in hits:
            assert sample.secret not in repr(hit)


def test_random_bytes_and_odd_encodings_do_not_crash() -> None:
    found = load_detectors()
    rng = random.Random(11)
    scanner = Scanner(found)
    for _ in range(50):
        blob = rng.randbytes(rng.randint(0, 3000))
        scanner.scan(blob)
        scanner.scan(blob.replace(b"\x00", b"\n") + b"password = '\xff\xfe" + b"\xc3(" * 8 + b"'")
    text = "".join(rng.choices(string.printable, k=5000)).encode("utf-16")
    scanner.scan(text)
