"""Prepare a development database so that ``cd dbt && dbt build`` works on its own.

The dbt models read two kinds of inputs that planalign's Python side writes: the cleaned
census (``census_clean``) and the resolved parameter tables (``param_*``). This command
writes both for the first simulated year into ``dbt/dev.duckdb`` (the profile's default),
using the same config groups and overrides as a run:

    planalign-dev-db                      # default config
    planalign-dev-db census.size=300      # any Hydra override
    cd dbt && dbt build                   # builds year 1 of the models and runs their tests
"""

from __future__ import annotations

import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from planalign.census.ingest import load_census
from planalign.config.loader import load_settings
from planalign.database.connection import connect
from planalign.database.frames import write_table
from planalign.errors import UserError
from planalign.params import ParameterResolver
from planalign.paths import CONF_DIR, DBT_PROJECT_DIR


def prepare(overrides: list[str], database: Path = DBT_PROJECT_DIR / "dev.duckdb") -> Path:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.output_dir={database.parent / 'target' / 'dev'}", *overrides])
    settings = load_settings(cfg)
    Path(settings.paths.output_dir).mkdir(parents=True, exist_ok=True)
    con = connect(database)
    try:
        for name, frame in ParameterResolver(settings).resolve(settings.start_year).tables.items():
            write_table(con, name, frame)
        load_census(con, settings, Path(settings.paths.output_dir))
    finally:
        con.close()
    return database


def main() -> None:
    try:
        path = prepare(sys.argv[1:])
    except UserError as exc:
        print(f"planalign-dev-db: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    print(f"wrote census and year-1 parameters to {path}; now: cd {path.parent} && dbt build")


if __name__ == "__main__":
    main()
