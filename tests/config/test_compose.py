"""Every option of every config group composes and instantiates; bad configs are refused by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from planalign.config.loader import load_settings
from planalign.config.schema import RuntimeConfig, parse_years
from planalign.errors import ConfigError
from planalign.orchestration.build import build_coordinator
from planalign.paths import CONF_DIR
from tests.conftest import compose_config

PRESETS = ["sweep", "ci"]
GROUPS = ["workflow", "engine", "state", "cleanup", "hooks", "census", "simulation", "workforce", "hazards",
          "compensation", "new_hire", "raise_timing", "plan", "runtime", "coordinator"]
REQUIRED_EXTRA = {"census": {"file": ["census.path=some.csv"]}}


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def _cases():
    for group in GROUPS:
        for option in _options(group):
            yield pytest.param(group, option, id=f"{group}={option}")


@pytest.mark.parametrize(("group", "option"), list(_cases()))
def test_every_option_composes_and_instantiates(group, option, tmp_path):
    extra = REQUIRED_EXTRA.get(group, {}).get(option, [])
    cfg = compose_config([f"{group}={option}", f"paths.output_dir={tmp_path}", *extra])
    coordinator = build_coordinator(cfg)
    assert coordinator.settings.start_year == 2025
    coordinator.close()


@pytest.mark.parametrize(("group", "option"), [(g, o) for g in PRESETS for o in _options(g)])
def test_presets_compose(group, option, tmp_path):
    overrides = [f"+{group}={option}", f"paths.output_dir={tmp_path}"]
    if option == "slurm":
        overrides.append("hydra.launcher.partition=any")
    cfg = compose_config(overrides)
    build_coordinator(cfg).close()


@pytest.mark.parametrize("option", _options("experiment"))
def test_experiments_compose(option, tmp_path):
    cfg = compose_config([f"experiment={option}", f"paths.output_dir={tmp_path}"])
    build_coordinator(cfg).close()


def test_default_is_the_documented_one(tmp_path):
    cfg = compose_config([f"paths.output_dir={tmp_path}"])
    settings = load_settings(cfg)
    assert settings.census.source == "synthetic" and settings.census.size == 5000
    assert (settings.start_year, settings.end_year) == (2025, 2029)
    assert cfg.engine.name == "sql"


@pytest.mark.parametrize(("value", "expected"), [("2025-2030", (2025, 2030)), (2027, (2027, 2027)),
                                                 ("2027", (2027, 2027)), (" 2025 - 2026 ", (2025, 2026))])
def test_years_forms(value, expected):
    years = parse_years(value)
    assert (years.start_year, years.end_year) == expected


@pytest.mark.parametrize("override", ["years=2025-2030", "years=2027"])
def test_years_from_the_command_line(override, tmp_path):
    settings = load_settings(compose_config([override, f"paths.output_dir={tmp_path}"]))
    assert settings.years.start_year in (2025, 2027)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (["+workforce.total_terminaton_rate=0.1"], "workforce.total_terminaton_rate"),
        (["workforce.total_termination_rate=1.7"], "workforce.total_termination_rate"),
        (["years=2030-2025"], "years"),
        (["years=20x5"], "years"),
        (["compensation.cola_rate=-0.1"], "compensation.cola_rate"),
        (["+hazards.termination_age_mult.bogus=1.0"], "hazards.termination_age_mult"),
        (["raise_timing.methodology=sometimes"], "raise_timing.methodology"),
        (["census=file"], "census.path"),
        (["plan.employer_match.active_formula=nope"], "plan.employer_match"),
        (["+plan.enrollment.auto_enrollment.windw_days=3"], "plan.enrollment.auto_enrollment.windw_days"),
        (["+runtime.thread=4"], "runtime.thread"),
        (["+simulation.random_seed_overrides.hirng=3"], "simulation.random_seed_overrides"),
        (["plan.deferral_auto_escalation.require_active_enrollment=false"], "require_active_enrollment"),
        (["engine=polars", "engine.models=both"], "engine.models"),
        (["engine.dbt_invocations=per_model"], "engine.dbt_invocations"),
        (["runtime.duckdb_checkpoint_threshold=lots"], "runtime.duckdb_checkpoint_threshold"),
        (["runtime.polars_engine=gpu"], "runtime.polars_engine"),
        (["runtime.duckdb_row_group_size=3000"], "runtime.duckdb_row_group_size"),
        (["runtime.malloc_arena_max=0"], "runtime.malloc_arena_max"),
    ],
)
def test_bad_config_names_the_key(overrides, needle, tmp_path):
    cfg = compose_config([*overrides, f"paths.output_dir={tmp_path}"])
    with pytest.raises(ConfigError) as info:
        build_coordinator(cfg)
    assert needle in str(info.value)


def test_unknown_component_target_is_a_config_error(tmp_path):
    cfg = compose_config([f"paths.output_dir={tmp_path}", "state._target_=planalign.nowhere.State"])
    with pytest.raises(ConfigError, match="state"):
        build_coordinator(cfg)


def test_conf_dir_has_the_groups_of_the_design():
    for group in ("workflow", "state", "cleanup", "engine", "census", "hooks"):
        assert (Path(CONF_DIR) / group).is_dir()


def test_runtime_schema_defaults_are_the_yaml_defaults(tmp_path):
    """Code that builds Settings without Hydra (tools, tests) gets the same runtime as a run."""
    composed = load_settings(compose_config([f"paths.output_dir={tmp_path}"])).runtime
    assert composed.model_dump() == RuntimeConfig().model_dump()
