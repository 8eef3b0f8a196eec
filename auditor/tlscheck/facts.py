"""Observations -> facts, one fact per check and target.

Each failing check maps to exactly one fact key (and so one control); values
are the raw observation (what was offered, what the server chose), never a
verdict alone. A check that could not be completed is an ``unknown`` fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.x509 import ocsp

from auditor.evidence import Fact, JSONValue, Location
from auditor.tlscheck import suites as catalogue
from auditor.tlscheck import web
from auditor.tlscheck.certs import WARN_DAYS, CertReport
from auditor.tlscheck.probe import ScanResult

PROTOCOL_KEYS = (
    "tls.protocols",
    "tls.legacy_protocols",
    "tls.tls12_supported",
    "tls.tls13_supported",
    "tls.cipher_suites",
    "tls.weak_cipher_suites",
    "tls.non_forward_secret_suites",
    "tls.cipher_preference",
    "tls.ocsp_stapled",
)
CHAIN_KEY = "tls.cert_chain_trusted"
CERT_KEYS = (
    "tls.cert_hostname_matches",
    "tls.cert_time_valid",
    "tls.cert_expires_soon",
    "tls.cert_days_to_expiry",
    "tls.cert_self_signed",
    "tls.cert_weak_keys",
    "tls.cert_weak_signatures",
)
HTTP_KEYS = (
    "tls.hsts_header",
    "tls.hsts_weak",
    "tls.csp_header",
    "tls.nosniff",
    "tls.cookies",
    "tls.cookies_without_secure",
    "tls.cookies_without_httponly",
    "tls.cookies_without_samesite",
    "tls.version_disclosure",
)
REDIRECT_KEY = "tls.http_redirects_to_https"
TARGET_KEYS = ("tls.targets", "tls.http_urls")
ALL_KEYS = frozenset(
    (*PROTOCOL_KEYS, CHAIN_KEY, *CERT_KEYS, *HTTP_KEYS, REDIRECT_KEY, *TARGET_KEYS)
)
LEGACY = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")


def fact(url: str, key: str, value: JSONValue, how: str) -> Fact:
    return Fact(key, value, Location(url), how)


def unknown(url: str, keys: Iterable[str], reason: str) -> list[Fact]:
    return [Fact(k, None, Location(url), "not observed", f"{url}: {reason}") for k in keys]


def _list_or_unknown(url: str, key: str, items: list[str], errors: list[str], how: str) -> Fact:
    """Problems found are a fail whatever else happened; none found counts only if all ran."""
    if items or not errors:
        return fact(url, key, items, how)
    return Fact(key, None, Location(url), how, f"{url}: {'; '.join(errors)}")


def protocol_facts(url: str, scan: ScanResult, where: str) -> list[Fact]:
    by_name = {v.name: v for v in scan.versions}
    errors = [v.error for v in scan.versions if v.error]
    how = f"{scan.probes} ClientHellos to {where}, each offering one version"
    seen = {
        v.name: (f"accepted: {v.evidence}" if v.accepted else f"refused: {v.evidence}")
        if not v.error
        else f"unknown: {v.error}"
        for v in scan.versions
    }
    legacy = [f"{n} ({by_name[n].evidence})" for n in LEGACY if by_name[n].accepted]
    legacy_errors = [e for n in LEGACY if (e := by_name[n].error)]
    accepted = {v.name: [catalogue.by_code(c) for c in v.suites] for v in scan.versions}
    weak = [
        f"{name} {s.name}: {', '.join(s.weaknesses)}"
        for name, found in accepted.items()
        for s in found
        if s.weaknesses
    ]
    non_fs = [
        f"{name} {s.name}"
        for name, found in accepted.items()
        for s in found
        if name != "TLSv1.3" and not s.forward_secret
    ]
    offered = f"each accepted version enumerated from {len(catalogue.legacy_suites())} IANA suites"
    out = [
        fact(url, "tls.protocols", seen, how),
        _list_or_unknown(url, "tls.legacy_protocols", legacy, legacy_errors, how),
        fact(
            url,
            "tls.cipher_suites",
            {k: [s.name for s in v] for k, v in accepted.items() if v},
            offered + " (TLS 1.3: its 5 suites), in the order the server chose them",
        ),
        _list_or_unknown(url, "tls.weak_cipher_suites", weak, errors, offered),
        _list_or_unknown(url, "tls.non_forward_secret_suites", non_fs, errors, offered),
        fact(
            url,
            "tls.cipher_preference",
            {v.name: v.preference for v in scan.versions if v.preference},
            "offered the accepted suites in the server's order, then reversed: "
            "'server' when it chose the same suite both times",
        ),
        _ocsp(url, scan),
    ]
    for key, name in (("tls.tls12_supported", "TLSv1.2"), ("tls.tls13_supported", "TLSv1.3")):
        v = by_name[name]
        if v.error:
            out.extend(unknown(url, [key], v.error))
        else:
            out.append(fact(url, key, v.accepted, f"{name} probe: {v.evidence}"))
    return out


def _ocsp(url: str, scan: ScanResult) -> Fact:
    if scan.ocsp_stapled is None:
        how = "not observable: no TLS 1.2 or older handshake (TLS 1.3 encrypts the stapled status)"
    elif scan.ocsp_stapled:
        how = "CertificateStatus received for status_request: " + _ocsp_status(scan.ocsp_response)
    else:
        how = "status_request sent; the server sent no CertificateStatus message"
    return fact(url, "tls.ocsp_stapled", scan.ocsp_stapled, how)


def _ocsp_status(der: bytes | None) -> str:
    try:
        resp = ocsp.load_der_ocsp_response(der or b"")
    except ValueError as e:
        return f"unparseable OCSP response ({e})"
    if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"OCSP response status {resp.response_status.name}"
    return (
        f"certificate status {resp.certificate_status.name}, "
        f"produced {resp.produced_at_utc.isoformat()}"
    )


def chain_fact(url: str, problem: str | None, store: str) -> Fact:
    how = f"verified against {store}, expiry and host name checked separately"
    if problem:
        return fact(url, CHAIN_KEY, False, f"{how}: {problem}")
    return fact(url, CHAIN_KEY, True, f"{how}: chain verified")


def cert_facts(url: str, host: str, cert: CertReport, chain_len: int) -> list[Fact]:
    names = ", ".join(cert.names) or "no subjectAltName"
    about = f"leaf {cert.subject} issued by {cert.issuer}"
    return [
        fact(
            url,
            "tls.cert_hostname_matches",
            cert.hostname_matches,
            f"{host} against subjectAltName [{names}]",
        ),
        fact(url, "tls.cert_time_valid", cert.time_valid, f"{about}: {cert.time_evidence}"),
        fact(
            url,
            "tls.cert_expires_soon",
            cert.expires_soon,
            f"{cert.days_left} days left; true when valid and under {WARN_DAYS} days",
        ),
        fact(url, "tls.cert_days_to_expiry", cert.days_left, f"notAfter {cert.not_after}"),
        fact(
            url,
            "tls.cert_self_signed",
            cert.self_signed,
            f"{about}; self-signed when subject equals issuer and it verifies its own signature",
        ),
        fact(
            url,
            "tls.cert_weak_keys",
            list(cert.weak_keys),
            f"{chain_len} certificate(s): {'; '.join(cert.keys)}; "
            "weak: RSA under 2048 bits, EC under 256 bits, DSA",
        ),
        fact(
            url,
            "tls.cert_weak_signatures",
            list(cert.weak_signatures),
            f"{chain_len} certificate(s); weak: MD2, MD4, MD5 or SHA-1 signatures",
        ),
    ]


def http_facts(url: str, resp: web.Response) -> list[Fact]:
    got = f"GET {url} answered {resp.status}"
    hsts = resp.first("strict-transport-security")
    notes = ""
    if hsts is not None:
        d = web.parse_hsts(hsts)
        notes = f"; includeSubDomains {'yes' if 'includesubdomains' in d else 'no'}"
        notes += f", preload {'yes' if 'preload' in d else 'no'}"
    jar = web.cookies(resp)
    report_only = resp.first("content-security-policy-report-only")
    csp_note = " (a Report-Only policy does not count)" if report_only else ""
    nosniff = resp.first("x-content-type-options")
    return [
        fact(url, "tls.hsts_header", hsts, got),
        fact(
            url,
            "tls.hsts_weak",
            web.hsts_problems(hsts),
            f"{got}; needs max-age >= {web.HSTS_MIN_AGE}{notes}",
        ),
        fact(url, "tls.csp_header", resp.first("content-security-policy"), got + csp_note),
        fact(
            url,
            "tls.nosniff",
            (nosniff or "").strip().lower() == "nosniff",
            f"{got}; X-Content-Type-Options: {nosniff!r}",
        ),
        fact(url, "tls.cookies", [c.name for c in jar], f"{got}; Set-Cookie names only"),
        fact(url, "tls.cookies_without_secure", [c.name for c in jar if not c.secure], got),
        fact(url, "tls.cookies_without_httponly", [c.name for c in jar if not c.httponly], got),
        fact(
            url,
            "tls.cookies_without_samesite",
            [f"{c.name} ({p})" for c in jar if (p := web.samesite_problem(c))],
            f"{got}; SameSite must be Lax or Strict",
        ),
        fact(
            url,
            "tls.version_disclosure",
            web.disclosures(resp),
            f"{got}; Server, X-Powered-By and similar headers naming a version",
        ),
    ]
