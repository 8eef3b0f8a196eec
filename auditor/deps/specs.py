"""Version constraints and URLs: what counts as pinned, in each tool's own syntax.

PEP 440 goes through ``packaging``; Poetry's caret and tilde forms are
translated to PEP 440 so a manifest can be compared with its lock.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_VCS = ("git+", "hg+", "svn+", "bzr+")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
_HASH_FRAGMENT = re.compile(r"(?:^|&)(?:sha256|sha384|sha512)=[0-9a-fA-F]{32,}")
_OPERATOR_SPACE = re.compile(r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)\s+")
_POETRY_PART = re.compile(r"^(\^|~=|~|===|==|!=|<=|>=|<|>|=)?(.*)$")


def exact_version(spec: SpecifierSet) -> str | None:
    """The version an ``==X`` (no wildcard) or ``===X`` pin allows, else None."""
    items = list(spec)
    if len(items) != 1:
        return None
    only = items[0]
    if only.operator == "===" or (only.operator == "==" and not only.version.endswith(".*")):
        return only.version
    return None


def _bump(release: list[int], index: int) -> str:
    return ".".join(str(n) for n in [*release[:index], release[index] + 1])


def _poetry_part(part: str) -> str:
    match = _POETRY_PART.match(part)
    op, version = (match.group(1) or "", match.group(2)) if match else ("", part)
    if op in ("^", "~"):
        parsed = Version(version)
        release = [int(n) for n in version.split("+")[0].split(".") if n.isdigit()]
        release = release or list(parsed.release)
        if op == "^":
            nonzero = [i for i, n in enumerate(release) if n != 0]
            index = nonzero[0] if nonzero else len(release) - 1
        else:
            index = 0 if len(release) == 1 else 1
        return f">={version},<{_bump(release, index)}"
    if op in ("", "="):
        return f"=={version}"
    return part


def poetry_constraint(text: str) -> tuple[str, ...]:
    """Poetry (and Pipfile) constraint -> PEP 440 alternatives; ValueError if invalid."""
    alternatives: list[str] = []
    for alt in re.split(r"\s*\|\|?\s*", text.strip()):
        alt = _OPERATOR_SPACE.sub(r"\1", alt.strip())
        parts = [p for p in re.split(r"[,\s]+", alt) if p and p != "*"]
        try:
            pep440 = ",".join(_poetry_part(p) for p in parts)
            SpecifierSet(pep440)
        except (InvalidVersion, InvalidSpecifier) as e:
            raise ValueError(str(e) or f"invalid constraint '{text}'") from None
        alternatives.append(pep440)
    return tuple(alternatives)


def exact_of(alternatives: tuple[str, ...]) -> str | None:
    if len(alternatives) != 1:
        return None
    return exact_version(SpecifierSet(alternatives[0]))


def is_vcs(url: str) -> bool:
    return url.lower().startswith(_VCS)


def is_remote(url: str) -> bool:
    return is_vcs(url) or ("://" in url and not url.lower().startswith("file:"))


def url_pinned(url: str, hashed: bool = False) -> bool:
    """A VCS URL is immutable only at a full commit id; an archive only with a hash."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False  # an unparseable URL pins nothing
    if is_vcs(url):
        path = parts.path
        rev = path.rsplit("@", 1)[1] if "@" in path else ""
        if url.lower().startswith("svn+"):
            return rev.removeprefix("r").isdigit()
        return _COMMIT.fullmatch(rev) is not None
    return hashed or _HASH_FRAGMENT.search(parts.fragment) is not None


def redact_url(url: str) -> str:
    """Credentials in index and VCS URLs (``https://user:token@host``) never reach output."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    user, at, host = parts.netloc.rpartition("@")
    if not at or user == "git":
        return url
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def egg_name(url: str) -> str | None:
    try:
        fragment = urlsplit(url).fragment
    except ValueError:
        return None
    for item in fragment.split("&"):
        key, _, value = item.partition("=")
        if key == "egg" and value:
            return value
    return None
