"""One exception hierarchy; only the CLI turns these into messages and exit codes."""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the auditor raises on purpose.

    The message is user-facing: it says what was wrong and, where possible,
    where (file:line:col) and what was expected.
    """

    exit_code = 2


class InputError(AuditorError):
    """Bad user input: a checklist, configuration or results file we cannot accept."""

    def __init__(self, path: str, line: int | None, column: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class ChecklistError(InputError):
    """A checklist (or a rule catalogue it refers to) is invalid."""


class ConfigError(InputError):
    """The auditor configuration is invalid."""


class CollectorError(AuditorError):
    """A collector could not produce trustworthy evidence.

    Never escapes the audit: the runner turns it into status ``error`` for
    every control the collector decides (fail closed).
    """

    exit_code = 3


class ToolMissingError(CollectorError):
    """The external tool a collector needs is not installed."""


class ToolTimeoutError(CollectorError):
    """The external tool ran past its timeout and was killed."""


class ToolOutputError(CollectorError):
    """The external tool printed output we cannot parse, so nothing it said is trusted."""


class GitError(AuditorError):
    """A git command failed."""

    exit_code = 3


class OutputError(AuditorError):
    """Results could not be written."""

    exit_code = 2
