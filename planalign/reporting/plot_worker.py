"""Draw the run's plots in a process of their own, started when the run starts.

Why: the plots are the last thing a run waits for, and half their cost is a first-use cost:
importing matplotlib and drawing a first figure (~0.9 of the ~1.8 s they added after a
60,000-person sql run's last year here). A worker started with the run pays it on the other
core while the run computes, outside the run's GIL, and at the end only draws. A thread that
imported matplotlib mid-run measured no faster: its import held the GIL the run's Python
needed.

Protocol, over the worker's standard streams: the parent writes the summary's columns as JSON
(floats round-trip exactly) and closes stdin; the worker answers with each plot as
``name\\n``, ``size\\n`` and the PNG bytes, and exits 0 (any other exit: the parent draws the
plots itself, see ``PlotJob``). A parent that dies leaves the worker an empty stdin, and it
exits with an error.

Run as ``python -m planalign.reporting.plot_worker``.
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

from planalign.reporting.plot_drawing import Columns, Rendered


def _package_root() -> str:
    """The folder that holds the ``planalign`` package this process runs (the worker must
    import the same code, wherever it came from)."""
    return str(Path(__file__).resolve().parents[2])


class PlotWorker:
    """The worker process, from its start to its plots."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen([sys.executable, "-m", "planalign.reporting.plot_worker"],
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


def main() -> None:
    from planalign.reporting.plot_drawing import draw_plots, warm_up

    warm_up()   # the import and a first figure, while the run computes
    summary = json.loads(sys.stdin.buffer.read())
    write_plots(draw_plots(summary), sys.stdout.buffer)
    sys.stdout.buffer.flush()
    gc.freeze()   # the parent waits for this process to end: skip the shutdown's collection


if __name__ == "__main__":
    main()
