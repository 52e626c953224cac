"""The run's DuckDB file: connections, frame writes, the one-writer lock."""
