"""Resolve YAML assumptions and seed CSVs into the parameter tables of one simulation year.

Why here and not in each engine: constants such as merit rates, hazard products and the
reciprocal 1/D(Y) must be bit-identical in DuckDB and Polars. Computing them once in Python
(in a fixed multiplication order) and handing both engines the same DOUBLE values removes
every chance of the engines disagreeing on a constant (docs/methodology.md §0, §4.5).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from planalign.config.schema import (
    AGE_SEGMENTS,
    INCOME_SEGMENTS,
    LEVEL_SEGMENTS,
    TENURE_SEGMENTS,
    ContributionEligibility,
    Settings,
)
from planalign.errors import ConfigError
from planalign.paths import SEEDS_DIR
from planalign.random.draws import SALTS, SUBSYSTEM_OF_STREAM, year_stream_constant


def basis_points(weight: float) -> int:
    return int(math.floor(weight * 10000 + 0.5))


def rate_units(rate: float) -> int:
    """Deferral rates, tier bounds, caps and increments as integer units of 0.001 % (docs/methodology.md §0)."""
    return int(math.floor(rate * 100000 + 0.5))


UNIT = 1e-5  # one rate unit as a fraction; units are exposed as units * UNIT


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
            **self.plan_tables(year),
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

    # ------------------------------------------------------------------ DC plan (docs/methodology.md §5)
    def plan_tables(self, year: int) -> dict[str, pl.DataFrame]:
        """The plan design resolved for the year: scalars, segment bounds, per-cell enrollment
        probabilities and rates, match tiers and core tiers. Rates are integer units; products of
        configured factors are multiplied here once, left to right, so both engines read the same
        DOUBLE values."""
        return {
            "param_plan": self._plan_scalars(year),
            "param_plan_age_segments": self._age_segments(),
            "param_plan_income_segments": self._income_segments(),
            "param_plan_level_segments": self._level_segments(),
            "param_plan_tenure_segments": self._tenure_segments(),
            "param_enrollment_cells": self._enrollment_cells(),
            "param_match_tiers": self._match_tiers(),
            "param_core_tiers": self._core_tiers(),
        }

    @staticmethod
    def _eligibility_row(prefix: str, e: ContributionEligibility) -> dict[str, object]:
        return {
            f"{prefix}_min_tenure_years": e.minimum_tenure_years,
            f"{prefix}_require_active_eoy": e.require_active_at_year_end,
            f"{prefix}_min_hours": e.minimum_hours_annual,
            f"{prefix}_allow_new_hires": e.allow_new_hires,
            f"{prefix}_allow_terminated_new_hires": e.allow_terminated_new_hires,
            f"{prefix}_allow_experienced_terminations": e.allow_experienced_terminations,
        }

    def _match_mode(self) -> tuple[str, bool, float, str]:
        """(basis, has_cap, cap, formula label) of the active match mode."""
        m = self.settings.plan.employer_match
        status = m.employer_match_status
        if status == "deferral_based":
            return "none", True, float(m.formulas[m.active_formula].match_cap_pct), m.active_formula
        if status in ("graded_by_service", "tenure_based"):
            return "years", False, 0.0, status
        if status == "points_based":
            return "points", False, 0.0, status
        return "years", False, 0.0, status  # tenure_graded: bands by years, tier list per band

    def _hce_threshold(self, year: int) -> float:
        years = self.irs_limits.get_column("limit_year").to_list()
        nearest = min(years, key=lambda y: (abs(y - year), y))
        row = self.irs_limits.filter(pl.col("limit_year") == nearest)
        return float(row.get_column("hce_compensation_threshold").item())

    def _plan_scalars(self, year: int) -> pl.DataFrame:
        s = self.settings
        plan = s.plan
        en = plan.enrollment
        ae, pro, vol, yoy, mag = (en.auto_enrollment, en.proactive_enrollment, en.voluntary_enrollment,
                                  en.year_over_year_conversion, en.match_magnet)
        esc, mr = plan.deferral_auto_escalation, plan.deferral_match_response
        match, core = plan.employer_match, plan.employer_core_contribution
        basis, has_cap, cap, formula = self._match_mode()
        core_basis = {"flat": "none", "graded_by_service": "years", "age_banded": "age",
                      "points_based": "points", "none": "none"}[core.status]
        row: dict[str, object] = {
            "simulation_year": year,
            "plan_enabled": plan.enabled,
            "plan_name": plan.name,
            # eligibility (§5.1)
            "eligibility_minimum_age": plan.plan_eligibility.minimum_age,
            "eligibility_waiting_period_days": plan.plan_eligibility.waiting_period_days,
            "new_hire_ineligible_pct": float(plan.plan_eligibility.new_hire_ineligible_pct),
            # auto-enrollment (§5.3)
            "ae_enabled": ae.enabled,
            "ae_scope_all": ae.scope == "all_eligible_employees",
            "ae_hire_date_cutoff": ae.hire_date_cutoff,
            "ae_window_days": ae.window_days,
            "ae_default_rate_units": rate_units(ae.default_deferral_rate),
            "opt_out_grace_days": ae.opt_out_grace_period,
            "proactive_enabled": pro.enabled,
            "proactive_min_days": pro.timing_window.min_days,
            # R(n) needs n >= 1; with max = min the only offset is 0 = R(1).
            "proactive_span_days": max(pro.timing_window.max_days - pro.timing_window.min_days, 1),
            "voluntary_enabled": vol.enabled,
            "yoy_enabled": yoy.enabled,
            "yoy_date": mmdd_date(year, yoy.effective_mmdd),
            # voluntary rate selection (§5.4)
            "magnet_enabled": mag.enabled,
            "magnet_snap_probability": float(mag.snap_probability),
            "magnet_max_rate_units": rate_units(mag.max_deferral_rate),
            "voluntary_min_rate_units": rate_units(mag.min_deferral_rate),
            "voluntary_max_rate_units": rate_units(vol.voluntary_max_deferral_rate),
            "plan_deferral_cap_units": rate_units(plan.deferral_rates.plan_deferral_cap),
            # escalation (§5.5)
            "esc_enabled": esc.enabled,
            "esc_date": mmdd_date(year, esc.effective_day),
            "esc_increment_units": rate_units(esc.increment_amount),
            "esc_max_rate_units": rate_units(esc.maximum_rate),
            "esc_hire_date_cutoff": esc.hire_date_cutoff,
            "esc_first_delay_years": esc.first_escalation_delay_years,
            "esc_min_step_units": rate_units(0.001),
            # match response (§5.6): first simulation year only
            "mr_enabled": mr.enabled and year == s.start_year,
            "mr_up_rate": float(mr.upward_participation_rate),
            "mr_up_max_threshold": float(mr.upward_participation_rate) * float(mr.upward_maximize_rate),
            "mr_up_factor": float(mr.upward_partial_increase_factor),
            "mr_down_enabled": mr.downward_enabled,
            "mr_down_rate": float(mr.downward_participation_rate),
            "mr_down_max_threshold": float(mr.downward_participation_rate) * float(mr.downward_reduce_to_max_rate),
            "mr_down_factor": float(mr.downward_partial_decrease_factor),
            # contributions (§5.7)
            "pre_tax_share": 0.85,
            "prior_hce_threshold": self._hce_threshold(year - 1),
            # employer match (§5.8, §5.9)
            "match_enabled": match.enabled,
            "match_status": match.employer_match_status,
            "match_formula": formula,
            "match_basis": basis,
            "match_has_cap": has_cap,
            "match_cap_pct": cap,
            "match_apply_eligibility": match.apply_eligibility,
            "match_simple_rule_min_hours": 1000,  # apply_eligibility = false: active at Dec 31, 1,000 hours
            **self._eligibility_row("match", match.eligibility),
            # employer core (§5.10)
            "core_enabled": core.enabled and core.status != "none",
            "core_status": core.status,
            "core_basis": core_basis,
            **self._eligibility_row("core", core.eligibility),
        }
        ints = [k for k, v in row.items()
                if isinstance(v, int) and not isinstance(v, bool) and k != "simulation_year"]
        return pl.DataFrame([row]).with_columns(
            [pl.col(k).cast(pl.Int64) for k in ints]
            + [pl.col(k).cast(pl.Date) for k in ("ae_hire_date_cutoff", "esc_hire_date_cutoff")]
            + [pl.col("simulation_year").cast(pl.Int32)]
        )

    def _age_segments(self) -> pl.DataFrame:
        """Age segments [min, max) from the inclusive upper ages (young <= 30, ...)."""
        bounds = self.settings.plan.enrollment.segments.age_upper_bounds
        rows, low = [], 0
        for i, seg in enumerate(AGE_SEGMENTS):
            high = bounds[seg] + 1 if seg in bounds else None
            rows.append((i + 1, seg, low, high))
            low = high
        return pl.DataFrame(rows, schema={"segment_order": pl.Int32, "age_segment": pl.Utf8,
                                          "min_age": pl.Int64, "max_age": pl.Int64}, orient="row")

    def _income_segments(self) -> pl.DataFrame:
        bounds = [float(b) for b in self.settings.plan.enrollment.segments.income_bounds]
        lows = [0.0, *bounds]
        highs = [*bounds, None]
        rows = [(i + 1, seg, lo, hi) for i, (seg, lo, hi) in enumerate(zip(INCOME_SEGMENTS, lows, highs, strict=True))]
        return pl.DataFrame(rows, schema={"segment_order": pl.Int32, "income_segment": pl.Utf8,
                                          "min_compensation": pl.Float64, "max_compensation": pl.Float64},
                            orient="row")

    def _level_segments(self) -> pl.DataFrame:
        """L1-2 individual, L3-4 senior, L5-6 manager, L7+ executive (docs/methodology.md §5.3)."""
        levels = sorted(int(x) for x in self.levels_seed.get_column("level_id").to_list())
        rows = [(lvl, LEVEL_SEGMENTS[min((lvl - 1) // 2, 3)]) for lvl in levels]
        return pl.DataFrame(rows, schema={"level_id": pl.Int32, "level_segment": pl.Utf8}, orient="row")

    def _tenure_segments(self) -> pl.DataFrame:
        rows = [(1, "new_employee", 0, 2), (2, "established", 2, 5), (3, "veteran", 5, None)]
        return pl.DataFrame(rows, schema={"segment_order": pl.Int32, "tenure_segment": pl.Utf8,
                                          "min_years": pl.Int64, "max_years": pl.Int64}, orient="row")

    def _enrollment_cells(self) -> pl.DataFrame:
        """Every (age, income, level, tenure) segment cell with its resolved probabilities:
        p_proactive = probability_by_age x voluntary_enrollment_rate
        p_opt_out   = target x age_mult x income_mult
        p_voluntary = min(1, base x income_mult x level_mult x voluntary_enrollment_rate)
        p_yoy       = base x income_mult x tenure_mult x voluntary_enrollment_rate
        plus the demographic voluntary rate (§5.4 grid) and the YoY rate, in units."""
        en = self.settings.plan.enrollment
        pro, vol, yoy = en.proactive_enrollment, en.voluntary_enrollment, en.year_over_year_conversion
        opt = en.auto_enrollment.opt_out_rates
        ver = float(vol.voluntary_enrollment_rate)

        def income(mapping: dict[str, float], seg: str) -> float:
            return float(mapping["low"] if seg == "low_income" and "low" in mapping else mapping[seg])

        rows = []
        for age in AGE_SEGMENTS:
            for i, inc in enumerate(INCOME_SEGMENTS):
                for lvl in LEVEL_SEGMENTS:
                    for ten in TENURE_SEGMENTS:
                        rows.append({
                            "age_segment": age,
                            "income_segment": inc,
                            "level_segment": lvl,
                            "tenure_segment": ten,
                            "p_proactive": float(pro.probability_by_age[age]) * ver,
                            "p_opt_out": float(opt.target) * float(opt.age_mult[age]) * income(opt.income_mult, inc),
                            "p_voluntary": min(1.0, float(vol.base_rates_by_age[age]) * income(vol.income_multipliers, inc)
                                               * float(vol.job_level_multipliers[lvl]) * ver),
                            "p_yoy": float(yoy.base_rates_by_age[age]) * income(yoy.income_multipliers, inc)
                            * float(yoy.tenure_multipliers[ten]) * ver,
                            "voluntary_rate_units": rate_units(vol.deferral_rates[age][i]),
                            "yoy_rate_units": rate_units(yoy.deferral_rates[age]),
                        })
        return pl.DataFrame(rows, schema={
            "age_segment": pl.Utf8, "income_segment": pl.Utf8, "level_segment": pl.Utf8,
            "tenure_segment": pl.Utf8, "p_proactive": pl.Float64, "p_opt_out": pl.Float64,
            "p_voluntary": pl.Float64, "p_yoy": pl.Float64, "voluntary_rate_units": pl.Int64,
            "yoy_rate_units": pl.Int64,
        })

    def _match_tiers(self) -> pl.DataFrame:
        """Tiers of the active match mode, grouped in bands of the mode's basis (years, points,
        or one open band). tier: round_cents(match_rate x min(max(Dc - employee_min_pct x C, 0),
        tier_width_pct x C)); the magnet ceiling of a band is its max employee_max_units."""
        m = self.settings.plan.employer_match
        bands: list[tuple[float, float | None, list[tuple[float, float, float]]]]
        if m.employer_match_status == "deferral_based":
            bands = [(0.0, None, list(m.formulas[m.active_formula].tiers))]
        elif m.employer_match_status in ("graded_by_service", "tenure_based"):
            bands = [(t.min, t.max, [(0.0, t.max_deferral_pct, t.rate)]) for t in m.service_schedule]
        elif m.employer_match_status == "points_based":
            bands = [(t.min, t.max, [(0.0, t.max_deferral_pct, t.rate)]) for t in m.points_schedule]
        else:
            bands = [(b.min_years, b.max_years, list(b.tiers)) for b in m.tenure_graded_schedule]
        rows = []
        if m.enabled:
            for band_id, (lo, hi, tiers) in enumerate(sorted(bands, key=lambda b: b[0]), start=1):
                for tier_id, (emin, emax, rate) in enumerate(sorted(tiers), start=1):
                    umin, umax = rate_units(emin), rate_units(emax)
                    rows.append((band_id, float(lo), None if hi is None else float(hi), tier_id,
                                 umin, umax, umin * UNIT, (umax - umin) * UNIT, float(rate)))
        return pl.DataFrame(rows, schema={
            "band_id": pl.Int32, "band_min": pl.Float64, "band_max": pl.Float64, "tier_id": pl.Int32,
            "employee_min_units": pl.Int64, "employee_max_units": pl.Int64, "employee_min_pct": pl.Float64,
            "tier_width_pct": pl.Float64, "match_rate": pl.Float64,
        }, orient="row")

    def _core_tiers(self) -> pl.DataFrame:
        """Core rate bands of the core basis (flat = one open band)."""
        c = self.settings.plan.employer_core_contribution
        schedule = {"graded_by_service": c.graded_schedule, "age_banded": c.age_schedule,
                    "points_based": c.points_schedule}.get(c.status)
        if not c.enabled or c.status == "none":
            rows = []
        elif schedule is None:
            rows = [(1, 0.0, None, float(c.contribution_rate))]
        else:
            rows = [(i, float(lo), None if hi is None else float(hi), float(rate))
                    for i, (lo, hi, rate) in enumerate(sorted(schedule, key=lambda t: t[0]), start=1)]
        return pl.DataFrame(rows, schema={"band_id": pl.Int32, "band_min": pl.Float64, "band_max": pl.Float64,
                                          "core_rate": pl.Float64}, orient="row")

    def _irs_limits(self, year: int) -> pl.DataFrame:
        """The IRS limit row of the year, from the nearest table year outside the table."""
        years = self.irs_limits.get_column("limit_year").to_list()
        nearest = min(years, key=lambda y: (abs(y - year), y))
        row = self.irs_limits.filter(pl.col("limit_year") == nearest)
        return row.with_columns(pl.lit(year, dtype=pl.Int32).alias("simulation_year"))
