"""Invariant checks of domain.md §7, run by the VALIDATION stage and by the test suite."""
