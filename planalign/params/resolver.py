"""Resolve YAML assumptions and seed CSVs into the parameter tables of one simulation year.

Why here and not in each engine: constants such as merit rates, hazard products and the
reciprocal 1/D(Y) must be bit-identical in DuckDB and Polars. Computing them once in Python
(in a fixed multiplication order) and handing both engines the same DOUBLE values removes
every chance of the engines disagreeing on a constant (domain.md §0, §4.5).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from planalign.config.schema import Settings
from planalign.errors import ConfigError
from planalign.paths import SEEDS_DIR
from planalign.random.draws import SALTS, SUBSYSTEM_OF_STREAM, year_stream_constant


def basis_points(weight: float) -> int:
    return int(math.floor(weight * 10000 + 0.5))


def mmdd_date(year: int, mmdd: str) -> date:
    month, day = (int(x) for x in mmdd.split("-"))
    day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass
class CompensationOverrides:
    """Mid-run changes from ``update_compensation_parameters``, keyed by first year they apply."""

    by_year: dict[int, dict[str, float]] = field(default_factory=dict)

    def effective(self, year: int) -> dict[str, float]:
        merged: dict[str, float] = {}
        for first_year in sorted(self.by_year):
            if first_year <= year:
                merged.update(self.by_year[first_year])
        return merged


@dataclass(frozen=True)
class ResolvedYear:
    """The parameter tables of one year, as Polars frames named like their DuckDB tables."""

    year: int
    tables: dict[str, pl.DataFrame]

    def scalar(self, name: str):
        return self.tables["param_scalars"].get_column(name).item()


class ParameterResolver:
    """Builds ``param_*`` tables for a year from validated settings and the seed CSVs."""

    def __init__(self, settings: Settings, seeds_dir: Path = SEEDS_DIR):
        self.settings = settings
        self.seeds_dir = seeds_dir
        self.overrides = CompensationOverrides()
        self.levels_seed = pl.read_csv(seeds_dir / "config_job_levels.csv")
        self.age_bands = pl.read_csv(seeds_dir / "config_age_bands.csv", schema_overrides={"band_label": pl.Utf8})
        self.tenure_bands = pl.read_csv(
            seeds_dir / "config_tenure_bands.csv", schema_overrides={"band_label": pl.Utf8}
        )
        self.irs_limits = pl.read_csv(seeds_dir / "config_irs_limits.csv")
        self.raise_timing = pl.read_csv(seeds_dir / "config_raise_timing_distribution.csv")
        self._check_level_config()

    # ------------------------------------------------------------------ validation
    def _check_level_config(self) -> None:
        levels = set(self.levels_seed.get_column("level_id").to_list())
        nh = self.settings.new_hire.compensation
        for name, mapping in (
            ("new_hire.compensation.percentile_by_level", nh.percentile_by_level),
            ("new_hire.compensation.market_adjustment_by_level", nh.market_adjustment_by_level),
        ):
            missing = sorted(levels - set(mapping))
            unknown = sorted(set(mapping) - levels)
            if missing or unknown:
                raise ConfigError(
                    f"invalid configuration:\n  {name}: levels must be exactly {sorted(levels)}"
                    f" (missing {missing}, unknown {unknown})"
                )
        unknown = sorted(set(self.settings.compensation.promotion_compensation.level_overrides) - levels)
        if unknown:
            raise ConfigError(
                "invalid configuration:\n  compensation.promotion_compensation.level_overrides: "
                f"unknown levels {unknown}"
            )
        profile = self.settings.raise_timing.distribution_profile
        if profile not in set(self.raise_timing.get_column("profile").to_list()):
            raise ConfigError(f"invalid configuration:\n  raise_timing.distribution_profile: unknown profile {profile!r}")

    # ------------------------------------------------------------------ updates
    def update_compensation(self, first_year: int, **values: float) -> None:
        self.overrides.by_year.setdefault(first_year, {}).update(values)

    def compensation_for(self, year: int) -> tuple[float, float | None]:
        eff = self.overrides.effective(year)
        comp = self.settings.compensation
        return eff.get("cola_rate", comp.cola_rate), eff.get("merit_budget", comp.merit_budget)

    # ------------------------------------------------------------------ tables
    def resolve(self, year: int) -> ResolvedYear:
        tables = {
            "param_scalars": self._scalars(year),
            "param_levels": self._levels(year),
            "param_age_bands": self.age_bands.select("band_id", "band_label", "min_value", "max_value"),
            "param_tenure_bands": self.tenure_bands.select("band_id", "band_label", "min_value", "max_value"),
            "param_hazard_termination": self._termination_hazards(),
            "param_hazard_promotion": self._promotion_hazards(),
            "param_new_hire_ages": self._new_hire_ages(),
            "param_raise_months": self._raise_months(),
            "param_irs_limits": self._irs_limits(year),
        }
        return ResolvedYear(year=year, tables=tables)

    def _scalars(self, year: int) -> pl.DataFrame:
        s = self.settings
        days = 366 if calendar.isleap(year) else 365
        cola, _ = self.compensation_for(year)
        promo = s.compensation.promotion_compensation
        total_bp = int(self._new_hire_ages().get_column("weight_bp").sum())
        row: dict[str, object] = {
            "simulation_year": year,
            "start_year": s.start_year,
            "is_start_year": year == s.start_year,
            "jan1": date(year, 1, 1),
            "jan1_prev": date(year - 1, 1, 1),
            "dec31": date(year, 12, 31),
            "days_in_year": days,
            "r_d": 1.0 / days,
            "census_as_of": s.census_as_of,
            "scenario_id": s.simulation.scenario_id,
            "plan_design_id": s.simulation.plan_design_id,
            "target_growth_rate": float(s.simulation.target_growth_rate),
            "total_termination_rate": float(s.workforce.total_termination_rate),
            "new_hire_termination_rate": float(s.workforce.new_hire_termination_rate),
            "hire_ratio_warning": float(s.workforce.hire_ratio_warning),
            "termination_hazard_weighted": s.workforce.termination_selection == "hazard_weighted",
            "part_time_new_hire_pct": float(s.workforce.part_time_new_hire_pct),
            "use_fixed_level_distribution": bool(s.workforce.use_fixed_level_distribution),
            "new_hire_age_total_bp": total_bp,
            "promotion_date": mmdd_date(year, s.compensation.promotion_effective_mmdd),
            "promotion_min_tenure_years": s.compensation.eligibility_for_promotion.min_tenure_years,
            "promotion_max_age_exclusive": s.compensation.eligibility_for_promotion.max_age_exclusive,
            "promotion_distribution_uniform": promo.distribution_type == "uniform",
            "promotion_base_increase_pct": float(promo.base_increase_pct),
            "promotion_distribution_range": float(promo.distribution_range),
            "promotion_max_cap_pct": float(promo.max_cap_pct),
            "promotion_max_cap_amount": float(promo.max_cap_amount),
            "merit_min_tenure_years": s.compensation.eligibility_for_merit.min_tenure_years,
            "raise_methodology": s.raise_timing.methodology,
            "merit_date": mmdd_date(year, s.raise_timing.merit_effective_mmdd),
            "cola_rate": float(cola),
            "raise_max_pct": float(s.compensation.raise_caps.max_pct),
            "raise_max_amount": float(s.compensation.raise_caps.max_amount),
        }
        for stream, salt in SALTS.items():
            seed = s.seed_for(SUBSYSTEM_OF_STREAM[stream])
            row[f"c_{stream.lower()}"] = year_stream_constant(seed, salt, year)
        schema = {k: (pl.UInt64 if k.startswith("c_") else None) for k in row}
        frame = pl.DataFrame([row])
        return frame.with_columns(
            [pl.col(k).cast(pl.UInt64) for k, v in schema.items() if v is not None]
            + [pl.col(k).cast(pl.Int32) for k in (
                "simulation_year", "start_year", "days_in_year", "promotion_min_tenure_years",
                "promotion_max_age_exclusive", "merit_min_tenure_years")]
            + [pl.col("new_hire_age_total_bp").cast(pl.Int64)]
        )

    def _levels(self, year: int) -> pl.DataFrame:
        s = self.settings
        _, merit_budget = self.compensation_for(year)
        seed = self.levels_seed.sort("level_id")
        bases = [float(x) for x in seed.get_column("avg_annual_merit_increase").to_list()]
        ratio = None if merit_budget is None else merit_budget / (sum(bases) / len(bases))
        nh = s.new_hire.compensation
        scenario = 1 + nh.market_scenario_adjustment_pct / 100
        fixed = s.workforce.fixed_level_distribution_pct
        rows = []
        for rec, base in zip(seed.iter_rows(named=True), bases, strict=True):
            lvl = int(rec["level_id"])
            mn, mx = float(rec["min_compensation"]), float(rec["max_compensation"])
            rows.append(
                {
                    "level_id": lvl,
                    "level_name": rec["level_name"],
                    "min_compensation": mn,
                    "max_compensation": mx,
                    "merit_base": base,
                    "merit_rate": base if ratio is None else base * ratio,
                    "nh_avg_comp": mn + (mx - mn) * nh.percentile_by_level[lvl]
                    * nh.market_adjustment_by_level[lvl] * scenario,
                    "promotion_override_pct": s.compensation.promotion_compensation.level_overrides.get(lvl),
                    "fixed_hire_weight_bp": basis_points(fixed.get(lvl, 0.0)),
                }
            )
        return pl.DataFrame(
            rows,
            schema={
                "level_id": pl.Int32, "level_name": pl.Utf8, "min_compensation": pl.Float64,
                "max_compensation": pl.Float64, "merit_base": pl.Float64, "merit_rate": pl.Float64,
                "nh_avg_comp": pl.Float64, "promotion_override_pct": pl.Float64,
                "fixed_hire_weight_bp": pl.Int64,
            },
        )

    def _cells(self) -> list[tuple[int, str, str]]:
        levels = sorted(int(x) for x in self.levels_seed.get_column("level_id").to_list())
        ages = self.age_bands.sort("band_id").get_column("band_label").to_list()
        tenures = self.tenure_bands.sort("band_id").get_column("band_label").to_list()
        return [(lvl, a, t) for lvl in levels for a in ages for t in tenures]

    def _termination_hazards(self) -> pl.DataFrame:
        h = self.settings.hazards
        base = h.termination
        rows = []
        for lvl, age, ten in self._cells():
            level_factor = max(base.min_level_discount_multiplier, 1 - base.level_discount_factor * (lvl - 1))
            value = base.base_rate_for_new_hire * h.termination_tenure_mult[ten] * h.termination_age_mult[age]
            rows.append((lvl, age, ten, value * level_factor))
        return pl.DataFrame(
            rows, schema={"level_id": pl.Int32, "age_band": pl.Utf8, "tenure_band": pl.Utf8, "h_term": pl.Float64},
            orient="row",
        )

    def _promotion_hazards(self) -> pl.DataFrame:
        h = self.settings.hazards
        rows = []
        for lvl, age, ten in self._cells():
            level_factor = max(0.0, 1 - h.promotion.level_dampener_factor * (lvl - 1))
            value = h.promotion.base_rate * h.promotion_tenure_mult[ten] * h.promotion_age_mult[age]
            rows.append((lvl, age, ten, min(1.0, value * level_factor * h.promotion_rate_multiplier)))
        return pl.DataFrame(
            rows, schema={"level_id": pl.Int32, "age_band": pl.Utf8, "tenure_band": pl.Utf8, "p_promo": pl.Float64},
            orient="row",
        )

    def _new_hire_ages(self) -> pl.DataFrame:
        pairs = sorted(self.settings.new_hire.age_distribution)
        cum = 0
        rows = []
        for age, weight in pairs:
            bp = basis_points(weight)
            cum += bp
            rows.append((age, bp, cum))
        return pl.DataFrame(rows, schema={"age": pl.Int32, "weight_bp": pl.Int64, "cum_bp": pl.Int64}, orient="row")

    def _raise_months(self) -> pl.DataFrame:
        profile = self.settings.raise_timing.distribution_profile
        months = self.raise_timing.filter(pl.col("profile") == profile).sort("month")
        cum = 0
        rows = []
        for rec in months.iter_rows(named=True):
            cum += basis_points(float(rec["weight"]))
            rows.append((int(rec["month"]), cum))
        return pl.DataFrame(rows, schema={"month": pl.Int32, "cum_bp": pl.Int64}, orient="row")

    def _irs_limits(self, year: int) -> pl.DataFrame:
        """The IRS limit row of the year, from the nearest table year outside the table."""
        years = self.irs_limits.get_column("limit_year").to_list()
        nearest = min(years, key=lambda y: (abs(y - year), y))
        row = self.irs_limits.filter(pl.col("limit_year") == nearest)
        return row.with_columns(pl.lit(year, dtype=pl.Int32).alias("simulation_year"))
