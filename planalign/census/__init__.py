"""Census input: read a file, clean and validate it, and generate test censuses (docs/methodology.md §1).

The cleaned frame is the single source both engines start from (DuckDB table
``census_clean``), so reading and cleaning live here, engine-independent.
"""

from planalign.census.cleaner import (
    CLEAN_SCHEMA,
    REJECT_REASONS,
    CleanCensus,
    census_content_hash,
    clean_census,
)
from planalign.census.edge_fixture import EDGE_EXPECTED, edge_census
from planalign.census.reader import COLUMN_ALIASES, REQUIRED_COLUMNS, read_census_file
from planalign.census.synthetic import generate_synthetic_census, write_synthetic_census

__all__ = [
    "CLEAN_SCHEMA",
    "COLUMN_ALIASES",
    "EDGE_EXPECTED",
    "REJECT_REASONS",
    "REQUIRED_COLUMNS",
    "CleanCensus",
    "census_content_hash",
    "clean_census",
    "edge_census",
    "generate_synthetic_census",
    "read_census_file",
    "write_synthetic_census",
]
