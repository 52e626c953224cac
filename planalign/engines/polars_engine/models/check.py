"""Compare Polars models with the tables dbt built, one model at a time (a developer's tool).

    python -m planalign.engines.polars_engine.models.check RUN_DIR [MODEL ...]

RUN_DIR is a finished ``engine=sql`` run made with ``cleanup.keep_intermediates=true`` (by
default a run drops its ``int_*`` tables at the end).
Each model is computed in Polars for the run's last year from the relations dbt left in a
copy of the database, written with its contract types, and compared with dbt's table by a
bidirectional EXCEPT ALL (for the incremental marts: the last year's rows). ``tag:init``
models are compared only when the run simulated one year (their parameters are that year's).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from planalign.database.connection import execute, scalar, table_exists
from planalign.engines.polars_engine.models import MODELS, PolarsModel, get_model
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.contracts import describe, write_model


def compare(con: duckdb.DuckDBPyConnection, model: PolarsModel, year: int, start_year: int,
            run_timestamp: str) -> dict:
    """Build ``model`` in Polars as ``polars__<name>`` and count rows only one side has."""
    ctx = ModelContext(con, year, start_year, run_timestamp)
    frame = model.load()(ctx)
    frame = frame.collect() if hasattr(frame, "collect") else frame
    shadow = f"polars__{model.name}"
    reference = f'"{model.name}"'
    if model.incremental:
        execute(con, f'CREATE OR REPLACE TEMP VIEW dbt__{model.name} AS '
                     f'SELECT * FROM "{model.name}" WHERE simulation_year = {year}')
        reference = f"dbt__{model.name}"
    write_model(con, model.name, frame, table=shadow)
    only_dbt = scalar(con, f'SELECT count(*) FROM (SELECT * FROM {reference} EXCEPT ALL SELECT * FROM "{shadow}")')
    only_polars = scalar(con, f'SELECT count(*) FROM (SELECT * FROM "{shadow}" EXCEPT ALL SELECT * FROM {reference})')
    same_schema = describe(con, shadow) == describe(con, model.name)
    return {"model": model.name, "rows": frame.height, "only_dbt": only_dbt, "only_polars": only_polars,
            "same_schema": same_schema}


def sample_diff(con: duckdb.DuckDBPyConnection, model: PolarsModel, limit: int = 5) -> list[tuple]:
    reference = f"dbt__{model.name}" if model.incremental else f'"{model.name}"'
    shadow = f'"polars__{model.name}"'
    rows = execute(con, f"(SELECT 'dbt' AS side, * FROM (SELECT * FROM {reference} EXCEPT ALL SELECT * FROM {shadow}) "
                        f"LIMIT {limit}) UNION ALL (SELECT 'polars', * FROM (SELECT * FROM {shadow} "
                        f"EXCEPT ALL SELECT * FROM {reference}) LIMIT {limit})")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("models", nargs="*")
    parser.add_argument("--show", type=int, default=3, help="differing rows to print per side")
    args = parser.parse_args(argv)
    models = [get_model(n) for n in args.models] if args.models else list(MODELS)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "check.duckdb"
        shutil.copy(args.run_dir / "planalign.duckdb", db)
        con = duckdb.connect(str(db))
        if not table_exists(con, "int_yearly_events"):
            con.close()
            print(f"{args.run_dir}: the run kept no intermediate tables; run it again with "
                  "cleanup.keep_intermediates=true", file=sys.stderr)
            return 2
        year = scalar(con, "SELECT simulation_year FROM param_scalars")
        start_year = scalar(con, "SELECT min(simulation_year) FROM fct_year_summary")
        run_timestamp = str(scalar(con, "SELECT strftime(max(created_at), '%Y-%m-%d %H:%M:%S') FROM int_yearly_events"))
        for model in models:
            if model.tag == "init" and year != start_year:
                print(f"{model.name:34s} skipped (init models: use a one-year run)")
                continue
            try:
                result = compare(con, model, year, start_year, run_timestamp)
            except Exception as exc:  # a developer's tool: show the error, go on
                failed += 1
                print(f"{model.name:34s} ERROR {type(exc).__name__}: {exc}")
                continue
            ok = not result["only_dbt"] and not result["only_polars"] and result["same_schema"]
            failed += not ok
            print(f"{model.name:34s} {'ok' if ok else 'DIFF':4s} rows={result['rows']} only_dbt={result['only_dbt']} "
                  f"only_polars={result['only_polars']} schema={'same' if result['same_schema'] else 'DIFFERENT'}")
            if not ok and args.show:
                for row in sample_diff(con, model, args.show):
                    print("    ", row)
        con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
