"""Hydra's run mode, settled without composing the configuration when no config can set it.

Why: before it composes a run's configuration, Hydra composes it once more, in full, only to
read ``hydra.mode`` (a preset may turn a plain command into a sweep). That first compose cost
~0.3-0.4 s here, ~3 % of a 150-person 5-year sql run. In planalign's own configs only two
presets set the mode (``+sweep=ensemble``, ``ci/plan_designs``). So when the configs are
planalign's own (no ``--config-dir`` or ``--config-path``, the primary config) and nothing the
command selects can set the mode, the answer is known: none, and Hydra takes RUN or MULTIRUN
from ``-m``, as it does when its compose finds none.

"Can set the mode" errs on the safe side: a config file that mentions ``mode:`` anywhere, an
override of ``hydra.mode`` or of a Hydra group (``hydra/launcher=...``), a selection that is an expression rather than option names,
a defaults entry that is not one of planalign's files, or a file that cannot be read all send
Hydra down its usual path.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from planalign.paths import CONF_DIR

_MODE_KEY = re.compile(r"^\s*mode\s*:", re.MULTILINE)
_EXPRESSION = re.compile(r"[()\[\]{}*$'\"\\]")
_PREFIXES = ("override ", "optional ")


def may_set_mode(overrides: list[str], conf_dir: Path = CONF_DIR) -> bool:
    """Whether the primary config, or anything ``overrides`` selects, could set ``hydra.mode``."""
    if _file_may_set_mode(conf_dir / "config.yaml", conf_dir, conf_dir, set()):
        return True
    for override in overrides:
        key, sep, value = override.partition("=")
        key = key.lstrip("+~").strip()
        if not sep or key == "hydra" or key.startswith(("hydra.mode", "hydra/")):
            return True   # hydra.run.dir and the like set one value: not the mode
        group_dir = conf_dir / key.split("@")[0]
        if group_dir.is_dir() and _options_may_set_mode(value, group_dir, conf_dir, set()):
            return True
    return False


def _options_may_set_mode(value: str, group_dir: Path, conf_dir: Path, seen: set[Path]) -> bool:
    """A group's selection (``a`` or a sweep ``a,b``): whether one of its files could set the mode."""
    if _EXPRESSION.search(value):
        return True
    options = [o.strip() for o in value.split(",")]
    return any(option != "null" and _file_may_set_mode(group_dir / f"{option}.yaml", group_dir, conf_dir, seen)
               for option in options)


def _file_may_set_mode(path: Path, group_dir: Path, conf_dir: Path, seen: set[Path]) -> bool:
    """A config file (in ``group_dir``): whether it, or a file its defaults list selects, could
    set the mode."""
    if path in seen:
        return False
    seen.add(path)
    try:
        text = path.read_text()
        config = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError):
        return True
    if _MODE_KEY.search(text):
        return True
    defaults = config.get("defaults", []) if isinstance(config, dict) else []
    if not isinstance(defaults, list):
        return True
    return any(_entry_may_set_mode(entry, group_dir, conf_dir, seen) for entry in defaults)


def _entry_may_set_mode(entry: Any, group_dir: Path, conf_dir: Path, seen: set[Path]) -> bool:
    """One defaults-list entry: ``_self_``, a config of the same group, or ``group: option``."""
    if entry == "_self_":
        return False
    if isinstance(entry, str):
        return _options_may_set_mode(entry, group_dir, conf_dir, seen)
    if not isinstance(entry, dict) or len(entry) != 1:
        return True
    (key, value), = entry.items()
    key = str(key)
    for prefix in _PREFIXES:
        key = key.removeprefix(prefix)
    key = key.split("@")[0].strip()
    target = conf_dir / key.lstrip("/") if key.startswith("/") else group_dir / key
    if key.lstrip("/").startswith("hydra") or not target.is_dir():
        return True
    if value is None:
        return False
    return not isinstance(value, str) or _options_may_set_mode(value, target, conf_dir, seen)


@contextlib.contextmanager
def mode_without_a_compose(conf_dir: Path = CONF_DIR) -> Iterator[None]:
    """While the block runs, Hydra settles the run mode without its first compose whenever
    ``may_set_mode`` says no config it would read can set it."""
    from hydra._internal.hydra import Hydra

    original = Hydra.__dict__.get("get_mode")
    if original is None:   # another Hydra: its own way
        yield
        return

    def get_mode(self: Any, config_name: str | None, overrides: list[str]) -> Any:
        try:
            entries = [(e.provider, e.path) for e in self.config_loader.get_search_path().get_path()]
        except Exception:
            entries = None
        own = entries == [("hydra", "pkg://hydra.conf"), ("main", str(conf_dir)), ("schema", "structured://")]
        if own and config_name == "config" and not may_set_mode(list(overrides), conf_dir):
            return None
        return original(self, config_name, overrides)

    Hydra.get_mode = get_mode
    try:
        yield
    finally:
        Hydra.get_mode = original
