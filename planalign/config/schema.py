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


class PlanEligibility(Strict):
    minimum_age: Annotated[int, Field(ge=0, le=100)] = 21
    waiting_period_days: Annotated[int, Field(ge=0, le=3650)] = 0
    new_hire_ineligible_pct: Rate = 0.0


class OptOutRates(Strict):
    target: Rate = 0.09
    age_mult: dict[str, NonNegative]
    income_mult: dict[str, NonNegative]


class AutoEnrollment(Strict):
    enabled: bool = True
    scope: Literal["new_hires_only", "all_eligible_employees"] = "new_hires_only"
    hire_date_cutoff: date | None = date(2020, 1, 1)
    window_days: Annotated[int, Field(ge=0, le=366)] = 45
    default_deferral_rate: Annotated[float, Field(ge=0.0, le=0.75)] = 0.02
    opt_out_grace_period: Annotated[int, Field(ge=0, le=366)] = 30
    opt_out_rates: OptOutRates


class TimingWindow(Strict):
    min_days: Annotated[int, Field(ge=0)] = 7
    max_days: Annotated[int, Field(ge=1)] = 35


class ProactiveEnrollment(Strict):
    enabled: bool = True
    timing_window: TimingWindow = TimingWindow()
    probability_by_age: dict[str, Rate]


class VoluntaryEnrollment(Strict):
    enabled: bool = True
    voluntary_enrollment_rate: NonNegative = 1.0
    voluntary_max_deferral_rate: Annotated[float, Field(ge=0.01, le=0.75)] = 0.10
    base_rates_by_age: dict[str, Rate]
    income_multipliers: dict[str, NonNegative]
    job_level_multipliers: dict[str, NonNegative]
    deferral_rates: dict[str, list[Annotated[float, Field(ge=0.0, le=0.75)]]]


class YearOverYear(Strict):
    enabled: bool = True
    base_rates_by_age: dict[str, Rate]
    income_multipliers: dict[str, NonNegative]
    tenure_multipliers: dict[str, NonNegative]
    effective_mmdd: MMDD = "06-15"
    deferral_rates: dict[str, Annotated[float, Field(ge=0.0, le=0.75)]]


class MatchMagnet(Strict):
    enabled: bool = True
    snap_probability: Rate = 0.45
    max_deferral_rate: Rate = 0.10
    min_deferral_rate: Rate = 0.01


class Segments(Strict):
    age_upper_bounds: dict[str, int]
    income_bounds: list[NonNegative]


class EnrollmentConfig(Strict):
    auto_enrollment: AutoEnrollment
    proactive_enrollment: ProactiveEnrollment
    voluntary_enrollment: VoluntaryEnrollment
    year_over_year_conversion: YearOverYear
    match_magnet: MatchMagnet = MatchMagnet()
    segments: Segments


class DeferralRates(Strict):
    normalize_percentages: bool = True
    plan_deferral_cap: Annotated[float, Field(gt=0.0, le=1.0)] = 0.75


class AutoEscalation(Strict):
    enabled: bool = True
    effective_day: MMDD = "01-01"
    increment_amount: Annotated[float, Field(gt=0.0, le=0.75)] = 0.01
    maximum_rate: Annotated[float, Field(gt=0.0, le=0.75)] = 0.10
    hire_date_cutoff: date | None = date(2020, 1, 1)
    require_active_enrollment: bool = True
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
    tiers: list[tuple[Rate, Rate, Annotated[float, Field(ge=0.0, le=10.0)]]]
    match_cap_pct: Rate
    vesting: str | None = None


class ContributionEligibility(Strict):
    minimum_tenure_years: Annotated[int, Field(ge=0)] = 0
    require_active_at_year_end: bool = True
    minimum_hours_annual: Annotated[int, Field(ge=0, le=8784)] = 1000
    allow_new_hires: bool = True
    allow_terminated_new_hires: bool = False
    allow_experienced_terminations: bool = False


class EmployerMatch(Strict):
    enabled: bool = True
    employer_match_status: Literal[
        "deferral_based", "graded_by_service", "tenure_based", "points_based", "tenure_graded"
    ] = "deferral_based"
    active_formula: str = "simple_match"
    formulas: dict[str, MatchFormula]
    apply_eligibility: bool = True
    eligibility: ContributionEligibility = ContributionEligibility()

    @model_validator(mode="after")
    def _active_formula_exists(self) -> EmployerMatch:
        if self.enabled and self.active_formula not in self.formulas:
            raise ValueError(
                f"active_formula {self.active_formula!r} is not one of the formulas {sorted(self.formulas)}"
            )
        return self


class EmployerCore(Strict):
    enabled: bool = True
    status: Literal["none", "flat", "graded_by_service", "age_banded", "points_based"] = "flat"
    contribution_rate: Rate = 0.01
    graded_schedule: list[tuple[int, int | None, Rate]] = Field(default_factory=list)
    eligibility: ContributionEligibility = ContributionEligibility()


class Vesting(Strict):
    schedule: str = "graded_6_year"
    require_hours_credit: bool = False
    hours_threshold: Annotated[int, Field(ge=0)] = 1000


class PlanConfig(Strict):
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


class RuntimeConfig(Strict):
    duckdb_threads: Annotated[int, Field(ge=1, le=256)] = 2
    dbt_threads: Annotated[int, Field(ge=1, le=64)] = 1
    polars_threads: Annotated[int, Field(ge=1, le=256)] = 2
    memory_limit: str | None = None
    progress: bool = True
    print_summary: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    job_memory_mib: Annotated[int, Field(ge=64)] = 1024   # sweep budgeting: memory one job needs
    manifest_cache: bool = True   # reuse the parsed dbt manifest of an unchanged project across runs


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
