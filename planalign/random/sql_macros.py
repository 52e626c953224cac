"""Install the DuckDB draw macros from their one definition in ``dbt/macros/draws.sql``.

Runs create them once per database instead of in an on-run-start hook on every dbt
invocation; the SQL text is read from the dbt macro file, so there is a single source.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from planalign.database.connection import execute
from planalign.paths import DBT_PROJECT_DIR

BLOCK = re.compile(r"\{%\s*macro\s+create_draw_macros\(\)\s*%\}(.*?)\{%\s*endmacro\s*%\}", re.S)


def draw_macro_statements(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    text = (Path(project_dir) / "macros" / "draws.sql").read_text()
    match = BLOCK.search(text)
    if not match:
        raise RuntimeError(f"create_draw_macros() not found in {project_dir}/macros/draws.sql")
    return [stmt.strip() for stmt in match.group(1).split(";") if stmt.strip()]


def install_draw_macros(con: duckdb.DuckDBPyConnection, project_dir: Path = DBT_PROJECT_DIR) -> None:
    for statement in draw_macro_statements(project_dir):
        execute(con, statement)
