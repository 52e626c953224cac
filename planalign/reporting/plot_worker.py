"""Draw the run's plots in a process of their own, started when the run starts.

Why: the plots are the last thing a run waits for, and half their cost is a first-use cost:
importing matplotlib and drawing a first figure (~0.9 of the ~1.8 s they added after a
60,000-person sql run's last year here). A worker started with the run pays it on the other
core while the run computes, outside the run's GIL, and at the end only draws. A thread that
imported matplotlib mid-run measured no faster: its import held the GIL the run's Python
needed.

Two workers, each with half of the figures (``PlotWorkers``): the drawing itself (~1.1 s for
the four figures here, nearly all of it matplotlib laying out and rasterising text) is what
the run then waits for, and the run's own process is idle by then, so each core draws two.

Protocol, over a worker's standard streams: the parent writes the summary's columns as JSON
(floats round-trip exactly) and closes stdin; the worker answers with each of its plots as
``name\\n``, ``size\\n`` and the PNG bytes, and exits 0 (any other exit: the parent draws the
plots itself, see ``PlotJob``). A parent that dies leaves the worker an empty stdin, and it
exits with an error.

Run as ``python -m planalign.reporting.plot_worker [figure file name ...]`` (none: all).
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from planalign.reporting.plot_drawing import FIGURES, Columns, Rendered

NICENESS = 10   # added to a worker's niceness (Linux: 0-19, higher yields more)

# the figures each worker of a team draws: about the same drawing time each (the
# participation figure, with its stacked bars and second axis, is the longest)
SHARES = (("plot_headcount.png", "plot_employer_cost.png"), ("plot_compensation.png", "plot_participation.png"))


def _package_root() -> str:
    """The folder that holds the ``planalign`` package this process runs (the worker must
    import the same code, wherever it came from)."""
    return str(Path(__file__).resolve().parents[2])


class PlotWorker:
    """One worker process, from its start to its plots (``figures``: its share, by file name;
    None: every figure)."""

    def __init__(self, figures: Sequence[str] | None = None) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen([sys.executable, "-m", "planalign.reporting.plot_worker", *(figures or ())],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      env=env)

    def render(self, summary: Columns) -> Rendered:
        """Hand the summary's columns over and wait for the plots; RuntimeError if the worker
        failed."""
        out, err = self._proc.communicate(json.dumps(summary).encode())
        if self._proc.returncode != 0:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"plot worker exited with {self._proc.returncode}: {last[0]}")
        return read_plots(io.BytesIO(out))

    def stop(self) -> None:
        """End the worker if it is still waiting (a failed run draws no plots)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.communicate()


class PlotWorkers:
    """A team of workers, each started with its share of the figures (SHARES); they draw at
    once, and the plots come back in FIGURES' order. One that fails fails the team (the
    parent then draws every plot itself)."""

    def __init__(self, shares: Sequence[Sequence[str]] = SHARES) -> None:
        self.workers: list[PlotWorker] = []
        try:
            for share in shares:
                self.workers.append(PlotWorker(share))
        except OSError:
            self.stop()
            raise

    def render(self, summary: Columns) -> Rendered:
        """Hand every worker the summary and wait for all their plots; RuntimeError if one failed."""
        results: list[Rendered | BaseException] = [{} for _ in self.workers]

        def render_one(index: int) -> None:
            try:
                results[index] = self.workers[index].render(summary)
            except BaseException as exc:   # re-raised below, in the caller's thread
                results[index] = exc

        others = [threading.Thread(target=render_one, args=(i,), daemon=True) for i in range(1, len(self.workers))]
        for thread in others:
            thread.start()
        if self.workers:
            render_one(0)
        for thread in others:
            thread.join()
        rendered: Rendered = {}
        for result in results:
            if isinstance(result, BaseException):
                self.stop()
                raise result if isinstance(result, RuntimeError) else RuntimeError(f"plot worker failed: {result}")
            rendered.update(result)
        return {name: rendered[name] for name in FIGURES if name in rendered}

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def write_plots(rendered: Rendered, stream: BinaryIO) -> None:
    for name, png in rendered.items():
        stream.write(f"{name}\n{len(png)}\n".encode())
        stream.write(png)


def read_plots(stream: BinaryIO) -> Rendered:
    rendered: Rendered = {}
    while name := stream.readline().decode().strip():
        size = int(stream.readline())
        rendered[name] = stream.read(size)
    return rendered


def _yield_to_the_run() -> None:
    """Lower this process's scheduling priority: two workers warming up beside a run that
    keeps both cores busy (dbt's import, DuckDB's threads) took their CPU from it. At the end,
    when they draw, the run waits for them and the cores are theirs anyway."""
    if hasattr(os, "nice"):
        try:
            os.nice(NICENESS)
        except OSError:
            pass


def main() -> None:
    from planalign.reporting.plot_drawing import draw_plots, warm_up

    share = sys.argv[1:] or None
    unknown = sorted(set(share or ()) - set(FIGURES))
    if unknown:
        raise SystemExit(f"unknown figures: {', '.join(unknown)}")
    _yield_to_the_run()
    warm_up()   # the import and a first figure, while the run computes
    summary = json.loads(sys.stdin.buffer.read())
    write_plots(draw_plots(summary, share), sys.stdout.buffer)
    sys.stdout.buffer.flush()
    gc.freeze()   # the parent waits for this process to end: skip the shutdown's collection


if __name__ == "__main__":
    main()
