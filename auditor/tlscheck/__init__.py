"""Live TLS and HTTPS checks for the ``tls`` collector.

The handshake probes are written against the wire format (``wire``) instead
of the system's OpenSSL, because a current OpenSSL build can no longer offer
SSLv3, RC4, DES or EXPORT suites: a client that cannot offer a legacy
protocol would report every server as refusing it. Certificates are judged
with the ``ssl`` module (chain trust) and ``cryptography`` (parsing).
"""

from __future__ import annotations

PROBE_VERSION = "1"
"""Bumped whenever a probe changes what it offers, so results say which prober spoke."""
