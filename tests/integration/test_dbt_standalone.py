"""``cd dbt && dbt build`` works on its own for model developers (after planalign-dev-db), and
the marts' ``year_slice`` materialization replaces one year's rows, never another's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from planalign.cli.devdb import prepare
from planalign.paths import DBT_PROJECT_DIR
from tests.conftest import query

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

MARTS = ("fct_yearly_events", "fct_workforce_snapshot", "fct_year_summary")


def _dbt(tmp_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    dbt = shutil.which("dbt") or os.path.join(os.path.dirname(sys.executable), "dbt")
    env = {**os.environ, "PLANALIGN_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [dbt, *args, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )


def _rows_by_year(db: Path) -> dict[str, list[tuple]]:
    return {m: query(db, f"select simulation_year, count(*) from {m} group by all order by 1") for m in MARTS}


def test_dbt_build_standalone(tmp_path):
    db = prepare(["census.size=150", "years=2025-2026"], database=tmp_path / "dev.duckdb")
    result = _dbt(tmp_path, db, "build")
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(db, "select count(*) from fct_workforce_snapshot where simulation_year = 2025")[0][0] > 150
    built = _rows_by_year(db)

    # One more `dbt run` of the marts (one dbt start-up, not two) checks both sides of year_slice.
    # The parameters now say another year than var('simulation_year') (2025, the project's
    # default); changing the data rather than --vars keeps dbt's partial parse.
    # - fct_yearly_events does not read them: the table exists, so its year's slice is replaced
    #   (DELETE + INSERT) by the same rows.
    # - The snapshot and the summary take their year from them: each is stopped, naming the model
    #   and the years, and keeps its rows (the transaction rolls back).
    with duckdb.connect(str(db)) as con:
        con.execute("update param_scalars set simulation_year = 2031")
    again = _dbt(tmp_path, db, "run", "--select", *MARTS)
    assert again.returncode != 0
    assert "OK created sql year_slice model main.fct_yearly_events" in again.stdout, again.stdout[-3000:]
    for model in ("fct_workforce_snapshot", "fct_year_summary"):
        assert f"model {model}: a row of simulation_year 2031 built for year 2025" in again.stdout
    assert "model fct_yearly_events:" not in again.stdout
    assert _rows_by_year(db) == built
