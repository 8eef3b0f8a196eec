"""The tls collector against real servers on 127.0.0.1, decided by the real control logic.

One well-configured server passes every recommended control; each flawed
server fails exactly the control for its flaw and nothing else.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.x509 import ocsp

from auditor import rules
from auditor.audit import collector_infos
from auditor.checklist import CollectorInfo, Control, load
from auditor.collectors.base import AuditContext
from auditor.collectors.tls import TlsCollector
from auditor.controls import Status, evaluate
from auditor.evidence import CollectorResult, CollectorStatus
from auditor.files import DEFAULT_EXCLUDES
from auditor.resources import checks_dir
from tests.helpers import make_repo
from tests.integration.tls_servers import (
    GOOD_HEADERS,
    MODERN_CIPHERS,
    HttpServer,
    Issued,
    OpensslServer,
    Pki,
    SilentServer,
    TlsServer,
    closed_port,
    http_response,
    ocsp_response,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "tls.md"
FAST = {"connect_timeout": 2.0, "io_timeout": 2.0}


def recommended(folder: Path) -> list[Control]:
    """The controls docs/tls.md recommends, through the real checklist loader."""
    block = DOC.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    head = "id: t\nversion: '1'\ntitle: t\npractices:\n  - id: P13\n    title: t\n"
    head += "    summary: s\n    weight: 1.0\n    controls:\n"
    path = folder / "tls-checklist.yaml"
    path.write_text(head + block)
    infos = {**collector_infos(), "tls": CollectorInfo(True, TlsCollector.fact_keys)}
    catalog = {tool: frozenset(r) for tool, r in rules.load_catalog(checks_dir()).items()}
    found = [c for c in load(path, infos, catalog).controls()]
    assert {c.evidence.collector for c in found} == {"tls"} and len(found) == 20
    return found


def decide(result: CollectorResult, world: World) -> dict[str, Status]:
    return {
        c.evidence.fact or "": evaluate(
            c, {"tls": result}, is_git=True, honour_suppressions=True
        ).status
        for c in world.controls
    }


@dataclass
class World:
    root: Path
    pki: Pki
    certs: dict[str, Issued] = field(default_factory=dict)
    controls: list[Control] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("tls")
    root = make_repo(base / "repo", {"app.py": "x = 1\n"})
    pki = Pki(base / "pki")
    day = dt.timedelta(days=1)
    w = World(root, pki, controls=recommended(base))
    w.certs = {
        "good": pki.issue("good"),
        "expired": pki.issue("expired", not_before=-400 * day, not_after=-10 * day),
        "soon": pki.issue("soon", not_after=20 * day),
        "wrong_host": pki.issue("wrong-host", sans=("wrong.example",)),
        "self_signed": pki.issue("self-signed", self_signed=True),
        "rsa1024": pki.issue("rsa1024", key="rsa1024"),
        "sha1": pki.issue("sha1", sha1=True),
        "ec256": pki.issue("ec256", key="ec256"),
    }
    return w


def run(
    world: World,
    *targets: str,
    http: tuple[str, ...] = (),
    bundle: Path | None = None,
    **timeouts: float,
) -> CollectorResult:
    collector = TlsCollector(**{**FAST, **timeouts})
    ctx = AuditContext(
        world.root,
        True,
        DEFAULT_EXCLUDES,
        60.0,
        tls_targets=targets,
        http_urls=http,
        ca_bundle=str(bundle or world.pki.bundle),
    )
    return collector.collect(ctx)


def failing(result: CollectorResult, world: World) -> set[str]:
    decided = decide(result, world)
    errors = {k for k, s in decided.items() if s is Status.ERROR}
    assert not errors, [f for f in result.facts if f.unknown]
    return {k for k, s in decided.items() if s is Status.FAIL}


@pytest.fixture
def redirect(world: World) -> Iterator[HttpServer]:
    """Plain HTTP answering 301 to https:// (the target is never followed)."""
    moved = http_response([("Location", "https://127.0.0.1:1/")], "301 Moved Permanently")
    with HttpServer(moved) as s:
        yield s


def good_headers(**replace: str | None) -> bytes:
    headers = [(k, replace.get(k.lower().replace("-", "_"), v)) for k, v in GOOD_HEADERS]
    return http_response([(k, v) for k, v in headers if v is not None])


def test_good_configuration_passes_every_control(world: World, redirect: HttpServer) -> None:
    with TlsServer(world.certs["good"], good_headers()) as server:
        result = run(world, server.url, http=(redirect.url,))
    assert result.status is CollectorStatus.OK
    assert failing(result, world) == set()
    assert set(decide(result, world).values()) == {Status.PASS}
    facts = {f.key: f for f in result.facts}
    assert facts["tls.protocols"].value["TLSv1.0"].startswith("refused")
    assert facts["tls.protocols"].value["TLSv1.3"].startswith("accepted")
    assert facts["tls.cipher_suites"].value["TLSv1.2"][0].startswith("TLS_ECDHE_RSA_WITH_AES")
    assert facts["tls.cert_days_to_expiry"].value in (363, 364)
    assert facts["tls.ocsp_stapled"].value is False
    assert facts["tls.cookies"].value == ["session"]
    assert "s3cr3t" not in repr(result.facts)
    assert facts["tls.hsts_header"].source is not None
    assert facts["tls.hsts_header"].source.path == server.url
    assert "includeSubDomains yes, preload yes" in facts["tls.hsts_weak"].how


@pytest.mark.parametrize(
    ("cert", "server", "expected", "evidence"),
    [
        (
            "good",
            {"legacy_versions": True, "ciphers": MODERN_CIPHERS + ":ECDHE+AES"},
            "tls.legacy_protocols",
            "TLSv1.0 (server chose TLSv1.0 with TLS_ECDHE_RSA_WITH_AES",
        ),
        (
            "good",
            {"ciphers": MODERN_CIPHERS + ":ECDHE-RSA-NULL-SHA", "seclevel0": True},
            "tls.weak_cipher_suites",
            "TLSv1.2 TLS_ECDHE_RSA_WITH_NULL_SHA: NULL encryption",
        ),
        (
            "good",
            {"ciphers": MODERN_CIPHERS + ":AES128-GCM-SHA256"},
            "tls.non_forward_secret_suites",
            "TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256",
        ),
        ("expired", {}, "tls.cert_time_valid", False),
        ("soon", {}, "tls.cert_expires_soon", True),
        ("wrong_host", {}, "tls.cert_hostname_matches", False),
        ("rsa1024", {"seclevel0": True}, "tls.cert_weak_keys", "leaf CN=rsa1024: RSA 1024 bits"),
        (
            "sha1",
            {"seclevel0": True},
            "tls.cert_weak_signatures",
            "leaf CN=sha1: signed with sha1WithRSAEncryption",
        ),
    ],
)
def test_each_flaw_fails_only_its_control(
    world: World, cert: str, server: dict[str, object], expected: str, evidence: object
) -> None:
    with TlsServer(world.certs[cert], good_headers(), **server) as s:  # type: ignore[arg-type]
        result = run(world, s.url)
    assert failing(result, world) == {expected}
    value = next(f.value for f in result.facts if f.key == expected)
    if isinstance(value, list):
        assert any(str(evidence) in v for v in value), value
    else:
        assert value == evidence


@pytest.mark.parametrize(
    ("headers", "expected", "value"),
    [
        ({"strict_transport_security": None}, "tls.hsts_header", None),
        (
            {"strict_transport_security": "max-age=300"},
            "tls.hsts_weak",
            ["max-age=300 is under 31536000 (one year)"],
        ),
        (
            {"set_cookie": "session=x; HttpOnly; SameSite=Lax"},
            "tls.cookies_without_secure",
            ["session"],
        ),
        ({"server": "nginx/1.18.0"}, "tls.version_disclosure", ["server: nginx/1.18.0"]),
        ({"content_security_policy": None}, "tls.csp_header", None),
    ],
)
def test_each_header_flaw_fails_only_its_control(
    world: World, headers: dict[str, str | None], expected: str, value: object
) -> None:
    with TlsServer(world.certs["good"], good_headers(**headers)) as s:
        result = run(world, s.url)
    assert failing(result, world) == {expected}
    assert next(f.value for f in result.facts if f.key == expected) == value


def test_self_signed_fails_only_self_signed_when_the_operator_trusts_it(world: World) -> None:
    issued = world.certs["self_signed"]
    with TlsServer(issued, good_headers()) as s:
        pinned = run(world, s.url, bundle=issued.cert)
        untrusted = run(world, s.url)
    assert failing(pinned, world) == {"tls.cert_self_signed"}
    assert failing(untrusted, world) == {"tls.cert_self_signed", "tls.cert_chain_trusted"}
    chain = next(f for f in untrusted.facts if f.key == "tls.cert_chain_trusted")
    assert "self-signed certificate" in chain.how


def test_certificate_from_an_unknown_ca_fails_only_chain_trust(world: World) -> None:
    stranger = Pki(world.root.parent / "other-pki", "Stranger CA")
    with TlsServer(stranger.issue("stranger"), good_headers()) as s:
        result = run(world, s.url)
    assert failing(result, world) == {"tls.cert_chain_trusted"}
    chain = next(f for f in result.facts if f.key == "tls.cert_chain_trusted")
    assert "self-signed certificate in certificate chain" in chain.how


def test_ec_key_passes(world: World) -> None:
    with TlsServer(world.certs["ec256"], good_headers()) as s:
        result = run(world, s.url)
    assert failing(result, world) == set()
    keys = next(f for f in result.facts if f.key == "tls.cert_weak_keys")
    assert "leaf: EC secp256r1 (256 bits)" in keys.how


def test_plain_http_that_does_not_redirect_fails_only_the_redirect(world: World) -> None:
    with (
        TlsServer(world.certs["good"], good_headers()) as s,
        HttpServer(http_response([("Content-Type", "text/html")])) as plain,
    ):
        result = run(world, s.url, http=(plain.url,))
    assert failing(result, world) == {"tls.http_redirects_to_https"}
    fact = next(f for f in result.facts if f.key == "tls.http_redirects_to_https")
    assert fact.how == f"GET {plain.url} answered 200 without redirecting"


def test_redirect_targets_and_unlisted_hosts_are_never_contacted(world: World) -> None:
    with (
        TlsServer(world.certs["good"], good_headers()) as trap,
        TlsServer(world.certs["good"], good_headers()) as listed,
    ):
        moved = http_response([("Location", trap.url)], "301 Moved Permanently")
        with HttpServer(moved) as plain:
            result = run(world, listed.url, http=(plain.url,))
        assert trap.connections == 0
        assert listed.connections > 10 and plain.connections == 1
    fact = next(f for f in result.facts if f.key == "tls.http_redirects_to_https")
    assert fact.value is True and trap.url.rstrip("/") in fact.how


def test_closed_and_silent_ports_are_errors_within_the_timeout(world: World) -> None:
    closed = f"https://127.0.0.1:{closed_port()}/"
    with SilentServer() as silent:
        start = time.monotonic()
        quiet = f"https://127.0.0.1:{silent.port}/"
        result = run(world, closed, quiet, http=(silent.url,), connect_timeout=1.0, io_timeout=1.0)
        elapsed = time.monotonic() - start
    assert elapsed < 5, elapsed
    assert set(decide(result, world).values()) == {Status.ERROR}
    reasons = result.details["unreachable_or_incomplete"]
    assert "refused" in reasons[closed].lower()
    assert "timeout" in reasons[quiet] or "timed out" in reasons[quiet], reasons[quiet]
    http_fact = next(f for f in result.facts if f.key == "tls.http_redirects_to_https")
    assert http_fact.unknown is not None


def test_no_target_is_not_applicable(world: World) -> None:
    result = run(world)
    assert result.status is CollectorStatus.NOT_APPLICABLE
    assert result.reason == "no TLS target configured (tls_targets and http_urls are empty)"
    assert set(decide(result, world).values()) == {Status.NOT_APPLICABLE}


def test_only_http_urls_make_tls_controls_not_applicable(
    world: World, redirect: HttpServer
) -> None:
    result = run(world, http=(redirect.url,))
    decided = decide(result, world)
    assert decided.pop("tls.http_redirects_to_https") is Status.PASS
    assert set(decided.values()) == {Status.NOT_APPLICABLE}


def test_stapled_ocsp_response_is_observed(world: World) -> None:
    issued = world.certs["good"]
    der = ocsp_response(world.pki, issued, ocsp.OCSPCertStatus.GOOD)
    with OpensslServer(issued, world.pki.bundle, der) as server:
        result = run(world, server.url)
    stapled = next(f for f in result.facts if f.key == "tls.ocsp_stapled")
    assert stapled.value is True
    assert "certificate status GOOD" in stapled.how
    plain = next(f for f in result.facts if f.key == "tls.cert_chain_trusted")
    assert plain.value is True


def test_cli_audit_with_url_fails_the_legacy_protocol_control(world: World, tmp_path: Path) -> None:
    """The whole pipeline: --url and --ca-bundle reach the collector, the bundled checklist
    decides its TLS controls, and a server accepting TLS 1.0 fails exactly that control."""
    import json
    import subprocess
    import sys

    legacy = TlsServer(
        world.certs["good"],
        good_headers(),
        legacy_versions=True,
        ciphers=MODERN_CIPHERS + ":ECDHE+AES",
    )
    with legacy as server:
        out = tmp_path / "out"
        proc = subprocess.run(
            [sys.executable, "-m", "auditor", "audit", str(world.root), "--out", str(out),
             "--url", server.url, "--ca-bundle", str(world.pki.bundle)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((out / "results.json").read_text())
    tls = {c["fact"]: c["status"] for c in doc["controls"] if c["collector"] == "tls"}
    assert tls["tls.legacy_protocols"] == "fail"
    assert tls["tls.cert_chain_trusted"] == "pass"
    setting = next(s for s in doc["settings"] if s["name"] == "tls_targets")
    assert setting["value"] == [server.url] and setting["source"] == "command line"
    none = tmp_path / "none"
    without = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(world.root), "--out", str(none)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    doc = json.loads((tmp_path / "none" / "results.json").read_text())
    assert {c["status"] for c in doc["controls"] if c["collector"] == "tls"} == {"not_applicable"}
    assert without.returncode in (0, 1)
