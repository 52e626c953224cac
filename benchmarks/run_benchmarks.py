"""Benchmark harness: whole-process ``planalign`` runs, medians over interleaved repetitions.

    python benchmarks/run_benchmarks.py                       # 150 / 7,500 / 60,000 x sql, polars
    python benchmarks/run_benchmarks.py --sizes 150 60000 --engines sql polars --reps 3
    python benchmarks/run_benchmarks.py --sizes 1000000 --years 2025-2034 --engines polars --reps 1
    python benchmarks/run_benchmarks.py --sizes 60000 --engines polars --years 2025-2026 2025-2029 2025-2034
    python benchmarks/run_benchmarks.py --sizes 150 --engines sql --compare HEAD~3   # A/B against a commit
    python benchmarks/run_benchmarks.py --sizes 150 --engines sql --compare-extra runtime.dbt_accelerators=off
    python benchmarks/run_benchmarks.py --sizes 150 --engines sql --code /tmp/one_change --compare /tmp/base
    python benchmarks/run_benchmarks.py --write-docs          # also append the table to docs/benchmarks.md

Each repetition is a fresh process (`python -m planalign ...`, full workflow, default
assumptions) measured with ``os.wait4``: wall time, CPU (user + sys) and peak RSS of that
process; events per second, dbt invocations and their time, and time per stage come from the
run's run.json and database (under engine=sql, whose FOUNDATION builds the whole year in one
dbt invocation, that stage's wall time is shared among foundation, events and state in
proportion to their models' dbt time). Medians are printed with the spread (min-max) of the wall time,
the ratio to the first engine, and the wall time per employee-year (flat when time is linear
in census size and in years).

The machine's speed (``benchmarks/machine_speed.py``: a Python loop on one core, a DuckDB
aggregate on two threads) is measured between repetitions and printed with the table: our
VMs differ by up to 2x from one session to the next, so compare those references before
comparing two tables' wall times.

Why interleaved: on a shared 2-core VM the speed drifts by 10-25 % within minutes, so the
repetitions go round-robin over every configuration (and, with ``--compare``, over both code
versions, side by side, which goes first alternating from one repetition to the next) instead
of one configuration after another. A drift then widens the
spread of every configuration alike instead of biasing one of them.

What is compared: ``--compare`` takes a git ref (checked out in a temporary worktree) or a
folder holding a copy of the project; ``--compare-extra`` adds Hydra overrides to the compared
side only (alone, the same code against itself with them: a switch's two settings);
``--code`` measures a folder instead of this working tree (one change alone, while the tree
holds others' work in progress). With a comparison, each repetition's ratio (the measured
code's wall time over the compared one's, run side by side) is printed with the medians.
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
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
from machine_speed import describe as describe_speed
from machine_speed import measure as measure_speed

REPO = Path(__file__).resolve().parents[1]
STAGES = ("INITIALIZATION", "FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION", "VALIDATION", "REPORTING")
WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Config:
    """One cell of the table: which code, which census size, which engine, which years."""

    code: str          # WORKING_TREE (or --code's folder) or the compared side's label
    source: Path       # the checkout put first on PYTHONPATH
    size: int
    engine: str
    years: str
    overrides: tuple[str, ...] = ()   # this code's own Hydra overrides (--compare-extra)

    @property
    def employee_years(self) -> int:
        first, _, last = self.years.partition("-")
        return self.size * (int(last or first) - int(first) + 1)


def run_once(cfg: Config, workdir: Path, extra: list[str]) -> dict:
    run_dir = workdir / f"{cfg.engine}_{cfg.size}_{time.time_ns()}"
    args = [sys.executable, "-m", "planalign", f"engine={cfg.engine}", f"census.size={cfg.size}",
            f"years={cfg.years}", "hooks=quiet", "runtime.print_summary=false", f"hydra.run.dir={run_dir}", *extra,
            *cfg.overrides]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(cfg.source)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"planalign failed ({cfg}):\n{stderr[-3000:]}")
    record = json.loads((run_dir / "run.json").read_text())
    with duckdb.connect(str(run_dir / "planalign.duckdb"), read_only=True) as con:
        events = con.execute("select count(*) from fct_yearly_events").fetchone()[0]
    stage_seconds = {s: 0.0 for s in STAGES}
    for item in record["stage_timings"]:
        stage_seconds[item["stage"]] = stage_seconds.get(item["stage"], 0.0) + item["seconds"]
    per_year_events = [i["seconds"] for i in record["stage_timings"] if i["stage"] == "EVENT_GENERATION"]
    if record["engine"].get("dbt_invocations") == "per_year":
        stage_seconds = split_year_invocation(stage_seconds, record["dbt"].get("model_seconds_by_stage", {}))
        per_year_events = [stage_seconds["EVENT_GENERATION"] / len(per_year_events)] if per_year_events else []
    result = {
        "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
        "events": events, "events_per_s": events / wall, "dbt_invocations": record["dbt"]["invocations"],
        "dbt_seconds": record["dbt"]["invocation_seconds"], "run_wall": record["wall_seconds"],
        "event_gen_per_year": statistics.median(per_year_events) if per_year_events else 0.0,
        "us_per_employee_year": wall / cfg.employee_years * 1e6,
        # runtime.background_validation: the invariants' own time, on their thread beside the next year
        "invariant_thread_s": sum(c["seconds"] or 0.0 for c in record.get("invariant_checks", [])),
        **{f"stage_{k}": v for k, v in stage_seconds.items()},
    }
    subprocess.run(["rm", "-rf", str(run_dir)], check=False)
    return result


def split_year_invocation(stage_seconds: dict[str, float], model_seconds: dict[str, float]) -> dict[str, float]:
    """engine=sql builds a year in one dbt invocation, timed under FOUNDATION: share that wall
    time among FOUNDATION, EVENT_GENERATION and STATE_ACCUMULATION in proportion to the dbt
    model time of each stage's tags (run.json ``dbt.model_seconds_by_stage``), so the stage
    columns stay comparable with the engines that time each stage on its own."""
    shared = ("FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION")
    weights = {stage: model_seconds.get(stage, 0.0) for stage in shared}
    total_weight = sum(weights.values())
    if not total_weight:
        return stage_seconds
    wall = sum(stage_seconds.get(stage, 0.0) for stage in shared)
    return {**stage_seconds, **{stage: wall * weights[stage] / total_weight for stage in shared}}


def summarize(results: list[dict]) -> dict:
    """Medians of every measure, plus the spread of the wall time."""
    summary = {k: statistics.median(r[k] for r in results) for k in results[0]}
    walls = [r["wall"] for r in results]
    summary["wall_min"], summary["wall_max"] = min(walls), max(walls)
    return summary


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (f"{psutil.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def table(rows: list[dict], engines: list[str], compare: str | None) -> str:
    """The Markdown table; with ``--compare`` a column gives the working tree's wall time over the ref's."""
    code_col = "| code " if compare else ""
    head = (f"{code_col}| census | years | engine | wall s (median) | min-max | vs first engine"
            f"{' | vs ' + compare if compare else ''} | µs per employee-year | CPU s | peak RSS MiB | events | "
            "events/s | dbt calls | dbt s | event gen s/yr | init s | foundation s | events s | state s | "
            "validation s | invariants on a thread s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    first_engine = {(r["code"], r["size"], r["years"]): r["wall"] for r in rows if r["engine"] == engines[0]}
    at_ref = {(r["size"], r["years"], r["engine"]): r["wall"] for r in rows if r["code"] == compare}
    for r in rows:
        ref = first_engine.get((r["code"], r["size"], r["years"]))
        vs_engine = f"{r['wall'] / ref:.2f}x" if ref else "-"
        vs_code = ""
        if compare:
            base = at_ref.get((r["size"], r["years"], r["engine"]))
            vs_code = f" | {r['wall'] / base:.2f}x" if base and r["code"] != compare else " | -"
        lines.append(
            (f"| {r['code']} " if compare else "")
            + f"| {r['size']:,} | {r['years']} | {r['engine']} | {r['wall']:.2f} | "
            f"{r['wall_min']:.2f}-{r['wall_max']:.2f} | {vs_engine}{vs_code} | {r['us_per_employee_year']:,.0f} | "
            f"{r['cpu']:.2f} | {r['peak_rss_mib']:.0f} | {int(r['events']):,} | {r['events_per_s']:,.0f} | "
            f"{int(r['dbt_invocations'])} | {r['dbt_seconds']:.2f} | {r['event_gen_per_year']:.2f} | "
            f"{r['stage_INITIALIZATION']:.2f} | {r['stage_FOUNDATION']:.2f} | {r['stage_EVENT_GENERATION']:.2f} | "
            f"{r['stage_STATE_ACCUMULATION']:.2f} | {r['stage_VALIDATION']:.2f} | {r['invariant_thread_s']:.2f} |")
    return "\n".join(lines)


def run_order(configs: list[Config], rep: int) -> list[Config]:
    """The configurations in the order repetition ``rep`` runs them: as given on even
    repetitions; on odd ones, the code versions of each census, years and engine swapped.

    Why: the run that comes second can pay for the first (the first's database file still
    being written back by the kernel, say). The same code against itself at 60,000 x 5 sql,
    4 pairs in a fixed order, gave 1.08, 0.95, 1.03, 1.04 (median 1.04x): a bias of the size
    of the changes being compared. Alternating the order cancels it over an even number of
    repetitions.
    """
    if rep % 2 == 0:
        return list(configs)
    ordered: list[Config] = []
    group: list[Config] = []
    for cfg in configs:
        if group and (cfg.size, cfg.years, cfg.engine) != (group[0].size, group[0].years, group[0].engine):
            ordered.extend(reversed(group))
            group = []
        group.append(cfg)
    return ordered + list(reversed(group))


def pair_ratios(results: dict[Config, list[dict]], measured: str, compared: str) -> list[str]:
    """One line per census, years and engine: each repetition's wall time of the measured code
    over the compared code's (the two ran side by side), and their median."""
    lines = []
    for cfg in results:
        if cfg.code != measured:
            continue
        other = next(c for c in results if c.code == compared and (c.size, c.years, c.engine) ==
                     (cfg.size, cfg.years, cfg.engine))
        ratios = [a["wall"] / b["wall"] for a, b in zip(results[cfg], results[other], strict=True)]
        lines.append(f"pairs {cfg.size:,} x {cfg.years} {cfg.engine}, {measured} / {compared}: "
                     f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}x)")
    return lines


def checkout(ref: str, into: Path) -> Path:
    """A detached worktree of ``ref`` (removed with the temporary folder), or ``ref`` itself
    when it is a folder (a copy of the project)."""
    if Path(ref).is_dir():
        return Path(ref).resolve()
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(into), ref],
                   check=True, capture_output=True)
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 7500, 60000])
    parser.add_argument("--engines", nargs="+", default=["sql", "polars"])
    parser.add_argument("--years", nargs="+", default=["2025-2029"],
                        help="one or more year ranges (several show how time grows with years)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--compare", metavar="REF",
                        help="also run this git ref (or a folder with a copy of the project), interleaved, "
                             "and print the ratio")
    parser.add_argument("--compare-extra", nargs="+", default=[], metavar="OVERRIDE",
                        help="Hydra overrides for the compared side only (without --compare: this code "
                             "against itself with them)")
    parser.add_argument("--code", metavar="DIR", type=Path,
                        help="measure this folder (a copy of the project) instead of the working tree")
    parser.add_argument("--write-docs", action="store_true", help="append the table to docs/benchmarks.md")
    parser.add_argument("--extra", nargs="*", default=[], help="more Hydra overrides for every run")
    opts = parser.parse_args()
    measured = str(opts.code) if opts.code else WORKING_TREE
    compared = " ".join([*([opts.compare] if opts.compare else []), *opts.compare_extra]) or None
    worktree = opts.compare and not Path(opts.compare).is_dir()
    with tempfile.TemporaryDirectory(prefix="planalign-bench-") as tmp:
        workdir = Path(tmp)
        # label -> (the code's folder, its own overrides)
        sources = {measured: (opts.code.resolve() if opts.code else REPO, ())}
        if compared:
            folder = checkout(opts.compare, workdir / "compare") if opts.compare else sources[measured][0]
            sources = {compared: (folder, tuple(opts.compare_extra)), **sources}
        try:
            configs = [Config(code, source, size, engine, years, overrides)
                       for size in opts.sizes for years in opts.years for engine in opts.engines
                       for code, (source, overrides) in sources.items()]
            for source in {source for source, _ in sources.values()}:
                # bytecode, as an installed package has it: where PYTHONDONTWRITEBYTECODE is set (as on
                # our machines) every run would otherwise compile planalign's modules again (~0.1 s)
                subprocess.run([sys.executable, "-m", "compileall", "-q", str(source / "planalign")], check=True)
            # warm the manifest cache and the OS file cache (not measured), for every engine: with
            # engine=polars first, the first sql run of each version would otherwise pay dbt's parse
            for source, overrides in sources.values():
                for engine in opts.engines:
                    run_once(Config("warm-up", source, 150, engine, "2025", overrides), workdir, opts.extra)
            results: dict[Config, list[dict]] = {c: [] for c in configs}
            speed: list[dict[str, float]] = []
            for rep in range(opts.reps):
                speed.append(measure_speed())   # between repetitions: the drift shows in the spread
                for cfg in run_order(configs, rep):
                    results[cfg].append(run_once(cfg, workdir, opts.extra))
                    r = results[cfg][-1]
                    print(f"rep {rep + 1}/{opts.reps} {cfg.code:>12} {cfg.size:>9,} {cfg.years} {cfg.engine:>7}: "
                          f"wall {r['wall']:7.2f}s  rss {r['peak_rss_mib']:6.0f} MiB", flush=True)
            speed.append(measure_speed())
        finally:
            if worktree:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(workdir / "compare")],
                               check=False, capture_output=True)
    rows = [{"code": c.code, "size": c.size, "engine": c.engine, "years": c.years, "reps": opts.reps,
             **summarize(results[c])} for c in configs]
    text = table(rows, opts.engines, compared)
    ratios = "\n".join(pair_ratios(results, measured, compared)) + "\n\n" if compared else ""
    print("\n" + text + "\n\n" + ratios + describe_speed(speed))
    if opts.write_docs:
        out = REPO / "docs" / "benchmarks.md"
        stamp = time.strftime("%Y-%m-%d")
        section = (f"\n## Run of {stamp}: sizes {opts.sizes}, years {' '.join(opts.years)}, {opts.reps} "
                   f"interleaved repetitions{' against ' + compared if compared else ''}\n\n"
                   f"Machine: {machine()}; {describe_speed(speed)}\n\n{text}\n\n{ratios}")
        existing = out.read_text() if out.exists() else "# Benchmarks\n\nProduced by `benchmarks/run_benchmarks.py`.\n"
        out.write_text(existing + section)
        print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
