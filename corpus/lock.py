"""One writer at a time: an advisory lock file shared by `add`, `remove` and `index`.

`fcntl.flock` is released by the kernel when the holder exits or is killed, so a crash never
leaves a stale lock behind. Readers (search, ask, docs, serve) never take it. The lock is
re-entrant within a process (a writer that builds the index takes the index lock again).
Wait time: env POLICYQA_LOCK_TIMEOUT seconds (default 600).
"""
from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import CorpusError

DEFAULT_TIMEOUT = 600.0
_held: dict[str, tuple[int, int]] = {}      # resolved path -> (fd, depth), this process
_guard = threading.RLock()


class LockTimeout(CorpusError):
    """Another writer held the lock for longer than the timeout."""


def timeout() -> float:
    raw = os.environ.get("POLICYQA_LOCK_TIMEOUT", "")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise CorpusError(f"POLICYQA_LOCK_TIMEOUT must be a number of seconds (got {raw!r})") from None


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return ""


@contextmanager
def writer_lock(path: Path | str, wait: float | None = None, what: str = "add/remove/index"):
    """Hold the lock file at `path` for the block. Prints one 'waiting…' line to stderr when
    another process holds it; raises LockTimeout after `wait` seconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentrant = True
        else:
            reentrant = False
    if reentrant:
        try:
            yield
        finally:
            with _guard:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
        return
    wait = timeout() if wait is None else wait
    try:
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CorpusError(f"cannot create the lock file {path} ({exc.strerror}); "
                          "check that the folder is writable") from None
    deadline, told = time.monotonic() + wait, False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    print(f"policyqa: waiting for another {what} to finish "
                          f"(pid {_holder(fd) or '?'}, lock {path})…", file=sys.stderr, flush=True)
                    told = True
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"another policyqa {what} (pid {_holder(fd) or '?'}) still holds {path} "
                        f"after {wait:.0f}s; wait for it to finish and try again, or raise "
                        "POLICYQA_LOCK_TIMEOUT") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    with _guard:
        _held[key] = (fd, 1)
    try:
        yield
    finally:
        with _guard:
            _held.pop(key, None)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)            # releases the flock


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


FAULT_POINTS = ("staged", "segment-built", "merged", "built", "committed", "swapped")


def fault_point(name: str) -> None:
    """Fault injection (eval.faults): POLICYQA_FAULT_POINT=<name> kills this process right here
    with SIGKILL, as a power cut would. Unset in normal use. Besides FAULT_POINTS (one add),
    a bulk add has `bulk-committed` (after each batch's manifest commit)."""
    if os.environ.get("POLICYQA_FAULT_POINT") == name:
        import signal
        os.kill(os.getpid(), signal.SIGKILL)
