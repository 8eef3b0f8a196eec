"""Every git call the auditor makes goes through here, hardened against the audited
repository's own configuration: nothing in it may run a program.

The audited repo is attacker input. Its ``.git/config`` can name hooks, an
fsmonitor, external diff and textconv drivers, filters, aliases, pagers and
credential helpers, each of which git would execute. We disable each one on
the command line (``-c`` wins over the repository config) and cut off the
system and global configuration.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
        # a signed commit plus log.showSignature makes `git log` run gpg.program
        "log.showSignature": "false",
        "gpg.program": "false",
        "gpg.ssh.program": "false",
        "gpg.x509.program": "false",
        "color.ui": "false",
        # a FIFO or device named here would make git block while reading it
        "core.excludesFile": "",
        "core.attributesFile": "",
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


STREAM_CONFIG: dict[str, str] = {
    "log.showRoot": "true",
    "log.mailmap": "false",
}
"""History walks parse git's output: the root commit's diff must be shown and no mailmap
may rewrite identities. (Signature programs, colour and excludes files are neutralised for
every call by ``hardened_args``.)"""


@contextlib.contextmanager
def stream(
    repo: Path,
    *args: str,
    stdin: Iterable[bytes] | None = None,
    timeout: float = GIT_TIMEOUT,
) -> Iterator[IO[bytes]]:
    """Yield the stdout of one hardened git process, to be read as it is produced.

    For output too large to hold (``log --raw`` over a long history) and for commands
    that answer requests (``cat-file --batch``): a thread writes ``stdin`` while the
    caller reads, so neither side can fill a pipe and wait on the other. The process
    group is killed at ``timeout`` and on any exception; a non-zero exit is ``GitError``.
    """
    try:
        exe = proc.find_tool("git")
    except ToolMissingError as e:
        raise GitError(str(e)) from e
    env = hardened_env()
    env["GIT_CEILING_DIRECTORIES"] = str(repo.parent)
    extra = ["--no-replace-objects"]
    for key, value in STREAM_CONFIG.items():
        extra += ["-c", f"{key}={value}"]
    cmd = [exe, *hardened_args(repo), *extra, "-C", str(repo), *args]
    with tempfile.TemporaryFile() as err:
        child = proc._Popen(  # reaped with wait4, so its CPU time is counted
            cmd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
            bufsize=1 << 16,
        )
        _widen_pipe(child.stdout)
        expired = threading.Event()

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)

        def expire() -> None:
            expired.set()
            kill()

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        writer = _feed(child, stdin) if stdin is not None else None
        out = child.stdout
        if out is None:  # pragma: no cover - PIPE always gives a pipe
            raise GitError("git started without an output pipe")
        try:
            yield out
        except BaseException:
            kill()
            raise
        finally:
            out.close()
            returncode = child.wait()
            timer.cancel()
            if writer is not None:
                writer.join()
            account = proc.CHILD_CPU.get()
            if account is not None:
                account.append(child.cpu_seconds)
        if expired.is_set():
            raise GitError(f"git {args[0]} did not finish within {timeout:g}s and was killed")
        if returncode != 0:
            err.seek(0)
            lines = err.read(4096).decode("utf-8", "replace").strip().splitlines()
            first = lines[0] if lines else f"exit status {returncode}"
            raise GitError(f"git {args[0]} failed in {repo}: {first}")


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """A 1 MiB pipe (Linux) instead of 64 KiB: git writes a blob in one go and the two
    processes switch far less often when one streams hundreds of megabytes to the other."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe is not None and setsize is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), setsize, 1 << 20)


def _feed(child: subprocess.Popen[bytes], chunks: Iterable[bytes]) -> threading.Thread:
    def write() -> None:
        pipe = child.stdin
        if pipe is None:  # pragma: no cover - PIPE always gives a pipe
            return
        try:
            for chunk in chunks:
                pipe.write(chunk)
        except (OSError, ValueError):
            pass  # git exited or was killed: the reader's side reports why
        finally:
            with contextlib.suppress(OSError, ValueError):
                pipe.close()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def changed_files(repo: Path, ref: str) -> frozenset[str]:
    """Files changed since ``ref`` (from the merge base to HEAD), plus uncommitted and
    untracked files: what PR mode analyses."""
    git = Git(repo)
    base = git.run("merge-base", ref, "HEAD", check=False)
    if base.returncode != 0:
        raise AuditorError(
            f"{repo}: expected a commit to compare with for --changed-since, got '{ref}'"
        )
    start = base.stdout.decode("ascii", "replace").strip()
    out: set[str] = set()
    for args in (
        ("diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", start, "HEAD"),
        ("diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "HEAD"),
        ("ls-files", "-z", "--others", "--exclude-standard"),
    ):
        text = git.run(*args).stdout.decode("utf-8", "surrogateescape")
        out.update(p for p in text.split("\0") if p)
    return frozenset(out)
