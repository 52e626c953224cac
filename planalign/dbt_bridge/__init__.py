"""Running dbt in-process: one parse per run, few invocations per year, connections closed."""

from planalign.dbt_bridge.runner import DbtInvocation, DbtRunner

__all__ = ["DbtInvocation", "DbtRunner"]
