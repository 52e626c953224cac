"""Hand-built "edge" census (docs/methodology.md §1.6).

Why it exists: the synthetic generator never produces the awkward cases (band boundaries,
the 401(a)(17) earner, a Feb-29 birthday, duplicates, bad values), but those are exactly
where the two engines are most likely to disagree. This ~40-row fixture puts one employee on
each of them. It contains an unparseable date, so every column is a string, exactly as the
CSV reader returns it.

Expected cleaning outcome (``census_as_of = census_year-12-31``): see ``EDGE_EXPECTED``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Final

import polars as pl

EDGE_COLUMNS: Final = (
    "employee_id",
    "employee_ssn",
    "employee_birth_date",
    "employee_hire_date",
    "employee_termination_date",
    "employee_gross_compensation",
    "active",
    "employee_deferral_rate",
    "employee_job_level",
    "scheduled_hours_per_week",
    "auto_escalation_opt_out",
    "eligibility_override",
)

EDGE_DUPLICATE_ID: Final = "EDGE_DUP"
EDGE_AGES: Final = (20, 21, 49, 50, 59, 60, 63, 64, 65)
EDGE_TENURES: Final = (0, 1, 2, 5, 10, 20)
EDGE_BOUNDARY_COMPS: Final = (79_999, 80_000, 81_000, 120_000, 160_000, 275_000, 300_000, 500_000)
EDGE_MAX_COMP: Final = 1_000_000

# What clean_census must produce for the fixture (any census_year).
EDGE_EXPECTED: Final = {
    "rows_read": 40,
    "clean": 37,
    "rejects": {"invalid_compensation": 1, "invalid_birth_date": 1},
    "duplicate_rows": 2,
    "dropped_duplicates": 1,
}


def _leap_year_at_or_before(year: int) -> int:
    while not calendar.isleap(year):
        year -= 1
    return year


def edge_census(census_year: int = 2024) -> pl.DataFrame:
    """The edge fixture as an all-string frame (what ``read_census_file`` returns for its CSV)."""
    cy = census_year
    as_of = date(cy, 12, 31)

    def d(value: date) -> str:
        return value.isoformat()

    def row(
        eid: str,
        birth: str,
        hire: str,
        comp: str,
        *,
        term: str = "",
        active: str = "true",
        deferral: str = "",
        level: str = "",
        hours: str = "",
        opt_out: str = "",
        override: str = "",
    ) -> tuple[str, ...]:
        ssn = f"SSN-9{abs(hash_stable(eid)):08d}"
        return (eid, ssn, birth, hire, term, comp, active, deferral, level, hours, opt_out, override)

    default_hire = d(date(cy - 3, 3, 15))
    rows: list[tuple[str, ...]] = []

    # Ages at census_as_of (age = census_year - birth year): one employee per boundary age.
    for age in EDGE_AGES:
        hire = d(date(cy - 1, 9, 1)) if age < 22 else default_hire
        rows.append(row(f"EDGE_AGE_{age:02d}", d(date(cy - age, 6, 15)), hire, "65000", deferral="0.05"))

    # Tenures at census_as_of: hired on July 1 of (census_year - tenure).
    for tenure in EDGE_TENURES:
        rows.append(
            row(f"EDGE_TEN_{tenure:02d}", d(date(cy - 45, 4, 10)), d(date(cy - tenure, 7, 1)), "72000")
        )

    # Compensation on every band boundary plus the 401(a)(17)/402(g) earner.
    for comp in (*EDGE_BOUNDARY_COMPS, EDGE_MAX_COMP):
        rows.append(
            row(
                f"EDGE_COMP_{comp:07d}",
                d(date(cy - 42, 2, 3)),
                d(date(cy - 8, 5, 20)),
                f"{comp}",
                deferral="0.10",
            )
        )

    # Plan-feature flags.
    rows.append(row("EDGE_PART_TIME", d(date(cy - 30, 8, 8)), d(date(cy - 2, 1, 9)), "40000", hours="20"))
    rows.append(row("EDGE_INELIGIBLE", d(date(cy - 33, 9, 9)), default_hire, "70000", override="FALSE"))
    rows.append(
        row("EDGE_OPT_OUT", d(date(cy - 36, 10, 10)), default_hire, "90000", deferral="0.06", opt_out="TRUE")
    )

    # Deferral-rate forms: percent form (6.0 -> 0.06), above-cap, negative, unparseable -> 0.
    rows.append(row("EDGE_DEF_PCT", d(date(cy - 40, 1, 11)), default_hire, "85000", deferral="6.0"))
    rows.append(row("EDGE_DEF_CAP", d(date(cy - 41, 2, 12)), default_hire, "85000", deferral="0.90"))
    rows.append(row("EDGE_DEF_NEG", d(date(cy - 39, 3, 13)), default_hire, "85000", deferral="-0.02"))
    rows.append(row("EDGE_DEF_TXT", d(date(cy - 38, 4, 14)), default_hire, "85000", deferral="n/a"))

    # Dates: hired on census_as_of, a Feb-29 birthday, a terminated employee, an explicit level.
    rows.append(row("EDGE_HIRED_AS_OF", d(date(cy - 25, 5, 5)), d(as_of), "60000"))
    leap = _leap_year_at_or_before(cy - 28)
    rows.append(row("EDGE_FEB29", d(date(leap, 2, 29)), default_hire, "75000", deferral="0.04"))
    rows.append(
        row(
            "EDGE_TERMINATED",
            d(date(cy - 50, 6, 6)),
            d(date(cy - 6, 6, 6)),
            "95000",
            term=d(as_of - timedelta(days=100)),
            active="false",
            deferral="0.03",
        )
    )
    rows.append(row("EDGE_LEVEL_3", d(date(cy - 47, 7, 7)), default_hire, "70000", level="3"))
    rows.append(row("EDGE_ACTIVE_NULL", d(date(cy - 44, 11, 11)), default_hire, "70000", active=""))

    # One duplicate id: the later hire date is kept.
    rows.append(row(EDGE_DUPLICATE_ID, d(date(cy - 35, 12, 1)), d(date(cy - 9, 1, 1)), "70000"))
    rows.append(row(EDGE_DUPLICATE_ID, d(date(cy - 35, 12, 1)), d(date(cy - 4, 1, 1)), "77000"))

    # Rejected rows.
    rows.append(row("EDGE_BAD_COMP", d(date(cy - 31, 3, 3)), default_hire, "0"))
    rows.append(row("EDGE_BAD_DATE", "31/31/1980", default_hire, "70000"))

    # A CSV reader returns empty fields as null, not as "".
    frame = pl.DataFrame(rows, schema=dict.fromkeys(EDGE_COLUMNS, pl.String), orient="row")
    return frame.with_columns(pl.all().replace("", None))


def hash_stable(text: str) -> int:
    """A small deterministic hash (Python's ``hash`` is salted per process) for fake SSNs."""
    value = 0
    for ch in text.encode("ascii"):
        value = (value * 31 + ch) % 100_000_000
    return value
