"""ClientHello bytes out, the server's plaintext answer in.

Only what a server says before encryption starts is read: the ServerHello
(version and suite it chose), and for TLS 1.2 and earlier the Certificate
and CertificateStatus messages. Everything is bounds-checked Python, so a
hostile server can at worst make a probe fail with ``WireError``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSIONS: dict[str, int] = {
    "SSLv3": 0x0300,
    "TLSv1.0": 0x0301,
    "TLSv1.1": 0x0302,
    "TLSv1.2": 0x0303,
    "TLSv1.3": 0x0304,
}
VERSION_NAMES = {v: k for k, v in VERSIONS.items()} | {0x0002: "SSLv2"}
_HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
# x25519, P-256, P-384, P-521, x448, then legacy curves so old ECDHE servers still answer.
_GROUPS = bytes.fromhex("001d 0017 0018 0019 001e 0016 0015 0013 0009 000a")
# ECDSA, EdDSA, RSA-PSS, PKCS#1 (SHA-2 then SHA-224 and SHA-1), DSA: whatever a server holds.
_SIGALGS = bytes.fromhex(
    "0403 0503 0603 0807 0808 0804 0805 0806 0809 080a 080b"
    "0401 0501 0601 0301 0303 0201 0203 0402 0202"
)
_MAX_BYTES = 512 * 1024
ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
    47: "illegal_parameter", 50: "decode_error", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
    112: "unrecognized_name",
}  # fmt: skip


class WireError(Exception):
    """The peer sent bytes that are not a well-formed TLS answer."""


@dataclass(frozen=True)
class Reply:
    """What the server answered to one ClientHello."""

    outcome: str
    """``hello`` (it chose a version and suite), ``alert``, ``closed`` or ``sslv2``."""
    version: int | None = None
    suite: int | None = None
    alert: str | None = None
    certificates: tuple[bytes, ...] = ()
    ocsp_response: bytes | None = None
    retry_request: bool = False

    def describe(self) -> str:
        if self.outcome == "alert":
            return f"refused with alert {self.alert}"
        if self.outcome == "closed":
            return "refused: connection closed without a ServerHello"
        return f"server chose {VERSION_NAMES.get(self.version or 0, hex(self.version or 0))}"


def _vec(data: bytes, width: int) -> bytes:
    return len(data).to_bytes(width, "big") + data


def _ext(kind: int, data: bytes) -> bytes:
    return kind.to_bytes(2, "big") + _vec(data, 2)


def _key_shares() -> bytes:
    x = x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    p = ec.generate_private_key(ec.SECP256R1()).public_key()
    p_raw = p.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    entries = b"\x00\x1d" + _vec(x, 2) + b"\x00\x17" + _vec(p_raw, 2)
    return _vec(entries, 2)


def client_hello(version: int, suites: Sequence[int], server_name: str | None) -> bytes:
    """One ClientHello record; TLS 1.3 is offered through supported_versions."""
    tls13 = version == VERSIONS["TLSv1.3"]
    legacy = min(version, VERSIONS["TLSv1.2"])
    exts = b""
    if version >= VERSIONS["TLSv1.0"]:
        if server_name:
            name = server_name.encode("ascii")
            exts += _ext(0, _vec(b"\x00" + _vec(name, 2), 2))
        exts += _ext(10, _vec(_GROUPS, 2))
        exts += _ext(11, b"\x01\x00")
        exts += _ext(5, b"\x01\x00\x00\x00\x00")
        exts += _ext(0xFF01, b"\x00")
    if version >= VERSIONS["TLSv1.2"]:
        exts += _ext(13, _vec(_SIGALGS, 2))
    if tls13:
        exts += _ext(43, b"\x02\x03\x04") + _ext(51, _key_shares()) + _ext(45, b"\x01\x01")
    session_id = os.urandom(32) if tls13 else b""
    body = (
        legacy.to_bytes(2, "big")
        + os.urandom(32)
        + _vec(session_id, 1)
        + _vec(b"".join(s.to_bytes(2, "big") for s in suites), 2)
        + b"\x01\x00"
    )
    if exts:
        # Some servers hang on hellos of 256-511 bytes; RFC 7685 padding steps over it.
        size = len(body) + 2 + len(exts) + 4
        if 256 <= size < 512:
            exts += _ext(21, bytes(max(512 - size - 4, 0)))
        body += _vec(exts, 2)
    handshake = b"\x01" + _vec(body, 3)
    return b"\x16" + min(legacy, VERSIONS["TLSv1.0"]).to_bytes(2, "big") + _vec(handshake, 2)


def sslv2_hello(specs: Sequence[int]) -> bytes:
    body = (
        b"\x01\x00\x02"
        + (3 * len(specs)).to_bytes(2, "big")
        + b"\x00\x00\x00\x10"
        + b"".join(s.to_bytes(3, "big") for s in specs)
        + os.urandom(16)
    )
    return (0x8000 | len(body)).to_bytes(2, "big") + body


class _Reader:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.total = 0

    def exact(self, n: int) -> bytes | None:
        """``n`` bytes, or None when the peer closed first; TimeoutError past the deadline."""
        chunks = b""
        while len(chunks) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete answer before the timeout")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(n - len(chunks))
            except ConnectionResetError:
                return None
            if not data:
                return None
            chunks += data
        self.total += n
        if self.total > _MAX_BYTES:
            raise WireError(f"server sent more than {_MAX_BYTES} bytes before encryption")
        return chunks


def read_sslv2(sock: socket.socket, deadline: float) -> Reply:
    reader = _Reader(sock, deadline)
    head = reader.exact(2)
    if head is None:
        return Reply("closed")
    if not head[0] & 0x80:
        return Reply("closed")
    body = reader.exact(((head[0] & 0x7F) << 8) | head[1])
    if body is None or len(body) < 11 or body[0] != 4:
        return Reply("closed")
    specs_len = int.from_bytes(body[7:9], "big")
    return Reply("sslv2", version=0x0002) if specs_len else Reply("closed")


def read_reply(sock: socket.socket, deadline: float) -> Reply:
    """Read records until the ServerHello (and, before TLS 1.3, ServerHelloDone)."""
    reader = _Reader(sock, deadline)
    buf = b""
    hello: Reply | None = None
    certs: tuple[bytes, ...] = ()
    ocsp: bytes | None = None
    while True:
        header = reader.exact(5)
        if header is None:
            return hello or Reply("closed")
        kind, length = header[0], int.from_bytes(header[3:5], "big")
        if kind not in (20, 21, 22, 23) or length > 18432:
            if hello is not None:
                return hello
            raise WireError(f"not a TLS record (first bytes {header[:5].hex()})")
        payload = reader.exact(length)
        if payload is None:
            return hello or Reply("closed")
        if kind == 21:
            if hello is not None:
                return hello
            desc = payload[1] if len(payload) >= 2 else -1
            return Reply("alert", alert=f"{ALERTS.get(desc, 'alert')}({desc})")
        if kind != 22:
            if hello is None:
                raise WireError(f"record type {kind} before the ServerHello")
            return _with(hello, certs, ocsp)
        buf += payload
        while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
            size = int.from_bytes(buf[1:4], "big")
            msg_type, msg, buf = buf[0], buf[4 : 4 + size], buf[4 + size :]
            if hello is None:
                if msg_type != 2:
                    raise WireError(f"handshake message {msg_type} before the ServerHello")
                hello = parse_server_hello(msg)
                if hello.version == VERSIONS["TLSv1.3"] or hello.retry_request:
                    return hello
            elif msg_type == 11:
                certs = parse_certificates(msg)
            elif msg_type == 22 and msg[:1] == b"\x01":
                ocsp = msg[4:] or None
            elif msg_type == 14:
                return _with(hello, certs, ocsp)


def _with(hello: Reply, certs: tuple[bytes, ...], ocsp: bytes | None) -> Reply:
    return Reply("hello", hello.version, hello.suite, None, certs, ocsp, hello.retry_request)


def parse_server_hello(msg: bytes) -> Reply:
    if len(msg) < 38:
        raise WireError("ServerHello too short")
    version = int.from_bytes(msg[0:2], "big")
    retry = msg[2:34] == _HRR_RANDOM
    sid_len = msg[34]
    pos = 35 + sid_len
    if len(msg) < pos + 3:
        raise WireError("ServerHello truncated")
    suite = int.from_bytes(msg[pos : pos + 2], "big")
    pos += 3
    if len(msg) >= pos + 2:
        end = pos + 2 + int.from_bytes(msg[pos : pos + 2], "big")
        if end > len(msg):
            raise WireError("ServerHello extensions truncated")
        pos += 2
        while pos + 4 <= end:
            kind = int.from_bytes(msg[pos : pos + 2], "big")
            size = int.from_bytes(msg[pos + 2 : pos + 4], "big")
            data = msg[pos + 4 : pos + 4 + size]
            if kind == 43 and len(data) == 2:
                version = int.from_bytes(data, "big")
            pos += 4 + size
    return Reply("hello", version=version, suite=suite, retry_request=retry)


def parse_certificates(msg: bytes) -> tuple[bytes, ...]:
    if len(msg) < 3:
        raise WireError("Certificate message too short")
    end = min(3 + int.from_bytes(msg[0:3], "big"), len(msg))
    pos, out = 3, []
    while pos + 3 <= end:
        size = int.from_bytes(msg[pos : pos + 3], "big")
        out.append(msg[pos + 3 : pos + 3 + size])
        pos += 3 + size
    return tuple(out)
