"""One run per output folder: a lock file on ``--out`` naming its holder.

The lock is a POSIX record lock (``fcntl.lockf``) on ``<out>/.d2r/lock``; the
file says who holds it (PID, host, start time).  The kernel releases the lock
when its process ends, however it ends, so a lock left by a killed run is
stale by construction: the file is still there, naming a dead PID, but nobody
holds it, and the next run takes it.  Record locks, unlike ``flock``, are not
inherited by forked workers, so a worker outliving a killed parent does not
keep the folder locked.  (They are dropped when the holder closes *any*
descriptor of the file, so the holder never opens it a second time.)
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import RunError

LOCK = "lock"


def holder(folder: Path) -> str:
    """Who the lock file says holds it, in words (``PID 123 on host, since 2026-12-06 12:00:00``)."""
    try:
        info = json.loads((Path(folder) / LOCK).read_text(encoding="utf-8"))
        return f"d2r run PID {info['pid']} on {info['host']}, since {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another d2r run"


@contextmanager
def locked(folder: Path, wait: bool = False, say: Callable[[str], Any] = print) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; refuse at once (``RunError``), or with ``wait`` wait for it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _try_lock(fd)
        except OSError:
            who = holder(folder)
            if not wait:
                raise RunError(f"{folder.parent} is in use by {who} (wait for it with --wait)") from None
            say(f"d2r: waiting for {who} to finish with {folder.parent}")
            while True:  # polled, so that Ctrl-C stops the wait at once
                time.sleep(0.2)
                try:
                    _try_lock(fd)
                    break
                except OSError:
                    continue
        stale = _stale_holder(os.pread(fd, 4096, 0))
        if stale:
            say(f"d2r: {folder.parent} had a stale lock of {stale} (no longer running): taken over")
        started = _dt.datetime.now().isoformat(timespec="seconds")
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started})
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # released in order: only a killed run leaves its name behind
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> None:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _stale_holder(previous: bytes) -> str:
    """The last holder named in the lock file, if it is a process of this host that has ended."""
    try:
        info = json.loads(previous.decode("utf-8"))
        pid, host = int(info["pid"]), str(info["host"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return ""
    if host != socket.gethostname() or pid == os.getpid():
        return ""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"PID {pid} on {host}"
    except PermissionError:
        return ""  # alive, another user's
    return ""  # alive but not holding the lock: it ended its run
