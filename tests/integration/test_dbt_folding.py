"""Single-use relations become CTEs of their reader only where nothing needs them as tables."""

from __future__ import annotations

import pytest

from planalign.dbt_bridge.accelerators.manifest_cache import project_key
from planalign.orchestration.build import build_coordinator
from planalign.paths import REPO_DIR
from tests.conftest import compose_config


@pytest.mark.parametrize(("engine", "keep", "folds"), [
    ("sql", "false", True),
    ("sql", "true", False),      # the parity tests and model developers read every int_* table
    ("hybrid", "false", False),  # its Polars steps write event relations that dbt's models read
    ("polars", "false", False),
])
def test_only_an_all_dbt_run_that_keeps_nothing_folds(engine, keep, folds, tmp_path):
    cfg = compose_config([f"engine={engine}", f"cleanup.keep_intermediates={keep}",
                          f"paths.output_dir={tmp_path}"])
    with build_coordinator(cfg) as coordinator:
        assert coordinator.folds_single_use() is folds


def test_the_parse_vars_are_part_of_the_manifest_cache_key(tmp_path):
    """A manifest parsed with folding must never be served to a run without it, and back."""
    project, db = REPO_DIR / "dbt", tmp_path / "planalign.duckdb"
    folded = project_key(project, db, {"planalign_fold_single_use": True, "other": 1})
    assert folded == project_key(project, db, {"other": 1, "planalign_fold_single_use": True})
    assert folded != project_key(project, db, {"planalign_fold_single_use": False, "other": 1})
    assert project_key(project, db, {}) == project_key(project, db, None)
