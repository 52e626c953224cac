"""Benchmark harness: whole-process ``planalign`` runs, medians over repetitions.

    python benchmarks/run_benchmarks.py                       # 150 / 7,500 / 60,000 x sql, polars
    python benchmarks/run_benchmarks.py --sizes 150 60000 --engines sql polars --reps 3
    python benchmarks/run_benchmarks.py --sizes 1000000 --years 2025-2034 --engines polars --reps 1
    python benchmarks/run_benchmarks.py --write-docs          # also (re)write docs/benchmarks.md

Each repetition is a fresh process (`python -m planalign ...`, full workflow, default
assumptions) measured with ``os.wait4``: wall time, CPU (user + sys) and peak RSS of that
process; events per second, dbt invocations and their time, and time per stage come from the
run's run.json and database. Medians are printed, with the ratio to the first engine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
STAGES = ("INITIALIZATION", "FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION", "VALIDATION", "REPORTING")


def run_once(size: int, engine: str, years: str, workdir: Path, extra: list[str]) -> dict:
    run_dir = workdir / f"{engine}_{size}_{time.time_ns()}"
    args = [sys.executable, "-m", "planalign", f"engine={engine}", f"census.size={size}", f"years={years}",
            "hooks=quiet", "runtime.print_summary=false", f"hydra.run.dir={run_dir}", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"planalign failed ({engine}, {size}):\n{stderr[-3000:]}")
    record = json.loads((run_dir / "run.json").read_text())
    with duckdb.connect(str(run_dir / "planalign.duckdb"), read_only=True) as con:
        events = con.execute("select count(*) from fct_yearly_events").fetchone()[0]
    stage_seconds = {s: 0.0 for s in STAGES}
    for item in record["stage_timings"]:
        stage_seconds[item["stage"]] = stage_seconds.get(item["stage"], 0.0) + item["seconds"]
    per_year_events = [i["seconds"] for i in record["stage_timings"] if i["stage"] == "EVENT_GENERATION"]
    result = {
        "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
        "events": events, "events_per_s": events / wall, "dbt_invocations": record["dbt"]["invocations"],
        "dbt_seconds": record["dbt"]["invocation_seconds"], "run_wall": record["wall_seconds"],
        "event_gen_per_year": statistics.median(per_year_events) if per_year_events else 0.0,
        **{f"stage_{k}": v for k, v in stage_seconds.items()},
    }
    subprocess.run(["rm", "-rf", str(run_dir)], check=False)
    return result


def median_of(results: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (f"{psutil.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def table(rows: list[dict], engines: list[str]) -> str:
    head = ("| census | years | engine | wall s (median) | vs first engine | CPU s | peak RSS MiB | events | "
            "events/s | dbt calls | dbt s | event gen s/yr | init s | foundation s | events s | state s | "
            "validation s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    base: dict[tuple[int, str], float] = {}
    for r in rows:
        if r["engine"] == engines[0]:
            base[(r["size"], r["years"])] = r["wall"]
    for r in rows:
        ref = base.get((r["size"], r["years"]))
        ratio = f"{r['wall'] / ref:.2f}x" if ref else "-"
        lines.append(
            f"| {r['size']:,} | {r['years']} | {r['engine']} | {r['wall']:.2f} | {ratio} | {r['cpu']:.2f} | "
            f"{r['peak_rss_mib']:.0f} | {int(r['events']):,} | {r['events_per_s']:,.0f} | {int(r['dbt_invocations'])} | "
            f"{r['dbt_seconds']:.2f} | {r['event_gen_per_year']:.2f} | {r['stage_INITIALIZATION']:.2f} | "
            f"{r['stage_FOUNDATION']:.2f} | {r['stage_EVENT_GENERATION']:.2f} | {r['stage_STATE_ACCUMULATION']:.2f} | "
            f"{r['stage_VALIDATION']:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 7500, 60000])
    parser.add_argument("--engines", nargs="+", default=["sql", "polars"])
    parser.add_argument("--years", default="2025-2029")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--extra", nargs="*", default=[], help="more Hydra overrides for every run")
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="planalign-bench-") as tmp:
        workdir = Path(tmp)
        # warm the manifest cache and the OS file cache once (not measured)
        run_once(150, opts.engines[0], "2025", workdir, opts.extra)
        for size in opts.sizes:
            for engine in opts.engines:
                reps = [run_once(size, engine, opts.years, workdir, opts.extra) for _ in range(opts.reps)]
                med = median_of(reps)
                rows.append({"size": size, "engine": engine, "years": opts.years, "reps": opts.reps, **med})
                print(f"{size:>9,} {engine:>7}: wall {med['wall']:7.2f}s  cpu {med['cpu']:7.2f}s  "
                      f"rss {med['peak_rss_mib']:6.0f} MiB  events/s {med['events_per_s']:9,.0f}  "
                      f"dbt {int(med['dbt_invocations'])} calls {med['dbt_seconds']:.2f}s  "
                      f"(median of {opts.reps})", flush=True)
    text = table(rows, opts.engines)
    print("\n" + text)
    if opts.write_docs:
        out = REPO / "docs" / "benchmarks.md"
        stamp = time.strftime("%Y-%m-%d")
        section = (f"\n## Run of {stamp}: sizes {opts.sizes}, years {opts.years}, {opts.reps} repetitions\n\n"
                   f"Machine: {machine()}\n\n{text}\n")
        existing = out.read_text() if out.exists() else "# Benchmarks\n\nProduced by `benchmarks/run_benchmarks.py`.\n"
        out.write_text(existing + section)
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
