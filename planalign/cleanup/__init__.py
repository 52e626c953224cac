"""Cleanup policies (strategies): what is purged before a run or a year is built."""
