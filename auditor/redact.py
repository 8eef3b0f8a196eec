"""Redaction: the only form in which a discovered secret may appear in any output."""

from __future__ import annotations

import hashlib

PREFIX_CHARS = 4


def redact(secret: str) -> str:
    """``ghp_…(sha256:3f2a91c0)``: enough to recognise and deduplicate, never to use."""
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    prefix = secret[:PREFIX_CHARS] if len(secret) > 2 * PREFIX_CHARS else ""
    return f"{prefix}…(sha256:{digest})"
