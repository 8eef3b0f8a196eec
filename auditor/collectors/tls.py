"""Live TLS and HTTPS checks of the endpoints the user configured, and nothing else.

Targets come from ``tls_targets`` (https:// URLs: protocols, suites,
certificate, response headers) and ``http_urls`` (http:// URLs: is the
answer a redirect to https://). No other host is contacted: each name is
resolved once and pinned, and redirects are reported, never followed. Every
network step has a timeout, so a silent port is an ``unknown`` fact with its
reason, never a hang.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
from collections.abc import Sequence

from auditor.collectors.base import AuditContext
from auditor.errors import CollectorError
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Location
from auditor.tlscheck import PROBE_VERSION, certs, web
from auditor.tlscheck import facts as F
from auditor.tlscheck import target as T
from auditor.tlscheck.probe import ProbeError, Prober
from auditor.tlscheck.wire import WireError

_NETWORK_ERRORS = (OSError, ssl.SSLError, WireError, web.HttpError)


class TlsCollector:
    name = "tls"
    tool = "auditor-tlscheck"
    fact_keys = F.ALL_KEYS

    def __init__(
        self,
        targets: Sequence[str] | None = None,
        http_urls: Sequence[str] | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float = 5.0,
        io_timeout: float = 10.0,
    ) -> None:
        """Arguments given here win over the audit configuration (used by tests and embedders)."""
        self._targets = targets
        self._http_urls = http_urls
        self._ca_bundle = ca_bundle
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout

    def version(self, timeout: float) -> str:
        return f"{PROBE_VERSION} ({ssl.OPENSSL_VERSION})"

    def collect(self, ctx: AuditContext) -> CollectorResult:
        https = _parse_all(self._targets if self._targets is not None else ctx.tls_targets, "https")
        http = _parse_all(self._http_urls if self._http_urls is not None else ctx.http_urls, "http")
        bundle = self._ca_bundle or ctx.ca_bundle
        if bundle is not None:
            _check_bundle(bundle)
        store = f"CA bundle {bundle}" if bundle else "the system trust store"
        listed = [
            Fact("tls.targets", [t.url for t in https], None, "configured tls_targets"),
            Fact("tls.http_urls", [t.url for t in http], None, "configured http_urls"),
        ]
        version = self.version(ctx.timeout)
        if not https and not http:
            reason = "no TLS target configured (tls_targets and http_urls are empty)"
            return CollectorResult(
                self.name,
                self.tool,
                version,
                CollectorStatus.NOT_APPLICABLE,
                reason,
                facts=tuple(listed),
            )
        deadline = time.monotonic() + ctx.timeout
        found: list[Fact] = list(listed)
        if not https:
            # The cookie controls are gated on this key; with no HTTPS response there is
            # nothing to judge, which is "not applicable", not a missing fact.
            found.append(Fact("tls.cookies", [], None, "no tls_targets configured"))
        errors: dict[str, str] = {}
        probes = 0
        for t in https:
            target_facts, n = self._https(t, bundle, store, deadline)
            found += target_facts
            probes += n
        for t in http:
            found.append(self._redirect(t, deadline))
        for f in found:
            if f.unknown and f.source is not None:
                errors.setdefault(f.source.path, f.unknown)
        found.sort(key=lambda f: (f.key, f.source.path if f.source else ""))
        details = {
            "targets": len(https),
            "http_urls": len(http),
            "probes": probes,
            "unreachable_or_incomplete": errors,
        }
        return CollectorResult(
            self.name, self.tool, version, CollectorStatus.OK, facts=tuple(found), details=details
        )

    def _connect(self, address: T.Address, deadline: float) -> socket.socket:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the collector's time budget ran out")
        return T.connect(address, min(self.connect_timeout, left))

    def _https(
        self, t: T.Target, bundle: str | None, store: str, deadline: float
    ) -> tuple[list[Fact], int]:
        every = (*F.PROTOCOL_KEYS, F.CHAIN_KEY, *F.CERT_KEYS, *F.HTTP_KEYS)
        try:
            address = T.resolve(t)
        except OSError as e:
            return F.unknown(t.url, every, f"cannot resolve {t.host}: {e}"), 0
        prober = Prober(
            lambda s: T.connect(address, min(s, self.connect_timeout)),
            t.server_name,
            self.io_timeout,
            deadline,
        )
        try:
            scan = prober.scan()
        except (ProbeError, WireError) as e:
            return F.unknown(t.url, every, f"unreachable at {address}: {e}"), prober.probes
        out = F.protocol_facts(t.url, scan, str(address))
        try:
            with self._connect(address, deadline) as sock:
                problem = certs.verify_chain(
                    sock, certs.client_context(bundle, verify=True), t.server_name
                )
            out.append(F.chain_fact(t.url, problem, store))
        except _NETWORK_ERRORS as e:
            out += F.unknown(t.url, [F.CHAIN_KEY], f"verification handshake failed: {e}")
        leaf, resp, http_error = self._get(t, address, deadline)
        chain = scan.certificates if scan.certificates[:1] == (leaf,) else (leaf,)
        if leaf:
            try:
                report = certs.analyse(chain, t.host, dt.datetime.now(dt.UTC))
                out += F.cert_facts(t.url, t.host, report, len(chain))
            except ValueError as e:
                out += F.unknown(t.url, F.CERT_KEYS, f"certificate could not be parsed: {e}")
        else:
            out += F.unknown(t.url, F.CERT_KEYS, f"no certificate received: {http_error}")
        if resp is not None:
            out += F.http_facts(t.url, resp)
        else:
            out += F.unknown(t.url, F.HTTP_KEYS, f"HTTPS request failed: {http_error}")
        return out, prober.probes

    def _get(
        self, t: T.Target, address: T.Address, deadline: float
    ) -> tuple[bytes, web.Response | None, str]:
        """The leaf certificate and the response, over one unverified connection."""
        leaf = b""
        try:
            sock = self._connect(address, deadline)
            sock.settimeout(max(min(self.io_timeout, deadline - time.monotonic()), 0.01))
            ctx = certs.client_context(None, verify=False)
            with ctx.wrap_socket(sock, server_hostname=t.server_name) as tls:
                leaf = tls.getpeercert(binary_form=True) or b""
                io_deadline = min(time.monotonic() + self.io_timeout, deadline)
                return leaf, web.fetch(tls, t, io_deadline), ""
        except _NETWORK_ERRORS as e:
            return leaf, None, str(e) or type(e).__name__

    def _redirect(self, t: T.Target, deadline: float) -> Fact:
        try:
            address = T.resolve(t)
            with self._connect(address, deadline) as sock:
                io_deadline = min(time.monotonic() + self.io_timeout, deadline)
                resp = web.fetch(sock, t, io_deadline)
        except _NETWORK_ERRORS as e:
            return F.unknown(t.url, [F.REDIRECT_KEY], f"plain-HTTP request failed: {e}")[0]
        ok, evidence = web.redirect_evidence(resp)
        return Fact(F.REDIRECT_KEY, ok, Location(t.url), f"GET {t.url} {evidence}")


def _parse_all(urls: Sequence[str], scheme: str) -> list[T.Target]:
    """Every configured URL or a CollectorError: a typo must not silently shrink the audit."""
    out: dict[str, T.Target] = {}
    for url in urls:
        try:
            t = T.parse(url, scheme)
        except T.TargetError as e:
            setting = "tls_targets" if scheme == "https" else "http_urls"
            raise CollectorError(f"{setting}: {e}") from None
        out[t.url] = t
    return sorted(out.values())


def _check_bundle(path: str) -> None:
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as e:
        raise CollectorError(f"ca_bundle {path!r} cannot be loaded: {e}") from None
