"""engine=polars: the event steps as Polars expressions on lazy frames (one function per step).

Public entry point: :class:`PolarsEventEngine` (``conf/engine/polars.yaml``).
"""

from planalign.engines.polars_engine.engine import PolarsEventEngine

__all__ = ["PolarsEventEngine"]
