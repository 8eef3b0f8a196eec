"""Secret scan of the staged changes: the fast subset run as a pre-commit hook, so a
secret is stopped before it enters the history that the full audit would later find."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.git import Git
from auditor.resources import checks_dir
from auditor.secretscan import detectors
from auditor.secretscan.engine import Scanner

MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class StagedHit:
    path: str
    line: int
    rule_id: str
    redacted: str


def scan_staged(repo: Path) -> list[StagedHit]:
    """Every staged (added, copied, modified, renamed) file's index content, scanned with
    the secret detectors; placeholders and documentation examples are not reported."""
    git = Git(repo)
    names = git.run("diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMR")
    paths = [p for p in names.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    catalogue = detectors.load(checks_dir() / "secrets" / "detectors.yaml")
    scanner = Scanner(catalogue)
    hits: list[StagedHit] = []
    for path in sorted(paths):
        size = git.run("cat-file", "-s", f":{path}", check=False)
        if size.returncode != 0 or int(size.stdout or b"0") > MAX_BYTES:
            continue
        data = git.run("cat-file", "blob", f":{path}").stdout
        found, _ = scanner.scan(data, catalogue.path_rules([path]))
        hits += [StagedHit(path, h.line, h.rule_id, h.redacted) for h in found if not h.placeholder]
    return hits
