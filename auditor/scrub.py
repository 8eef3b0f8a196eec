"""The last line of defence for "no secret leaves redacted form".

Collectors redact what they report, but an audited repository can put a secret anywhere
the auditor echoes: a configuration value, a file name, a tool message. Before any output
is written, every provider-specific secret detector runs over the rendered text and each
match is replaced by its redacted form. The generic keyword-and-entropy detector is left
out here: on our own output (hashes, fingerprints) it would only add noise.
"""

from __future__ import annotations

import functools

from auditor.redact import redact
from auditor.resources import checks_dir
from auditor.secretscan import detectors
from auditor.secretscan.engine import _plausible, _value

_STRUCTURAL = frozenset(b"\"'<>\\\n")


@functools.cache
def _catalogue() -> detectors.DetectorSet:
    return detectors.load(checks_dir() / "secrets" / "detectors.yaml")


def scrub(text: str) -> str:
    data = text.encode("utf-8", "surrogateescape")
    lowered = data.lower()
    found: set[bytes] = set()
    for d in _catalogue().detectors:
        if d.fallback or d.whole_file or d.scope != "line" or d.paths:
            continue  # path-bound detectors (.netrc, .pypirc) mean nothing in our output
        if d.keywords and not any(k in lowered for k in d.keywords):
            continue
        for match in d.regex.finditer(data):
            value = _value(d, match, data)
            if (
                len(value) >= 8
                and _plausible(d, value)
                and not _catalogue().is_placeholder(d, value)
            ):
                found.add(value)
    if not found:
        return text
    for value in sorted(found, key=len, reverse=True):
        shown = redact(value.decode("utf-8", "replace")).encode("utf-8")
        data = data.replace(value, shown)
    return data.decode("utf-8", "surrogateescape")
