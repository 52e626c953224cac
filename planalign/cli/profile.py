"""Show where a run's time went: ``planalign-profile RUN [--top N]`` (or ``python -m planalign.cli.profile``).

RUN is a run's output folder (or its ``planalign.duckdb``). Reads ``planalign_timings`` from
the run's database and prints the top N (default 10) dbt models, engine steps and stages by
total seconds over all years of the latest run recorded there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

QUERY = """select kind, name, count(*) as runs, round(sum(seconds), 3) as total_s, round(avg(seconds), 4) as mean_s
from planalign_timings where run_id = (select run_id from planalign_timings order by rowid desc limit 1)
  and kind = ? group by kind, name order by total_s desc, name limit ?"""

SECTIONS = (("dbt_model", "dbt models"), ("engine_step", "engine steps"), ("stage", "stages"))


def _positive(text: str) -> int:
    """argparse type: a count of at least 1 (argparse prints the error with the usage line)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planalign-profile",
                                     description="A run's slowest dbt models, engine steps and stages.")
    parser.add_argument("run", type=Path, help="the run's output folder, or its planalign.duckdb")
    parser.add_argument("--top", type=_positive, default=10, metavar="N", help="rows per section (default 10)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    database = args.run / "planalign.duckdb" if args.run.is_dir() else args.run
    if not database.exists():
        print(f"planalign-profile: no database at {database}", file=sys.stderr)
        return 2
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            if not con.execute("select count(*) from duckdb_tables() where table_name = 'planalign_timings'"
                               ).fetchall()[0][0]:
                print(f"planalign-profile: {database} holds no planalign_timings table (not a planalign run's "
                      "database, or the run stopped before its first year)", file=sys.stderr)
                return 2
            sections = [(title, con.execute(QUERY, [kind, args.top]).fetchall()) for kind, title in SECTIONS]
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        print(f"planalign-profile: cannot read {database}: {first_line}", file=sys.stderr)
        return 2
    for title, rows in sections:
        if not rows:
            continue
        print(f"\ntop {args.top} {title} (seconds over all years)")
        width = max(len(r[1]) for r in rows)
        for _, name, runs, total, mean in rows:
            print(f"  {name.ljust(width)}  {total:8.3f}s  ({runs} runs, mean {mean:.4f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
