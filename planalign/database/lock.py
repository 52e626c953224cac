"""One writer per database file.

A second run against a database that another process is writing is refused at once, with
the file and the other process named. The lock is an ``flock`` on ``<database>.lock`` — a
name derived from the path alone, so every process agrees on it (never Python's ``hash()``,
which is salted per process). The kernel releases it if the holder dies, so a killed run
never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path

from planalign.errors import UserError


class DatabaseLocked(UserError):
    """Another process is writing the database."""


class DatabaseLock:
    def __init__(self, database: Path):
        self.database = Path(database).resolve()
        self.path = self.database.with_name(self.database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read_holder(fd)
            os.close(fd)
            raise DatabaseLocked(
                f"database {self.database} is being written by another process ({holder}); "
                "wait for it to finish or choose another paths.database / output directory"
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": " ".join(sys.argv)[:300]}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        os.fsync(fd)
        self._fd = fd

    @staticmethod
    def _read_holder(fd: int) -> str:
        try:
            data = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        except (OSError, ValueError):
            return "holder unknown"
        return f"pid {data.get('pid')} on {data.get('host')} since {data.get('since')}: {data.get('command', '')}"

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
