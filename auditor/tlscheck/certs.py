"""Certificate checks, each one judged on its own.

Chain trust is verified with expiry and host name switched off, and key and
signature strength are not part of it either (security level 0), so an
expired certificate fails only the expiry check, a 1024-bit key only the key
check: one problem, one failing fact.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

_NO_CHECK_TIME = 0x200000
"""OpenSSL's X509_V_FLAG_NO_CHECK_TIME, which the ssl module has no name for."""
WARN_DAYS = 30
_WEAK_SIGNATURES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.3.14.3.2.29": "sha1WithRSA (OIW)",
    "1.2.840.10040.4.3": "dsa-with-sha1",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
}


def client_context(ca_bundle: str | None, verify: bool) -> ssl.SSLContext:
    """A client that completes a handshake with anything the system OpenSSL can still speak."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    if not verify:
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags = ctx.verify_flags | _NO_CHECK_TIME
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    else:
        ctx.load_default_certs()
    return ctx


def verify_chain(sock: socket.socket, ctx: ssl.SSLContext, server_name: str | None) -> str | None:
    """None when the chain verifies; OpenSSL's reason otherwise. ``sock`` is connected."""
    try:
        with ctx.wrap_socket(sock, server_hostname=server_name) as tls:
            tls.do_handshake()
    except ssl.SSLCertVerificationError as e:
        return f"{e.verify_message} (OpenSSL verify code {e.verify_code})"
    return None


@dataclass(frozen=True)
class CertReport:
    subject: str
    issuer: str
    not_after: str
    time_valid: bool
    time_evidence: str
    days_left: int
    expires_soon: bool
    hostname_matches: bool
    names: tuple[str, ...]
    self_signed: bool
    weak_keys: tuple[str, ...]
    weak_signatures: tuple[str, ...]
    keys: tuple[str, ...]


def analyse(chain: Sequence[bytes], host: str, now: dt.datetime) -> CertReport:
    """Judge the leaf (and the intermediates the server sent); raises ValueError on bad DER."""
    certs = [x509.load_der_x509_certificate(der) for der in chain]
    leaf = certs[0]
    before, after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    days = (after - now).days
    valid = before <= now <= after
    if now < before:
        evidence = f"not valid before {before.isoformat()}"
    elif now > after:
        evidence = f"expired on {after.isoformat()}, {-days} days ago"
    else:
        evidence = f"valid until {after.isoformat()}, {days} days from now"
    matches, names = hostname_matches(leaf, host)
    keys, weak_keys = [], []
    weak_sigs = []
    for n, cert in enumerate(certs):
        label = "leaf" if n == 0 else f"chain[{n}]"
        key, weak = describe_key(cert)
        keys.append(f"{label}: {key}")
        if weak:
            weak_keys.append(f"{label} {cert.subject.rfc4514_string()}: {key}")
        sig = weak_signature(cert)
        if sig and not is_self_signed(cert):
            weak_sigs.append(f"{label} {cert.subject.rfc4514_string()}: signed with {sig}")
    return CertReport(
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        not_after=after.isoformat(),
        time_valid=valid,
        time_evidence=evidence,
        days_left=days,
        expires_soon=valid and days < WARN_DAYS,
        hostname_matches=matches,
        names=names,
        self_signed=is_self_signed(leaf),
        weak_keys=tuple(weak_keys),
        weak_signatures=tuple(weak_sigs),
        keys=tuple(keys),
    )


def hostname_matches(cert: x509.Certificate, host: str) -> tuple[bool, tuple[str, ...]]:
    """RFC 6125 matching on subjectAltName only: browsers ignore the common name."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False, ()
    dns = [str(d) for d in san.get_values_for_type(x509.DNSName)]
    ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
    names = tuple([*dns, *ips])
    try:
        wanted = ipaddress.ip_address(host)
    except ValueError:
        return any(dns_match(p, host) for p in dns), names
    return any(ipaddress.ip_address(i) == wanted for i in ips), names


def dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return "*" not in pattern and pattern == host
    suffix = pattern[2:]
    if "*" in suffix or suffix.count(".") < 1:
        return False
    label, _, rest = host.partition(".")
    return bool(label) and rest == suffix


def describe_key(cert: x509.Certificate) -> tuple[str, bool]:
    """The key, and whether it is too weak (RSA under 2048 bits, EC under 256, any DSA)."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unsupported key type", True
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits", key.key_size < 2048
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.key_size} bits)", key.key_size < 256
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return type(key).__name__.removesuffix("PublicKey"), False
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size} bits (DSA is deprecated)", True
    return "unsupported key type", True


def weak_signature(cert: x509.Certificate) -> str | None:
    return _WEAK_SIGNATURES.get(cert.signature_algorithm_oid.dotted_string)


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return True  # same name and a signature we cannot check: treat it as self-issued
    return True
