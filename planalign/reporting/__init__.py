"""Run outputs: per-year summary (CSV + table), plots, run.json."""
