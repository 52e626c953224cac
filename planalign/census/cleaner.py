"""Census cleaning and validation (docs/methodology.md §1.2 steps 1-6).

Why one shared cleaner: both engines (dbt/DuckDB and Polars) start from the table
``census_clean`` built from this module's output, so they cannot disagree about which
employees exist or what their starting values are. Everything is a Polars expression (no
Python loop over rows), so a million-row census cleans in about a second.

Row-level problems never stop the run: a bad row goes to ``rejects`` with the first failing
reason and the rest of the census is used. Only a census with no valid row at all is a
``CensusError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from planalign.census.reader import KNOWN_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from planalign.errors import CensusError
from planalign.random.polars_exprs import MAX_ID_LENGTH, with_employee_keys

MIN_CENSUS_AGE: Final = 14
MAX_CENSUS_AGE: Final = 100
DEFAULT_HOURS_PER_WEEK: Final = 40.0
MAX_HOURS_PER_WEEK: Final = 168.0
RATE_UNITS_PER_ONE: Final = 100_000  # 1 unit = 0.00001 (docs/methodology.md §0)
PERCENT: Final = 0.01

# Accepted date spellings, tried in this order (ISO first).
DATE_FORMATS: Final = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y")
TRUE_WORDS: Final = ("true", "1", "yes", "t", "y")
FALSE_WORDS: Final = ("false", "0", "no", "f", "n")

# Reject reasons in the order they are checked; a row gets the first that applies.
REJECT_REASONS: Final = (
    "missing_id",
    "invalid_id",
    "reserved_id",
    "invalid_birth_date",
    "invalid_hire_date",
    "invalid_termination_date",
    "invalid_compensation",
    "birth_after_hire",
    "implausible_age",
    "hire_after_census_date",
    "termination_before_hire",
)

CLEAN_SCHEMA: Final = {
    "employee_id": pl.String,
    "employee_ssn": pl.String,
    "employee_birth_date": pl.Date,
    "employee_hire_date": pl.Date,
    "employee_termination_date": pl.Date,
    "employee_gross_compensation": pl.Float64,
    "active": pl.Boolean,
    "deferral_rate_units": pl.Int64,
    "employee_job_level": pl.Int32,
    "scheduled_hours_per_week": pl.Float64,
    "auto_escalation_opt_out": pl.Boolean,
    "eligibility_override": pl.Boolean,
    "source_row": pl.Int64,
    "ka": pl.UInt64,
    "kb": pl.UInt64,
}
REJECTS_SCHEMA: Final = {"employee_id": pl.String, "source_row": pl.Int64, "reason": pl.String}
DUPLICATES_SCHEMA: Final = {
    "employee_id": pl.String,
    "source_row": pl.Int64,
    "duplicate_count": pl.Int64,
    "occurrence_rank": pl.Int64,
    "dedup_status": pl.String,
}

PRINTABLE_ASCII: Final = r"^[\x20-\x7E]+$"


def new_hire_id_pattern(years: Iterable[int]) -> str | None:
    """The ids the simulation gives its new hires of ``years`` (``NH_{Y}_{s:06d}``, docs/methodology.md
    §3.3), as a regular expression; None for no years.

    Why census ids of that form are rejected: a census employee called ``NH_2026_000001`` and the
    first hire of 2026 would be two people with one id, and every join on ``employee_id`` from
    then on multiplies their rows (a 150-person census grew until the process was killed for
    lack of memory). Ids of other years stay valid, so a census exported from an earlier
    projection (whose hires carry that projection's years) can be projected further.
    """
    listed = sorted({int(y) for y in years})
    if not listed:
        return None
    return rf"^NH_(?:{'|'.join(str(y) for y in listed)})_[0-9]{{6,}}$"


@dataclass(frozen=True)
class CleanCensus:
    """The cleaned census and its audit trail.

    Every input row is in exactly one of ``clean``, ``rejects`` or the ``DROPPED`` rows of
    ``duplicates_audit``, so the row counts always reconcile with ``rows_read``.
    """

    clean: pl.DataFrame
    rejects: pl.DataFrame
    duplicates_audit: pl.DataFrame
    source_name: str
    rows_read: int

    @property
    def dropped_duplicates(self) -> int:
        """Rows removed by de-duplication (kept rows of a duplicated id are in ``clean``)."""
        return self.duplicates_audit.filter(pl.col("dedup_status") == "DROPPED").height

    def reject_counts(self) -> dict[str, int]:
        """Rejected rows per reason, in the order reasons are checked."""
        return _reason_counts(self.rejects)


# ---------------------------------------------------------------------------------------------
# Lenient parsers: each takes the column's dtype into account so typed (Parquet) and string
# (CSV) inputs give the same result.


def _text(name: str) -> pl.Expr:
    """String view of a column: trimmed, with empty strings as null."""
    value = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value)


def _parse_date(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.date()
    if dtype == pl.Null:
        return pl.col(name).cast(pl.Date)
    text = _text(name)
    return pl.coalesce([text.str.strptime(pl.Date, fmt, strict=False) for fmt in DATE_FORMATS])


def _parse_float(name: str, dtype: pl.DataType) -> pl.Expr:
    """Float64 or null; NaN and infinities count as unparseable."""
    if dtype.is_numeric() or dtype == pl.Null:
        value = pl.col(name).cast(pl.Float64, strict=False)
    else:
        value = _text(name).cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def _parse_bool(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col(name)
    if dtype.is_numeric():
        value = pl.col(name).cast(pl.Float64, strict=False)
        return pl.when(value == 1).then(True).when(value == 0).then(False).otherwise(None)
    word = _text(name).str.to_lowercase()
    return (
        pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False).otherwise(None)
    )


def _parse_deferral(name: str, dtype: pl.DataType) -> pl.Expr:
    """Election as a fraction; a trailing '%' always means percent ("6%" and "0.5%")."""
    if dtype.is_numeric() or dtype == pl.Null:
        return _parse_float(name, dtype)
    text = _text(name)
    has_percent_sign = text.str.ends_with("%")
    number = text.str.strip_suffix("%").str.strip_chars().cast(pl.Float64, strict=False)
    number = pl.when(number.is_finite()).then(number)
    return pl.when(has_percent_sign).then(number * PERCENT).otherwise(number)


def _parse_level(name: str, dtype: pl.DataType) -> pl.Expr:
    """Positive whole number (``3`` or ``3.0``) as Int32, else null (level derived from comp)."""
    value = _parse_float(name, dtype)
    valid = (value == value.floor()) & (value >= 1) & (value <= 2**31 - 1)
    return pl.when(valid).then(value).cast(pl.Int32)


def _dtype(raw: pl.DataFrame, name: str) -> pl.DataType:
    return raw.schema[name] if name in raw.columns else pl.Null()


def _with_defaults(raw: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """Add absent optional columns as all-null so every parser sees the same column set."""
    return raw.with_columns(pl.lit(None).alias(name) for name in names if name not in raw.columns)


# ---------------------------------------------------------------------------------------------


def _parse(raw: pl.DataFrame) -> pl.DataFrame:
    """Steps 1-3 inputs: trimmed id and parsed typed columns, plus the raw termination text."""
    raw = _with_defaults(raw, OPTIONAL_COLUMNS)
    hours = _parse_float("scheduled_hours_per_week", _dtype(raw, "scheduled_hours_per_week"))
    hours_valid = (hours > 0) & (hours <= MAX_HOURS_PER_WEEK)
    return raw.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("source_row"),
        pl.col("employee_id").cast(pl.String).str.strip_chars().alias("employee_id"),
        _text("employee_ssn").alias("employee_ssn"),
        _parse_date("employee_birth_date", _dtype(raw, "employee_birth_date")).alias("employee_birth_date"),
        _parse_date("employee_hire_date", _dtype(raw, "employee_hire_date")).alias("employee_hire_date"),
        _parse_date("employee_termination_date", _dtype(raw, "employee_termination_date")).alias(
            "employee_termination_date"
        ),
        pl.col("employee_termination_date")
        .cast(pl.String)
        .str.strip_chars()
        .str.len_bytes()
        .fill_null(0)
        .gt(0)
        .alias("__termination_given"),
        _parse_float("employee_gross_compensation", _dtype(raw, "employee_gross_compensation")).alias(
            "employee_gross_compensation"
        ),
        _parse_bool("active", _dtype(raw, "active")).alias("active"),
        _parse_deferral("employee_deferral_rate", _dtype(raw, "employee_deferral_rate")).alias("__deferral"),
        _parse_level("employee_job_level", _dtype(raw, "employee_job_level")).alias("employee_job_level"),
        pl.when(hours_valid).then(hours).otherwise(DEFAULT_HOURS_PER_WEEK).alias("scheduled_hours_per_week"),
        _parse_bool("auto_escalation_opt_out", _dtype(raw, "auto_escalation_opt_out"))
        .fill_null(False)
        .alias("auto_escalation_opt_out"),
        _parse_bool("eligibility_override", _dtype(raw, "eligibility_override")).alias(
            "eligibility_override"
        ),
    )


def _reject_reason(census_as_of: date, new_hire_years: Iterable[int] = ()) -> pl.Expr:
    """Steps 1-4 as one ``when`` chain, so a row gets the first failing reason only."""
    eid = pl.col("employee_id")
    reserved = new_hire_id_pattern(new_hire_years)
    birth = pl.col("employee_birth_date")
    hire = pl.col("employee_hire_date")
    term = pl.col("employee_termination_date")
    comp = pl.col("employee_gross_compensation")
    age = pl.lit(census_as_of.year, dtype=pl.Int64) - birth.dt.year().cast(pl.Int64)
    checks: list[tuple[pl.Expr, str]] = [
        (eid.is_null() | (eid.str.len_bytes() == 0), "missing_id"),
        (~eid.str.contains(PRINTABLE_ASCII) | (eid.str.len_chars() > MAX_ID_LENGTH), "invalid_id"),
        (eid.str.contains(reserved) if reserved else pl.lit(False), "reserved_id"),
        (birth.is_null(), "invalid_birth_date"),
        (hire.is_null(), "invalid_hire_date"),
        (pl.col("__termination_given") & term.is_null(), "invalid_termination_date"),
        (comp.is_null() | (comp <= 0), "invalid_compensation"),
        (birth >= hire, "birth_after_hire"),
        ((age < MIN_CENSUS_AGE) | (age > MAX_CENSUS_AGE), "implausible_age"),
        (hire > pl.lit(census_as_of, dtype=pl.Date), "hire_after_census_date"),
        (term.is_not_null() & (term < hire), "termination_before_hire"),
    ]
    assert tuple(reason for _, reason in checks) == REJECT_REASONS
    chain = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    for condition, reason in checks[1:]:
        chain = chain.when(condition.fill_null(False)).then(pl.lit(reason))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def _deduplicate(valid: pl.DataFrame) -> pl.DataFrame:
    """Step 5: rank each id's rows (latest hire, highest comp, lowest source_row first).

    The sort puts each id's rows together, in rank order (source_row makes the order total), so
    the rank and the count are read off the stretches of equal ids: windows over the id strings
    took ~1 s more at 1,000,000 rows.
    """
    eid = pl.col("employee_id")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    new_id = eid.ne_missing(eid.shift(1))
    return valid.sort(
        ["employee_id", "employee_hire_date", "employee_gross_compensation", "source_row"],
        descending=[False, True, True, False],
    ).with_columns(
        pl.len().over(new_id.cum_sum()).cast(pl.Int64).alias("duplicate_count"),
        (row - pl.when(new_id).then(row).forward_fill() + 1).alias("occurrence_rank"),
    )


def _deferral_units(plan_deferral_cap: float, normalize_percentages: bool) -> pl.Expr:
    """Step 6: NULL -> 0, percent form -> x 0.01, clamp to [0, cap], then integer rate units."""
    rate = pl.col("__deferral").fill_null(0.0)
    if normalize_percentages:
        rate = pl.when(rate > 1).then(rate * PERCENT).otherwise(rate)
    rate = rate.clip(0.0, plan_deferral_cap)
    return (rate * RATE_UNITS_PER_ONE + 0.5).floor().cast(pl.Int64)


def _reason_counts(rejects: pl.DataFrame) -> dict[str, int]:
    counts = dict(rejects.group_by("reason").len().iter_rows())
    return {reason: int(counts[reason]) for reason in REJECT_REASONS if reason in counts}


def clean_census(
    raw: pl.DataFrame,
    census_as_of: date,
    source_name: str,
    plan_deferral_cap: float = 0.75,
    normalize_percentages: bool = True,
    new_hire_years: Iterable[int] = (),
) -> CleanCensus:
    """Apply docs/methodology.md §1.2 steps 1-6 to a raw census (strings from CSV or typed from Parquet).

    ``source_name`` (usually the file path) is used in messages and kept for the audit trail.
    ``new_hire_years``: the simulated years; an id the simulation would give one of their new
    hires is rejected as ``reserved_id`` (``new_hire_id_pattern``).
    """
    if not 0.0 <= plan_deferral_cap <= 1.0:
        raise ValueError(f"plan_deferral_cap must be in [0, 1], got {plan_deferral_cap!r}")
    missing = [col for col in REQUIRED_COLUMNS if col not in raw.columns]
    if missing:
        raise CensusError(f"{source_name}: missing required column(s) {', '.join(missing)}")
    for name in KNOWN_COLUMNS:
        if name in raw.columns and raw.schema[name].is_nested():
            raise CensusError(f"{source_name}: column '{name}' has unsupported type {raw.schema[name]}")

    parsed = _parse(raw).with_columns(_reject_reason(census_as_of, new_hire_years).alias("reason"))
    rejects = (
        parsed.filter(pl.col("reason").is_not_null())
        .select(pl.col("employee_id"), pl.col("source_row"), pl.col("reason"))
        .sort("source_row")
        .cast(REJECTS_SCHEMA)
    )
    ranked = _deduplicate(parsed.filter(pl.col("reason").is_null()))
    if ranked.height == 0:
        counts = ", ".join(f"{reason}: {n}" for reason, n in _reason_counts(rejects).items())
        raise CensusError(
            f"{source_name}: no valid rows ({rejects.height} rejected" + (f": {counts})" if counts else ")")
        )

    duplicates_audit = (
        ranked.filter(pl.col("duplicate_count") > 1)
        .select(
            "employee_id",
            "source_row",
            "duplicate_count",
            "occurrence_rank",
            pl.when(pl.col("occurrence_rank") == 1)
            .then(pl.lit("KEPT"))
            .otherwise(pl.lit("DROPPED"))
            .alias("dedup_status"),
        )
        .sort("employee_id", "occurrence_rank")
        .cast(DUPLICATES_SCHEMA)
    )
    kept = ranked.filter(pl.col("occurrence_rank") == 1).with_columns(
        _deferral_units(plan_deferral_cap, normalize_percentages).alias("deferral_rate_units")
    )
    clean = (
        with_employee_keys(kept.select([c for c in CLEAN_SCHEMA if c not in ("ka", "kb")]))
        .select(list(CLEAN_SCHEMA))
        .cast(CLEAN_SCHEMA)
        .sort("employee_id")
        .collect()
    )
    return CleanCensus(
        clean=clean,
        rejects=rejects,
        duplicates_audit=duplicates_audit,
        source_name=source_name,
        rows_read=raw.height,
    )


def _ids_ascending(frame: pl.DataFrame) -> bool:
    """Whether ``employee_id`` is there, without NULLs, each id greater than the one before: then
    the frame is in its canonical order already (the cleaner sorts by id and keeps one row
    per id), and sorting it again would cost ~0.3 s at 1,000,000 rows."""
    if "employee_id" not in frame.columns:
        return False
    ids = frame.get_column("employee_id")
    return ids.null_count() == 0 and bool((ids.slice(1) > ids.slice(0, max(ids.len() - 1, 0))).all())


def census_content_hash(clean: pl.DataFrame) -> str:
    """sha256 of a canonical serialisation: the schema line plus the CSV of the id-sorted frame.

    Used to fingerprint a run's input, so a resumed run can prove it sees the same census.
    The schema is part of the hash because a type change alters what the engines compute.
    """
    sort_keys = [c for c in ("employee_id", "source_row") if c in clean.columns]
    canonical = clean.sort(sort_keys) if sort_keys and not _ids_ascending(clean) else clean
    digest = hashlib.sha256()
    digest.update(repr([(name, str(dtype)) for name, dtype in canonical.schema.items()]).encode("utf-8"))
    digest.update(b"\n")
    digest.update(canonical.write_csv(float_precision=None).encode("utf-8"))
    return digest.hexdigest()
