"""State backends (strategies): run record, per-year checkpoints, resume checks."""
