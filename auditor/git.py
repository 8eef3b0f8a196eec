"""Every git call the auditor makes goes through here, hardened against the audited
repository's own configuration: nothing in it may run a program.

The audited repo is attacker input. Its ``.git/config`` can name hooks, an
fsmonitor, external diff and textconv drivers, filters, aliases, pagers and
credential helpers, each of which git would execute. We disable each one on
the command line (``-c`` wins over the repository config) and cut off the
system and global configuration.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor import proc
from auditor.errors import AuditorError, GitError, ToolMissingError

GIT_TIMEOUT = 120.0


@functools.cache
def private_dir() -> Path:
    """A fresh directory only we can write, made once per process: the empty hooks
    directory and empty config files live here (a fixed name in /tmp could be
    planted by another user)."""
    return Path(tempfile.mkdtemp(prefix="auditor-"))


def _empty_hooks_dir() -> str:
    return str(private_dir())


def empty_config_file() -> str:
    """An empty file of our own for GIT_CONFIG_GLOBAL: not os.devnull, which a broken
    machine may have turned into a regular file with content."""
    path = private_dir() / "empty-config"
    if not path.is_file() or path.stat().st_size:
        path.write_bytes(b"")
    return str(path)


def hardened_env() -> dict[str, str]:
    """The environment for git: no inherited GIT_* (they could redirect the repo),
    no system or global config, no prompts, no pager."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": empty_config_file(),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "LC_ALL": "C",
        }
    )
    return env


def hardened_args(repo: Path) -> list[str]:
    """The ``git -c`` options that neutralise everything executable in repo config."""
    settings = {
        "core.hooksPath": _empty_hooks_dir(),
        "core.fsmonitor": "false",
        "core.sshCommand": "false",
        "core.pager": "cat",
        "core.askPass": "",
        "core.editor": "false",
        "diff.external": "",
        "credential.helper": "",
        "protocol.allow": "never",
        "submodule.recurse": "false",
        "safe.directory": str(repo),
        "uploadpack.packObjectsHook": "",
        "gc.auto": "0",
        "maintenance.auto": "false",
    }
    args = ["--no-pager"]
    for key, value in settings.items():
        args += ["-c", f"{key}={value}"]
    return args


@dataclass(frozen=True)
class Git:
    """A hardened git bound to one repository."""

    repo: Path
    timeout: float = GIT_TIMEOUT

    def run(
        self, *args: str, check: bool = True, extra_env: dict[str, str] | None = None
    ) -> proc.Completed:
        try:
            exe = proc.find_tool("git")
        except ToolMissingError as e:
            raise GitError(str(e)) from e
        env = hardened_env()
        # Never discover a repository above the audited path.
        env["GIT_CEILING_DIRECTORIES"] = str(self.repo.parent)
        env.update(extra_env or {})
        result = proc.run(
            [exe, *hardened_args(self.repo), "-C", str(self.repo), *args],
            timeout=self.timeout,
            env=env,
        )
        if check and result.returncode != 0:
            stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
            first = stderr[0] if stderr else f"exit status {result.returncode}"
            raise GitError(f"git {args[0]} failed in {self.repo}: {first}")
        return result

    def text(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace").strip()


def is_git_repo(path: Path) -> bool:
    """True only for a work tree whose own top level is ``path`` (we never audit a parent repo)."""
    if not (path / ".git").exists():
        return False
    try:
        top = Git(path).text("rev-parse", "--show-toplevel")
    except GitError:
        return False
    return Path(top).resolve() == path.resolve()


def head_commit(path: Path) -> str | None:
    result = Git(path).run("rev-parse", "--verify", "-q", "HEAD", check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode("ascii", "replace").strip() or None


def file_at(repo: Path, ref: str, rel: str, max_bytes: int = 5 * 1024 * 1024) -> Path | None:
    """``rel`` as committed at ``ref``, copied into our private directory (None if absent).

    Used to read the auditor's own configuration from a trusted ref: the content is
    read through ``git cat-file`` (no filters, no textconv), never checked out."""
    git = Git(repo)
    spec = f"{ref}:{rel}"
    probe = git.run("cat-file", "-t", "--", spec, check=False)
    if probe.returncode != 0:
        known = git.run("rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
        if known.returncode != 0:
            raise AuditorError(f"{repo}: expected a commit for the trusted ref, got '{ref}'")
        return None
    if probe.stdout.strip() != b"blob":
        raise GitError(f"{spec} is not a file")
    size = int(git.text("cat-file", "-s", "--", spec))
    if size > max_bytes:
        raise GitError(f"{spec} is larger than {max_bytes} bytes")
    data = git.run("cat-file", "blob", "--", spec).stdout
    digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
    out = private_dir() / f"trusted-{digest}-{Path(rel).name}"
    out.write_bytes(data)
    return out
