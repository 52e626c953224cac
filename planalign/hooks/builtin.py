"""Built-in observers: a progress display and a timing/memory recorder."""

from __future__ import annotations

import sys
import time
from typing import Any

import psutil

from planalign.hooks.specs import hookimpl


class Hook:
    """Base class: ``critical=True`` makes a failure of this hook stop the run."""

    critical: bool = False

    def __init__(self, critical: bool = False):
        self.critical = critical


class ProgressHook(Hook):
    """Years x stages progress on stderr: one line per year, updated in place on a terminal."""

    def __init__(self, critical: bool = False, stream: Any = None):
        super().__init__(critical)
        self.stream = stream or sys.stderr
        self._years: list[int] = []
        self._stages: list[str] = []
        self._done: list[str] = []
        self._t0 = 0.0

    def _enabled(self, run: Any) -> bool:
        return bool(getattr(getattr(run, "settings", None), "runtime", None) is None or run.settings.runtime.progress)

    def _write(self, text: str, final: bool = False) -> None:
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        if tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()

    @hookimpl
    def before_simulation(self, run: Any, years: list[int]) -> None:
        self._years = list(years)
        self._t0 = time.perf_counter()
        if self._enabled(run):
            self._write(f"planalign: simulating {years[0]}-{years[-1]} ({len(years)} years), engine={run.engine_name}",
                        final=True)

    @hookimpl
    def before_year(self, run: Any, year: int, stages: list[str]) -> None:
        self._stages = list(stages)
        self._done = []

    @hookimpl
    def after_stage(self, run: Any, year: int, stage: str, seconds: float) -> None:
        self._done.append(f"{stage.lower()} {seconds:.2f}s")
        if self._enabled(run):
            index = self._years.index(year) + 1 if year in self._years else 0
            bar = "".join("#" if i < len(self._done) else "." for i in range(len(self._stages)))
            self._write(f"  year {year} [{index}/{len(self._years)}] [{bar}] {stage.lower()}")

    @hookimpl
    def after_year(self, run: Any, year: int, seconds: float) -> None:
        if self._enabled(run):
            index = self._years.index(year) + 1 if year in self._years else 0
            self._write(f"  year {year} [{index}/{len(self._years)}] done in {seconds:.2f}s  ("
                        + ", ".join(self._done) + ")", final=True)

    @hookimpl
    def on_error(self, run: Any, year: int | None, stage: str | None, error: BaseException) -> None:
        if self._enabled(run):
            self._write(f"  year {year} FAILED in {stage}: {error}", final=True)


class TimingMemoryHook(Hook):
    """Records wall time and resident memory after every stage (kept in ``samples``)."""

    def __init__(self, critical: bool = False):
        super().__init__(critical)
        self.samples: list[dict[str, Any]] = []
        self._process = psutil.Process()

    @hookimpl
    def after_stage(self, run: Any, year: int, stage: str, seconds: float) -> None:
        rss = self._process.memory_info().rss
        sample = {"year": year, "stage": stage, "seconds": round(seconds, 4), "rss_mib": round(rss / 2**20, 1)}
        self.samples.append(sample)
        record = getattr(run, "record", None)   # run.json's memory_samples
        if record is not None:
            record.metrics.setdefault("memory_samples", []).append(sample)
