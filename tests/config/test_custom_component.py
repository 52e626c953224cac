"""A component class that exists only in this test replaces a built-in one via ``_target_``."""

from __future__ import annotations

import pytest

from planalign.hooks.specs import hookimpl
from planalign.orchestration.build import build_coordinator
from planalign.state.duckdb_state import DuckDBStateManager
from tests.conftest import compose_config, query

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

CALLS: list[tuple[str, int]] = []


class RecordingStateManager(DuckDBStateManager):
    """Test-only state backend: records checkpoints in memory as well as in the database."""

    def __init__(self, name: str = "recording", label: str = ""):
        super().__init__(name)
        self.label = label

    def record_checkpoint(self, run, year):
        CALLS.append((self.label, year))
        return super().record_checkpoint(run, year)


class CountingHook:
    critical = False

    def __init__(self):
        self.years = []

    @hookimpl
    def after_year(self, year):
        self.years.append(year)


def test_user_class_from_extra_config_dir(tmp_path):
    extra = tmp_path / "my_conf"
    (extra / "state").mkdir(parents=True)
    (extra / "state" / "recording.yaml").write_text(
        "_target_: tests.config.test_custom_component.RecordingStateManager\nname: recording\nlabel: mine\n"
    )
    (extra / "hooks").mkdir()
    (extra / "hooks" / "counting.yaml").write_text(
        "counter:\n  _target_: tests.config.test_custom_component.CountingHook\n"
    )
    cfg = compose_config([
        f"hydra.searchpath=[file://{extra}]", "state=recording", "hooks=counting",
        "census.size=200", "years=2025-2026", "workflow=quick", f"paths.output_dir={tmp_path / 'out'}",
    ])
    CALLS.clear()
    with build_coordinator(cfg) as coordinator:
        assert isinstance(coordinator.state_manager, RecordingStateManager)
        summary = coordinator.execute_multi_year_simulation()
        hook = next(iter(coordinator.hook_manager._pm.get_plugins()))
        assert hook.years == [2025, 2026]
    assert CALLS == [("mine", 2025), ("mine", 2026)]
    assert query(summary.database, "select count(*) from planalign_checkpoints")[0][0] == 2
