"""The tls collector's pure parts: wire format, URL rules, header and certificate judgement."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import NameOID

from auditor.collectors.base import AuditContext
from auditor.collectors.tls import TlsCollector
from auditor.errors import CollectorError
from auditor.tlscheck import certs, facts, suites, target, web, wire
from auditor.tlscheck.probe import ScanResult, VersionResult

# -- cipher suites -------------------------------------------------------------------------


def test_catalogue_has_every_legacy_suite_once_and_no_signalling_values() -> None:
    codes = [s.code for s in suites.legacy_suites()]
    assert len(codes) == len(set(codes)) == 337
    assert not {0x0000, 0x00FF, 0x5600} & set(codes)
    assert suites.by_code(0xC02F).name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert suites.by_code(0x1301).name == "TLS_AES_128_GCM_SHA256"
    assert suites.by_code(0xFEFE).name == "UNKNOWN_0xFEFE"


@pytest.mark.parametrize(
    ("name", "weak", "fs"),
    [
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", (), True),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", (), False),
        ("TLS_ECDHE_RSA_WITH_NULL_SHA", ("NULL encryption",), True),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", ("EXPORT grade", "RC4", "MD5 MAC"), False),
        ("TLS_DH_anon_WITH_AES_128_CBC_SHA", ("anonymous key exchange",), True),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", ("3DES",), False),
        ("TLS_DHE_RSA_WITH_DES_CBC_SHA", ("DES",), True),
        ("TLS_RSA_WITH_IDEA_CBC_SHA", ("64-bit block cipher",), False),
        ("TLS_RSA_WITH_NULL_MD5", ("NULL encryption", "MD5 MAC"), False),
        ("OLD_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", (), True),
        ("TLS_AES_128_GCM_SHA256", (), True),
    ],
)
def test_suite_classification(name: str, weak: tuple[str, ...], fs: bool) -> None:
    assert suites.weaknesses(name) == weak
    assert suites.forward_secret(name) is fs


# -- wire format ---------------------------------------------------------------------------


def _extensions(hello: bytes) -> dict[int, bytes]:
    body = hello[9:]
    pos = 2 + 32
    pos += 1 + body[pos]
    pos += 2 + int.from_bytes(body[pos : pos + 2], "big")
    pos += 1 + body[pos]
    end = pos + 2 + int.from_bytes(body[pos : pos + 2], "big")
    pos += 2
    out = {}
    while pos < end:
        kind, size = (
            int.from_bytes(body[pos : pos + 2], "big"),
            int.from_bytes(body[pos + 2 : pos + 4], "big"),
        )
        out[kind] = body[pos + 4 : pos + 4 + size]
        pos += 4 + size
    return out


def test_client_hello_layout() -> None:
    hello = wire.client_hello(0x0303, [0xC02F, 0x009C], "example.com")
    assert hello[0] == 0x16 and hello[1:3] == b"\x03\x01"
    assert int.from_bytes(hello[3:5], "big") == len(hello) - 5
    assert hello[5] == 1 and hello[9:11] == b"\x03\x03"
    exts = _extensions(hello)
    assert b"example.com" in exts[0]
    assert exts[5] == b"\x01\x00\x00\x00\x00"  # status_request, so stapling is observable
    assert 13 in exts and 43 not in exts
    assert len(hello) - 5 >= 512 or len(hello) - 5 < 256


def test_client_hello_variants() -> None:
    tls13 = _extensions(wire.client_hello(0x0304, [0x1301], None))
    assert tls13[43] == b"\x02\x03\x04" and 51 in tls13 and 0 not in tls13
    tls10 = wire.client_hello(0x0301, [0xC013], "a.example")
    assert tls10[9:11] == b"\x03\x01" and 13 not in _extensions(tls10)
    ssl3 = wire.client_hello(0x0300, [0x000A], "a.example")
    assert ssl3[1:3] == b"\x03\x00" and ssl3[9:11] == b"\x03\x00"
    assert ssl3.endswith(b"\x00\x0a\x01\x00")  # no extensions block at all
    v2 = wire.sslv2_hello([0x010080])
    assert v2[0] & 0x80 and v2[2] == 1 and v2[3:5] == b"\x00\x02"


def _server_hello(version: int, suite: int, exts: bytes = b"", random: bytes = b"r" * 32) -> bytes:
    body = version.to_bytes(2, "big") + random + b"\x00" + suite.to_bytes(2, "big") + b"\x00"
    if exts:
        body += len(exts).to_bytes(2, "big") + exts
    return b"\x02" + len(body).to_bytes(3, "big") + body


def _record(kind: int, payload: bytes) -> bytes:
    return bytes([kind]) + b"\x03\x03" + len(payload).to_bytes(2, "big") + payload


def _reply(data: bytes, close: bool = True, timeout: float = 2.0) -> wire.Reply:
    server, client = socket.socketpair()
    with server, client:
        server.sendall(data)
        if close:
            server.shutdown(socket.SHUT_WR)
        return wire.read_reply(client, time.monotonic() + timeout)


def test_read_reply_tls12_with_chain_and_stapled_status() -> None:
    certs_msg = b"\x0b" + (3 + 3 + 3 + 3 + 2).to_bytes(3, "big")
    certs_msg += (12).to_bytes(3, "big") + (3).to_bytes(3, "big") + b"AAA"
    certs_msg += (2).to_bytes(3, "big") + b"BB"
    status = b"\x16" + (7).to_bytes(3, "big") + b"\x01" + (3).to_bytes(3, "big") + b"OCS"
    done = b"\x0e\x00\x00\x00"
    hello = _server_hello(0x0303, 0xC02F, b"\x00\x05\x00\x00")
    # The handshake stream is split across records at an awkward place on purpose.
    stream = hello + certs_msg + status + done
    reply = _reply(_record(22, stream[:7]) + _record(22, stream[7:]))
    assert (reply.outcome, reply.version, reply.suite) == ("hello", 0x0303, 0xC02F)
    assert reply.certificates == (b"AAA", b"BB")
    assert reply.ocsp_response == b"OCS"


def test_read_reply_tls13_and_retry_request() -> None:
    sv = b"\x00\x2b\x00\x02\x03\x04"
    reply = _reply(_record(22, _server_hello(0x0303, 0x1302, sv)))
    assert (reply.version, reply.suite, reply.retry_request) == (0x0304, 0x1302, False)
    hrr_random = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
    hrr = _reply(_record(22, _server_hello(0x0303, 0x1301, sv, hrr_random)), close=False)
    assert hrr.retry_request and hrr.suite == 0x1301


def test_read_reply_refusals_and_garbage() -> None:
    alert = _reply(_record(21, b"\x02\x46"))
    assert alert.outcome == "alert"
    assert alert.describe() == "refused with alert protocol_version(70)"
    assert _reply(b"").outcome == "closed"
    assert _reply(b"\x16\x03").outcome == "closed"
    with pytest.raises(wire.WireError, match="not a TLS record"):
        _reply(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with pytest.raises(wire.WireError, match="before the ServerHello"):
        _reply(_record(22, b"\x0b\x00\x00\x00"))
    with pytest.raises(TimeoutError):
        _reply(_record(22, _server_hello(0x0303, 0xC02F))[:20], close=False, timeout=0.2)


def test_read_reply_caps_what_a_server_may_send() -> None:
    hello = _record(22, _server_hello(0x0303, 0xC02F))
    junk = _record(22, b"\x0c" + (16000).to_bytes(3, "big") + bytes(16000))
    server, client = socket.socketpair()

    def send() -> None:
        with contextlib.suppress(OSError):  # the reader hangs up once it has had enough
            server.sendall(hello + junk * 40)

    with server, client:
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        with pytest.raises(wire.WireError, match="more than"):
            wire.read_reply(client, time.monotonic() + 5)


# -- configured URLs -----------------------------------------------------------------------


def test_target_parsing_normalises_and_refuses() -> None:
    t = target.parse("HTTPS://Example.COM./x?y=1", "https")
    assert (t.url, t.host, t.port, t.path) == (
        "https://example.com:443/x?y=1",
        "example.com",
        443,
        "/x?y=1",
    )
    assert t.server_name == "example.com" and t.host_header == "example.com"
    ip6 = target.parse("https://[::1]:8443", "https")
    assert ip6.url == "https://[::1]:8443/" and ip6.server_name is None
    assert ip6.host_header == "[::1]:8443"
    assert target.parse("http://bücher.example", "http").host == "xn--bcher-kva.example"
    for bad, why in [
        ("http://example.com", "expected a https://"),
        ("https://user:pw@example.com", "credentials"),
        ("https://", "no host"),
        ("https://example.com:99999", "not a valid URL"),
        ("https://example.com/a b", "percent-encoded"),
    ]:
        with pytest.raises(target.TargetError, match=why):
            target.parse(bad, "https")


def test_collector_refuses_bad_configuration(tmp_path: Path) -> None:
    ctx = AuditContext(tmp_path, False, (), 5.0, tls_targets=("ftp://x",))
    with pytest.raises(CollectorError, match="tls_targets: 'ftp://x': expected a https://"):
        TlsCollector().collect(ctx)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    ctx = AuditContext(
        tmp_path, False, (), 5.0, tls_targets=("https://127.0.0.1:1",), ca_bundle=str(bundle)
    )
    with pytest.raises(CollectorError, match=r"ca_bundle .* cannot be loaded"):
        TlsCollector().collect(ctx)


# -- HTTP headers --------------------------------------------------------------------------


def test_parse_head_keeps_repeated_headers_and_folds() -> None:
    resp = web.parse_head(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; Secure\r\nX-Long: one\r\n two"
    )
    assert resp.status == 200 and resp.all("set-cookie") == ["a=1", "b=2; Secure"]
    assert resp.first("x-long") == "one two" and resp.first("missing") is None
    with pytest.raises(web.HttpError):
        web.parse_head(b"SSH-2.0-OpenSSH_9.2")


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (None, []),
        ("max-age=31536000", []),
        ('max-age="63072000"; includeSubDomains', []),
        ("max-age=300", ["max-age=300 is under 31536000 (one year)"]),
        ("includeSubDomains", ["no valid max-age in 'includeSubDomains'"]),
        ("max-age=-1", ["no valid max-age in 'max-age=-1'"]),
    ],
)
def test_hsts_problems(header: str | None, problems: list[str]) -> None:
    assert web.hsts_problems(header) == problems


def test_cookie_attributes_without_values() -> None:
    resp = web.parse_head(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: z=secret; secure; HTTPONLY; samesite=strict\r\n"
        b"Set-Cookie: a=secret2; SameSite=None; Secure\r\nSet-Cookie: m=3"
    )
    jar = web.cookies(resp)
    assert [c.name for c in jar] == ["a", "m", "z"]
    assert [web.samesite_problem(c) for c in jar] == ["SameSite=None", "no SameSite", None]
    assert [(c.secure, c.httponly) for c in jar] == [(True, False), (False, False), (True, True)]
    assert "secret" not in repr(jar)


def test_version_disclosure_and_redirects() -> None:
    resp = web.parse_head(
        b"HTTP/1.1 301 Moved\r\nServer: nginx\r\nX-Powered-By: PHP/8.1.2\r\n"
        b"Location: https://example.com/login?token=abc\r\nVia: 1.1 proxy"
    )
    assert web.disclosures(resp) == ["x-powered-by: PHP/8.1.2"]
    assert web.redirect_evidence(resp) == (
        True,
        "answered 301 redirecting to https://example.com/login",
    )
    relative = web.parse_head(b"HTTP/1.1 302 Found\r\nLocation: /login")
    assert web.redirect_evidence(relative)[0] is False
    bare = web.parse_head(b"HTTP/1.1 308 Permanent")
    assert web.redirect_evidence(bare) == (False, "answered 308 without a Location header")


# -- certificates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "ok"),
    [
        ("example.com", "EXAMPLE.com.", True),
        ("*.example.com", "www.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.com", "example.com", False),
        ("w*.example.com", "www.example.com", False),
    ],
)
def test_dns_match(pattern: str, host: str, ok: bool) -> None:
    assert certs.dns_match(pattern, host) is ok


def _cert(key: object, days: tuple[int, int] = (-1, 90), san: bool = True) -> x509.Certificate:
    signer = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ca")])
    now = dt.datetime.now(dt.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(1)
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
    )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("t.example")]), False)
    return b.sign(signer, hashes.SHA256())


def test_key_strength() -> None:
    assert certs.describe_key(_cert(ec.generate_private_key(ec.SECP224R1()))) == (
        "EC secp224r1 (224 bits)",
        True,
    )
    assert certs.describe_key(_cert(ec.generate_private_key(ec.SECP384R1())))[1] is False
    assert certs.describe_key(_cert(rsa.generate_private_key(65537, 2048))) == (
        "RSA 2048 bits",
        False,
    )
    assert certs.describe_key(_cert(dsa.generate_private_key(2048)))[1] is True


def test_analyse_time_and_names() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    future = certs.analyse([_cert(key, (2, 90)).public_bytes(Encoding.DER)], "t.example", now)
    assert not future.time_valid and future.time_evidence.startswith("not valid before")
    assert not future.expires_soon and future.hostname_matches and not future.self_signed
    soon = certs.analyse([_cert(key, (-1, 10)).public_bytes(Encoding.DER)], "x.example", now)
    assert soon.time_valid and soon.expires_soon and soon.days_left == 9
    assert not soon.hostname_matches and soon.names == ("t.example",)
    bare = certs.analyse([_cert(key, san=False).public_bytes(Encoding.DER)], "t", now)
    assert bare.hostname_matches is False and bare.names == ()
    with pytest.raises(ValueError):
        certs.analyse([b"not der"], "t", now)


# -- facts ---------------------------------------------------------------------------------


def _scan(*versions: VersionResult) -> ScanResult:
    return ScanResult(versions, (), None, 9)


def _by_key(found: list[facts.Fact]) -> dict[str, facts.Fact]:
    return {f.key: f for f in found}


def test_a_silent_legacy_probe_is_unknown_but_an_accepted_one_still_fails() -> None:
    ok12 = VersionResult("TLSv1.2", True, "chose", (0xC02F,))
    ok13 = VersionResult("TLSv1.3", True, "chose", (0x1301,))
    refused = [VersionResult(n, False, "refused") for n in ("SSLv2", "SSLv3", "TLSv1.0")]
    silent = VersionResult("TLSv1.1", False, "", error="TLSv1.1 probe: timed out")
    got = _by_key(facts.protocol_facts("https://h:443/", _scan(*refused, silent, ok12, ok13), "h"))
    assert got["tls.legacy_protocols"].unknown == "https://h:443/: TLSv1.1 probe: timed out"
    assert got["tls.weak_cipher_suites"].unknown is not None
    assert got["tls.protocols"].value["TLSv1.1"] == "unknown: TLSv1.1 probe: timed out"
    assert got["tls.ocsp_stapled"].value is None and "not observable" in got["tls.ocsp_stapled"].how
    accepted = VersionResult("TLSv1.0", True, "chose TLSv1.0", (0x000A,))
    got = _by_key(
        facts.protocol_facts(
            "https://h:443/", _scan(*refused[:2], accepted, silent, ok12, ok13), "h"
        )
    )
    assert got["tls.legacy_protocols"].value == ["TLSv1.0 (chose TLSv1.0)"]
    assert got["tls.weak_cipher_suites"].value == ["TLSv1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA: 3DES"]
    assert got["tls.non_forward_secret_suites"].value == ["TLSv1.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA"]


def test_every_fact_key_is_declared() -> None:
    assert facts.ALL_KEYS == TlsCollector.fact_keys
    assert len(facts.ALL_KEYS) == len(
        {
            *facts.PROTOCOL_KEYS,
            facts.CHAIN_KEY,
            *facts.CERT_KEYS,
            *facts.HTTP_KEYS,
            facts.REDIRECT_KEY,
            *facts.TARGET_KEYS,
        }
    )
