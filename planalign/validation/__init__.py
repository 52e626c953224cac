"""Invariant checks of docs/methodology.md §7, run by the VALIDATION stage and by the test suite."""
