"""The audited repository's own record of known secrets: ``.auditor/secrets-allowlist.yaml``.

    entries:
      - fingerprint: 3f2a91c0e1d2b3a4c5d6   # from the finding
        reason: "rotated 2026-01-02, key revoked at the provider"
        who: alice
        date: 2026-01-02

An entry does not hide a finding: the finding stays in the results with
``suppressed_by = "allowlist: <reason> (<who>, <date>)"`` and is counted separately, so
a reviewer sees what was waved through and by whom. The file is attacker-controlled like
everything in the repository: it is read without following links, size-capped, parsed
without anchors or constructors, and every malformed entry is reported, not guessed at.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from auditor import yamlnodes
from auditor.errors import InputError

ALLOWLIST_PATH = ".auditor/secrets-allowlist.yaml"
_FINGERPRINT = re.compile(r"[0-9a-f]{20}")


class AllowlistError(InputError):
    """A problem in the allowlist; always caught and reported as evidence."""


@dataclass(frozen=True)
class AllowEntry:
    fingerprint: str
    reason: str
    who: str
    date: str
    line: int

    def label(self) -> str:
        return f"allowlist: {self.reason} ({self.who}, {self.date})"


def load(root: Path) -> tuple[dict[str, AllowEntry], list[str]]:
    """Entries by fingerprint, and the problems found (``path:line:col: message``)."""
    problem = _unsafe(root)
    if problem == "absent":
        return {}, []
    if problem:
        return {}, [f"{ALLOWLIST_PATH}: {problem}; the allowlist was not read"]
    try:
        doc = yamlnodes.load(root / ALLOWLIST_PATH, AllowlistError, ALLOWLIST_PATH)
        top = doc.mapping("the secrets allowlist", {"entries"})
        items = top["entries"].sequence("entries")
    except AllowlistError as e:
        return {}, [f"{e}; the allowlist was not read"]
    entries: dict[str, AllowEntry] = {}
    problems: list[str] = []
    for item in items:
        try:
            f = item.mapping("an allowlist entry", {"fingerprint", "reason", "who", "date"})
            fp = f["fingerprint"].string("fingerprint").strip()
            if not _FINGERPRINT.fullmatch(fp):
                raise f["fingerprint"].fail("expected a 20-hex-digit finding fingerprint")
            if fp in entries:
                raise f["fingerprint"].fail(f"expected each fingerprint once, got '{fp}' again")
            entries[fp] = AllowEntry(
                fp,
                " ".join(f["reason"].string("reason").split()),
                " ".join(f["who"].string("who").split()),
                f["date"].date("date").isoformat(),
                item.line,
            )
        except AllowlistError as e:
            problems.append(str(e))
    return entries, problems


def _unsafe(root: Path) -> str | None:
    """Why the file must not be read ("absent" when there is none), or None."""
    here = root
    for part in Path(ALLOWLIST_PATH).parts:
        here = here / part
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            return "absent"
        except OSError as e:
            return f"cannot stat ({e.strerror})"
        if stat.S_ISLNK(st.st_mode):
            return "is or lies under a symbolic link (not followed)"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None
