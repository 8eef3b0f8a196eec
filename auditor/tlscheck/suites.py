"""The cipher suites a probe offers, and which of them are weak.

Weakness is read from the IANA name rather than kept as a second table, so a
suite added to ``suites.txt`` is classified without anyone remembering to.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Suite:
    code: int
    name: str

    @property
    def weaknesses(self) -> tuple[str, ...]:
        return weaknesses(self.name)

    @property
    def forward_secret(self) -> bool:
        return forward_secret(self.name)


TLS13_SUITES: tuple[Suite, ...] = (
    Suite(0x1301, "TLS_AES_128_GCM_SHA256"),
    Suite(0x1302, "TLS_AES_256_GCM_SHA384"),
    Suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    Suite(0x1304, "TLS_AES_128_CCM_SHA256"),
    Suite(0x1305, "TLS_AES_128_CCM_8_SHA256"),
)

SSL2_CIPHER_SPECS: dict[int, str] = {
    0x010080: "SSL_CK_RC4_128_WITH_MD5",
    0x020080: "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
    0x030080: "SSL_CK_RC2_128_CBC_WITH_MD5",
    0x040080: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
    0x050080: "SSL_CK_IDEA_128_CBC_WITH_MD5",
    0x060040: "SSL_CK_DES_64_CBC_WITH_MD5",
    0x0700C0: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
}


@functools.cache
def legacy_suites() -> tuple[Suite, ...]:
    """Every registered TLS 1.2-and-earlier suite, signalling values excluded."""
    text = resources.files("auditor.tlscheck").joinpath("suites.txt").read_text("ascii")
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, name = line.split()
            out.append(Suite(int(code, 16), name))
    return tuple(out)


def by_code(code: int) -> Suite:
    for suite in (*legacy_suites(), *TLS13_SUITES):
        if suite.code == code:
            return suite
    return Suite(code, f"UNKNOWN_0x{code:04X}")


def _split(name: str) -> tuple[str, str]:
    name = name.removeprefix("OLD_").removeprefix("TLS_").removeprefix("SSL_CK_")
    kx, sep, rest = name.partition("_WITH_")
    return (kx, rest) if sep else ("", name)


def weaknesses(name: str) -> tuple[str, ...]:
    """Why a suite must not be accepted; empty for an acceptable suite."""
    kx, cipher = _split(name)
    found = []
    if cipher.startswith("NULL"):
        found.append("NULL encryption")
    if "EXPORT" in kx or "EXPORT" in cipher:
        found.append("EXPORT grade")
    if "anon" in kx:
        found.append("anonymous key exchange")
    if "RC4" in cipher:
        found.append("RC4")
    if "DES" in cipher:
        found.append("3DES" if "3DES" in cipher or "EDE3" in cipher else "DES")
    if "RC2" in cipher or "IDEA" in cipher:
        found.append("64-bit block cipher")
    if cipher.endswith("_MD5"):
        found.append("MD5 MAC")
    return tuple(found)


_FORWARD_SECRET_KX = ("ECDHE", "DHE", "DH_anon", "ECDH_anon", "PSK_DHE", "SRP")


def forward_secret(name: str) -> bool:
    """Whether the key exchange is ephemeral; TLS 1.3 suites always are."""
    kx, _ = _split(name)
    if not kx:
        return True
    return kx.startswith(_FORWARD_SECRET_KX)
