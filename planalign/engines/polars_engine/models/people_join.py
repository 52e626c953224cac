"""Joins on ``employee_id`` between relations that list the same people in the same order.

Why: the year's person-level relations after the workforce state (the plan enrollment state,
the contributions, the plan state) are built from it, one row per person, and come out in its
order. Where two of them hold the same id in every row, a join on the id strings (hashing ~1.2
million of them at 1,000,000 people, for each join) gives the rows that setting their columns
side by side gives. The order is checked here, never assumed: a pair in any other order (dbt's
tables read back by the check tool, a plan disabled, a future change to a twin) is joined.

Side by side and the join agree while ids are unique. The census cleaner keeps one row per id
and rejects the ids the simulation gives its hires; invariant 9 reports a repeated id.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from planalign.engines.polars_engine.models.context import ModelContext

KEY = "employee_id"


def same_people(ctx: ModelContext, left: str, right: str) -> bool:
    """Whether row k of relation ``right`` has the id of row k of relation ``left``, for all k."""
    a, b = ctx.frame(left), ctx.frame(right)
    return a.height == b.height and a.get_column(KEY).equals(b.get_column(KEY), check_names=False)


def join_people(ctx: ModelContext, left: tuple[str, pl.LazyFrame], right: tuple[str, pl.LazyFrame],
                how: Literal["left", "inner"] = "left") -> pl.LazyFrame:
    """``left`` joined with ``right`` on employee_id, each given as (relation name, frame).

    Each frame must have its relation's rows, in its order (a ``select``, ``rename`` or
    ``with_columns`` of ``ctx.table(name)``, not a filter): that is what makes the check on the
    relations hold for the frames. ``right``'s columns other than the id must not be in
    ``left``. The join keeps ``left``'s order in either case.
    """
    (left_name, left_frame), (right_name, right_frame) = left, right
    if same_people(ctx, left_name, right_name):
        return pl.concat([left_frame, right_frame.drop(KEY)], how="horizontal")
    return left_frame.join(right_frame, on=KEY, how=how, maintain_order="left")


def person_blocks(frame: pl.DataFrame, people: pl.Series) -> pl.Series | None:
    """Each row's block number (0, 1, ...) when ``frame`` holds each person's rows together, one
    block per id of ``people``, in that order; None when it does not.

    Why: the compensation timeline twin writes its segments that way (the people of
    ``int_start_pop``, then of ``int_new_hires``). A group-by on this number, which is sorted,
    sums a person's rows in slices instead of hashing their ids, and its k-th group is the k-th
    person. Checked by comparing the first id of each block with ``people`` (0.02 CPU-s at
    1,000,000 people).
    """
    ids = frame.get_column(KEY)
    starts = ids.ne_missing(ids.shift(1)).fill_null(True)
    block_ids = ids.filter(starts)
    if block_ids.len() != people.len() or not block_ids.equals(people, check_names=False):
        return None
    return (starts.cum_sum() - 1).cast(pl.UInt32).alias("__person").set_sorted()
