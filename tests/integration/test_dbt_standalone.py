"""``cd dbt && dbt build`` works on its own for model developers (after planalign-dev-db)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from planalign.devdb import prepare
from planalign.paths import DBT_PROJECT_DIR
from tests.conftest import query


def test_dbt_build_standalone(tmp_path):
    db = prepare(["census.size=150", "years=2025-2026"], database=tmp_path / "dev.duckdb")
    dbt = shutil.which("dbt") or os.path.join(os.path.dirname(sys.executable), "dbt")
    env = {**os.environ, "PLANALIGN_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [dbt, "build", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(db, "select count(*) from fct_workforce_snapshot where simulation_year = 2025")[0][0] > 150
