"""Configured URLs, and connections that only ever reach them.

The address is resolved once and pinned: every probe of a target goes to
that one address, so a DNS answer that changes mid-audit cannot point a
probe at a host nobody configured.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class TargetError(ValueError):
    """A configured URL the collector will not contact."""


@dataclass(frozen=True, order=True)
class Target:
    url: str
    """Normalised ``scheme://host:port/path``: the key every fact of this target carries."""
    scheme: str
    host: str
    port: int
    path: str

    @property
    def is_ip(self) -> bool:
        return _is_ip(self.host)

    @property
    def server_name(self) -> str | None:
        """The SNI name; TLS forbids sending an IP address there."""
        return None if self.is_ip else self.host

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse(url: str, scheme: str) -> Target:
    """Accept ``scheme://host[:port][/path]`` and nothing looser."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise TargetError(f"{url!r}: not a valid URL ({e})") from None
    if parts.scheme.lower() != scheme:
        raise TargetError(f"{url!r}: expected a {scheme}:// URL")
    if parts.username is not None or parts.password is not None:
        raise TargetError(f"{url!r}: credentials in the URL are not accepted")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetError(f"{url!r}: no host name")
    try:
        host = host.encode("idna").decode("ascii") if not _is_ip(host) else host
    except UnicodeError:
        raise TargetError(f"{url!r}: host name is not valid IDNA") from None
    if port is None:
        port = 443 if scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in path):
        raise TargetError(f"{url!r}: the path must be percent-encoded ASCII")
    shown = f"[{host}]" if ":" in host else host
    return Target(f"{scheme}://{shown}:{port}{path}", scheme, host, port, path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Address:
    family: socket.AddressFamily
    sockaddr: tuple[str, int] | tuple[str, int, int, int]

    def __str__(self) -> str:
        return f"{self.sockaddr[0]} port {self.sockaddr[1]}"


def resolve(target: Target) -> Address:
    """The first address the name resolves to; raises OSError when it resolves to none."""
    flags = socket.AI_NUMERICHOST if target.is_ip else 0
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, flags=flags)
    if not infos:
        raise OSError(f"{target.host} resolves to no address")
    family, _, _, _, sockaddr = infos[0]
    return Address(family, sockaddr)  # type: ignore[arg-type]


def connect(address: Address, timeout: float) -> socket.socket:
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address.sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock
