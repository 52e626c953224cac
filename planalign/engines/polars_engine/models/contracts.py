"""The DuckDB schema of every relation a Polars model writes: the dbt model's own, exactly.

``contracts.json`` holds, per model, its columns in order with their DuckDB types, taken from
a database the dbt models built (``python -m planalign.engines.polars_engine.models.contracts
--write RUN_DIR/planalign.duckdb``). The writer casts each Polars frame to that schema, so a
model computes values and the contract fixes the types (HUGEINT sums, DECIMAL tenure, ...).
The parity tests compare the contract with what dbt builds, so it cannot drift silently.
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from planalign.database.connection import execute, table_exists
from planalign.database.frames import write_frame

CONTRACTS_FILE = Path(__file__).with_name("contracts.json")


@cache
def contracts() -> dict[str, list[tuple[str, str]]]:
    raw = json.loads(CONTRACTS_FILE.read_text())
    return {name: [(c, t) for c, t in cols] for name, cols in raw.items()}


def describe(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in execute(con, f'DESCRIBE "{table}"')]


def _cast_select(name: str, frame: pl.DataFrame) -> str:
    contract = contracts()[name]
    expected = [c for c, _ in contract]
    if frame.columns != expected:
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        raise ValueError(f"polars model {name}: columns differ from the dbt model "
                         f"(missing {missing}, unexpected {extra}, order {'ok' if not (missing or extra) else '-'})")
    return ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in contract)


def write_model(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, *,
                incremental: bool = False, year: int | None = None, table: str | None = None) -> None:
    """Write ``frame`` as table ``name`` with the contract's types.

    A table model is replaced; an incremental one keeps other years and replaces ``year``
    (delete+insert on simulation_year, one transaction), as the dbt materialization does.
    ``table`` writes under another name with ``name``'s contract (the check tool's shadows).
    """
    select = _cast_select(name, frame)
    name_in_db = table or name
    if not incremental:
        write_frame(con, name_in_db, frame, select=select, mode="replace")
    elif not table_exists(con, name_in_db):
        write_frame(con, name_in_db, frame, select=select, mode="create")
    else:
        write_frame(con, name_in_db, frame, select=select, mode="replace_year", year=year)


def _dump(data: dict[str, list[list[str]]]) -> str:
    """One column per line: a reviewer reads a type change in the diff."""
    blocks = [f' {json.dumps(name)}: [\n' + ",\n".join(f"  {json.dumps(c)}" for c in cols) + "\n ]"
              for name, cols in data.items()]
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    from planalign.engines.polars_engine.models import MODELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, required=True, metavar="DUCKDB",
                        help="a database built by engine=sql (every model present)")
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.write), read_only=True) as con:
        data = {m.name: [list(col) for col in describe(con, m.name)] for m in MODELS}
    CONTRACTS_FILE.write_text(_dump(data))
    print(f"wrote {CONTRACTS_FILE} ({len(data)} models)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
