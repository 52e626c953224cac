"""Polars twins of the workforce state models (``dbt/models/intermediate/state``): the
compensation timeline and the year-end workforce state (docs/methodology.md §3.7)."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.exprs import (
    PERSON_SCHEMA,
    add_days,
    date_diff_days,
    range_join,
    round_cents,
    tenure_at,
    units_from_rate,
)
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.people_join import person_blocks

COMP_EVENTS = ("hire", "promotion", "raise")
DEFERRAL_EVENTS = ("enrollment", "enrollment_change", "deferral_escalation", "deferral_match_response")

# The ``people`` union of int_workforce_state.sql, with the types DuckDB gives the union.
PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    **PERSON_SCHEMA,
    "start_compensation": pl.Float64(),
    "baseline_compensation": pl.Float64(),
    "scheduled_hours_per_week": pl.Float64(),
    "auto_escalation_opt_out": pl.Boolean(),
    "eligibility_override": pl.Boolean(),
    "is_new_hire": pl.Boolean(),
}


def arg_max(arg: pl.Expr, by: str, where: pl.Expr | None = None, *, minimum: bool = False) -> pl.Expr:
    """DuckDB ``arg_max(arg, by) [FILTER (WHERE where)]`` as a group aggregation: the ``arg`` of
    the row with the largest ``by``, skipping rows where ``arg`` or ``by`` is NULL (NULL when no
    row is left). ``minimum`` gives ``arg_min``.

    The frame must be sorted by ``by`` before the group-by (``by`` unique within a group, as the
    event sequence is per employee): a group's rows keep the frame's order, so the answer is the
    last (first) kept row — no sort inside each group.
    """
    keep = arg.is_not_null() & pl.col(by).is_not_null()
    if where is not None:
        keep = keep & where
    kept = arg.filter(keep)
    return kept.first() if minimum else kept.last()


def _windows(ctx: ModelContext) -> pl.LazyFrame:
    """``people`` + ``windows`` of int_compensation_timeline.sql: the employment window of A(Y)
    and this year's hires, with the salary and deferral rate held at its start."""
    p = ctx.p
    schema = {"employee_id": pl.String(), "employee_hire_date": pl.Date(),
              "start_compensation": pl.Float64(), "start_rate_units": pl.Int64()}
    start = ctx.table("int_start_pop").select(
        "employee_id", "employee_hire_date", pl.col("current_compensation").alias("start_compensation"),
        pl.col("deferral_rate_units").alias("start_rate_units"),
    ).cast(schema)  # type: ignore[arg-type]
    hires = ctx.table("int_new_hires").select(
        "employee_id", "employee_hire_date", pl.col("current_compensation").alias("start_compensation"),
        pl.lit(0, dtype=pl.Int64).alias("start_rate_units"),
    ).cast(schema)  # type: ignore[arg-type]
    terms = ctx.table("int_term_dates").select("employee_id", "termination_date")
    return (
        pl.concat([start, hires], how="vertical")
        # in the people's order: the timeline's blocks of rows follow it (_with_proration)
        .join(terms, on="employee_id", how="left", maintain_order="left")
        .with_columns(
            pl.max_horizontal(pl.col("employee_hire_date"), pl.lit(p["jan1"], dtype=pl.Date)).alias("window_start"),
            pl.coalesce(pl.col("termination_date"), pl.lit(p["dec31"], dtype=pl.Date)).alias("window_end"),
        )
    )


def _forward_fill_within(column: str, person: str) -> pl.Expr:
    """``last_value(column ignore nulls) over (partition by person order by ...)`` on rows
    already sorted by person: a plain forward fill, kept only where the value it carries came
    from the same person (no hash partitioning: the frame is sorted)."""
    source = pl.when(pl.col(column).is_not_null()).then(pl.col(person)).forward_fill()
    return pl.when(source == pl.col(person)).then(pl.col(column).forward_fill())


def _running_count_within(flag: str, person: str) -> pl.Expr:
    """``sum(flag::int) over (partition by person order by ...)`` on rows already sorted by
    person: the frame's running count less the count before the person's first row."""
    count = pl.col(flag).cast(pl.Int64).cum_sum()
    first_row = pl.col(person).ne_missing(pl.col(person).shift(1))
    return count - pl.when(first_row).then(count - pl.col(flag).cast(pl.Int64)).forward_fill()


def int_compensation_timeline(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_compensation_timeline.sql``: segments between change points (window start,
    compensation and deferral events in the window), salary and rate carried forward
    (``last_value ignore nulls``), the last change of a day winning (``arg_max`` by
    change_order), ``salary_run`` counting the days with a compensation change.

    Done on one sort by a dense integer person id, (person, date, change_order), instead of
    string-keyed windows and group-bys. Change orders are unique per person (0 for the window
    start, the event sequence otherwise) and, once filled, a person's NULLs form a prefix; so
    ``arg_max`` over a day is the value on that day's last row. The day's "any compensation
    change" and ``salary_run`` come from running counts on the sorted rows, not from windows
    over ~250,000 days and people (240,000 people: 0.33 -> 0.16 s a year for the model).
    """
    windows = _windows(ctx).with_row_index("__pid")
    starts = windows.select(
        "__pid", "employee_id",
        pl.col("window_start").alias("change_date"),
        pl.lit(0, dtype=pl.Int64).alias("change_order"),
        pl.col("start_compensation").alias("salary"),
        pl.col("start_rate_units").alias("rate_units"),
        pl.lit(True).alias("is_comp_change"),
        "window_end",
    )
    is_comp = pl.col("event_type").is_in(COMP_EVENTS)
    events = (
        ctx.table("int_yearly_events")
        .filter(pl.col("event_type").is_in(COMP_EVENTS + DEFERRAL_EVENTS))
        .join(windows.select("__pid", "employee_id", "window_start", "window_end"), on="employee_id", how="inner")
        .filter(pl.col("effective_date").is_between(pl.col("window_start"), pl.col("window_end")))
        .select(
            "__pid", "employee_id",
            pl.col("effective_date").alias("change_date"),
            pl.col("event_sequence").cast(pl.Int64).alias("change_order"),
            pl.when(is_comp).then(pl.col("compensation_amount").cast(pl.Float64)).alias("salary"),
            pl.when(pl.col("event_type").is_in(DEFERRAL_EVENTS))
            .then(units_from_rate(pl.col("employee_deferral_rate"))).alias("rate_units"),
            is_comp.alias("is_comp_change"),
            "window_end",
        )
    )
    person, day = pl.col("__pid"), pl.col("change_date")
    per_day = (
        pl.concat([starts, events], how="vertical")
        .sort("__pid", "change_date", "change_order")
        .with_columns(
            _forward_fill_within("salary", "__pid"),
            _forward_fill_within("rate_units", "__pid"),
            pl.col("is_comp_change").cast(pl.Int64).cum_sum().alias("__changes_so_far"),
        )
        .filter(person.ne_missing(person.shift(-1)) | day.ne_missing(day.shift(-1)))   # a day's last row
        # a compensation change that day: the running count moved since the previous day's last row
        .with_columns((pl.col("__changes_so_far").diff().fill_null(pl.col("__changes_so_far")) > 0)
                      .alias("is_comp_change"))
    )
    next_same_person = person.eq_missing(person.shift(-1))
    return (
        per_day.select(
            "employee_id",
            day.alias("segment_start"),
            pl.when(next_same_person).then(add_days(day.shift(-1), -1)).otherwise(pl.col("window_end"))
            .alias("segment_end"),
            "salary",
            pl.col("rate_units").cast(pl.Int64).alias("deferral_rate_units"),
            _running_count_within("is_comp_change", "__pid").cast(pl.Int32).alias("salary_run"),
        )
        .with_columns((date_diff_days(pl.col("segment_start"), pl.col("segment_end")) + 1).alias("segment_days"))
    )


def _salary_run_totals() -> list[pl.Expr]:
    """A salary run's salary (any_value: its first non-NULL) and its days."""
    return [pl.col("salary").drop_nulls().first().alias("salary"),
            pl.col("segment_days").cast(pl.Int64).sum().alias("run_days")]


def _person_totals(r_d: float) -> list[pl.Expr]:
    """A person's pay over their salary runs (each run's salary times its days, rounded to cents
    per run, then summed) and their days employed."""
    return [round_cents((pl.col("salary") * pl.col("run_days")) * r_d).sum().alias("prorated_cents"),
            pl.col("run_days").sum().alias("employment_days")]


def _prorate(timeline: pl.LazyFrame, person: str, r_d: float) -> pl.LazyFrame:
    """Per person: ``_person_totals`` of their salary runs, grouped on ``person``."""
    return (
        timeline
        .group_by(person, "salary_run")
        .agg(_salary_run_totals())
        .group_by(person)
        .agg(_person_totals(r_d))
    )


def _prorate_blocks(timeline: pl.LazyFrame, r_d: float) -> pl.LazyFrame:
    """``_prorate`` of a timeline numbered by ``person_blocks`` (``__person``, sorted): a salary
    run is a stretch of rows of one person and one ``salary_run`` (a running count, so its rows
    are adjacent), numbered in order too. Both group-bys then run on sorted integers, in
    slices, and give one row per block, in block order."""
    person, run = pl.col("__person"), pl.col("salary_run")
    starts = person.ne_missing(person.shift(1)) | run.ne_missing(run.shift(1))
    return (
        timeline
        .with_columns(starts.fill_null(True).cum_sum().set_sorted().alias("__run"))
        .group_by("__run", maintain_order=True)
        .agg(person.first(), *_salary_run_totals())
        .with_columns(person.set_sorted())
        .group_by("__person", maintain_order=True)
        .agg(_person_totals(r_d))
    )


def _with_proration(ctx: ModelContext, people: pl.LazyFrame, r_d: float) -> pl.LazyFrame:
    """``people`` with ``prorated_cents`` and ``employment_days`` from the compensation timeline
    (the ``prorated`` CTE of int_workforce_state.sql, left-joined on employee_id).

    The timeline twin writes each person's segments together, people in the order of
    ``int_start_pop`` then ``int_new_hires`` (the order ``people`` has). When the timeline holds
    exactly that (``person_blocks``), the k-th block is the k-th person: the group-bys run on
    the block numbers, sorted, and their k-th row is set beside the k-th person, instead of
    hashing ~2.5 million id strings twice and the people's once more (1,000,000 people: 2.9-3.1
    CPU-s a year for the proration on the ids). Integer cent sums, and each run's first salary
    read in the timeline's order, make both ways give the same values. A timeline in any other
    order (dbt's table read back by the check tool, say) takes the join on employee_id.
    """
    timeline = ctx.frame("int_compensation_timeline")
    people_ids = pl.concat([ctx.frame("int_start_pop").get_column("employee_id"),
                            ctx.frame("int_new_hires").get_column("employee_id")], rechunk=False)
    blocks = person_blocks(timeline, people_ids)
    if blocks is None:
        return people.join(_prorate(timeline.lazy(), "employee_id", r_d), on="employee_id", how="left")
    prorated = _prorate_blocks(timeline.lazy().with_columns(blocks), r_d)
    return pl.concat([people, prorated.drop("__person")], how="horizontal")


def int_workforce_state(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_workforce_state.sql``: year-end status, level, pay (last compensation event
    by event_sequence), pay prorated per salary run (cents rounded per run, then summed), age,
    tenure at termination or Dec 31, bands (inner joins: a person in no band drops), hours."""
    p = ctx.p
    r_d = float(p["r_d"])
    dec31 = pl.lit(p["dec31"], dtype=pl.Date)
    start = ctx.table("int_start_pop").select(
        "employee_id", "employee_ssn", "ka", "kb", "employee_birth_date", "employee_hire_date", "level_id",
        pl.col("current_compensation").alias("start_compensation"), "baseline_compensation",
        "scheduled_hours_per_week", "auto_escalation_opt_out", "eligibility_override",
        pl.lit(False).alias("is_new_hire"),
    ).cast(PEOPLE_SCHEMA)  # type: ignore[arg-type]
    hires = ctx.table("int_new_hires").select(
        "employee_id", "employee_ssn", "ka", "kb", "employee_birth_date", "employee_hire_date", "level_id",
        pl.col("current_compensation").alias("start_compensation"),
        pl.col("current_compensation").alias("baseline_compensation"),
        "scheduled_hours_per_week", pl.lit(False).alias("auto_escalation_opt_out"),
        pl.lit(None, dtype=pl.Boolean).alias("eligibility_override"), pl.lit(True).alias("is_new_hire"),
    ).cast(PEOPLE_SCHEMA)  # type: ignore[arg-type]
    events = ctx.table("int_yearly_events")
    last_comp = (
        events.filter(pl.col("event_type").is_in(COMP_EVENTS))
        .sort("event_sequence")   # arg_max below reads a group's rows in this order
        .group_by("employee_id")
        .agg(arg_max(pl.col("compensation_amount").cast(pl.Float64), "event_sequence").alias("last_compensation"))
    )
    promoted = events.filter(pl.col("event_type") == "promotion").select(
        "employee_id", pl.col("level_id").cast(pl.Int32).alias("promoted_level"))
    terms = ctx.table("int_term_dates").select(
        "employee_id", "termination_date", "termination_reason", pl.lit(True).alias("__termed"))
    termed = pl.col("__termed").is_not_null()
    people = pl.concat([start, hires], how="vertical")
    assembled = (
        _with_proration(ctx, people, r_d)
        .join(terms, on="employee_id", how="left")
        .join(last_comp, on="employee_id", how="left")
        .join(promoted, on="employee_id", how="left")
        .with_columns(
            pl.when(termed).then(pl.lit("terminated")).otherwise(pl.lit("active")).alias("employment_status"),
            pl.when(pl.col("is_new_hire") & ~termed).then(pl.lit("new_hire_active"))
            .when(pl.col("is_new_hire")).then(pl.lit("new_hire_termination"))
            .when(termed).then(pl.lit("experienced_termination"))
            .otherwise(pl.lit("continuous_active")).alias("detailed_status_code"),
            pl.coalesce(pl.col("promoted_level"), pl.col("level_id")).alias("year_end_level"),
            pl.coalesce(pl.col("last_compensation"), pl.col("start_compensation")).alias("year_end_compensation"),
            (pl.col("prorated_cents").fill_null(0) * 0.01).alias("prorated_annual_compensation"),
            pl.col("employment_days").fill_null(0).alias("employment_days"),
            (pl.lit(int(p["simulation_year"]), dtype=pl.Int64)
             - pl.col("employee_birth_date").dt.year().cast(pl.Int64)).alias("current_age"),
            tenure_at(pl.coalesce(pl.col("termination_date"), dec31), pl.col("employee_hire_date"))
            .alias("current_tenure"),
        )
    )
    assembled = range_join(assembled, ctx.param("param_age_bands"), pl.col("current_age"), "age_band")
    assembled = range_join(assembled, ctx.param("param_tenure_bands"), pl.col("current_tenure"), "tenure_band")
    return assembled.select(
        "employee_id",
        "employee_ssn",
        "ka",
        "kb",
        "employee_birth_date",
        "employee_hire_date",
        "termination_date",
        "termination_reason",
        "employment_status",
        "detailed_status_code",
        "is_new_hire",
        "current_age",
        "current_tenure",
        "age_band",
        "tenure_band",
        pl.col("year_end_level").alias("level_id"),
        "scheduled_hours_per_week",
        ((((pl.col("scheduled_hours_per_week") * 52.0) * pl.col("employment_days")) * r_d + 0.5)
         .floor().cast(pl.Int64)).alias("annual_hours_worked"),
        "employment_days",
        "start_compensation",
        pl.col("year_end_compensation").alias("current_compensation"),
        pl.col("year_end_compensation").alias("full_year_equivalent_compensation"),
        "prorated_annual_compensation",
        "baseline_compensation",
        "auto_escalation_opt_out",
        "eligibility_override",
    )
