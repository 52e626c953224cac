"""Show where a run's time went: ``python -m planalign.profile RUN_DIR [N]``.

Reads ``planalign_timings`` from the run's database and prints the top N (default 10) dbt
models, engine steps and stages by total seconds over all years.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

QUERY = """select kind, name, count(*) as runs, round(sum(seconds), 3) as total_s, round(avg(seconds), 4) as mean_s
from planalign_timings where run_id = (select run_id from planalign_timings order by rowid desc limit 1)
  and kind = ? group by kind, name order by total_s desc limit ?"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(__doc__)
        return 2
    target = Path(args[0])
    database = target / "planalign.duckdb" if target.is_dir() else target
    limit = int(args[1]) if len(args) > 1 else 10
    if not database.exists():
        print(f"planalign.profile: no database at {database}", file=sys.stderr)
        return 2
    with duckdb.connect(str(database), read_only=True) as con:
        for kind, title in (("dbt_model", "dbt models"), ("engine_step", "engine steps"), ("stage", "stages")):
            rows = con.execute(QUERY, [kind, limit]).fetchall()
            if not rows:
                continue
            print(f"\ntop {limit} {title} (seconds over all years)")
            width = max(len(r[1]) for r in rows)
            for _, name, runs, total, mean in rows:
                print(f"  {name.ljust(width)}  {total:8.3f}s  ({runs} runs, mean {mean:.4f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
