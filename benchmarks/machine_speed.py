"""How fast this machine is right now, on two fixed workloads, so that benchmark tables taken on
different machines (or on one shared VM at different hours) can be compared.

Our 2-core VMs differ from session to session by up to 2x on the same code, and drift within
minutes. A table's wall times mean little without the machine's speed beside them: the
harness measures these references between its repetitions and prints their medians with the
table. To compare two tables, compare their references first.

* ``python_s``: a pure-Python loop on one core (interpreter, Hydra, dbt's Jinja and per-node work).
* ``duckdb_s``: a DuckDB aggregate on two threads (the SQL models, the writes, the invariants).

    python benchmarks/machine_speed.py            # prints both, medians of 5
"""

from __future__ import annotations

import statistics
import sys
import time

import duckdb

LOOP_ITERATIONS = 5_000_000
DUCKDB_ROWS = 40_000_000


def python_seconds() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(LOOP_ITERATIONS):
        total += i
    assert total == LOOP_ITERATIONS * (LOOP_ITERATIONS - 1) // 2
    return time.perf_counter() - start


def duckdb_seconds() -> float:
    with duckdb.connect() as con:
        con.execute("SET threads = 2")
        start = time.perf_counter()
        con.execute(f"select sum(hash(range) % 1000) from range({DUCKDB_ROWS})").fetchall()
        return time.perf_counter() - start


def measure() -> dict[str, float]:
    """One reading of both references (about a second in all)."""
    return {"python_s": python_seconds(), "duckdb_s": duckdb_seconds()}


def describe(readings: list[dict[str, float]]) -> str:
    """Medians and spread of several readings, as one line for a table's heading."""
    if not readings:
        return "machine speed: not measured"
    parts = []
    for key, label in (("python_s", "Python loop (1 core)"), ("duckdb_s", "DuckDB aggregate (2 threads)")):
        values = [r[key] for r in readings]
        parts.append(f"{label} {statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})")
    return f"machine speed, medians of {len(readings)} readings between repetitions: " + "; ".join(parts)


def main() -> int:
    readings = [measure() for _ in range(5)]
    print(describe(readings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
