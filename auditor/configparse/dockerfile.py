"""A Dockerfile reader that keeps line numbers, without running anything.

It follows BuildKit's rules as far as an audit needs them: the ``# escape=``
parser directive, line continuations (with comment and blank lines inside
them dropped), heredocs (``RUN <<EOF``, whose bodies are commands too and
must not be mistaken for instructions), JSON (exec) and shell forms, stages
split at each ``FROM``, and ``ARG`` before the first ``FROM`` as the only
variables a ``FROM`` line may use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VAR = re.compile(rf"\$(?:\{{({_NAME})(?::?([-+])([^}}]*))?\}}|({_NAME}))")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    """Upper case, as BuildKit compares it."""
    args: str
    """The text after the keyword, continuation lines joined with a space."""
    heredocs: tuple[str, ...] = ()

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction, or None for shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None

    def words(self) -> tuple[list[str], list[str]]:
        """Leading ``--flag=value`` options and the remaining words."""
        flags: list[str] = []
        rest = self.args.split()
        while rest and rest[0].startswith("--"):
            flags.append(rest.pop(0))
        return flags, rest


@dataclass(frozen=True)
class Stage:
    line: int
    image: str
    """The FROM image with global ARG defaults substituted."""
    unresolved: bool
    """True when the image still depends on a build argument without a default."""
    name: str | None
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True)
class Dockerfile:
    global_args: dict[str, str | None]
    preamble: tuple[Instruction, ...]
    """Instructions before the first FROM (ARG, in a valid file)."""
    stages: tuple[Stage, ...]


def substitute(text: str, env: dict[str, str | None]) -> tuple[str, bool]:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR:+alt}``; the flag says
    whether some variable had no known value."""
    unresolved = False

    def repl(m: re.Match[str]) -> str:
        nonlocal unresolved
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        value = env.get(name)
        if op == "-":
            return value if value else word
        if op == "+":
            return word if value else ""
        if value is None:
            unresolved = True
            return m.group(0)
        return value

    return _VAR.sub(repl, text), unresolved


def instructions(text: str) -> list[Instruction]:
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:  # parser directives: leading comments of the form "# key=value"
        m = _DIRECTIVE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            escape = m.group(2)
    out: list[Instruction] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts: list[str] = []
        while i < len(lines):
            piece = lines[i].rstrip()
            if i > start and (not piece.strip() or piece.lstrip().startswith("#")):
                i += 1
                continue
            i += 1
            if piece.endswith(escape):
                parts.append(piece[: -len(escape)])
                continue
            parts.append(piece)
            break
        logical = " ".join(p.strip() for p in parts)
        keyword, _, args = logical.partition(" ")
        heredocs: list[str] = []
        if keyword.upper() in ("RUN", "COPY", "ADD"):
            for m in _HEREDOC.finditer(args):
                body: list[str] = []
                while i < len(lines):
                    candidate = lines[i].lstrip("\t") if m.group(1) else lines[i]
                    i += 1
                    if candidate.rstrip() == m.group(3):
                        break
                    body.append(lines[i - 1])
                heredocs.append("\n".join(body))
        out.append(Instruction(start + 1, keyword.upper(), args.strip(), tuple(heredocs)))
    return out


def parse(text: str) -> Dockerfile:
    global_args: dict[str, str | None] = {}
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    current: list[Instruction] | None = None
    header: tuple[int, str, bool, str | None] | None = None

    def close() -> None:
        if header is not None and current is not None:
            stages.append(Stage(header[0], header[1], header[2], header[3], tuple(current)))

    for ins in instructions(text):
        if ins.keyword == "FROM":
            close()
            _, words = ins.words()
            image, unresolved = substitute(words[0] if words else "", global_args)
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            header = (ins.line, image, unresolved, name)
            current = []
        elif current is None:
            preamble.append(ins)
            if ins.keyword == "ARG":
                for name, value in arg_pairs(ins):
                    global_args[name] = value
        else:
            current.append(ins)
    close()
    return Dockerfile(global_args, tuple(preamble), tuple(stages))


def arg_pairs(ins: Instruction) -> list[tuple[str, str | None]]:
    """``ARG A=1 B`` -> [("A", "1"), ("B", None)]."""
    pairs: list[tuple[str, str | None]] = []
    for word in _split_words(ins.args):
        name, eq, value = word.partition("=")
        pairs.append((name, _unquote(value) if eq else None))
    return pairs


def env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    """``ENV A=1 B="x y"`` and the legacy ``ENV A some value`` form."""
    words = _split_words(ins.args)
    if words and "=" not in words[0]:
        name, _, rest = ins.args.strip().partition(" ")
        return [(name, _unquote(rest.strip()))]
    return [(w.partition("=")[0], _unquote(w.partition("=")[2])) for w in words if "=" in w]


def _split_words(text: str) -> list[str]:
    """Split on whitespace outside quotes, keeping the quotes for ``_unquote``."""
    words: list[str] = []
    buf = ""
    quote = ""
    for ch in text:
        if quote:
            buf += ch
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            buf += ch
        elif ch.isspace():
            if buf:
                words.append(buf)
            buf = ""
        else:
            buf += ch
    if buf:
        words.append(buf)
    return words


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL")
_NOT_SECRET_NAME = re.compile(
    r"(_FILE|_PATH|_DIR|_URL|_URI|_HOST|_PORT|_NAME|_ID|_USER|_USERNAME|_LENGTH|_TTL|_TIMEOUT"
    r"|_EXPIRY|_ALGORITHM|_HEADER|_ENDPOINT|_SIZE|_VERSION)$|PUBLIC_?KEY|GPG_KEY|KEYRING"
    r"|KEYSERVER|KEYBOARD|KEYCLOAK"
)
_REFERENCE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_TRUTHY = frozenset({"1", "true", "yes", "on"})
_NOT_A_SECRET_VALUE = frozenset({"", "true", "false", "yes", "no", "on", "off", "none", "null"})
DEBUG_NAMES = frozenset({"DEBUG", "FLASK_DEBUG", "DJANGO_DEBUG"})


def secret_name(name: str) -> bool:
    """``*PASSWORD*``, ``*SECRET*``, ``*TOKEN*``, ``*KEY*``, minus names that hold a
    pointer (``*_FILE``, ``*_URL``), an identifier, or public material (``GPG_KEY``)."""
    upper = name.upper()
    return bool(_SECRET_NAME.search(upper)) and not _NOT_SECRET_NAME.search(upper)


def literal(value: str) -> str | None:
    """The part of a value written out rather than taken from the environment, if any.
    A default in ``${DB_PASSWORD:-changeme}`` counts: it is a secret in plain text."""
    expanded, _ = substitute(value, {})
    rest = _REFERENCE.sub("", expanded).strip().strip("\"'")
    return None if rest.lower() in _NOT_A_SECRET_VALUE else rest


def debug_setting(name: str, value: str) -> bool:
    upper, low = name.upper(), value.strip().strip("\"'").lower()
    if upper == "FLASK_ENV":
        return low == "development"
    return upper in DEBUG_NAMES and low in _TRUTHY
