"""Both paths of the accelerators give the same tables: a small sql run with
``runtime.dbt_accelerators=on`` and one with ``off`` (dbt's own code alone) publish identical
facts, and run.json records each decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import side_by_side

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

SMALL = ("engine=sql", "census.size=100", "years=2025-2026")
# the published tables, with the column that holds the run's own clock
PUBLISHED = {"fct_yearly_events": "created_at", "fct_workforce_snapshot": "snapshot_created_at",
             "fct_year_summary": None}


@pytest.fixture(scope="module")
def runs(small_run) -> dict[str, Path]:
    """The database of each run, on first: a process that imported dbt with the accelerators on
    must give dbt's own classes to a later run with them off (dbt_import.py)."""
    return {setting: small_run(*SMALL, f"runtime.dbt_accelerators={setting}")[1] for setting in ("on", "off")}


def record(db: Path) -> dict:
    return json.loads((db.parent / "run.json").read_text())["dbt"]


def test_the_published_tables_are_identical_with_and_without_them(runs):
    with side_by_side(runs["on"], runs["off"]) as con:
        for table, clock in PUBLISHED.items():
            cols = f"* exclude ({clock})" if clock else "*"
            rows, only_on, only_off = con.execute(f"""select (select count(*) from a.{table}),
                (select count(*) from (select {cols} from a.{table} except all select {cols} from b.{table})),
                (select count(*) from (select {cols} from b.{table} except all select {cols} from a.{table}))
                """).fetchone()
            assert rows > 0 and (only_on, only_off) == (0, 0), table
            assert con.execute(f"describe a.{table}").fetchall() == con.execute(f"describe b.{table}").fetchall()


def test_run_json_records_each_decision(runs):
    on, off = record(runs["on"])["accelerators"], record(runs["off"])["accelerators"]
    assert (on["setting"], on["active"], off["setting"], off["active"]) == ("on", True, "off", False)
    assert on["why"].startswith("runtime.dbt_accelerators=on") and "dbt's own code" in off["why"]
    assert on["versions"] == off["versions"] and set(on["versions"]) >= {"dbt-core", "mashumaro", "jinja2"}
    # on: every accelerator did its work (the folded models' CTEs, the unheard events, the caches)
    assert on["self_checks"]["cte_injection"] == "passed" and on["manifest_cache"]
    assert on["cte_injection"]["fast"] > 0 and on["log_events"]["skipped"] > 100
    assert on["jinja_code"]["compiled"] + on["jinja_code"]["loaded"] > 0
    assert on["json_schemas"]["built"] + on["json_schemas"]["reused"] > 0
    # off: none of them, the project parsed, dbt's own classes (no stub of planalign's left)
    assert record(runs["off"])["manifest"] == "parse" and not off["manifest_cache"]
    assert off["cte_injection"] == {"fast": 0, "by_dbt": 0} and off["log_events"] == {"skipped": 0, "delivered": 0}
    assert off["jinja_code"] == {"compiled": 0, "loaded": 0} and off["json_schemas"] == {"built": 0, "reused": 0}
    assert off["self_checks"]["cte_injection"] == "not run"
    assert off["dbt_import"] in ("dbt's own", "deferred codegen, then generated in full", "before planalign")
