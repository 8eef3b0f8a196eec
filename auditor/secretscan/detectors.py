"""Load and check the detector catalogue (``checks/secrets/detectors.yaml``).

Detectors are data so that adding a provider is a reviewed YAML change; this module is
the only place that gives the data meaning, and it refuses anything it does not
understand (unknown keys, a regex that does not compile, a validator that does not
exist) with file:line:col instead of silently scanning less.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from auditor import yamlnodes
from auditor.errors import InputError
from auditor.evidence import Severity
from auditor.secretscan.validators import VALIDATORS

ENGINE_VERSION = "1.0"
"""Bumped whenever scanning semantics change, so cached results made by an older engine
are never reused."""

SCOPES = ("line", "blob", "file-start")
_REQUIRED = frozenset({"id", "title", "regex"})
_OPTIONAL = frozenset(
    {
        "cwe",
        "severity",
        "confidence",
        "keywords",
        "scope",
        "entropy",
        "validate",
        "placeholder",
        "paths",
        "exclude_paths",
        "requires",
        "value",
        "fallback",
    }
)


class DetectorFileError(InputError):
    """The detector catalogue is invalid (a bug in the auditor's own data)."""


@dataclass(frozen=True)
class Detector:
    id: str
    title: str
    cwe: str | None
    severity: Severity
    confidence: str
    keywords: tuple[bytes, ...]
    pattern: bytes
    where: str
    """file:line:col of the regex, for the error if it does not compile."""
    scope: str
    entropy: float | None
    validators: tuple[str, ...]
    placeholders: tuple[re.Pattern[bytes], ...]
    paths: tuple[re.Pattern[str], ...]
    exclude_paths: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[bytes], ...]
    whole_file: bool
    fallback: bool

    @functools.cached_property
    def regex(self) -> re.Pattern[bytes]:
        """Compiled on first use: an audit that scans one new commit needs a handful of
        the detectors, and compiling all of them costs more than the scan (the test
        suite compiles every one, see ``DetectorSet.compile_all``)."""
        try:
            return re.compile(self.pattern, re.MULTILINE)
        except re.error as e:
            raise DetectorFileError(
                self.where, None, None, f"expected a valid regex ({e})"
            ) from None

    def applies_to(self, path: str) -> bool:
        if not self.paths:
            return True
        if not any(p.search(path) for p in self.paths):
            return False
        return not any(p.search(path) for p in self.exclude_paths)


@dataclass(frozen=True)
class DetectorSet:
    detectors: tuple[Detector, ...]
    placeholders: tuple[re.Pattern[bytes], ...]
    digest: str
    """sha256 of the catalogue and the engine version: the cache key for scan results."""

    def compile_all(self) -> None:
        for d in self.detectors:
            d.regex  # noqa: B018 - compiling is the point

    def by_id(self, rule_id: str) -> Detector:
        for d in self.detectors:
            if d.id == rule_id:
                return d
        raise KeyError(rule_id)

    def path_rules(self, paths: list[str]) -> frozenset[str]:
        """Ids of the path-restricted detectors that apply to any of ``paths``."""
        return frozenset(
            d.id for d in self.detectors if d.paths and any(d.applies_to(p) for p in paths)
        )

    def is_placeholder(self, detector: Detector, value: bytes) -> bool:
        return any(p.search(value) for p in (*self.placeholders, *detector.placeholders))


def _ascii(node: yamlnodes.Node, what: str) -> bytes:
    text = node.string(what)
    if not text.isascii():
        raise node.fail(f"expected an ASCII regex for {what} (write other bytes as \\xNN)")
    return text.encode("ascii")


def _compile(node: yamlnodes.Node, what: str, flags: int = 0) -> re.Pattern[bytes]:
    pattern = _ascii(node, what)
    try:
        return re.compile(pattern, flags | re.MULTILINE)
    except re.error as e:
        raise node.fail(f"expected a valid regex for {what} ({e})") from None


def _str_patterns(node: yamlnodes.Node, what: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for item in node.sequence(what):
        try:
            out.append(re.compile(item.string(what)))
        except re.error as e:
            raise item.fail(f"expected a valid regex for {what} ({e})") from None
    return tuple(out)


def _detector(item: yamlnodes.Node) -> Detector:
    f = item.mapping("secret detector", _REQUIRED, _OPTIONAL)
    rule_id = f["id"].string("id")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule_id) or rule_id.endswith("-placeholder"):
        raise f["id"].fail("expected a lowercase-dashed id not ending in -placeholder")
    scope = f["scope"].string("scope") if "scope" in f else "line"
    if scope not in SCOPES:
        raise f["scope"].fail(f"expected scope one of {', '.join(SCOPES)}")
    keywords = (
        tuple(k.lower().encode() for k in f["keywords"].strings("keywords"))
        if ("keywords" in f)
        else ()
    )
    if scope != "file-start" and not keywords:
        raise item.fail("expected keywords (they gate every line- or blob-scoped detector)")
    validators: tuple[str, ...] = ()
    if "validate" in f:
        for node in f["validate"].sequence("validate"):
            name = node.string("validate")
            if name not in VALIDATORS:
                raise node.fail(f"expected a known validator ({', '.join(sorted(VALIDATORS))})")
            validators += (name,)
    severity = f["severity"].string("severity") if "severity" in f else "high"
    if severity not in {s.value for s in Severity}:
        raise f["severity"].fail("expected severity critical, high, medium or low")
    value = f["value"].string("value") if "value" in f else "match"
    if value not in ("match", "content-hex"):
        raise f["value"].fail("expected value match or content-hex")
    return Detector(
        id=rule_id,
        title=f["title"].string("title"),
        cwe=f["cwe"].string("cwe") if "cwe" in f else None,
        severity=Severity(severity),
        confidence=f["confidence"].string("confidence") if "confidence" in f else "high",
        keywords=keywords,
        pattern=_ascii(f["regex"], "regex"),
        where=f"{f['regex'].path}:{f['regex'].line}:{f['regex'].column}",
        scope=scope,
        entropy=f["entropy"].number("entropy") if "entropy" in f else None,
        validators=validators,
        placeholders=tuple(
            _compile(n, "placeholder", re.I) for n in f["placeholder"].sequence("placeholder")
        )
        if "placeholder" in f
        else (),
        paths=_str_patterns(f["paths"], "paths") if "paths" in f else (),
        exclude_paths=_str_patterns(f["exclude_paths"], "exclude_paths")
        if "exclude_paths" in f
        else (),
        requires=tuple(_compile(n, "requires") for n in f["requires"].sequence("requires"))
        if "requires" in f
        else (),
        whole_file=value == "content-hex",
        fallback=f["fallback"].boolean("fallback") if "fallback" in f else False,
    )


def _compose(path: Path) -> yamlnodes.Node:
    """Our own catalogue, which every audit reads: the trusted (libyaml) path."""
    return yamlnodes.load(path, DetectorFileError, str(path), trusted=True)


def load(path: Path) -> DetectorSet:
    root = _compose(path)
    top = root.mapping(f"detector file {path.name}", {"rules"}, {"tool"})
    if "tool" in top and top["tool"].string("tool") != "secrets":
        raise top["tool"].fail("expected tool: secrets")
    detectors: list[Detector] = []
    placeholders: list[re.Pattern[bytes]] = []
    seen: set[str] = set()
    for item in top["rules"].sequence("rules"):
        fields = item.mapping(
            "secret detector", {"id", "title"}, _OPTIONAL | {"regex", "kind", "patterns"}
        )
        if "kind" in fields:
            if fields["kind"].string("kind") != "placeholders" or "patterns" not in fields:
                raise item.fail("expected kind: placeholders with a patterns list")
            placeholders += [
                _compile(n, "patterns", re.I) for n in fields["patterns"].sequence("patterns")
            ]
            continue
        detector = _detector(item)
        if detector.id in seen:
            raise fields["id"].fail(f"expected unique ids, got duplicate '{detector.id}'")
        seen.add(detector.id)
        detectors.append(detector)
    if not placeholders:
        raise root.fail("expected one rule with kind: placeholders")
    digest = hashlib.sha256(ENGINE_VERSION.encode() + b"\0" + path.read_bytes()).hexdigest()
    return DetectorSet(tuple(detectors), tuple(placeholders), digest)
