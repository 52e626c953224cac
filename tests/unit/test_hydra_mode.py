"""Hydra's run mode without its first compose, when no config the command reads can set it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra._internal.hydra import Hydra
from hydra._internal.utils import create_config_search_path
from hydra.core.global_hydra import GlobalHydra

from planalign.cli.hydra_mode import may_set_mode, mode_without_a_compose
from planalign.paths import CONF_DIR

PLAIN = [[], ["engine=polars", "census.size=150", "hydra.run.dir=/tmp/x"], ["seed=1,2"], ["engine=sql,polars"],
         ["+ci=smoke"], ["+experiment=example_high_growth"], ["census=file", "census.path=x.csv"]]
MAY = [["+sweep=ensemble"], ["+ci=plan_designs"], ["hydra.mode=MULTIRUN"], ["hydra/launcher=joblib"],
       ["+sweep=parallel,ensemble"], ["seed=1", "+sweep=ensemble"], ["workflow=no_such_option"]]


@pytest.mark.parametrize("overrides", PLAIN)
def test_plain_commands_cannot_set_the_mode(overrides):
    assert not may_set_mode(overrides)


@pytest.mark.parametrize("overrides", MAY)
def test_presets_and_hydra_overrides_may_set_it(overrides):
    assert may_set_mode(overrides)


def test_a_mode_two_defaults_lists_away_is_found(tmp_path):
    (tmp_path / "config.yaml").write_text("defaults:\n  - engine: a\n  - optional experiment: null\n  - _self_\n")
    for group, option, text in [("engine", "a", "x: 1\n"), ("experiment", "outer", "defaults:\n  - override /preset: inner\n"),
                                ("preset", "inner", "hydra:\n  mode: MULTIRUN\n"), ("preset", "quiet", "y: 2\n"),
                                ("experiment", "calm", "defaults:\n  - override /preset: quiet\n")]:
        (tmp_path / group).mkdir(exist_ok=True)
        (tmp_path / group / f"{option}.yaml").write_text(text)
    assert not may_set_mode(["engine=a"], tmp_path)
    assert not may_set_mode(["+experiment=calm"], tmp_path)
    assert may_set_mode(["+experiment=outer"], tmp_path)
    assert may_set_mode(["+experiment=calm,outer"], tmp_path)
    (tmp_path / "engine" / "a.yaml").write_text("defaults:\n  - /preset: inner\n")   # and from the primary config
    assert may_set_mode([], tmp_path)


def _hydras_answer(overrides: list[str], conf_dir: Path = CONF_DIR) -> tuple[object, int]:
    """The mode Hydra settles for a command, and how many composes that took."""
    composes = 0
    original = Hydra.compose_config

    def counting(self, *args, **kwargs):
        nonlocal composes
        composes += 1
        return original(self, *args, **kwargs)

    hydra = Hydra.create_main_hydra2(task_name="planalign", config_search_path=create_config_search_path(str(conf_dir)))
    Hydra.compose_config = counting
    try:
        return hydra.get_mode("config", list(overrides)), composes
    finally:
        Hydra.compose_config = original
        GlobalHydra.instance().clear()


@pytest.mark.parametrize("overrides", PLAIN[:3] + MAY[:3])
def test_the_shortcut_answers_as_hydra_does(overrides):
    hydras, _ = _hydras_answer(overrides)
    with mode_without_a_compose():
        ours, composes = _hydras_answer(overrides)
    assert ours == hydras
    assert composes == (1 if may_set_mode(overrides) else 0)
    assert Hydra.get_mode.__module__ == "hydra._internal.hydra"   # put back


def test_another_config_dir_takes_hydras_path(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("x: 1\n")
    with mode_without_a_compose():
        # not planalign's configs: Hydra composes (and finds no mode)
        assert _hydras_answer([], tmp_path) == (None, 1)
