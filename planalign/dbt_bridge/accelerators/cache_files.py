"""Where planalign keeps what it caches for dbt across runs, and how a cache file is written.

Three caches live here (``~/.cache/planalign``, or ``PLANALIGN_CACHE_DIR``): parsed
manifests (``manifest_cache``), dbt's configuration schemas (``schema_cache``) and Jinja's
compiled code (``jinja_code_store``). Each is a pure function of its inputs, so a file is
named after a hash of them, the installed package versions included: an upgrade starts new
files instead of reading stale ones. Files are replaced whole (write aside, then rename), so
a run that reads while another writes sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    base = os.environ.get("PLANALIGN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "planalign")
    return Path(base)


def versions_digest(packages: tuple[str, ...], *extra: str) -> Any:
    """A SHA-256 of the ``extra`` lines, then of the installed version of each package (``?``
    when not installed); callers may add more before taking the digest."""
    digest = hashlib.sha256()
    for line in extra:
        digest.update(f"{line}\n".encode())
    for name in packages:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "?"
        digest.update(f"{name}={version}\n".encode())
    return digest


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data``; False (and nothing left behind) when it cannot be
    written: a cache that is not written only costs its work again next time."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


class CacheFile:
    """A dict kept in one file: read whole at first use, written whole when it changed.

    ``decode`` turns the file's bytes into the dict (any error: start empty), ``encode`` the
    dict into bytes. With ``persist=False`` nothing is read or written and the dict lives for
    the process only (``runtime.manifest_cache: false``).
    """

    def __init__(self, path: Path, persist: bool, decode: Callable[[bytes], Any],
                 encode: Callable[[dict], bytes]) -> None:
        self.path = path
        self.persist = persist
        self._decode = decode
        self._encode = encode
        self._entries: dict | None = None
        self._changed = False

    @property
    def entries(self) -> dict:
        if self._entries is None:
            self._entries = {}
            if self.persist:
                try:
                    loaded = self._decode(self.path.read_bytes())
                    self._entries = loaded if isinstance(loaded, dict) else {}
                except Exception:   # unreadable, truncated, another format: rebuilt as used
                    self._entries = {}
        return self._entries

    def put(self, key: Any, value: Any) -> None:
        self.entries[key] = value
        self._changed = True

    def keep_only(self, keys: Iterable[Any]) -> None:
        """Drop every entry but ``keys`` (a bound on the file's size)."""
        self._entries = {key: self.entries[key] for key in keys if key in self.entries}

    def save(self) -> None:
        if self._changed and self.persist and self._entries is not None:
            if write_atomically(self.path, self._encode(self._entries)):
                self._changed = False
