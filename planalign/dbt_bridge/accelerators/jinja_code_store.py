"""Jinja's compiled code of dbt's texts, kept on disk across runs.

Why: dbt compiles a model's text (and each config string) into Python again at every
render, and a process compiles every text it renders once at least, dbt's macros included
(~80 texts, ~0.2 s of a run's first dbt invocation here). This keeps the code compiled for
the rest of the process and, on disk, for the next runs.
What Jinja compiles a text into depends only on the text and on how the environment is
built (its class, extensions, filters, tests and syntax options), which in turn depends on
the installed dbt and Jinja: the key is the text plus a signature of all that, and the file
is named after the versions of Python, Jinja and dbt, so an upgrade starts a new file.

The code is stored with ``marshal``, as Python stores (and trusts) its own ``.pyc`` files.
The store stands in for ``jinja2.Environment.compile`` only while planalign's invocation runs
(under dbt's lock), and compiles as before when the text is not a string, when raw source is
asked for, or when ``DBT_MACRO_DEBUGGING`` makes dbt give the code a file name of its own.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

from planalign.dbt_bridge.accelerators.cache_files import CacheFile, cache_root, versions_digest
from planalign.dbt_bridge.accelerators.stand_in import Replacement, StandIn

# what the compiled code depends on besides the text: a new version starts a new file
_BUILT_BY = ("jinja2", "dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb")
# A run renders ~85 texts. A model developer's edits add new ones run after run: past this
# many, the file keeps only the texts the saving process used.
MAX_TEXTS = 1024

_SYNTAX = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
           "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
           "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
           "is_async")


def default_path() -> Path:
    key = versions_digest(_BUILT_BY, f"python={sys.version}").hexdigest()[:32]
    return cache_root() / "dbt-jinja" / f"{key}.marshal"


def _name_of(value: Any) -> str:
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def environment_signature(environment: Any) -> str:
    """Everything about ``environment`` that Jinja's code generator reads."""
    parts = [_name_of(type(environment)), _name_of(environment.code_generator_class),
             _name_of(environment.undefined), _name_of(environment.finalize), _name_of(environment.autoescape),
             *(f"{name}={getattr(environment, name, None)!r}" for name in _SYNTAX),
             "extensions=" + ",".join(sorted(environment.extensions)),
             "filters=" + ",".join(f"{k}:{_name_of(v)}" for k, v in sorted(environment.filters.items())),
             "tests=" + ",".join(f"{k}:{_name_of(v)}" for k, v in sorted(environment.tests.items()))]
    return "\n".join(parts)


class JinjaCodeStore(StandIn):
    """Compiled code by (environment signature, name, text), read from and written to one file."""

    def __init__(self, path: Path | None = None, *, persist: bool = True) -> None:
        """``persist=False`` keeps the code for this process only (``runtime.manifest_cache:
        false`` asks for no cache files)."""
        super().__init__()
        self.file = CacheFile(path or default_path(), persist, decode=marshal.loads, encode=marshal.dumps)
        self._code: dict[str, CodeType] = {}   # used by this process, decoded
        self.compiled = 0   # texts this process had to compile
        self.loaded = 0     # texts found in the file

    def compile(self, original: Any, environment: Any, source: Any, name: str | None = None,
                filename: str | None = None, raw: bool = False, defer_init: bool = False) -> Any:
        """``Environment.compile`` (``original``) with the code looked up first."""
        if raw or not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
            return original(environment, source, name, filename, raw, defer_init)
        key = hashlib.sha256("\0".join((environment_signature(environment), repr(name), repr(filename),
                                        repr(defer_init), source)).encode()).hexdigest()
        code = self._code.get(key)
        if code is not None:
            return code
        stored = self.file.entries.get(key)
        if stored is not None:
            try:
                code = marshal.loads(stored)
                self.count("loaded")
            except (EOFError, ValueError, TypeError):
                code = None
        if code is None:
            code = original(environment, source, name, filename, raw, defer_init)
            self.count("compiled")
            if self.file.persist:
                self.file.put(key, marshal.dumps(code))
        self._code[key] = code
        return code

    def save(self) -> None:
        if len(self.file.entries) > MAX_TEXTS:
            self.file.keep_only(self._code)
        self.file.save()

    def replacements(self) -> list[Replacement] | None:
        """Route Jinja's compilation through this store."""
        import jinja2

        original = vars(jinja2.Environment).get("compile")
        if original is None:
            return None

        def compile(environment: Any, source: Any, name: str | None = None, filename: str | None = None,
                    raw: bool = False, defer_init: bool = False) -> Any:
            return self.compile(original, environment, source, name, filename, raw, defer_init)

        return [(jinja2.Environment, "compile", compile)]

    def finished(self) -> None:
        self.save()
