"""Hydra callback: at the end of a multirun, write the cross-scenario comparison.

Kept light on purpose: Hydra instantiates callbacks before any job runs, and Polars must not
be imported before a job has set its thread count, so the work lives in ``summary.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

# Read by the CLI after a multirun: a sweep with failed jobs exits non-zero.
LAST_SWEEP: dict[str, int] = {"jobs": 0, "failed": 0}


class SweepSummaryCallback(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from planalign.sweeps.collect import collect_jobs
        from planalign.sweeps.summary import write_sweep_summary

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            jobs = collect_jobs(sweep_dir)
            LAST_SWEEP.update(jobs=len(jobs), failed=sum(1 for j in jobs if j.status != "completed"))
            write_sweep_summary(sweep_dir, jobs)
        except Exception as exc:  # a reporting failure must not turn finished jobs into a failed sweep
            log.error("sweep summary failed: %r", exc)
