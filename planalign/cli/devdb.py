"""Prepare a development database so that ``cd dbt && dbt build`` works on its own.

The dbt models read two kinds of inputs that planalign's Python side writes: the cleaned
census (``census_clean``) and the resolved parameter tables (``param_*``). This command
writes both for the first simulated year, using the same config groups and overrides as a
run:

    planalign-dev-db                      # default config
    planalign-dev-db census.size=300      # any Hydra override
    cd dbt && dbt build                   # builds year 1 of the models and runs their tests

Where: the file that ``PLANALIGN_DB`` names, if set (the profile reads it); else, in a
checkout, ``dbt/dev.duckdb`` (the profile's default, relative to ``dbt/``); else (an
installed planalign, whose dbt project lies read-only in site-packages) ``dev.duckdb`` in
the current folder, and the command prints the dbt command line that builds it without
writing into the installed package.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from planalign.census.ingest import load_census
from planalign.config.loader import load_settings
from planalign.database.connection import connect
from planalign.database.frames import write_table
from planalign.errors import UserError
from planalign.params import ParameterResolver
from planalign.paths import CHECKOUT_DIR, CONF_DIR, DBT_PROJECT_DIR


def default_database() -> Path:
    """Where ``prepare`` writes without a ``database`` (see the module's docstring)."""
    if os.environ.get("PLANALIGN_DB"):
        return Path(os.environ["PLANALIGN_DB"]).resolve()
    if CHECKOUT_DIR is not None:
        return DBT_PROJECT_DIR / "dev.duckdb"
    return Path.cwd() / "dev.duckdb"


def prepare(overrides: list[str], database: Path | None = None) -> Path:
    database = Path(database) if database is not None else default_database()
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
    print(f"wrote census and year-1 parameters to {path}; now: {dbt_command(path)}")


def dbt_command(database: Path) -> str:
    """The shell command that builds the dbt project on ``database``."""
    if CHECKOUT_DIR is not None and database == DBT_PROJECT_DIR / "dev.duckdb":
        return f"cd {shlex.quote(str(DBT_PROJECT_DIR))} && dbt build"
    # dbt's target/ and logs/ go beside the database, and no usage-stats cookie (.user.yml,
    # written into the profiles folder): the installed project folder may be read-only
    here = database.parent
    project = shlex.quote(str(DBT_PROJECT_DIR))
    return (f"PLANALIGN_DB={shlex.quote(str(database))} DBT_SEND_ANONYMOUS_USAGE_STATS=false dbt build "
            f"--project-dir {project} --profiles-dir {project} --target-path {shlex.quote(str(here / 'target'))} "
            f"--log-path {shlex.quote(str(here / 'logs'))}")


if __name__ == "__main__":
    main()
