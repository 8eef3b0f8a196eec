"""Effective settings and where each came from.

Layers, lowest first: defaults, the audited repository's ``[tool.auditor]``
table, a ``--config`` file, the command line. Configuration inside the audited
repository is attacker-controlled, so every value records its source and the
dashboard shows it; nothing it weakens is hidden.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.files import DEFAULT_EXCLUDES

MAX_CONFIG_BYTES = 1024 * 1024
FORMATS = ("html", "json", "sarif", "junit", "markdown")

DEFAULTS: dict[str, Any] = {
    "checklist": None,
    "exclude": [],
    "default_excludes": True,
    "timeout": 600.0,
    "timeouts": {},
    "formats": ["html", "json"],
    "fail_under": None,
    "tls_targets": [],
    "http_urls": [],
    "ca_bundle": None,
    "osv_db": None,
    "waivers": None,
    "attestations": None,
    "waiver_max_days": {"critical": 90, "high": 90, "medium": 365, "low": 365},
    "fail_on": None,
    "fail_on_error": True,
    "cache": True,
    "cache_dir": None,
    "workers": None,
    "max_file_bytes": 5 * 1024 * 1024,
    "changed_since": None,
    "honour_inline_suppressions": None,
}

OPERATOR_ONLY = frozenset({"osv_db", "ca_bundle", "tls_targets", "http_urls", "cache_dir"})
"""Settings an audited repository may not set: they choose what the evidence is judged
against (a near-empty vulnerability database, a CA that trusts anything) or where the
auditor connects (a repository must not turn CI into a port scanner)."""

SOURCE_DEFAULT = "default"
SOURCE_REPO = "audited repository: pyproject.toml [tool.auditor]"
SOURCE_CLI = "command line"


@dataclass(frozen=True)
class Setting:
    name: str
    value: Any
    source: str

    @property
    def from_audited_repo(self) -> bool:
        return self.source == SOURCE_REPO


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Setting]

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    @property
    def excludes(self) -> tuple[str, ...]:
        base = DEFAULT_EXCLUDES if self["default_excludes"] else (".git",)
        return tuple(dict.fromkeys([*base, *self["exclude"]]))

    def timeout_for(self, collector: str) -> float:
        return float(self["timeouts"].get(collector, self["timeout"]))


def _line_of(path: Path, key: str) -> int | None:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for n, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return n
    return None


def _validate(name: str, value: Any, path: Path, display: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(display, _line_of(path, name), 1, f"expected {expected} for '{name}'")

    if name not in DEFAULTS:
        raise ConfigError(
            display,
            _line_of(path, name),
            1,
            f"expected one of {', '.join(sorted(DEFAULTS))}, got unknown setting '{name}'",
        )
    if name in ("exclude", "tls_targets", "http_urls", "formats"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad("a list of strings")
        if name == "formats" and not set(value) <= set(FORMATS):
            raise bad(f"formats from {', '.join(FORMATS)}")
        return list(value)
    if name in ("default_excludes", "honour_inline_suppressions"):  # None: as the checklist says
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if name == "timeout" or name == "fail_under":
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise bad("a positive number")
        if name == "fail_under" and value > 100:
            raise bad("a score between 0 and 100")
        return float(value)
    if name == "timeouts":
        if not isinstance(value, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value.values()
        ):
            raise bad("a table of collector = seconds")
        return {str(k): float(v) for k, v in value.items()}
    if name == "waiver_max_days":
        sev = {"critical", "high", "medium", "low"}
        if (
            not isinstance(value, dict)
            or not set(value) <= sev
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()
            )
        ):
            raise bad("a table of severity = days")
        return {**DEFAULTS["waiver_max_days"], **value}
    if name == "fail_on":
        if value not in ("critical", "high", "medium", "low"):
            raise bad("one of critical, high, medium, low")
        return value
    if name == "cache":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if name == "max_file_bytes":
        if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 1 << 30:
            raise bad("a size in bytes from 1024 to 1073741824")
        return value
    if name == "workers":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
            raise bad("a number of workers from 1 to 256")
        return value
    if name == "fail_on_error":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if name in (
        "checklist",
        "ca_bundle",
        "osv_db",
        "waivers",
        "attestations",
        "cache_dir",
        "changed_since",
    ):
        if not isinstance(value, str) or not value:
            raise bad("a path")
        return value
    raise bad("a valid value")  # pragma: no cover


def read_table(path: Path, *, in_pyproject: bool, display: str | None = None) -> dict[str, Any]:
    """The auditor settings in a TOML file, validated; {} if a pyproject has none."""
    display = display or str(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                display, None, None, f"expected a file under {MAX_CONFIG_BYTES} bytes"
            )
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as e:
        raise ConfigError(display, None, None, f"expected a readable file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(display, None, None, "expected UTF-8 TOML") from None
    except RecursionError:
        raise ConfigError(display, None, None, "expected TOML nested less deeply") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise ConfigError(
            display, line, col, f"expected valid TOML ({str(e).split(' (at')[0]})"
        ) from None
    table: Any = data
    if in_pyproject or "tool" in data:
        table = (
            data.get("tool", {}).get("auditor", {}) if isinstance(data.get("tool"), dict) else {}
        )
    if not isinstance(table, dict):
        raise ConfigError(display, _line_of(path, "auditor"), 1, "expected a [tool.auditor] table")
    return {k: _validate(k, v, path, display) for k, v in table.items()}


def resolve(
    repo: Path,
    config_file: Path | None,
    cli: Mapping[str, Any],
    trusted: tuple[str, Path | None] | None = None,
) -> Settings:
    """``trusted`` is (ref, extracted pyproject or None): with it, the repository's own
    settings are read from that ref (the base branch), not from the working tree that a
    pull request may have changed."""
    values = {k: Setting(k, v, SOURCE_DEFAULT) for k, v in DEFAULTS.items()}
    if trusted is not None:
        ref, extracted = trusted
        if extracted is not None:
            display = f"{ref}:pyproject.toml"
            for k, v in read_table(extracted, in_pyproject=True, display=display).items():
                values[k] = Setting(k, v, f"trusted ref {ref}: pyproject.toml [tool.auditor]")
    else:
        pyproject = repo / "pyproject.toml"
        if pyproject.is_file() and not pyproject.is_symlink():
            for k, v in read_table(pyproject, in_pyproject=True).items():
                if k in OPERATOR_ONLY:
                    raise ConfigError(
                        str(pyproject), _line_of(pyproject, k), 1,
                        f"expected '{k}' from the command line or --config, not the audited repo",
                    )  # fmt: skip
                values[k] = Setting(k, v, SOURCE_REPO)
    if config_file is not None:
        for k, v in read_table(config_file, in_pyproject=False).items():
            values[k] = Setting(k, v, f"--config {config_file}")
    for k, v in cli.items():
        if v is not None and v != () and k in DEFAULTS:
            values[k] = Setting(k, list(v) if isinstance(v, tuple) else v, SOURCE_CLI)
    return Settings(values)
