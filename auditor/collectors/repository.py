"""Repository facts that need no external tool beyond hardened git."""

from __future__ import annotations

import fnmatch
import os
import stat

from auditor import proc
from auditor.collectors.base import AuditContext
from auditor.evidence import CollectorResult, CollectorStatus, Fact, Location
from auditor.git import Git, hardened_env

SECURITY_POLICY_PATHS = ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md", "SECURITY.rst")
SENSITIVE_PATTERNS = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "*.p12",
    "*.pfx",
    ".pypirc",
    ".netrc",
    ".htpasswd",
)
_SENSITIVE_EXCEPTIONS = (".env.example", ".env.sample", ".env.template")


class RepositoryCollector:
    name = "repository"
    tool = "git"
    fact_keys = frozenset(
        {"repo.security_policy", "repo.tracked_sensitive_files", "repo.env_file_ignored"}
    )

    def version(self, timeout: float) -> str:
        out = proc.run([proc.find_tool("git"), "--version"], timeout=timeout, env=hardened_env())
        return out.stdout.decode("ascii", "replace").strip().removeprefix("git version ")

    def collect(self, ctx: AuditContext) -> CollectorResult:
        facts = [_security_policy(ctx)]
        version = None
        if ctx.is_git:
            git = Git(ctx.root, ctx.timeout)
            version = self.version(ctx.timeout)
            facts.append(_tracked_sensitive(git))
            facts.append(_env_ignored(git))
        return CollectorResult(
            self.name, self.tool, version, CollectorStatus.OK, facts=tuple(facts)
        )


def _security_policy(ctx: AuditContext) -> Fact:
    for rel in SECURITY_POLICY_PATHS:
        try:
            st = os.lstat(ctx.root / rel)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return Fact(
                "repo.security_policy", rel, Location(rel, 1), "file exists in the work tree"
            )
    return Fact(
        "repo.security_policy",
        None,
        None,
        f"none of {', '.join(SECURITY_POLICY_PATHS)} exists as a regular file",
    )


def _tracked_sensitive(git: Git) -> Fact:
    out = git.run("ls-files", "-z").stdout.decode("utf-8", "surrogateescape")
    hits = []
    for path in out.split("\0"):
        name = path.rsplit("/", 1)[-1]
        if not path or name in _SENSITIVE_EXCEPTIONS:
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in SENSITIVE_PATTERNS):
            hits.append(path)
    hits.sort()
    return Fact(
        "repo.tracked_sensitive_files",
        hits,
        Location(hits[0]) if hits else None,
        "git ls-files of the index, matched against " + ", ".join(SENSITIVE_PATTERNS),
    )


def _env_ignored(git: Git) -> Fact:
    out = git.run("check-ignore", "--no-index", "-v", "-n", ".env", check=False)
    text = out.stdout.decode("utf-8", "replace").strip()
    # "-n -v" prints "source:line:pattern<TAB>path"; an empty source means not ignored.
    head = text.split("\t", 1)[0]
    source, _, rest = head.partition(":")
    line_text, _, pattern = rest.partition(":")
    ignored = bool(source) and not pattern.startswith("!")
    location = Location(source, int(line_text)) if source and line_text.isdigit() else None
    how = (
        f"git check-ignore: pattern '{pattern}'"
        if source
        else "git check-ignore: no pattern matches"
    )
    return Fact("repo.env_file_ignored", ignored, location, how)
