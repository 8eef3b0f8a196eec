"""Structural checks a detector can ask for by name (``validate:`` in detectors.yaml).

A regex can say a string is shaped like a token; only the format's own redundancy (a
checksum, a decodable header, a length field) can say it could be one. Each check takes
the candidate value as bytes and returns whether it is structurally plausible; none
contacts any service.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Mapping

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_WORDY = re.compile(rb"^[a-z][a-z0-9]*(?:[_.:/-][a-z0-9]+)+$")


def entropy(value: bytes) -> float:
    """Shannon entropy in bits per character: random keys score high, words and
    repeated filler low."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _B62[rest] + digits
    return digits.rjust(width, "0")


def github_crc32(value: bytes) -> bool:
    """GitHub's (and npm's) token format: prefix, 30 random base62 characters, then the
    CRC32 of those 30 characters in base62, six digits."""
    _, _, rest = value.partition(b"_")
    if len(rest) != 36:
        return False
    body, check = rest[:30], rest[30:]
    return base62(zlib.crc32(body), 6).encode() == check


def _b64decode(text: bytes) -> bytes | None:
    cleaned = text.replace(b"-", b"+").replace(b"_", b"/")
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None


def b64(value: bytes) -> bool:
    return _b64decode(value) is not None


def jwt(value: bytes) -> bool:
    """Header and payload decode to JSON objects, the header names a real algorithm and
    the signature is long enough to be one."""
    parts = value.split(b".")
    if len(parts) != 3:
        return False
    decoded = [_b64decode(p) for p in parts]
    if any(d is None for d in decoded):
        return False
    header_raw, payload_raw, signature = decoded
    try:
        header = json.loads(header_raw or b"")
        payload = json.loads(payload_raw or b"")
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    alg = header.get("alg")
    return isinstance(alg, str) and alg.lower() != "none" and len(signature or b"") >= 16


def pypi_macaroon(value: bytes) -> bool:
    raw = _b64decode(value.removeprefix(b"pypi-"))
    return raw is not None and b"pypi.org" in raw[:32]


_PEM_BODY = re.compile(rb"-----BEGIN [A-Z ]+-----(.*?)-----END", re.S)


def _pem_bytes(value: bytes) -> bytes | None:
    match = _PEM_BODY.search(value)
    if match is None:
        return None
    lines = match.group(1).replace(b"\\n", b"\n").replace(b"\\r", b"").split(b"\n")
    body = b"".join(line.strip() for line in lines if b":" not in line)
    return _b64decode(body) if body else None


def pem_body(value: bytes) -> bool:
    """The armoured body decodes to at least a minimal key's worth of bytes."""
    raw = _pem_bytes(value)
    return raw is not None and len(raw) >= 48


def openssh_magic(value: bytes) -> bool:
    raw = _pem_bytes(value)
    return raw is not None and raw.startswith(b"openssh-key-v1\x00")


def der_length(value: bytes) -> bool:
    """The outer DER SEQUENCE's length covers the file (allowing trailing padding)."""
    if len(value) < 4 or value[0] != 0x30:
        return False
    first = value[1]
    if first < 0x80:
        length, head = first, 2
    else:
        count = first & 0x7F
        if not 1 <= count <= 3 or len(value) < 2 + count:
            return False
        length, head = int.from_bytes(value[2 : 2 + count], "big"), 2 + count
    return head + length <= len(value) <= head + length + 16


def mixed_chars(value: bytes) -> bool:
    """Letters and digits both, and not a dotted/underscored name, path or URL: what a
    generated credential looks like, unlike a setting name or a file path."""
    has_digit = any(48 <= c <= 57 for c in value)
    has_alpha = any(65 <= c <= 90 or 97 <= c <= 122 for c in value)
    if not (has_digit and has_alpha) or b"://" in value:
        return False
    return _WORDY.match(value.lower()) is None


VALIDATORS: Mapping[str, Callable[[bytes], bool]] = {
    "github-crc32": github_crc32,
    "base64": b64,
    "jwt": jwt,
    "pypi-macaroon": pypi_macaroon,
    "pem-body": pem_body,
    "openssh-magic": openssh_magic,
    "der-length": der_length,
    "mixed-chars": mixed_chars,
}
