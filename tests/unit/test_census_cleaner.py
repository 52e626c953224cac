"""Row-level census cleaning (docs/methodology.md §1.2): exact reject reasons, de-duplication, deferral units."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalign.census import (
    CLEAN_SCHEMA,
    EDGE_EXPECTED,
    REJECT_REASONS,
    CleanCensus,
    census_content_hash,
    clean_census,
    edge_census,
    generate_synthetic_census,
    read_census_file,
)
from planalign.errors import CensusError
from planalign.random.draws import employee_keys

AS_OF = date(2024, 12, 31)
COLUMNS = (
    "employee_id",
    "employee_birth_date",
    "employee_hire_date",
    "employee_gross_compensation",
    "employee_termination_date",
    "employee_deferral_rate",
    "active",
)
VALID = {
    "employee_id": "OK_1",
    "employee_birth_date": "1980-05-17",
    "employee_hire_date": "2015-03-01",
    "employee_gross_compensation": "72000",
    "employee_termination_date": "",
    "employee_deferral_rate": "0.05",
    "active": "true",
}


def csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value


def write_census(path: Path, rows: list[dict[str, str]]) -> Path:
    """A real CSV file with the VALID defaults filled in for every field a row does not set."""
    lines = [",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join(csv_field({**VALID, **row}[column]) for column in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SIMULATED_YEARS = range(2025, 2031)


def clean_file(tmp_path: Path, rows: list[dict[str, str]], **kwargs: object) -> CleanCensus:
    path = write_census(tmp_path / "census.csv", rows)
    return clean_census(read_census_file(path), AS_OF, str(path), **kwargs)  # type: ignore[arg-type]


def valid_rows(n: int = 3) -> list[dict[str, str]]:
    return [{"employee_id": f"OK_{i}"} for i in range(1, n + 1)]


# --- row-level rejects ------------------------------------------------------------------------

BAD_ROWS: list[tuple[str, dict[str, str], str]] = [
    ("empty id", {"employee_id": ""}, "missing_id"),
    ("blank id", {"employee_id": "   "}, "missing_id"),
    ("non-ascii id", {"employee_id": "Émile"}, "invalid_id"),
    ("control char id", {"employee_id": "A\u0007B"}, "invalid_id"),
    ("65-char id", {"employee_id": "X" * 65}, "invalid_id"),
    ("a simulated year's new-hire id", {"employee_id": "NH_2026_000001"}, "reserved_id"),
    ("a simulated year's 7-digit new-hire id", {"employee_id": "NH_2025_1000000"}, "reserved_id"),
    ("bad birth date", {"employee_birth_date": "1980-13-45"}, "invalid_birth_date"),
    ("text birth date", {"employee_birth_date": "last tuesday"}, "invalid_birth_date"),
    ("empty birth date", {"employee_birth_date": ""}, "invalid_birth_date"),
    ("Feb 30 hire", {"employee_hire_date": "2015-02-30"}, "invalid_hire_date"),
    ("dd/mm/yyyy termination", {"employee_termination_date": "31/12/2024"}, "invalid_termination_date"),
    ("text in comp", {"employee_gross_compensation": "eighty thousand"}, "invalid_compensation"),
    ("currency comp", {"employee_gross_compensation": "$72,000"}, "invalid_compensation"),
    ("empty comp", {"employee_gross_compensation": ""}, "invalid_compensation"),
    ("zero comp", {"employee_gross_compensation": "0"}, "invalid_compensation"),
    ("negative comp", {"employee_gross_compensation": "-5000"}, "invalid_compensation"),
    ("NaN comp", {"employee_gross_compensation": "NaN"}, "invalid_compensation"),
    ("infinite comp", {"employee_gross_compensation": "inf"}, "invalid_compensation"),
    (
        "born after hire",
        {"employee_birth_date": "2001-01-01", "employee_hire_date": "2000-01-01"},
        "birth_after_hire",
    ),
    (
        "born on hire day",
        {"employee_birth_date": "2000-01-01", "employee_hire_date": "2000-01-01"},
        "birth_after_hire",
    ),
    ("age 124", {"employee_birth_date": "1900-06-01"}, "implausible_age"),
    ("age 101", {"employee_birth_date": "1923-06-01", "employee_hire_date": "1950-01-01"}, "implausible_age"),
    ("age 13", {"employee_birth_date": "2011-01-01", "employee_hire_date": "2024-06-01"}, "implausible_age"),
    ("hired next year", {"employee_hire_date": "2025-01-01"}, "hire_after_census_date"),
    ("left before joining", {"employee_termination_date": "2014-12-31"}, "termination_before_hire"),
    # first failing reason only
    (
        "bad birth and bad comp",
        {"employee_birth_date": "x", "employee_gross_compensation": "-1"},
        "invalid_birth_date",
    ),
    ("bad id and bad dates", {"employee_id": "Ω", "employee_hire_date": "x"}, "invalid_id"),
    (
        "born after hire and hired late",
        {"employee_birth_date": "2026-01-01", "employee_hire_date": "2025-06-01"},
        "birth_after_hire",
    ),
]


@pytest.mark.parametrize(
    ("bad", "reason"), [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS]
)
def test_bad_row_is_rejected_with_exact_reason(tmp_path: Path, bad: dict[str, str], reason: str) -> None:
    rows = [{"employee_id": "OK_1"}, {"employee_id": "BAD", **bad}, {"employee_id": "OK_2"}]
    result = clean_file(tmp_path, rows, new_hire_years=SIMULATED_YEARS)
    assert result.rejects.rows() == [(result.rejects["employee_id"][0], 1, reason)]
    assert result.clean["employee_id"].to_list() == ["OK_1", "OK_2"]
    assert result.rows_read == 3


def test_new_hire_ids_of_other_years_and_near_misses_are_accepted(tmp_path: Path) -> None:
    ids = ["NH_2024_000001", "NH_2031_000001", "NH_2026_00001", "NH_2026_000001X", "nh_2026_000001", "XNH_2026_000001"]
    result = clean_file(tmp_path, [{"employee_id": i} for i in ids], new_hire_years=SIMULATED_YEARS)
    assert result.rejects.height == 0
    assert sorted(result.clean["employee_id"]) == sorted(ids)
    # without simulated years (a census checked on its own) nothing is reserved
    assert clean_file(tmp_path, [{"employee_id": "NH_2026_000001"}]).rejects.height == 0


def test_every_reason_is_covered_by_a_case() -> None:
    assert {case[2] for case in BAD_ROWS} == set(REJECT_REASONS)


def test_boundary_values_are_accepted(tmp_path: Path) -> None:
    rows = [
        {"employee_id": "X" * 64},
        {"employee_id": "AGE_14", "employee_birth_date": "2010-01-01", "employee_hire_date": "2024-06-01"},
        {"employee_id": "AGE_100", "employee_birth_date": "1924-12-31", "employee_hire_date": "1950-01-01"},
        {"employee_id": "HIRED_AS_OF", "employee_hire_date": "2024-12-31"},
        {"employee_id": "TERM_ON_HIRE", "employee_termination_date": "2015-03-01", "active": "false"},
        {"employee_id": "TINY_COMP", "employee_gross_compensation": "0.01"},
        {"employee_id": "  PADDED  "},
        {"employee_id": "a b!~"},
    ]
    result = clean_file(tmp_path, rows)
    assert result.rejects.height == 0
    assert sorted(result.clean["employee_id"]) == sorted(
        ["X" * 64, "AGE_14", "AGE_100", "HIRED_AS_OF", "TERM_ON_HIRE", "TINY_COMP", "PADDED", "a b!~"]
    )


def test_date_formats(tmp_path: Path) -> None:
    rows = [
        {"employee_id": "ISO", "employee_hire_date": "2015-03-01"},
        {"employee_id": "SLASH", "employee_hire_date": "2015/03/01"},
        {"employee_id": "US", "employee_hire_date": "03/01/2015"},
        {"employee_id": "US_SHORT", "employee_hire_date": "3/1/2015"},
        {"employee_id": "SPACES", "employee_hire_date": " 2015-03-01 "},
    ]
    clean = clean_file(tmp_path, rows).clean
    assert set(clean["employee_hire_date"].to_list()) == {date(2015, 3, 1)}


def test_no_valid_rows_is_a_census_error(tmp_path: Path) -> None:
    rows = [{"employee_id": ""}, {"employee_gross_compensation": "0"}, {"employee_gross_compensation": "-1"}]
    path = write_census(tmp_path / "all_bad.csv", rows)
    with pytest.raises(CensusError) as info:
        clean_census(read_census_file(path), AS_OF, str(path))
    message = str(info.value)
    assert str(path) in message
    assert "no valid rows (3 rejected" in message
    assert "missing_id: 1" in message and "invalid_compensation: 2" in message


def test_missing_required_column_when_called_directly() -> None:
    raw = pl.DataFrame({"employee_id": ["A"], "employee_birth_date": ["1980-01-01"]})
    with pytest.raises(CensusError, match="frame.csv: missing required column.*employee_hire_date"):
        clean_census(raw, AS_OF, "frame.csv")


def test_nested_column_type_is_a_census_error() -> None:
    raw = pl.DataFrame(
        {
            "employee_id": [["A"]],
            "employee_birth_date": ["1980-01-01"],
            "employee_hire_date": ["2010-01-01"],
            "employee_gross_compensation": [1.0],
        }
    )
    with pytest.raises(CensusError, match="nested.parquet: column 'employee_id' has unsupported type"):
        clean_census(raw, AS_OF, "nested.parquet")


# --- de-duplication ---------------------------------------------------------------------------


def test_duplicates_keep_latest_hire_then_highest_comp_then_first_row(tmp_path: Path) -> None:
    rows = [
        {
            "employee_id": "D1",
            "employee_hire_date": "2010-01-01",
            "employee_gross_compensation": "90000",
        },  # 0
        {
            "employee_id": "D1",
            "employee_hire_date": "2018-01-01",
            "employee_gross_compensation": "60000",
        },  # 1 kept
        {
            "employee_id": "D1",
            "employee_hire_date": "2012-01-01",
            "employee_gross_compensation": "95000",
        },  # 2
        {"employee_id": "D2", "employee_gross_compensation": "60000"},  # 3
        {"employee_id": "D2", "employee_gross_compensation": "61000"},  # 4 kept
        {"employee_id": "D3", "employee_deferral_rate": "0.01"},  # 5 kept
        {"employee_id": " D3", "employee_deferral_rate": "0.02"},  # 6 (trimmed id, exact tie)
        {"employee_id": "SOLO"},  # 7
    ]
    result = clean_file(tmp_path, rows)
    clean = result.clean
    assert clean["employee_id"].to_list() == ["D1", "D2", "D3", "SOLO"]
    assert clean["source_row"].to_list() == [1, 4, 5, 7]
    assert clean.filter(pl.col("employee_id") == "D3")["deferral_rate_units"].item() == 1000
    assert result.duplicates_audit.rows() == [
        ("D1", 1, 3, 1, "KEPT"),
        ("D1", 2, 3, 2, "DROPPED"),
        ("D1", 0, 3, 3, "DROPPED"),
        ("D2", 4, 2, 1, "KEPT"),
        ("D2", 3, 2, 2, "DROPPED"),
        ("D3", 5, 2, 1, "KEPT"),
        ("D3", 6, 2, 2, "DROPPED"),
    ]
    assert result.dropped_duplicates == 4
    assert result.rejects.height == 0


def test_rejected_copy_of_an_id_is_not_a_duplicate(tmp_path: Path) -> None:
    rows = [{"employee_id": "D1"}, {"employee_id": "D1", "employee_gross_compensation": "-1"}]
    result = clean_file(tmp_path, rows)
    assert result.duplicates_audit.height == 0
    assert result.rejects.rows() == [("D1", 1, "invalid_compensation")]
    assert result.clean["source_row"].to_list() == [0]


# --- deferral rates and optional columns -------------------------------------------------------

DEFERRALS = [
    ("0.05", 5000),
    ("6.0", 6000),  # percent form
    ("6", 6000),
    ("6%", 6000),
    ("0.5%", 500),  # explicit percent sign: always x 0.01
    ("1", 75000),  # 100 % as a fraction: clamped to the cap
    ("80", 75000),  # 80 % -> 0.80 -> clamped
    ("", 0),
    ("n/a", 0),
    ("-0.02", 0),
    ("0.123456", 12346),  # floor(x * 100000 + 0.5)
    ("0.000004", 0),
    ("0.000005", 1),
]


def test_deferral_rate_units(tmp_path: Path) -> None:
    rows = [
        {"employee_id": f"R{i:02d}", "employee_deferral_rate": raw} for i, (raw, _) in enumerate(DEFERRALS)
    ]
    clean = clean_file(tmp_path, rows).clean
    assert clean["deferral_rate_units"].to_list() == [units for _, units in DEFERRALS]


def test_deferral_options(tmp_path: Path) -> None:
    rows = [
        {"employee_id": "A", "employee_deferral_rate": "6.0"},
        {"employee_id": "B", "employee_deferral_rate": "0.6"},
    ]
    raw_pct = clean_file(tmp_path, rows, normalize_percentages=False).clean
    assert raw_pct["deferral_rate_units"].to_list() == [75000, 60000]
    capped = clean_file(tmp_path, rows, plan_deferral_cap=0.5).clean
    assert capped["deferral_rate_units"].to_list() == [6000, 50000]


def test_absent_optional_columns_get_defaults() -> None:
    raw = pl.DataFrame(
        {
            "employee_id": ["B", "A"],
            "employee_birth_date": ["1980-01-01", "1981-01-01"],
            "employee_hire_date": ["2010-01-01", "2011-01-01"],
            "employee_gross_compensation": ["70000", "80000.5"],
        }
    )
    clean = clean_census(raw, AS_OF, "minimal").clean
    assert dict(clean.schema) == CLEAN_SCHEMA
    assert clean["employee_id"].to_list() == ["A", "B"]
    assert clean["source_row"].to_list() == [1, 0]
    assert clean["active"].null_count() == 2  # NULL means TRUE downstream; not filled here
    assert clean["deferral_rate_units"].to_list() == [0, 0]
    assert clean["scheduled_hours_per_week"].to_list() == [40.0, 40.0]
    assert clean["auto_escalation_opt_out"].to_list() == [False, False]
    assert clean["eligibility_override"].null_count() == 2
    assert clean["employee_job_level"].null_count() == 2
    assert clean["employee_termination_date"].null_count() == 2
    assert clean["employee_gross_compensation"].to_list() == [80000.5, 70000.0]


def test_booleans_levels_and_hours() -> None:
    words = ["TRUE", "f", "Yes", "n", "1", "0", "maybe", None]
    expected = [True, False, True, False, True, False, None, None]
    n = len(words)
    raw = pl.DataFrame(
        {
            "employee_id": [f"E{i}" for i in range(n)],
            "employee_birth_date": ["1980-01-01"] * n,
            "employee_hire_date": ["2010-01-01"] * n,
            "employee_gross_compensation": ["70000"] * n,
            "active": words,
            "auto_escalation_opt_out": words,
            "eligibility_override": words,
            "employee_job_level": ["3", "3.0", "0", "-2", "2.5", "x", None, "5"],
            "scheduled_hours_per_week": ["20", "37.5", "", "abc", "0", "200", None, "40"],
        }
    )
    clean = clean_census(raw, AS_OF, "flags").clean
    assert clean["active"].to_list() == expected
    assert clean["eligibility_override"].to_list() == expected
    assert clean["auto_escalation_opt_out"].to_list() == [e if e is not None else False for e in expected]
    assert clean["employee_job_level"].to_list() == [3, 3, None, None, None, None, None, 5]
    assert clean["scheduled_hours_per_week"].to_list() == [20.0, 37.5, 40.0, 40.0, 40.0, 40.0, 40.0, 40.0]


def test_typed_input_matches_string_input() -> None:
    typed = generate_synthetic_census(
        n=500, terminated_pct=0.2, part_time_pct=0.1, escalation_opt_out_pct=0.1
    )
    typed = typed.with_columns(pl.Series("employee_job_level", [None, 2, 3, None, 5] * 100, dtype=pl.Int64))
    as_strings = typed.with_columns(pl.all().cast(pl.String))
    a = clean_census(typed, AS_OF, "typed").clean
    b = clean_census(as_strings, AS_OF, "strings").clean
    assert a.equals(b)


# --- output contract --------------------------------------------------------------------------


def test_clean_schema_order_and_sort(tmp_path: Path) -> None:
    rows = [{"employee_id": i} for i in ("b", "B", "a", "A_10", "A_9", "~")]
    clean = clean_file(tmp_path, rows).clean
    assert list(clean.schema.items()) == list(CLEAN_SCHEMA.items())
    assert clean["employee_id"].to_list() == ["A_10", "A_9", "B", "a", "b", "~"]  # byte-wise ASCII order


def test_keys_match_the_python_reference() -> None:
    census = generate_synthetic_census(n=300, seed=5)
    extra = pl.DataFrame(
        {"employee_id": ["x", "Z" * 64, "a b-c_d.e", "  trimmed  "]},
    ).with_columns(
        employee_birth_date=pl.lit(date(1980, 1, 1)),
        employee_hire_date=pl.lit(date(2010, 1, 1)),
        employee_gross_compensation=pl.lit(50000.0),
    )
    raw = pl.concat([census.select(extra.columns), extra])
    clean = clean_census(raw, AS_OF, "keys").clean
    sample = clean.sample(50, seed=1).vstack(
        clean.filter(pl.col("employee_id").is_in(["x", "Z" * 64, "trimmed"]))
    )
    for eid, ka, kb in sample.select("employee_id", "ka", "kb").iter_rows():
        assert (ka, kb) == employee_keys(eid)


def test_rejects_schema(tmp_path: Path) -> None:
    result = clean_file(tmp_path, [{"employee_id": "OK"}, {"employee_id": ""}])
    assert dict(result.rejects.schema) == {
        "employee_id": pl.String,
        "source_row": pl.Int64,
        "reason": pl.String,
    }
    assert result.rejects.rows() == [(None, 1, "missing_id")]
    assert dict(result.duplicates_audit.schema) == {
        "employee_id": pl.String,
        "source_row": pl.Int64,
        "duplicate_count": pl.Int64,
        "occurrence_rank": pl.Int64,
        "dedup_status": pl.String,
    }


def test_content_hash() -> None:
    clean = clean_census(generate_synthetic_census(n=200), AS_OF, "hash").clean
    again = clean_census(generate_synthetic_census(n=200), AS_OF, "hash").clean
    assert census_content_hash(clean) == census_content_hash(again)
    assert census_content_hash(clean) == census_content_hash(clean.sample(fraction=1.0, shuffle=True, seed=3))
    changed = clean.with_columns(
        pl.when(pl.col("source_row") == 7)
        .then(pl.col("employee_gross_compensation") + 0.01)
        .otherwise(pl.col("employee_gross_compensation"))
        .alias("employee_gross_compensation")
    )
    assert census_content_hash(changed) != census_content_hash(clean)
    retyped = clean.with_columns(pl.col("employee_job_level").cast(pl.Int64))
    assert census_content_hash(retyped) != census_content_hash(clean)
    assert len(census_content_hash(clean)) == 64


# --- the edge fixture -------------------------------------------------------------------------


@pytest.mark.parametrize("census_year", [2024, 2025])
def test_edge_fixture_cleans_to_expected_counts(tmp_path: Path, census_year: int) -> None:
    raw = edge_census(census_year)
    assert raw.height == EDGE_EXPECTED["rows_read"]
    assert set(raw.schema.values()) == {pl.String}
    path = tmp_path / "edge.csv"
    raw.write_csv(path)
    result = clean_census(read_census_file(path), date(census_year, 12, 31), str(path))
    assert result.rows_read == EDGE_EXPECTED["rows_read"]
    assert result.clean.height == EDGE_EXPECTED["clean"]
    assert result.reject_counts() == EDGE_EXPECTED["rejects"]
    assert result.duplicates_audit.height == EDGE_EXPECTED["duplicate_rows"]
    assert result.dropped_duplicates == EDGE_EXPECTED["dropped_duplicates"]
    assert result.clean.height + result.rejects.height + result.dropped_duplicates == result.rows_read

    by_id = {row["employee_id"]: row for row in result.clean.iter_rows(named=True)}
    assert by_id["EDGE_DEF_PCT"]["deferral_rate_units"] == 6000
    assert by_id["EDGE_DEF_CAP"]["deferral_rate_units"] == 75000
    assert by_id["EDGE_PART_TIME"]["scheduled_hours_per_week"] == 20.0
    assert by_id["EDGE_INELIGIBLE"]["eligibility_override"] is False
    assert by_id["EDGE_OPT_OUT"]["auto_escalation_opt_out"] is True
    assert by_id["EDGE_HIRED_AS_OF"]["employee_hire_date"] == date(census_year, 12, 31)
    feb29 = by_id["EDGE_FEB29"]["employee_birth_date"]
    assert (feb29.month, feb29.day) == (2, 29)
    assert by_id["EDGE_COMP_1000000"]["employee_gross_compensation"] == 1_000_000.0
    assert by_id["EDGE_LEVEL_3"]["employee_job_level"] == 3
    assert by_id["EDGE_TERMINATED"]["active"] is False
    assert by_id["EDGE_ACTIVE_NULL"]["active"] is None
    ages = {
        census_year - by_id[f"EDGE_AGE_{a:02d}"]["employee_birth_date"].year for a in (20, 21, 49, 50, 65)
    }
    assert ages == {20, 21, 49, 50, 65}
    for tenure in (0, 1, 2, 5, 10, 20):
        hire = by_id[f"EDGE_TEN_{tenure:02d}"]["employee_hire_date"]
        assert (4 * (date(census_year, 12, 31) - hire).days) // 1461 == tenure


# --- property test ----------------------------------------------------------------------------

IDS = st.one_of(
    st.sampled_from(["A", "B", "C", " A ", "", "   ", "é", "Z" * 65, "Z" * 64]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=70),
    st.none(),
)
DATES = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%Y/%m/%d"), d.strftime("%m/%d/%Y")])
    ),
    st.sampled_from(["", "2024-02-30", "not a date", "0000-01-01", "99999-01-01", "1980-1-1"]),
    st.text(max_size=12, alphabet=st.characters(blacklist_categories=("Cs",))),
    st.none(),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", "abc", "6%", "0.5%", "%", "1e308", "-0", "1e-320", " 5 "]),
    st.text(max_size=8, alphabet=st.characters(blacklist_categories=("Cs",))),
    st.none(),
)
ROWS = st.lists(st.tuples(IDS, DATES, DATES, NUMBERS, DATES, NUMBERS), min_size=1, max_size=25)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_property_every_row_accounted_for(rows: list[tuple[str | None, ...]]) -> None:
    raw = pl.DataFrame(
        rows,
        schema={
            "employee_id": pl.String,
            "employee_birth_date": pl.String,
            "employee_hire_date": pl.String,
            "employee_gross_compensation": pl.String,
            "employee_termination_date": pl.String,
            "employee_deferral_rate": pl.String,
        },
        orient="row",
    )
    try:
        result = clean_census(raw, AS_OF, "property.csv")
    except CensusError as exc:
        assert "property.csv: no valid rows" in str(exc)
        return
    clean_rows = result.clean["source_row"].to_list()
    rejected_rows = result.rejects["source_row"].to_list()
    dropped_rows = result.duplicates_audit.filter(pl.col("dedup_status") == "DROPPED")["source_row"].to_list()
    everything = clean_rows + rejected_rows + dropped_rows
    assert sorted(everything) == list(range(len(rows)))  # each row exactly once
    assert result.clean["employee_id"].is_unique().all()
    assert result.clean["employee_id"].null_count() == 0
    assert (result.clean["employee_gross_compensation"] > 0).all()
    assert result.clean["deferral_rate_units"].is_between(0, 75000).all()
    assert set(result.rejects["reason"]) <= set(REJECT_REASONS)
    assert dict(result.clean.schema) == CLEAN_SCHEMA


def test_cleaning_is_fast_enough_for_a_large_census() -> None:
    """100k string rows (what a CSV gives) clean in well under a few seconds; no per-row Python."""
    raw = generate_synthetic_census(n=100_000, terminated_pct=0.1).with_columns(pl.all().cast(pl.String))
    rng = random.Random(0)
    bad = rng.sample(range(raw.height), 100)
    raw = raw.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(bad))
        .then(pl.lit("oops"))
        .otherwise(pl.col("employee_birth_date"))
        .alias("employee_birth_date")
    )
    result = clean_census(raw, AS_OF, "big")
    assert result.clean.height == 100_000 - 100
    assert result.reject_counts() == {"invalid_birth_date": 100}
