"""Which protocol versions and cipher suites a server accepts, and who picks the suite.

Every answer is a ServerHello the server really sent to a ClientHello we
really offered; a probe that gets no answer is an error for that version,
never a refusal, so a silent server cannot pass for a well-configured one.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditor.tlscheck import suites as catalogue
from auditor.tlscheck.wire import (
    VERSIONS,
    Reply,
    WireError,
    client_hello,
    read_reply,
    read_sslv2,
    sslv2_hello,
)

Connect = Callable[[float], socket.socket]
"""Opens a TCP connection to the target's pinned address within the given seconds."""

CHUNK = 120
"""Suites per ClientHello: some servers reject hellos listing hundreds of suites."""
MAX_ROUNDS = 64


class ProbeError(Exception):
    """The target could not be probed at all (unreachable, silent, not TLS)."""


@dataclass(frozen=True)
class VersionResult:
    name: str
    accepted: bool
    evidence: str
    suites: tuple[int, ...] = ()
    """Accepted suites, in the order the server chose them."""
    preference: str | None = None
    """``server`` when it picks its own favourite whatever the client lists first."""
    error: str | None = None


@dataclass(frozen=True)
class ScanResult:
    versions: tuple[VersionResult, ...]
    certificates: tuple[bytes, ...]
    """The chain as sent in a TLS 1.2 (or older) handshake; empty if none was possible."""
    ocsp_stapled: bool | None
    probes: int
    ocsp_response: bytes | None = None


class Prober:
    def __init__(
        self, connect: Connect, server_name: str | None, io_timeout: float, deadline: float
    ) -> None:
        self._connect = connect
        self._server_name = server_name
        self._io_timeout = io_timeout
        self._deadline = deadline
        self.probes = 0
        self._chain: tuple[bytes, ...] = ()
        self._ocsp: bool | None = None
        self._ocsp_response: bytes | None = None

    def _send(self, data: bytes, sslv2: bool = False) -> Reply:
        self.probes += 1
        now = time.monotonic()
        if now >= self._deadline:
            raise TimeoutError("the collector's time budget ran out")
        deadline = min(now + self._io_timeout, self._deadline)
        try:
            sock = self._connect(max(deadline - now, 0.01))
        except TimeoutError:
            raise TimeoutError(f"TCP connect timed out after {self._io_timeout:g}s") from None
        except OSError as e:
            raise ProbeError(f"TCP connect failed: {e.strerror or e}") from None
        with sock:
            try:
                sock.sendall(data)
                return read_sslv2(sock, deadline) if sslv2 else read_reply(sock, deadline)
            except (ConnectionResetError, BrokenPipeError):
                return Reply("closed")

    def hello(self, version: int, offered: Sequence[int]) -> Reply:
        reply = self._send(client_hello(version, offered, self._server_name))
        if reply.outcome == "hello" and reply.suite is not None:
            if reply.suite not in offered:
                raise WireError(f"server chose suite 0x{reply.suite:04X}, which was not offered")
            if reply.certificates and not self._chain:
                self._chain = reply.certificates
                self._ocsp = reply.ocsp_response is not None
                self._ocsp_response = reply.ocsp_response
        return reply

    def scan(self) -> ScanResult:
        order = ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3")
        results = []
        for n, name in enumerate(order):
            try:
                results.append(self._version(name))
            except (TimeoutError, ProbeError, WireError, OSError) as e:
                if n == 0:
                    raise ProbeError(f"{name} ClientHello: {e}") from None
                results.append(VersionResult(name, False, "", error=f"{name} probe: {e}"))
        results.append(self._sslv2())
        versions = tuple(reversed(results))
        return ScanResult(versions, self._chain, self._ocsp, self.probes, self._ocsp_response)

    def _version(self, name: str) -> VersionResult:
        version = VERSIONS[name]
        if name == "TLSv1.3":
            pools = [[s.code for s in catalogue.TLS13_SUITES]]
        else:
            codes = [s.code for s in catalogue.legacy_suites()]
            pools = [codes[i : i + CHUNK] for i in range(0, len(codes), CHUNK)]
        accepted: list[int] = []
        refusal = ""
        for pool in pools:
            remaining = list(pool)
            for _ in range(MAX_ROUNDS):
                if not remaining:
                    break
                reply = self.hello(version, remaining)
                if reply.outcome != "hello" or reply.version != version or reply.suite is None:
                    refusal = refusal or reply.describe()
                    break
                accepted.append(reply.suite)
                remaining.remove(reply.suite)
        if not accepted:
            offered = sum(len(p) for p in pools)
            return VersionResult(name, False, f"offered {offered} suites; {refusal}")
        first = catalogue.by_code(accepted[0]).name
        evidence = f"server chose {name} with {first}; {len(accepted)} suites accepted"
        preference = self._preference(version, accepted)
        return VersionResult(name, True, evidence, tuple(accepted), preference)

    def _preference(self, version: int, accepted: Sequence[int]) -> str | None:
        if len(accepted) < 2:
            return None
        forward = self.hello(version, list(accepted))
        backward = self.hello(version, list(reversed(accepted)))
        if forward.outcome != "hello" or backward.outcome != "hello":
            return None
        return "server" if forward.suite == backward.suite else "client"

    def _sslv2(self) -> VersionResult:
        try:
            reply = self._send(sslv2_hello(list(catalogue.SSL2_CIPHER_SPECS)), sslv2=True)
        except TimeoutError:
            return VersionResult("SSLv2", False, "no SSLv2 ServerHello before the timeout")
        except (ProbeError, WireError, OSError) as e:
            return VersionResult("SSLv2", False, "", error=f"SSLv2 probe: {e}")
        if reply.outcome == "sslv2":
            return VersionResult("SSLv2", True, "server answered an SSLv2 CLIENT-HELLO")
        return VersionResult("SSLv2", False, "offered SSLv2 cipher specs; no SSLv2 SERVER-HELLO")
