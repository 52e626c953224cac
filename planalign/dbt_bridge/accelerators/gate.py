"""The one gate in front of every accelerator: the package versions they were tested with.

Each accelerator in this folder leans on internals of dbt-core, dbt-common, dbt-adapters,
mashumaro or Jinja that no release promises to keep: a release that keeps a name and changes
what it does could change a run's results or crash it. So they run only with the versions in
``TESTED`` (``runtime.dbt_accelerators: auto``); with any other, all of them are off, dbt's
own code runs, one warning line says which package is outside the table, and run.json's
``dbt.accelerators`` records the decision. ``on`` runs them whatever the versions (with the
same warning outside the table); ``off`` never does.

How to widen the table: install the new version, run ``tests/dbt_bridge`` (which compares
every accelerator with dbt's own code, and a run with them on against one with them off), and
write the version in as the new newest; the oldest bound moves with ``constraints/oldest.txt``
(``benchmarks/oldest_dbt.sh`` runs the same tests on that set).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata

log = logging.getLogger(__name__)

# package: (oldest tested, newest tested), both included. A bound is compared at its own
# precision: "1.11" admits every 1.11.x, "3.1.6" only 3.1.6 and below. Pre-releases and local
# builds are outside. Oldest: constraints/oldest.txt, where benchmarks/oldest_dbt.sh passes
# tests/dbt_bridge; newest: the versions installed when the table was last widened.
TESTED: dict[str, tuple[str, str]] = {
    "dbt-core":     ("1.10",   "1.11"),     # by minor release: any patch of 1.10 or 1.11
    "dbt-common":   ("1.34.2", "1.39.0"),
    "dbt-adapters": ("1.18.0", "1.24.5"),
    "mashumaro":    ("3.9",    "3.14"),     # 3.9.x .. 3.14.x (mashumaro releases are two-part)
    "jinja2":       ("3.1.6",  "3.1.6"),    # dbt-core 1.10.23's dbt-semantic-interfaces needs 3.1.6
}

SETTINGS = ("auto", "on", "off")
_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def release(version: str) -> tuple[int, ...] | None:
    """A plain release's numbers ("1.10.23" -> (1, 10, 23)); None for a pre-release, a
    development or post release, a local build or anything else (never tested as such)."""
    if not _RELEASE.fullmatch(version):
        return None
    return tuple(int(part) for part in version.split("."))


def _at(numbers: tuple[int, ...], precision: int) -> tuple[int, ...]:
    """``numbers`` cut, or padded with zeros, to ``precision`` parts."""
    return (numbers + (0,) * precision)[:precision]


def inside(version: str, oldest: str, newest: str) -> bool:
    """Whether ``version`` lies between the two bounds, each compared at its own precision."""
    numbers, low, high = release(version), release(oldest), release(newest)
    if numbers is None or low is None or high is None:
        return False
    return _at(numbers, len(low)) >= low and _at(numbers, len(high)) <= high


def installed_versions(packages: tuple[str, ...] = tuple(TESTED)) -> dict[str, str]:
    """The installed version of each package ("not installed" when it is not)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass(frozen=True)
class Decision:
    """Whether this run's accelerators are on, and why (run.json's ``dbt.accelerators``)."""

    setting: str                  # runtime.dbt_accelerators: auto | on | off
    active: bool
    why: str
    versions: dict[str, str]      # the versions seen, one per package of the table
    outside: dict[str, str] = field(default_factory=dict)   # those not inside the table

    def warning(self) -> str | None:
        """The one line to warn with, or None when there is nothing to say."""
        if not self.outside or self.setting == "off":
            return None
        what = ", ".join(f"{name} {version} (tested {TESTED[name][0]} to {TESTED[name][1]})"
                         for name, version in self.outside.items())
        if self.active:
            return (f"dbt accelerators on (runtime.dbt_accelerators=on) with versions they were not tested "
                    f"with: {what}")
        return (f"dbt accelerators off: {what} outside the versions they were tested with; dbt's own code "
                f"runs (runtime.dbt_accelerators=on to use them anyway)")

    def record(self) -> dict[str, object]:
        return {"setting": self.setting, "active": self.active, "why": self.why, "versions": dict(self.versions),
                "outside": dict(self.outside)}


def decide(setting: str = "auto", versions: Mapping[str, str] | None = None) -> Decision:
    """The gate: ``versions`` (package -> version; the installed ones by default) against
    ``TESTED``, under ``setting``."""
    if setting not in SETTINGS:
        raise ValueError(f"runtime.dbt_accelerators must be one of {', '.join(SETTINGS)}, not {setting!r}")
    seen = dict(versions) if versions is not None else installed_versions()
    outside = {name: seen.get(name, "not installed") for name, (oldest, newest) in TESTED.items()
               if not inside(seen.get(name, "not installed"), oldest, newest)}
    seen = {name: seen.get(name, "not installed") for name in TESTED}
    if setting == "off":
        return Decision(setting, False, "runtime.dbt_accelerators=off: dbt's own code only", seen, outside)
    if setting == "on":
        why = "runtime.dbt_accelerators=on" + (", outside the tested versions" if outside else "")
        return Decision(setting, True, why, seen, outside)
    if outside:
        return Decision(setting, False, "outside the tested versions: " + ", ".join(
            f"{name} {version}" for name, version in outside.items()), seen, outside)
    return Decision(setting, True, "every version inside the tested table", seen, outside)


_WARNED: set[str] = set()
_WARNED_LOCK = threading.Lock()


def warn_once(line: str | None) -> None:
    """Log ``line`` as a warning, once per process (a sweep's runs in one process would repeat it)."""
    if line is None:
        return
    with _WARNED_LOCK:
        if line in _WARNED:
            return
        _WARNED.add(line)
    log.warning(line)
