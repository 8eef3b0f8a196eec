"""One GET per configured URL, and what its response headers say.

Redirects are never followed (a Location header may name any host), and no
cookie value ever leaves this module: only cookie names and attributes.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from auditor.tlscheck.target import Target

HSTS_MIN_AGE = 31_536_000
_MAX_HEAD = 64 * 1024
_MAX_HEADERS = 200
_VERSION = re.compile(r"\d+\.\d+|/\s*\d")
_DISCLOSING = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")


class HttpError(Exception):
    """The server's answer was not an HTTP response we can read."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    """(lower-cased name, value) in the order received."""

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


def fetch(sock: socket.socket, target: Target, deadline: float) -> Response:
    request = (
        f"GET {target.path} HTTP/1.1\r\nHost: {target.host_header}\r\n"
        "User-Agent: auditor-tls-check\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(request.encode("ascii"))
    data = b""
    while b"\r\n\r\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete HTTP response header before the timeout")
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > _MAX_HEAD:
            raise HttpError(f"response header larger than {_MAX_HEAD} bytes")
    return parse_head(data.split(b"\r\n\r\n", 1)[0])


def parse_head(head: bytes) -> Response:
    lines = head.decode("latin-1").split("\r\n")
    match = re.fullmatch(r"HTTP/1\.[01] (\d{3})(?: .*)?", lines[0])
    if match is None:
        raise HttpError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip().lower(), value.strip()))
        if len(headers) > _MAX_HEADERS:
            raise HttpError(f"more than {_MAX_HEADERS} response headers")
    return Response(int(match.group(1)), tuple(headers))


def hsts_problems(header: str | None) -> list[str]:
    """What is wrong with a Strict-Transport-Security header that is present."""
    if header is None:
        return []
    directives = parse_hsts(header)
    age = directives.get("max-age")
    if age is None or not age.isdigit():
        return [f"no valid max-age in {header!r}"]
    if int(age) < HSTS_MIN_AGE:
        return [f"max-age={age} is under {HSTS_MIN_AGE} (one year)"]
    return []


def parse_hsts(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out.setdefault(name.strip().lower(), value.strip().strip('"'))
    return out


@dataclass(frozen=True)
class Cookie:
    name: str
    secure: bool
    httponly: bool
    samesite: str | None


def cookies(resp: Response) -> list[Cookie]:
    out = []
    for header in resp.all("set-cookie"):
        first, *attrs = header.split(";")
        name = first.partition("=")[0].strip()
        flags: dict[str, str] = {}
        for a in attrs:
            key, _, value = a.strip().partition("=")
            flags[key.strip().lower()] = value.strip()
        out.append(Cookie(name, "secure" in flags, "httponly" in flags, flags.get("samesite")))
    return sorted(out, key=lambda c: c.name)


def samesite_problem(cookie: Cookie) -> str | None:
    if cookie.samesite is None:
        return "no SameSite"
    if cookie.samesite.lower() not in ("lax", "strict"):
        return f"SameSite={cookie.samesite}"
    return None


def disclosures(resp: Response) -> list[str]:
    """Headers that name a software version: fingerprinting for free."""
    return [
        f"{name}: {value}"
        for name, value in resp.headers
        if name in _DISCLOSING and _VERSION.search(value)
    ]


def redirect_evidence(resp: Response) -> tuple[bool, str]:
    """Whether a plain-HTTP answer sends the browser to https://, and what it said."""
    location = resp.first("location")
    if resp.status not in (301, 302, 303, 307, 308):
        return False, f"answered {resp.status} without redirecting"
    if location is None:
        return False, f"answered {resp.status} without a Location header"
    parts = urlsplit(location)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path
    if parts.scheme.lower() != "https":
        return False, f"answered {resp.status} redirecting to {shown!r}, which is not https"
    return True, f"answered {resp.status} redirecting to {shown}"
