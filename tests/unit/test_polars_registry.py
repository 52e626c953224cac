"""The event-step registry, the hybrid split and the batching of SQL steps."""

from __future__ import annotations

import re

import pytest
from omegaconf import OmegaConf

from planalign.engines.hybrid import HybridEventEngine, resolve_split
from planalign.engines.polars_engine import PolarsEventEngine
from planalign.engines.polars_engine.runner import plan_batches
from planalign.engines.registry import EVENT_STEPS, EventStep, order_problems, step_names
from planalign.errors import ConfigError
from planalign.paths import CONF_DIR, DBT_PROJECT_DIR
from tests.conftest import compose_config

WORKFORCE = ["termination", "hires", "nh_termination", "term_dates", "promotion", "raise"]
PLAN = ["eligibility", "enrollment", "match_response", "escalation"]


def test_registry_lists_the_steps_in_order():
    assert step_names() == WORKFORCE + PLAN
    assert [s.group for s in EVENT_STEPS] == ["workforce"] * len(WORKFORCE) + ["plan"] * len(PLAN)
    assert all(s.has_polars for s in EVENT_STEPS)
    models = [m for s in EVENT_STEPS for m in s.models]
    assert len(models) == len(set(models))
    for step in EVENT_STEPS:
        for model in step.models:
            assert list(DBT_PROJECT_DIR.glob(f"models/**/{model}.sql")), f"{step.name}: no dbt model {model}"
        if step.has_polars:
            assert callable(step.polars_function())


def test_default_split_is_workforce_polars_plan_sql():
    assert resolve_split(None, None) == {**dict.fromkeys(WORKFORCE, "polars"), **dict.fromkeys(PLAN, "sql")}
    assert resolve_split({"plan": "polars"}, None) == dict.fromkeys(WORKFORCE + PLAN, "polars")
    assert resolve_split(None, {"enrollment": "polars"})["enrollment"] == "polars"
    assert resolve_split({"workforce": "sql"}, {"raise": "polars"})["raise"] == "polars"
    assert resolve_split({"workforce": "sql"}, {"raise": None})["raise"] == "sql"


@pytest.mark.parametrize(("groups", "split", "key"), [
    (None, {"promotions": "sql"}, "engine.split.promotions"),
    (None, {"promotion": "spark"}, "engine.split.promotion"),
    ({"benefits": "sql"}, None, "engine.groups.benefits"),
    ({"workforce": "duckdb"}, None, "engine.groups.workforce"),
])
def test_bad_split_names_the_key(groups, split, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        resolve_split(groups, split)


def test_polars_for_a_step_without_polars_is_refused():
    steps = (*EVENT_STEPS, EventStep("probe", "plan", ("int_ev_probe",)))
    assert resolve_split(None, None, steps)["probe"] == "sql"
    with pytest.raises(ConfigError, match=r"engine\.split\.probe.*no Polars implementation"):
        resolve_split(None, {"probe": "polars"}, steps)
    with pytest.raises(ConfigError, match=r"engine\.groups\.plan"):
        resolve_split({"plan": "polars"}, None, steps)


def test_consecutive_sql_steps_share_a_batch():
    split = {"termination": "sql", "hires": "sql", "nh_termination": "polars", "term_dates": "polars",
             "promotion": "sql", "raise": "sql", "eligibility": "sql", "enrollment": "polars",
             "match_response": "sql", "escalation": "sql"}
    batches = plan_batches(split)
    assert [(b.engine, [s.name for s in b.steps]) for b in batches] == [
        ("sql", ["termination", "hires"]), ("polars", ["nh_termination"]), ("polars", ["term_dates"]),
        ("sql", ["promotion", "raise", "eligibility"]), ("polars", ["enrollment"]),
        ("sql", ["match_response", "escalation"]),
    ]
    assert batches[0].models == ["int_ev_termination", "int_new_hires", "int_ev_hire"]
    assert batches[3].models == ["int_ev_promotion", "int_ev_raise", "int_plan_population", "int_ev_eligibility"]


def test_order_check_against_the_dbt_graph():
    graph = {
        "int_ev_termination": set(), "int_new_hires": set(), "int_ev_hire": {"int_new_hires"},
        "int_ev_nh_termination": {"int_new_hires"}, "int_term_dates": {"int_ev_termination", "int_ev_nh_termination"},
        "int_ev_promotion": {"int_term_dates"}, "int_ev_raise": {"int_term_dates", "int_ev_promotion"},
    }
    graph |= {
        "int_plan_population": {"int_new_hires", "int_term_dates", "int_ev_promotion"},
        "int_ev_eligibility": {"int_plan_population"},
        "int_plan_enrollment_decisions": {"int_plan_population"},
        "int_ev_enrollment": {"int_plan_enrollment_decisions"}, "int_ev_opt_out": {"int_plan_enrollment_decisions"},
        "int_ev_match_response": {"int_plan_population"},
        "int_ev_escalation": {"int_plan_population", "int_ev_match_response"},
    }
    assert order_problems(graph) == []
    bad = {**graph, "int_ev_promotion": {"int_ev_raise"}, "int_ev_termination": {"int_plan_thing"}}
    problems = order_problems(bad)
    assert any("int_ev_promotion" in p and "later step raise" in p for p in problems)
    assert any("int_plan_thing" in p and "no registered step" in p for p in problems)


def _event_models_and_refs() -> dict[str, set[str]]:
    """tag:events models (the events folders of dbt_project.yml) -> the models they ref."""
    folders = [DBT_PROJECT_DIR / "models" / "intermediate" / "events",
               DBT_PROJECT_DIR / "models" / "intermediate" / "plan" / "events"]
    sql = {f.stem: f.read_text() for folder in folders for f in folder.glob("*.sql")}
    refs = {name: set(re.findall(r"ref\(\s*['\"](\w+)['\"]\s*\)", text)) for name, text in sql.items()}
    return {name: deps & set(sql) for name, deps in refs.items()}


def test_registry_order_matches_the_model_refs():
    """Static twin of the runtime manifest check: every events model is registered, in ref order."""
    graph = _event_models_and_refs()
    registered = {m for s in EVENT_STEPS for m in s.models}
    assert set(graph) - registered == set(), "tag:events models no step registers"
    assert order_problems(graph) == []


def test_hybrid_yaml_lists_every_step():
    """Every step can be overridden without a '+' (engine.split.enrollment=polars)."""
    conf = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "engine" / "hybrid.yaml"))
    assert list(conf["split"]) == step_names()
    assert all(v is None for v in conf["split"].values())
    assert conf["groups"] == {"workforce": "polars", "plan": "sql"}


def test_engines_build_from_config(tmp_path):
    from planalign.orchestration.build import _make

    cfg = compose_config([f"paths.output_dir={tmp_path}", "engine=hybrid", "engine.split.promotion=sql"])
    engine = _make(cfg, "engine", cfg.engine)
    assert isinstance(engine, HybridEventEngine)
    assert engine.provenance()["event_steps"]["promotion"] == "sql"
    assert engine.provenance()["event_steps"]["raise"] == "polars"
    assert engine.provenance()["event_steps"]["enrollment"] == "sql"
    cfg = compose_config([f"paths.output_dir={tmp_path}", "engine=hybrid", "engine.split.enrollment=polars"])
    engine = _make(cfg, "engine", cfg.engine)
    assert engine.provenance()["event_steps"]["enrollment"] == "polars"
    assert engine.provenance()["event_steps"]["eligibility"] == "sql"
    cfg = compose_config([f"paths.output_dir={tmp_path}", "engine=hybrid", "engine.split.raise=gpu"])
    with pytest.raises(ConfigError, match=r"engine\.split\.raise"):
        _make(cfg, "engine", cfg.engine)
    cfg = compose_config([f"paths.output_dir={tmp_path}", "engine=polars"])
    engine = _make(cfg, "engine", cfg.engine)
    assert isinstance(engine, PolarsEventEngine) and engine.name == "polars"
    assert engine.provenance()["event_steps"] == dict.fromkeys(WORKFORCE + PLAN, "polars")
    cfg = compose_config([f"paths.output_dir={tmp_path}", "engine=sql"])
    assert _make(cfg, "engine", cfg.engine).provenance()["event_steps"] == dict.fromkeys(WORKFORCE + PLAN, "sql")
