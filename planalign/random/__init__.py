"""Deterministic, engine-independent random draws (docs/methodology.md §4).

One definition, three evaluators: plain Python (the reference), DuckDB SQL (dbt macros in
``dbt/macros/draws.sql``) and Polars expressions. All three use only integer ``+ * // % xor``
on values below 2**64, so they agree bit for bit.
"""

from planalign.random.draws import (
    SALTS,
    SUBSYSTEM_OF_STREAM,
    draw,
    employee_keys,
    mix32,
    stream_constant,
    year_stream_constant,
)

__all__ = [
    "SALTS",
    "SUBSYSTEM_OF_STREAM",
    "draw",
    "employee_keys",
    "mix32",
    "stream_constant",
    "year_stream_constant",
]
