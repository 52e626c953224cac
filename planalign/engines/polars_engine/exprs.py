"""Polars twins of the dbt macros (dbt/macros/*.sql) and the one event schema.

Every helper mirrors one macro operation for operation, so the two engines compute the same
IEEE values (docs/methodology.md §4.5): no division by scalar constants, ``round_cents`` as
``floor(x * 100 + 0.5)``, dates as integer day counts, draws through the shared integer mixer.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from planalign.random.polars_exprs import draw_hash_expr, uniform_expr

# Who an employee is, as every relation that carries a person types it (ids, draw keys, dates,
# level); relation schemas start with it.
PERSON_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "employee_ssn": pl.String(),
    "ka": pl.UInt64(),
    "kb": pl.UInt64(),
    "employee_birth_date": pl.Date(),
    "employee_hire_date": pl.Date(),
    "level_id": pl.Int32(),
}

# The event relation schema, column for column as the ``event_columns`` macro casts it.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "employee_ssn": pl.String(),
    "event_type": pl.String(),
    "event_category": pl.String(),
    "simulation_year": pl.Int32(),
    "effective_date": pl.Date(),
    "event_details": pl.String(),
    "compensation_amount": pl.Float64(),
    "previous_compensation": pl.Float64(),
    "employee_deferral_rate": pl.Float64(),
    "prev_employee_deferral_rate": pl.Float64(),
    "employee_age": pl.Int32(),
    "employee_tenure": pl.Decimal(12, 2),
    "level_id": pl.Int32(),
    "age_band": pl.String(),
    "tenure_band": pl.String(),
    "event_probability": pl.Float64(),
}

_REQUIRED_EVENT_COLUMNS = ("employee_id", "employee_ssn", "event_type", "event_category", "effective_date",
                           "event_details")


def collected(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Run a relation now and go on lazily from its rows.

    For the base relation of a step whose other relations derive from it: handed on as a plan,
    Polars would optimize that plan once for every relation reading it (~30 ms a year at any size).
    """
    return frame.collect().lazy()


def event_columns(frame: pl.LazyFrame, year: int, **columns: pl.Expr | str | float | int | None) -> pl.LazyFrame:
    """Select the event schema from ``frame`` (the ``event_columns`` macro).

    Values: an expression, a column name given as ``pl.col``, or a Python literal. Columns not
    given are NULL of their type, like the macro's ``'NULL'`` defaults.
    """
    missing = [c for c in _REQUIRED_EVENT_COLUMNS if c not in columns]
    unknown = sorted(set(columns) - set(EVENT_SCHEMA) - {"simulation_year"})
    if missing or unknown:
        raise ValueError(f"event_columns: missing {missing}, unknown {unknown}")
    exprs = []
    for name, dtype in EVENT_SCHEMA.items():
        if name == "simulation_year":
            value: pl.Expr = pl.lit(year)
        else:
            given = columns.get(name)
            value = given if isinstance(given, pl.Expr) else pl.lit(given)
        exprs.append(value.cast(dtype).alias(name))
    return frame.select(exprs)


# ----------------------------------------------------------------------------- draws


def draw_hash(year_constant: int, ka: str = "ka", kb: str = "kb") -> pl.Expr:
    """``pa_draw_hash(cY, ka, kb)``."""
    return draw_hash_expr(int(year_constant), pl.col(ka), pl.col(kb))


def draw_u(year_constant: int, ka: str = "ka", kb: str = "kb") -> pl.Expr:
    """``draw_u``: h * 2^-32 as DOUBLE."""
    return uniform_expr(draw_hash(year_constant, ka, kb))


def draw_r(year_constant: int, n: pl.Expr | int, ka: str = "ka", kb: str = "kb") -> pl.Expr:
    """``draw_r``: (h mod n::UBIGINT)::BIGINT. ``n`` must be >= 1 (a negative n fails the cast, as in SQL)."""
    modulus = n if isinstance(n, pl.Expr) else pl.lit(n)
    return (draw_hash(year_constant, ka, kb) % modulus.cast(pl.UInt64)).cast(pl.Int64)


# ----------------------------------------------------------------------------- money


def round_cents(x: pl.Expr) -> pl.Expr:
    """``CAST(floor(x * 100.0 + 0.5) AS BIGINT)``."""
    return (x * 100.0 + 0.5).floor().cast(pl.Int64)


def round_money(x: pl.Expr) -> pl.Expr:
    """``round_cents(x) * 0.01`` (BIGINT times DOUBLE)."""
    return round_cents(x) * 0.01


# ----------------------------------------------------------------------------- dates


def day_number(d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 as Int64."""
    return d.cast(pl.Int32).cast(pl.Int64)


def add_days(d: pl.Expr | date, days: pl.Expr | int) -> pl.Expr:
    """``date + cast(days as integer)``."""
    base = pl.lit(d, dtype=pl.Date) if isinstance(d, date) else d
    offset = days if isinstance(days, pl.Expr) else pl.lit(days)
    return (day_number(base) + offset.cast(pl.Int32)).cast(pl.Int32).cast(pl.Date)


def date_diff_days(start: pl.Expr | date, end: pl.Expr | date) -> pl.Expr:
    """``date_diff('day', start, end)`` as BIGINT."""
    a = pl.lit(start, dtype=pl.Date) if isinstance(start, date) else start
    b = pl.lit(end, dtype=pl.Date) if isinstance(end, date) else end
    return day_number(b) - day_number(a)


def tenure_at(d: pl.Expr | date, hire_date: pl.Expr) -> pl.Expr:
    """``tenure_at``: (4 * days(d - hire)) // 1461, 0 before the hire date (operands non-negative)."""
    at = pl.lit(d, dtype=pl.Date) if isinstance(d, date) else d
    return (
        pl.when(at >= hire_date)
        .then((4 * date_diff_days(hire_date, at)) // 1461)
        .otherwise(pl.lit(0, dtype=pl.Int64))
    )


# ----------------------------------------------------------------------------- lookups


def first_where_greater(x: pl.Expr, thresholds: list[tuple[int, int]]) -> pl.Expr:
    """``(select min(value) from t where t.cum_bp > x)`` for a small parameter table.

    ``thresholds`` are (value, cum_bp) pairs; the chain tests them in ascending ``value`` order,
    so the first match is the minimum value, whatever the shape of the cumulative column.
    NULL when no row matches (SQL ``min`` of nothing).
    """
    pairs = sorted(thresholds)
    if not pairs:
        return pl.lit(None, dtype=pl.Int32)
    chain = pl.when(pl.lit(pairs[0][1], dtype=pl.Int64) > x).then(pl.lit(pairs[0][0], dtype=pl.Int32))
    for value, cum in pairs[1:]:
        chain = chain.when(pl.lit(cum, dtype=pl.Int64) > x).then(pl.lit(value, dtype=pl.Int32))
    return chain.otherwise(pl.lit(None, dtype=pl.Int32))


# ----------------------------------------------------------------------------- DC plan (dbt/macros/plan.sql)


def rate_from_units(units: pl.Expr) -> pl.Expr:
    """``rate_from_units``: ``units * 1.0e-5`` (BIGINT times DOUBLE)."""
    return units * 1e-5


def units_from_rate(rate: pl.Expr) -> pl.Expr:
    """``units_from_rate``: ``CAST(floor(rate * 100000.0 + 0.5) AS BIGINT)``."""
    return (rate * 100000.0 + 0.5).floor().cast(pl.Int64)


def level_at(d: pl.Expr | date) -> pl.Expr:
    """``level_at``: the promoted level from the promotion date on, else the start level."""
    at = pl.lit(d, dtype=pl.Date) if isinstance(d, date) else d
    promoted = pl.col("promotion_date").is_not_null() & (pl.col("promotion_date") <= at)
    return pl.when(promoted).then(pl.col("promoted_level")).otherwise(pl.col("level_id"))


def in_band(x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    """``in_band``: ``x >= lo AND (hi IS NULL OR x < hi)``."""
    return (x >= lo) & (hi.is_null() | (x < hi))


def band_join(frame: pl.LazyFrame, bands: pl.DataFrame, x: pl.Expr, lo: str, hi: str) -> pl.LazyFrame:
    """SQL ``JOIN bands ON in_band(x, lo, hi)``: an inner join, so a row in no band drops and a
    row in two overlapping bands appears twice. ``bands`` is a small parameter table; its other
    columns are added to ``frame``, ``lo``/``hi`` are not.

    Bands that do not overlap (the resolver's segments) take a ``when`` chain per band plus a
    filter, which is that join without copying every row per band; otherwise a cross join."""
    labels = [c for c in bands.columns if c not in (lo, hi)]
    rows = list(bands.iter_rows(named=True))
    if not rows:  # no band: no row survives (typed explicitly; an empty replace_strict loses the dtype)
        return frame.filter(pl.lit(False)).with_columns([pl.lit(None, dtype=bands.schema[c]).alias(c) for c in labels])
    disjoint = all(r[lo] is not None for r in rows)
    if disjoint:
        rows.sort(key=lambda r: r[lo])
        disjoint = all(a[hi] is not None and a[hi] <= b[lo] for a, b in zip(rows, rows[1:], strict=False))
    if not disjoint:
        return frame.join(bands.lazy(), how="cross").filter(in_band(x, pl.col(lo), pl.col(hi))).drop(lo, hi)
    matched = "__band"
    index = pl.lit(None, dtype=pl.Int32)
    for i, row in reversed(list(enumerate(rows))):
        bound_lo = pl.lit(row[lo], dtype=bands.schema[lo])
        bound_hi = pl.lit(row[hi], dtype=bands.schema[hi])
        index = pl.when(in_band(x, bound_lo, bound_hi)).then(pl.lit(i, dtype=pl.Int32)).otherwise(index)
    positions = list(range(len(rows)))
    return (
        frame.with_columns(index.alias(matched))
        .filter(pl.col(matched).is_not_null())
        .with_columns([
            pl.col(matched).replace_strict(positions, [r[c] for r in rows], return_dtype=bands.schema[c]).alias(c)
            for c in labels
        ])
        .drop(matched)
    )


def range_join(frame: pl.LazyFrame, bands: pl.DataFrame, x: pl.Expr, label: str) -> pl.LazyFrame:
    """SQL ``JOIN bands ON x >= min_value AND x < max_value``, adding ``band_label`` as ``label``
    (the age and tenure bands): an inner join, a row in no band drops.

    ``band_join`` reads a NULL upper bound as open; this SQL never matches a NULL bound, so such
    bands are dropped first (then both joins are the same, and disjoint bands take its fast path).
    """
    bands = bands.select("band_label", "min_value", "max_value").filter(
        pl.col("min_value").is_not_null() & pl.col("max_value").is_not_null()
    ).rename({"band_label": label})
    return band_join(frame, bands, x, "min_value", "max_value")


def row_number_within(frame: pl.LazyFrame, partition: str, order: list[str], name: str) -> pl.LazyFrame:
    """``frame`` with column ``name``: SQL ``row_number() over (partition by {partition} order by
    {order} NULLS LAST)``, NULL partition keys forming one partition as in SQL.

    Why not ``pl.int_range(...).over(partition, order_by=order)``: with ~250,000 partitions of
    2-3 rows (a year's events by person) the ordered window sorts and scatters every column
    group by group; one sort of the narrow key columns, a running row number that restarts where
    the partition key changes, and a sort back to the frame's own order cost far less
    (``int_yearly_events``, 240,000 people: 0.55 -> 0.22 s a year). Rows equal on every key
    keep their order in ``frame``.
    """
    key = pl.col(partition)
    i = pl.int_range(0, pl.len(), dtype=pl.Int32)
    numbers = (
        frame.select(partition, *order)
        .with_row_index("__row")
        .sort([partition, *order], nulls_last=True, maintain_order=True)
        .select("__row", (i - pl.when(key.ne_missing(key.shift(1))).then(i).forward_fill() + 1).alias(name))
        .sort("__row")
        .select(name)
    )
    return pl.concat([frame, numbers], how="horizontal")
