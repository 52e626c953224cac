"""The composed config, validated at the boundary before anything runs.

Hydra composes YAML; pydantic then refuses what cannot be simulated: unknown keys (a typo
would otherwise be silently ignored), rates outside [0, 1], reversed years. Every model
forbids extra keys so the error names the offending key with its full dotted path.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveMultiplier = Annotated[float, Field(gt=0.0, le=100.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
MMDD = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]

AGE_BANDS = ("< 25", "25-34", "35-44", "45-54", "55-64", "65+")
TENURE_BANDS = ("< 2", "2-4", "5-9", "10-19", "20+")
SUBSYSTEMS = ("termination", "hiring", "promotion", "merit", "eligibility", "enrollment", "deferral")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_keys(value: dict, expected: tuple, what: str) -> dict:
    missing = [k for k in expected if k not in value]
    unknown = [k for k in value if k not in expected]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected {list(expected)}")
    if missing:
        raise ValueError(f"missing {what} {missing}")
    return value


# ----------------------------------------------------------------------------- years


class YearRange(Strict):
    start_year: int
    end_year: int

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


YEAR_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def parse_years(value: object) -> YearRange:
    """Accept ``2027``, ``"2027"`` and ``"2025-2030"``; refuse reversed or absurd ranges."""
    if isinstance(value, bool):
        raise ValueError(f"years: expected YYYY or YYYY-YYYY, got {value!r}")
    if isinstance(value, int):
        start = end = value
    else:
        match = YEAR_PATTERN.match(str(value))
        if not match:
            raise ValueError(f"years: expected YYYY or YYYY-YYYY (e.g. 2025-2030), got {value!r}")
        start = int(match.group(1))
        end = int(match.group(2) or match.group(1))
    if end < start:
        raise ValueError(f"years: end year {end} is before start year {start} (write {end}-{start}?)")
    if not (1900 <= start <= 2200 and end - start <= 100):
        raise ValueError(f"years: {start}-{end} is outside 1900-2200 or longer than 100 years")
    return YearRange(start_year=start, end_year=end)


# ----------------------------------------------------------------------------- census


class CensusConfig(Strict):
    source: Literal["synthetic", "file", "edge"]
    path: str | None = None
    size: Annotated[int, Field(ge=1, le=50_000_000)] = 5000
    seed: int = 42
    terminated_pct: Rate = 0.0
    participation_pct: Rate = 0.80
    part_time_pct: Rate = 0.0
    escalation_opt_out_pct: Rate = 0.0

    @model_validator(mode="after")
    def _path_for_files(self) -> CensusConfig:
        if self.source == "file" and not self.path:
            raise ValueError("census.path is required with census=file")
        return self


# ----------------------------------------------------------------------------- workforce


class SimulationConfig(Strict):
    target_growth_rate: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.03
    census_as_of: date | None = None
    scenario_id: str = "default"
    plan_design_id: str = "default"
    random_seed_overrides: dict[str, int] = Field(default_factory=dict)

    @field_validator("random_seed_overrides")
    @classmethod
    def _known_subsystems(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [k for k in value if k not in SUBSYSTEMS]
        if unknown:
            raise ValueError(f"unknown subsystem {unknown}; expected some of {list(SUBSYSTEMS)}")
        return value


class WorkforceConfig(Strict):
    total_termination_rate: Rate = 0.12
    new_hire_termination_rate: Annotated[float, Field(ge=0.0, lt=0.99)] = 0.25
    termination_selection: Literal["hazard_weighted", "uniform"] = "hazard_weighted"
    part_time_new_hire_pct: Rate = 0.0
    hire_ratio_warning: NonNegative = 0.50
    use_fixed_level_distribution: bool = False
    fixed_level_distribution_pct: dict[int, Rate] = Field(default_factory=dict)


class TerminationHazardBase(Strict):
    base_rate_for_new_hire: Annotated[float, Field(gt=0.0, le=10.0)] = 0.42
    level_discount_factor: Rate = 0.10
    min_level_discount_multiplier: Annotated[float, Field(gt=0.0, le=1.0)] = 0.40


class PromotionHazardBase(Strict):
    base_rate: Rate = 0.04
    level_dampener_factor: Rate = 0.15


class HazardsConfig(Strict):
    termination: TerminationHazardBase = TerminationHazardBase()
    termination_tenure_mult: dict[str, PositiveMultiplier]
    termination_age_mult: dict[str, PositiveMultiplier]
    promotion: PromotionHazardBase = PromotionHazardBase()
    promotion_tenure_mult: dict[str, Annotated[float, Field(ge=0.0, le=100.0)]]
    promotion_age_mult: dict[str, Annotated[float, Field(ge=0.0, le=100.0)]]
    promotion_rate_multiplier: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0

    @field_validator("termination_tenure_mult", "promotion_tenure_mult")
    @classmethod
    def _tenure_bands(cls, value: dict) -> dict:
        return _check_keys(value, TENURE_BANDS, "tenure band")

    @field_validator("termination_age_mult", "promotion_age_mult")
    @classmethod
    def _age_bands(cls, value: dict) -> dict:
        return _check_keys(value, AGE_BANDS, "age band")


class RaiseCaps(Strict):
    max_pct: Rate = 0.50
    max_amount: NonNegative = 250000


class PromotionCompensation(Strict):
    base_increase_pct: Rate = 0.20
    distribution_range: Rate = 0.05
    distribution_type: Literal["uniform", "deterministic"] = "uniform"
    max_cap_pct: Rate = 0.30
    max_cap_amount: NonNegative = 500000
    level_overrides: dict[int, Rate] = Field(default_factory=dict)


class PromotionEligibility(Strict):
    min_tenure_years: Annotated[int, Field(ge=0)] = 1
    max_age_exclusive: Annotated[int, Field(ge=1)] = 65


class MeritEligibility(Strict):
    min_tenure_years: Annotated[int, Field(ge=0)] = 1


class CompensationConfig(Strict):
    cola_rate: Rate = 0.02
    merit_budget: Rate | None = 0.035
    raise_caps: RaiseCaps = RaiseCaps()
    promotion_compensation: PromotionCompensation = PromotionCompensation()
    promotion_effective_mmdd: MMDD = "02-01"
    eligibility_for_promotion: PromotionEligibility = PromotionEligibility()
    eligibility_for_merit: MeritEligibility = MeritEligibility()


class RaiseTimingConfig(Strict):
    methodology: Literal["calendar_driven", "realistic", "legacy"] = "calendar_driven"
    merit_effective_mmdd: MMDD = "07-15"
    distribution_profile: str = "general_corporate"


class NewHireCompensation(Strict):
    percentile_by_level: dict[int, Rate]
    market_adjustment_by_level: dict[int, Annotated[float, Field(gt=0.0, le=10.0)]]
    market_scenario_adjustment_pct: Annotated[float, Field(ge=-100.0, le=1000.0)] = 0


class NewHireConfig(Strict):
    age_distribution: list[tuple[Annotated[int, Field(ge=14, le=100)], Annotated[float, Field(ge=0.0)]]]
    compensation: NewHireCompensation

    @field_validator("age_distribution")
    @classmethod
    def _ages(cls, value: list) -> list:
        if not value or sum(w for _, w in value) <= 0:
            raise ValueError("needs at least one age with a positive weight")
        ages = [a for a, _ in value]
        if len(set(ages)) != len(ages):
            raise ValueError("ages must be distinct")
        return value


# ----------------------------------------------------------------------------- plan

AGE_SEGMENTS = ("young", "mid_career", "mature", "senior")
INCOME_SEGMENTS = ("low_income", "moderate", "high", "executive")
LEVEL_SEGMENTS = ("individual", "senior", "manager", "executive")
TENURE_SEGMENTS = ("new_employee", "established", "veteran")
DeferralRate = Annotated[float, Field(ge=0.0, le=0.75)]
MatchRate = Annotated[float, Field(ge=0.0, le=10.0)]


def _income_keys(value: dict, what: str) -> dict:
    """Income segments; the reference's voluntary block spells the first one ``low``."""
    keys = dict(value)
    if "low" in keys and "low_income" not in keys:
        keys["low_income"] = keys.pop("low")
    _check_keys(keys, INCOME_SEGMENTS, what)
    return value


class PlanEligibility(Strict):
    minimum_age: Annotated[int, Field(ge=0, le=100)] = 21
    waiting_period_days: Annotated[int, Field(ge=0, le=3650)] = 0
    new_hire_ineligible_pct: Rate = 0.0


class OptOutRates(Strict):
    target: Rate = 0.09
    age_mult: dict[str, NonNegative]
    income_mult: dict[str, NonNegative]

    @field_validator("age_mult")
    @classmethod
    def _ages(cls, value: dict) -> dict:
        return _check_keys(value, AGE_SEGMENTS, "age segment")

    @field_validator("income_mult")
    @classmethod
    def _incomes(cls, value: dict) -> dict:
        return _income_keys(value, "income segment")


class AutoEnrollment(Strict):
    enabled: bool = True
    scope: Literal["new_hires_only", "all_eligible_employees"] = "new_hires_only"
    hire_date_cutoff: date | None = date(2020, 1, 1)
    window_days: Annotated[int, Field(ge=0, le=366)] = 45
    default_deferral_rate: Annotated[float, Field(gt=0.0, le=0.75)] = 0.02
    opt_out_grace_period: Annotated[int, Field(ge=0, le=366)] = 30
    opt_out_rates: OptOutRates


class TimingWindow(Strict):
    min_days: Annotated[int, Field(ge=0, le=366)] = 7
    max_days: Annotated[int, Field(ge=0, le=366)] = 35

    @model_validator(mode="after")
    def _ordered(self) -> TimingWindow:
        if self.max_days < self.min_days:
            raise ValueError(f"max_days {self.max_days} is below min_days {self.min_days}")
        return self


class ProactiveEnrollment(Strict):
    enabled: bool = True
    timing_window: TimingWindow = TimingWindow()
    probability_by_age: dict[str, Rate]

    @field_validator("probability_by_age")
    @classmethod
    def _ages(cls, value: dict) -> dict:
        return _check_keys(value, AGE_SEGMENTS, "age segment")


class VoluntaryEnrollment(Strict):
    enabled: bool = True
    voluntary_enrollment_rate: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    voluntary_max_deferral_rate: Annotated[float, Field(ge=0.01, le=0.75)] = 0.10
    base_rates_by_age: dict[str, Rate]
    income_multipliers: dict[str, NonNegative]
    job_level_multipliers: dict[str, NonNegative]
    deferral_rates: dict[str, list[DeferralRate]]

    @field_validator("base_rates_by_age")
    @classmethod
    def _ages(cls, value: dict) -> dict:
        return _check_keys(value, AGE_SEGMENTS, "age segment")

    @field_validator("income_multipliers")
    @classmethod
    def _incomes(cls, value: dict) -> dict:
        return _income_keys(value, "income segment")

    @field_validator("job_level_multipliers")
    @classmethod
    def _levels(cls, value: dict) -> dict:
        return _check_keys(value, LEVEL_SEGMENTS, "job-level segment")

    @field_validator("deferral_rates")
    @classmethod
    def _grid(cls, value: dict) -> dict:
        _check_keys(value, AGE_SEGMENTS, "age segment")
        bad = [k for k, v in value.items() if len(v) != len(INCOME_SEGMENTS)]
        if bad:
            raise ValueError(f"each age segment needs {len(INCOME_SEGMENTS)} rates "
                             f"({', '.join(INCOME_SEGMENTS)}); wrong length for {bad}")
        return value


class YearOverYear(Strict):
    enabled: bool = True
    base_rates_by_age: dict[str, Rate]
    income_multipliers: dict[str, NonNegative]
    tenure_multipliers: dict[str, NonNegative]
    effective_mmdd: MMDD = "06-15"
    deferral_rates: dict[str, Annotated[float, Field(gt=0.0, le=0.75)]]

    @field_validator("base_rates_by_age", "deferral_rates")
    @classmethod
    def _ages(cls, value: dict) -> dict:
        return _check_keys(value, AGE_SEGMENTS, "age segment")

    @field_validator("income_multipliers")
    @classmethod
    def _incomes(cls, value: dict) -> dict:
        return _income_keys(value, "income segment")

    @field_validator("tenure_multipliers")
    @classmethod
    def _tenures(cls, value: dict) -> dict:
        return _check_keys(value, TENURE_SEGMENTS, "tenure segment")


class MatchMagnet(Strict):
    enabled: bool = True
    snap_probability: Rate = 0.45
    max_deferral_rate: Annotated[float, Field(gt=0.0, le=0.75)] = 0.10
    min_deferral_rate: Annotated[float, Field(gt=0.0, le=0.75)] = 0.01


class Segments(Strict):
    age_upper_bounds: dict[str, Annotated[int, Field(ge=0, le=150)]]
    income_bounds: list[NonNegative]

    @field_validator("age_upper_bounds")
    @classmethod
    def _ages(cls, value: dict) -> dict:
        _check_keys(value, AGE_SEGMENTS[:-1], "age segment upper bound")
        bounds = [value[k] for k in AGE_SEGMENTS[:-1]]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError(f"upper ages must increase young < mid_career < mature (got {bounds})")
        return value

    @field_validator("income_bounds")
    @classmethod
    def _incomes(cls, value: list) -> list:
        if len(value) != len(INCOME_SEGMENTS) - 1 or value != sorted(value) or len(set(value)) != len(value):
            raise ValueError("needs 3 increasing bounds (low_income < b1 <= moderate < b2 <= high < b3 <= executive)")
        return value


class EnrollmentConfig(Strict):
    auto_enrollment: AutoEnrollment
    proactive_enrollment: ProactiveEnrollment
    voluntary_enrollment: VoluntaryEnrollment
    year_over_year_conversion: YearOverYear
    match_magnet: MatchMagnet = MatchMagnet()
    segments: Segments

    @model_validator(mode="after")
    def _magnet_bounds(self) -> EnrollmentConfig:
        floor = self.match_magnet.min_deferral_rate
        if floor > self.voluntary_enrollment.voluntary_max_deferral_rate:
            raise ValueError(f"match_magnet.min_deferral_rate {floor} exceeds "
                             f"voluntary_enrollment.voluntary_max_deferral_rate "
                             f"{self.voluntary_enrollment.voluntary_max_deferral_rate}")
        return self


class DeferralRates(Strict):
    normalize_percentages: bool = True
    plan_deferral_cap: Annotated[float, Field(gt=0.0, le=1.0)] = 0.75


class AutoEscalation(Strict):
    enabled: bool = True
    effective_day: MMDD = "01-01"
    increment_amount: Annotated[float, Field(gt=0.0, le=0.75)] = 0.01
    maximum_rate: Annotated[float, Field(gt=0.0, le=0.75)] = 0.10
    hire_date_cutoff: date | None = date(2020, 1, 1)
    # Escalation only ever applies to active participants (docs/methodology.md §5.5); the key is kept for
    # compatibility with reference configs, and anything but true is refused rather than ignored.
    require_active_enrollment: Literal[True] = True
    first_escalation_delay_years: Annotated[int, Field(ge=0, le=50)] = 1


class MatchResponse(Strict):
    enabled: bool = False
    upward_participation_rate: Rate = 0.40
    upward_maximize_rate: Rate = 0.60
    upward_partial_increase_factor: Rate = 0.50
    downward_enabled: bool = True
    downward_participation_rate: Rate = 0.15
    downward_reduce_to_max_rate: Rate = 0.70
    downward_partial_decrease_factor: Rate = 0.50


class MatchFormula(Strict):
    """A deferral-based formula: tiers [employee_min, employee_max) x match_rate, plus a cap."""

    tiers: list[tuple[DeferralRate, DeferralRate, MatchRate]]
    match_cap_pct: Rate
    vesting: str | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, value: list) -> list:
        if not value:
            raise ValueError("a match formula needs at least one tier")
        for lo, hi, _ in value:
            if hi <= lo:
                raise ValueError(f"tier [{lo}, {hi}): employee_max must exceed employee_min")
        bounds = sorted(value)
        for (_, hi, _), (lo, _, _) in zip(bounds, bounds[1:], strict=False):
            if lo < hi:
                raise ValueError("tiers overlap")
        return value


class ContributionEligibility(Strict):
    minimum_tenure_years: Annotated[int, Field(ge=0)] = 0
    require_active_at_year_end: bool = True
    minimum_hours_annual: Annotated[int, Field(ge=0, le=8784)] = 1000
    allow_new_hires: bool = True
    allow_terminated_new_hires: bool = False
    allow_experienced_terminations: bool = False

    @model_validator(mode="before")
    @classmethod
    def _new_hire_default(cls, data: object) -> object:
        """allow_new_hires defaults to minimum_tenure_years == 0 (docs/methodology.md §5.8)."""
        if isinstance(data, dict) and data.get("allow_new_hires") is None:
            data = {**data, "allow_new_hires": int(data.get("minimum_tenure_years") or 0) == 0}
        return data


OpenMax = Annotated[float, Field(ge=0.0)] | None


class ServiceMatchTier(Strict):
    """graded_by_service / tenure_based (years) and points_based (age + years): [min, max)."""

    min: NonNegative
    max: OpenMax = None
    rate: MatchRate
    max_deferral_pct: DeferralRate


class TenureGradedBand(Strict):
    """tenure_graded: a tenure band [min_years, max_years) with its own tier list (no cap)."""

    min_years: NonNegative
    max_years: OpenMax = None
    tiers: list[tuple[DeferralRate, DeferralRate, MatchRate]]


def _check_bands(bands: list[tuple[float, float | None]], what: str) -> None:
    """Bands [min, max) must start at 0, have no gaps/overlaps, and only the last may be open."""
    ordered = sorted(bands, key=lambda b: b[0])
    if not ordered:
        raise ValueError(f"{what}: needs at least one band")
    if ordered[0][0] != 0:
        raise ValueError(f"{what}: the first band must start at 0")
    for (lo, hi), (nxt, _) in zip(ordered, ordered[1:], strict=False):
        if hi is None or hi != nxt:
            raise ValueError(f"{what}: band [{lo}, {hi}) must end where the next starts ({nxt})")
    for lo, hi in ordered:
        if hi is not None and hi <= lo:
            raise ValueError(f"{what}: band [{lo}, {hi}) is empty")


class EmployerMatch(Strict):
    enabled: bool = True
    employer_match_status: Literal[
        "deferral_based", "graded_by_service", "tenure_based", "points_based", "tenure_graded"
    ] = "deferral_based"
    active_formula: str = "simple_match"
    formulas: dict[str, MatchFormula]
    # Schedules of the alternative modes (docs/methodology.md §5.9); used only when that mode is chosen.
    service_schedule: list[ServiceMatchTier] = Field(default_factory=lambda: [
        ServiceMatchTier(min=0, max=2, rate=0.25, max_deferral_pct=0.06),
        ServiceMatchTier(min=2, max=5, rate=0.50, max_deferral_pct=0.06),
        ServiceMatchTier(min=5, max=10, rate=0.75, max_deferral_pct=0.06),
        ServiceMatchTier(min=10, max=None, rate=1.00, max_deferral_pct=0.06),
    ])
    points_schedule: list[ServiceMatchTier] = Field(default_factory=lambda: [
        ServiceMatchTier(min=0, max=40, rate=0.25, max_deferral_pct=0.06),
        ServiceMatchTier(min=40, max=60, rate=0.50, max_deferral_pct=0.06),
        ServiceMatchTier(min=60, max=80, rate=0.75, max_deferral_pct=0.06),
        ServiceMatchTier(min=80, max=None, rate=1.00, max_deferral_pct=0.06),
    ])
    tenure_graded_schedule: list[TenureGradedBand] = Field(default_factory=lambda: [
        TenureGradedBand(min_years=0, max_years=5, tiers=[(0.0, 0.03, 1.0), (0.03, 0.05, 0.5)]),
        TenureGradedBand(min_years=5, max_years=None, tiers=[(0.0, 0.06, 1.0)]),
    ])
    apply_eligibility: bool = True
    eligibility: ContributionEligibility = ContributionEligibility()

    @model_validator(mode="after")
    def _active_formula_exists(self) -> EmployerMatch:
        if (self.enabled and self.employer_match_status == "deferral_based"
                and self.active_formula not in self.formulas):
            raise ValueError(
                f"active_formula {self.active_formula!r} is not one of the formulas {sorted(self.formulas)}"
            )
        _check_bands([(t.min, t.max) for t in self.service_schedule], "service_schedule")
        _check_bands([(t.min, t.max) for t in self.points_schedule], "points_schedule")
        _check_bands([(b.min_years, b.max_years) for b in self.tenure_graded_schedule], "tenure_graded_schedule")
        for band in self.tenure_graded_schedule:
            MatchFormula(tiers=band.tiers, match_cap_pct=1.0)  # same tier rules as a formula
        return self


class EmployerCore(Strict):
    enabled: bool = True
    status: Literal["none", "flat", "graded_by_service", "age_banded", "points_based"] = "flat"
    contribution_rate: Rate = 0.01
    # [min, max, rate] by tenure(Y) / age(Y) / age + tenure; max null = open-ended.
    graded_schedule: list[tuple[NonNegative, OpenMax, Rate]] = Field(default_factory=list)
    age_schedule: list[tuple[NonNegative, OpenMax, Rate]] = Field(default_factory=list)
    points_schedule: list[tuple[NonNegative, OpenMax, Rate]] = Field(default_factory=list)
    eligibility: ContributionEligibility = ContributionEligibility()

    @model_validator(mode="after")
    def _schedule_for_status(self) -> EmployerCore:
        needs = {"graded_by_service": "graded_schedule", "age_banded": "age_schedule",
                 "points_based": "points_schedule"}
        for status, key in needs.items():
            schedule = getattr(self, key)
            if self.enabled and self.status == status and not schedule:
                raise ValueError(f"status {status!r} needs a non-empty {key}")
            if schedule:
                _check_bands([(lo, hi) for lo, hi, _ in schedule], key)
        return self


class Vesting(Strict):
    schedule: str = "graded_6_year"
    require_hours_credit: bool = False
    hours_threshold: Annotated[int, Field(ge=0)] = 1000


class PlanConfig(Strict):
    """A DC plan design (docs/methodology.md §5, §8). ``enabled: false`` simulates the workforce only:
    no plan events, and the DC columns of the snapshot and summary are zero / NULL."""

    enabled: bool = True
    name: str = "custom"
    plan_eligibility: PlanEligibility = PlanEligibility()
    enrollment: EnrollmentConfig
    deferral_rates: DeferralRates = DeferralRates()
    deferral_auto_escalation: AutoEscalation = AutoEscalation()
    deferral_match_response: MatchResponse = MatchResponse()
    employer_match: EmployerMatch
    employer_core_contribution: EmployerCore = EmployerCore()
    vesting: Vesting = Vesting()


# ----------------------------------------------------------------------------- runtime


# a DuckDB memory size setting, e.g. "400MB", "1.5GB", "2GiB"
_DUCKDB_SIZE = r"^\s*\d+(\.\d+)?\s*([KMGT]i?B|B)\s*$"


class RuntimeConfig(Strict):
    # DuckDB's threads: a count, or auto (engine=sql below 16,000 census rows 1; else one per row group of
    # the year's largest table, at least 2, within the usable cores; planalign.runtime.auto_settings)
    duckdb_threads: Annotated[int, Field(ge=1, le=256)] | Literal["auto"] = "auto"
    # DuckDB's optimizer for dbt's model queries: on, off, or auto (off for engine=sql below 1,000
    # census rows; planalign.runtime.auto_settings.resolve_duckdb_optimizer). It never changes results, only plans.
    duckdb_optimizer: bool | Literal["auto"] = "auto"
    # dbt models run at once; auto = the usable cores, at most 4 (a year's graph is no wider)
    dbt_threads: Annotated[int, Field(ge=1, le=64)] | Literal["auto"] = "auto"
    # Polars' thread pool; auto = the usable cores
    polars_threads: Annotated[int, Field(ge=1, le=256)] | Literal["auto"] = "auto"
    # Polars' executor for collect(): in-memory has less fixed cost per query (~25 a year)
    polars_engine: Literal["in-memory", "streaming", "auto"] = "in-memory"
    # DuckDB's memory limit: a size, null (DuckDB's 80 % of RAM) or auto (planalign.runtime.auto_settings.resolve_memory_limit)
    memory_limit: Annotated[str, Field(pattern=_DUCKDB_SIZE)] | Literal["auto"] | None = "auto"
    duckdb_checkpoint_threshold: Annotated[str | None, Field(pattern=_DUCKDB_SIZE)] = None  # null = DuckDB's 16 MiB
    # rows per row group of the run's file (a multiple of DuckDB's vector size, 2048); null = DuckDB's
    # 122,880; auto = 16,384 up to 250,000 census rows, DuckDB's above (planalign.runtime.auto_settings.resolve_row_group_size)
    duckdb_row_group_size: Annotated[int, Field(ge=2048, le=1 << 24, multiple_of=2048)] | Literal["auto"] | None = "auto"
    # engine=polars writes its marts and final-year intermediates on another connection beside the
    # compute: 0.89x at 60,000 x 5 when writes used one connection; since they use two, no faster,
    # and 712-721 MiB of peak RSS (docs/benchmarks.md), hence opt-in
    background_writes: bool = False
    # the VALIDATION stage checks a year's invariants on a thread while the next year computes;
    # the year is checkpointed, and the run completes, only once they pass (docs/benchmarks.md)
    background_validation: bool = True
    # glibc malloc arenas for the process (planalign.runtime.allocator); null = glibc's default, 8 per core;
    # auto = 2 under engine=polars with its own models from 32,768 census rows (or a census file), else glibc's
    malloc_arena_max: Annotated[int, Field(ge=1, le=1024)] | Literal["auto"] | None = "auto"
    progress: bool = True
    print_summary: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    job_memory_mib: Annotated[int, Field(ge=64)] = 1024   # sweep budgeting: memory one job needs
    manifest_cache: bool = True   # reuse dbt's parsed manifest, config schemas and compiled Jinja across runs
    # planalign's accelerators of dbt's internals (planalign/dbt_bridge/accelerators): auto = on only
    # with the package versions they were tested with; on = always; off = dbt's own code alone
    dbt_accelerators: Literal["auto", "on", "off"] = "auto"


class PathsConfig(Strict):
    output_dir: str
    database: str
    dbt_project_dir: str | None = None


class Settings(Strict):
    """Everything planalign reads from the composed config (components aside)."""

    years: YearRange
    seed: int
    resume: bool = False
    census: CensusConfig
    simulation: SimulationConfig
    workforce: WorkforceConfig
    hazards: HazardsConfig
    compensation: CompensationConfig
    new_hire: NewHireConfig
    raise_timing: RaiseTimingConfig
    plan: PlanConfig
    runtime: RuntimeConfig
    paths: PathsConfig

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: object) -> YearRange:
        if isinstance(value, YearRange | dict):
            return value
        return parse_years(value)

    @property
    def start_year(self) -> int:
        return self.years.start_year

    @property
    def end_year(self) -> int:
        return self.years.end_year

    @property
    def census_as_of(self) -> date:
        return self.simulation.census_as_of or date(self.start_year - 1, 12, 31)

    def seed_for(self, subsystem: str) -> int:
        return self.simulation.random_seed_overrides.get(subsystem, self.seed)


# Sections whose values change results. Everything else (runtime, paths, components, hooks,
# engine choice) is excluded from the fingerprint: the engines are proven identical.
RESULT_AFFECTING_SECTIONS = (
    "years", "seed", "census", "simulation", "workforce", "hazards", "compensation",
    "new_hire", "raise_timing", "plan",
)
COMPONENT_SECTIONS = ("coordinator", "workflow", "engine", "state", "cleanup", "hooks")
IGNORED_TOP_LEVEL = ("hydra", "experiment", "ci", "sweep")
