"""The one wrapper through which the auditor starts external tools.

Keeps stderr, enforces a timeout by killing the whole process group (a tool's
children must not outlive it), and never uses a shell.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import ToolMissingError, ToolTimeoutError

CHILD_CPU: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "child_cpu", default=None
)
"""When set (by the audit runner, per collector), CPU seconds of every finished child
are appended to it, so each collector's CPU time is measured even when they overlap."""


_LIVE: set[int] = set()
"""Process groups of the tools running now (every child starts its own session)."""
_LIVE_LOCK = threading.Lock()


class _Popen(subprocess.Popen[bytes]):
    """Reaps the child with wait4 so its resource usage (CPU time) is known, and keeps
    it in the live set so a cancelled audit can stop it."""

    cpu_seconds = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with _LIVE_LOCK:
            _LIVE.add(self.pid)

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:
        try:
            pid, sts, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            pid, sts = self.pid, 0
        else:
            if pid == self.pid:
                self.cpu_seconds = usage.ru_utime + usage.ru_stime
        if pid == self.pid:
            with _LIVE_LOCK:
                _LIVE.discard(self.pid)
        return pid, sts


def terminate_all() -> None:
    """Kill every tool still running (their whole process groups): a cancelled audit
    must not leave semgrep or git working on after it."""
    with _LIVE_LOCK:
        groups = list(_LIVE)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes


def _tool_dirs() -> list[str]:
    """PATH first, then the directory of the running interpreter, so a tool that was
    installed into the same virtualenv is found even when the venv is not activated."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    dirs.append(str(Path(sys.executable).parent))
    return dirs


def find_tool(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join(_tool_dirs()))
    if found is None:
        raise ToolMissingError(
            f"{name} is not installed: not found on PATH or next to {sys.executable}"
        )
    return found


def run(
    args: Sequence[str],
    *,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> Completed:
    """Run ``args`` to completion or kill it at ``timeout`` seconds."""
    proc = _Popen(
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ToolTimeoutError(
            f"{Path(args[0]).name} did not finish within {timeout:g}s and was killed"
        ) from None
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        account = CHILD_CPU.get()
        if account is not None:
            account.append(proc.cpu_seconds)
    return Completed(tuple(args), proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
