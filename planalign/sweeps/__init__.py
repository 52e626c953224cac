"""Sweeps: the cross-scenario summary callback, seed-ensemble bands, parallel budgeting."""
