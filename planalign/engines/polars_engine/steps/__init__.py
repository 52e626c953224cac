"""One function per event step (docs/methodology.md §2.2), each the Polars twin of one dbt model.

A step takes the year's :class:`~planalign.engines.polars_engine.context.YearContext` and
returns ``{relation name: LazyFrame}`` with exactly the columns, order and types of the dbt
model(s) it replaces. Steps are registered in :mod:`planalign.engines.registry`.
"""
