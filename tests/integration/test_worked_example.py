"""docs/methodology.md §3.1 worked example: 5,000 census actives -> 5,150 -> 5,305."""

from __future__ import annotations

from tests.conftest import query


def test_worked_example(small_run):
    _, db = small_run("census.size=5000", "years=2025-2026", "workflow=quick")
    rows = query(db, """select simulation_year, starting_headcount, target_ending_workforce, hires,
                        experienced_terminations, new_hire_terminations, ending_headcount
                        from fct_year_summary order by 1""")
    assert rows == [
        (2025, 5000, 5150, 1000, 600, 250, 5150),
        (2026, 5150, 5305, 1160, 715, 290, 5305),
    ]
