"""CI regression gate: compare a run's per-year metrics with committed golden values.

Used by the ``+ci=<name>`` presets as a critical hook: any drift beyond the tolerance fails
the run with a readable diff (metric, year, golden, got). Regenerating the golden values is a
deliberate act: ``planalign +ci=smoke hooks.regression.update=true``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from planalign.errors import PlanalignError
from planalign.hooks.builtin import Hook
from planalign.hooks.specs import hookimpl
from planalign.paths import CONF_DIR

IGNORED_COLUMNS = {"simulation_year", "scenario_id", "plan_design_id"}


class RegressionDrift(PlanalignError):
    pass


def summary_metrics(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """{metric: {year: value}} for every numeric or boolean summary column."""
    out: dict[str, dict[str, Any]] = {}
    for column in frame.columns:
        if column in IGNORED_COLUMNS or frame.schema[column] == pl.Utf8:
            continue
        out[column] = {str(y): v for y, v in zip(frame.get_column("simulation_year").to_list(),
                                                 frame.get_column(column).to_list(), strict=True)}
    return out


def compare(golden: dict[str, dict[str, Any]], got: dict[str, dict[str, Any]], rel_tol: float,
            abs_tol: float) -> list[tuple[str, str, Any, Any]]:
    drift = []
    for metric in sorted(set(golden) | set(got)):
        years = sorted(set(golden.get(metric, {})) | set(got.get(metric, {})))
        for year in years:
            g = golden.get(metric, {}).get(year, "<missing>")
            v = got.get(metric, {}).get(year, "<missing>")
            if isinstance(g, int | float) and isinstance(v, int | float) and not isinstance(g, bool):
                if isinstance(g, float) or isinstance(v, float):
                    if math.isclose(g, v, rel_tol=rel_tol, abs_tol=abs_tol):
                        continue
                elif g == v:
                    continue
            elif g == v:
                continue
            drift.append((metric, year, g, v))
    return drift


def format_drift(name: str, drift: list[tuple[str, str, Any, Any]], golden_path: Path) -> str:
    rows = [("metric", "year", "golden", "got")] + [(m, y, str(g), str(v)) for m, y, g, v in drift]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (f"regression '{name}': {len(drift)} metric values drifted from {golden_path}\n" + "\n".join(lines)
            + "\nIf the change is intended, regenerate: planalign +ci=<name> hooks.regression.update=true")


class RegressionGate(Hook):
    def __init__(self, name: str, golden: str, key: str = "default", rel_tol: float = 1e-9,
                 abs_tol: float = 1e-6, update: bool = False, critical: bool = True):
        super().__init__(critical)
        self.name = name
        path = Path(golden)
        self.golden_path = path if path.is_absolute() else CONF_DIR / path
        self.key = str(key)
        self.rel_tol = rel_tol
        self.abs_tol = abs_tol
        self.update = update

    def _load(self) -> dict[str, Any]:
        if self.golden_path.exists():
            return json.loads(self.golden_path.read_text())
        return {}

    @hookimpl
    def after_simulation(self, run: Any, summary: Any) -> None:
        got = summary_metrics(summary.summary)
        data = self._load()
        if self.update:
            data[self.key] = got
            self.golden_path.parent.mkdir(parents=True, exist_ok=True)
            self.golden_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            print(f"regression '{self.name}': golden values for {self.key!r} written to {self.golden_path}")
            return
        if self.key not in data:
            raise RegressionDrift(f"regression '{self.name}': no golden values for {self.key!r} in "
                                  f"{self.golden_path}; create them with hooks.regression.update=true")
        drift = compare(data[self.key], got, self.rel_tol, self.abs_tol)
        if drift:
            raise RegressionDrift(format_drift(self.name, drift, self.golden_path))
        print(f"regression '{self.name}' ({self.key}): {sum(len(v) for v in got.values())} values match golden")
