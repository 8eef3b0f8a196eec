"""Structurally valid fake secrets for every detector, generated at run time.

No literal token lives in this repository: each sample is built from a seeded random
generator with the format's own structure (GitHub's CRC32 suffix, a decodable JWT, a
PKCS#12 DER header...), so push protection and our own scanner never see a real-looking
secret in the source. ``samples()`` is shared by the unit, integration and redaction
tests; the tests here check that each sample is found by its own detector and no other.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.resources import checks_dir
from auditor.secretscan import detectors, engine
from auditor.secretscan.validators import base62

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
URLSAFE = string.ascii_letters + string.digits + "_-"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Sample:
    rule: str
    path: str
    content: bytes
    secret: str
    """The raw value that must never appear in any output."""


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _gh(rng: random.Random, prefix: str) -> str:
    body = _pick(rng, B62, 30)
    return f"{prefix}_{body}{base62(zlib.crc32(body.encode()), 6)}"


def _pem(rng: random.Random, kind: str, raw: bytes) -> str:
    body = base64.b64encode(raw).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n"


def _der(content: bytes) -> bytes:
    n = len(content)
    return b"\x30\x82" + n.to_bytes(2, "big") + content


def _pkcs12(rng: random.Random) -> bytes:
    oid = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
    auth_safe = _der(oid + b"\xa0\x82\x01\x00" + rng.randbytes(256))
    return _der(b"\x02\x01\x03" + auth_safe + rng.randbytes(40))


def _jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": _pick(rng, HEX, 12), "iat": 1700000000}).encode())
    return f"{header}.{payload}.{_b64url(rng.randbytes(32))}"


def _line(rng: random.Random, rule: str) -> tuple[str, str, str]:
    """(path, text, secret) with ``secret`` placed as the format is normally written."""
    p = lambda a, n: _pick(rng, a, n)  # noqa: E731
    up32 = string.ascii_uppercase + "234567"
    table: dict[str, tuple[str, str, str]] = {}
    s = "AKIA" + p(up32, 16)
    table["aws-access-key-id"] = ("deploy/aws.py", f'KEY_ID = "{s}"\n', s)
    s = p(string.ascii_letters + string.digits + "/+", 40)
    table["aws-secret-access-key"] = ("aws.ini", f"aws_secret_access_key = {s}\n", s)
    s = "AIza" + p(URLSAFE, 35)
    table["google-api-key"] = ("maps.js", f'const MAPS = "{s}";\n', s)
    s = p(HEX, 40)
    sa = {"type": "service_account", "project_id": "demo", "private_key_id": s}
    table["gcp-service-account-key"] = ("sa.json", json.dumps(sa, indent=2) + "\n", s)
    s = base64.b64encode(rng.randbytes(64)).decode()
    table["azure-storage-account-key"] = (
        "azure.cfg",
        f"conn = DefaultEndpointsProtocol=https;AccountName=demo;AccountKey={s};\n",
        s,
    )
    s = base64.b64encode(rng.randbytes(32)).decode().replace("+", "%2B").replace("/", "%2F")
    s = s.replace("=", "%3D")
    table["azure-sas-token"] = (
        "blob.txt",
        f"https://demo.blob.core.windows.net/c?sv=2022-11-02&ss=b&sp=r&sig={s}\n",
        s,
    )
    s = "dop_v1_" + p(HEX, 64)
    table["digitalocean-token"] = ("do.sh", f"export DO_TOKEN={s}\n", s)
    s = "-".join(p(HEX, n) for n in (8, 4, 4, 4, 12))
    table["heroku-api-key"] = ("heroku.py", f'HEROKU_API_KEY = "{s}"\n', s)
    s = "HRKU-AA" + p(URLSAFE, 58)
    table["heroku-platform-token"] = ("ci.yml", f"token: {s}\n", s)
    s = "hvs." + p(URLSAFE, 90)
    table["hashicorp-vault-token"] = ("vault.hcl", f'token = "{s}"\n', s)
    for gh_rule, prefix in (
        ("github-pat-classic", "ghp"),
        ("github-oauth-token", "gho"),
        ("github-user-token", "ghu"),
        ("github-app-token", "ghs"),
        ("github-refresh-token", "ghr"),
        ("npm-token", "npm"),
    ):
        s = _gh(rng, prefix)
        table[gh_rule] = (f"tokens/{gh_rule}.txt", f"value: {s}\n", s)
    s = "github_pat_" + p(B62, 22) + "_" + p(B62, 59)
    table["github-fine-grained-pat"] = ("gh.env.txt", f"value: {s}\n", s)
    s = "glpat-" + p(URLSAFE, 20)
    table["gitlab-pat"] = ("gl.txt", f"value: {s}\n", s)
    s = "glrt-" + p(URLSAFE, 24)
    table["gitlab-token"] = ("runner.toml", f'token = "{s}"\n', s)
    macaroon = b"\x02\x01\x08pypi.org\x02\x20" + rng.randbytes(80)
    s = "pypi-" + _b64url(macaroon)
    table["pypi-upload-token"] = ("publish.sh", f"twine upload -p {s}\n", s)
    s = f"xoxb-{p(string.digits, 12)}-{p(string.digits, 13)}-{p(B62, 24)}"
    table["slack-bot-token"] = ("slack.py", f'BOT = "{s}"\n', s)
    s = f"xoxp-{p(string.digits, 12)}-{p(string.digits, 12)}-{p(string.digits, 12)}-{p(HEX, 32)}"
    table["slack-user-token"] = ("slack_user.py", f'USER = "{s}"\n', s)
    s = f"xapp-1-A{p(string.ascii_uppercase + string.digits, 10)}-{p(string.digits, 13)}-"
    s += p(HEX, 64)
    table["slack-app-token"] = ("slack_app.py", f'APP = "{s}"\n', s)
    s = f"https://hooks.slack.com/services/T{p(up32, 8)}/B{p(up32, 8)}/{p(B62, 24)}"
    table["slack-webhook"] = ("notify.py", f'HOOK = "{s}"\n', s)
    s = f"https://discord.com/api/webhooks/{p(string.digits, 18)}/{p(URLSAFE, 68)}"
    table["discord-webhook"] = ("discord.py", f'HOOK = "{s}"\n', s)
    s = f"{p(string.digits, 9)}:AA{p(URLSAFE, 33)}"
    table["telegram-bot-token"] = ("bot.py", f'TELEGRAM = "{s}"\n', s)
    s = "SK" + p(HEX, 32)
    table["twilio-api-key"] = ("sms.py", f'TWILIO_SID = "{s}"\n', s)
    s = p(HEX, 32)
    table["twilio-auth-token"] = ("sms2.py", f'TWILIO_AUTH_TOKEN = "{s}"\n', s)
    s = f"SG.{p(URLSAFE, 22)}.{p(URLSAFE, 43)}"
    table["sendgrid-api-key"] = ("mail.py", f'SENDGRID = "{s}"\n', s)
    s = "key-" + p(HEX, 32)
    table["mailgun-api-key"] = ("mailgun.py", f'MAILGUN = "{s}"\n', s)
    s = "sk_live_" + p(B62, 99)
    table["stripe-live-secret-key"] = ("pay.py", f'STRIPE = "{s}"\n', s)
    s = "rk_live_" + p(B62, 99)
    table["stripe-live-restricted-key"] = ("pay2.py", f'STRIPE_RK = "{s}"\n', s)
    s = "shpat_" + p(HEX, 32)
    table["shopify-token"] = ("shop.py", f'SHOP = "{s}"\n', s)
    s = p(HEX, 32)
    table["datadog-api-key"] = ("dd.py", f'DD_API_KEY = "{s}"\n', s)
    s = p(HEX, 40)
    table["datadog-app-key"] = ("dd2.py", f'DATADOG_APP_KEY = "{s}"\n', s)
    s = "sk-proj-" + p(URLSAFE, 120)
    table["openai-api-key"] = ("ai.py", f'OPENAI = "{s}"\n', s)
    s = "sk-ant-api03-" + p(URLSAFE, 93) + "AA"
    table["anthropic-api-key"] = ("claude.py", f'ANTHROPIC = "{s}"\n', s)
    s = _pem(rng, "RSA PRIVATE KEY", rng.randbytes(600))
    table["private-key-pem"] = ("keys/server.key", s, s)
    s = _pem(rng, "OPENSSH PRIVATE KEY", b"openssh-key-v1\x00" + rng.randbytes(300))
    table["openssh-private-key"] = ("keys/id_ed25519", s, s)
    s = _pem(rng, "PGP PRIVATE KEY BLOCK", rng.randbytes(400))
    table["pgp-private-key"] = ("keys/private.asc", s, s)
    s = "AGE-SECRET-KEY-1" + p("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
    table["age-secret-key"] = ("keys/age.txt", f"{s}\n", s)
    s = _jwt(rng)
    table["jwt"] = ("fixtures.http", f"Authorization: Bearer {s}\n", s)
    s = p(B62, 24)
    table["dotenv-secret"] = (".env", f"DEBUG=1\nSESSION_SECRET={s}\n", s)
    s = p(B62, 18)
    table["database-url-password"] = (
        "db.py",
        f'DATABASE_URL = "postgresql://app:{s}@db.internal:5432/app"\n',
        s,
    )
    s = p(B62, 18)
    table["broker-url-password"] = ("celery.py", f'BROKER = "amqp://app:{s}@mq:5672//"\n', s)
    s = p(string.ascii_letters + string.digits + "!@#%^&*(-_=+)", 50)
    table["django-secret-key"] = ("proj/settings.py", f'SECRET_KEY = "{s}"\n', s)
    s = p(HEX, 64)
    table["flask-secret-key"] = ("app/__init__.py", f'app.secret_key = "{s}"\n', s)
    s = p(B62, 20)
    table["netrc-password"] = (
        ".netrc",
        f"machine api.internal\n  login deploy\n  password {s}\n",
        s,
    )
    s = p(B62, 22)
    table["pypirc-password"] = (
        ".pypirc",
        f"[internal]\nrepository = https://pkgs.internal/\nusername = ci\npassword = {s}\n",
        s,
    )
    s = p(B62, 28) + "7"
    table["generic-secret"] = ("client.py", f'client_secret = "{s}"\n', s)
    return table[rule]


def samples(seed: int = 20260101) -> list[Sample]:
    rng = random.Random(seed)
    found = load_detectors()
    out: list[Sample] = []
    for d in found.detectors:
        if d.id == "pkcs12-file":
            raw = _pkcs12(rng)
            out.append(Sample(d.id, "certs/client.p12", raw, raw.hex()))
            continue
        path, text, secret = _line(rng, d.id)
        out.append(Sample(d.id, path, text.encode(), secret))
    return out


def load_detectors() -> detectors.DetectorSet:
    return detectors.load(checks_dir() / "secrets" / "detectors.yaml")


@pytest.mark.parametrize("sample", samples(), ids=lambda s: s.rule)
def test_each_sample_is_found_by_its_own_detector_only(sample: Sample) -> None:
    found = load_detectors()
    scanner = engine.Scanner(found)
    klass = found.path_rules([sample.path])
    hits, _ = scanner.scan(sample.content, klass)
    assert {h.rule_id for h in hits} == {sample.rule}, hits
    assert all(sample.secret not in h.redacted for h in hits)


def test_every_detector_has_a_sample() -> None:
    assert {s.rule for s in samples()} == {d.id for d in load_detectors().detectors}


def test_samples_are_written_nowhere_in_the_repository(tmp_path: Path) -> None:
    # the generator is deterministic: the same seed gives the same values, none of which
    # may be committed anywhere in our own tree
    root = Path(__file__).resolve().parents[2]
    values = [s.secret for s in samples() if len(s.secret) >= 16 and "\n" not in s.secret]
    for path in (root / "tests", root / "checks", root / "docs", root / "auditor"):
        for file in path.rglob("*"):
            if file.is_file() and file.suffix in (".py", ".yaml", ".md", ".txt", ".json"):
                text = file.read_text(errors="replace")
                assert not any(v in text for v in values), file
