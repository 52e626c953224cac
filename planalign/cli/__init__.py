"""The command line: ``planalign`` (and ``python -m planalign``), ``planalign-profile``,
``planalign-dev-db``.

``run`` and ``main`` are imported on first call: ``planalign.cli.profile`` and friends must
not pay for Hydra's import.
"""

from __future__ import annotations


def main() -> None:
    """``planalign ARGS`` in this process (tests call it; it leaves the heap as it is)."""
    from planalign.cli.app import main as _main

    _main()


def run() -> None:
    """The process's entry point behind ``planalign`` and ``python -m planalign``."""
    from planalign.cli.app import run as _run

    _run()
