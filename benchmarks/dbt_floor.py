"""The floor under ``engine=sql``: what dbt itself costs on this machine, with no SQL work.

    python benchmarks/dbt_floor.py                 # 5 years, 3 repetitions
    python benchmarks/dbt_floor.py --years 10 --reps 5

Why: at 150 employees a 5-year ``engine=sql`` run takes ~9 s, and almost none of it is the
simulation's SQL. This script measures the parts no model can remove, each in a fresh process:

* ``python``: an interpreter that imports nothing (for reference);
* ``startup``: ``python -m planalign engine=sql --cfg job``: the interpreter, planalign's
  imports and Hydra composing the config, which every run pays before any work;
* ``import``: importing ``dbt.cli.main`` as planalign does (dbt, its adapters, the code
  mashumaro generates for the classes it defines eagerly; ``DbtRunner`` defers the rest);
* ``parse``: loading the parsed manifest of a project shaped like planalign's (same model
  names, same ``ref`` graph) from planalign's manifest cache, as every run after the first
  does (a warm-up process, not counted, parses it once and fills the cache);
* ``first``: the first ``dbt run`` of the process, the first year's: the two init models
  and the year's, as ``engine=sql`` builds them in one invocation. It also pays dbt's
  one-time set-up (adapter registration, JSON schemas of the project classes);
* ``year``: one ``dbt run`` of that project per later simulated year, through planalign's own
  ``DbtRunner`` (same flags, shared DuckDB instance, the ``lean_table`` materialization, the
  run's dbt threads), where every model is ``select 1 as x``: dbt's cost per node with
  nothing to compute or store.

It prints medians (and min-max) and the floor of a sql run implied by them:
``startup + import + parse + first + (years - 1) x year``. What a real run adds on top is the
models' SQL (binding, optimizing, running and writing), the census, the invariants and the
plots.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "dbt" / "models"
REF = re.compile(r"ref\(\s*['\"](\w+)['\"]\s*\)")


def write_project(root: Path) -> int:
    """A dbt project with planalign's model names and ref graph, every model trivial.

    Returns the number of models a simulated year runs (all but staging and baseline).
    """
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    shutil.copy(REPO / "dbt" / "macros" / "lean_table.sql", root / "macros")
    (root / "dbt_project.yml").write_text(
        "name: floor\nversion: '0.1.0'\nconfig-version: 2\nprofile: planalign\n"
        "model-paths: ['models']\nmacro-paths: ['macros']\n"
        "models:\n  floor:\n    +materialized: lean_table\n")
    shutil.copy(REPO / "dbt" / "profiles.yml", root / "profiles.yml")
    year_models = 0
    for path in sorted(MODELS.rglob("*.sql")):
        refs = sorted(set(REF.findall(path.read_text())))
        depends = "".join(f"-- depends_on: {{{{ ref('{r}') }}}}\n" for r in refs)
        yearly = not (path.stem.startswith("stg_") or "baseline" in path.parts)
        tag = "year" if yearly else "init"
        year_models += yearly
        (root / "models" / path.name).write_text(
            f"{{{{ config(tags=['{tag}']) }}}}\n{depends}select 1 as x\n")
    return year_models


def child(root: str, years: int, threads: int) -> None:
    """Runs in a fresh process; prints one JSON line of timings."""
    sys.path.insert(0, str(REPO))
    from planalign.database import connection as db
    from planalign.dbt_bridge.runner import DbtRunner, import_dbt_runner

    started = time.perf_counter()
    import_dbt_runner()   # the import is what is measured
    imported = time.perf_counter()

    project = Path(root)
    database = project / "floor.duckdb"
    instance = db.new_instance_name()
    con = db.connect(database, threads=threads, instance=instance)
    runner = DbtRunner(project, database, project / "target", threads=threads, use_manifest_cache=True,
                       instance=instance)
    runner.parse()
    first = runner.run("tag:init tag:year", {"simulation_year": 2025}, year=2025)
    year_seconds, node_seconds = [], []
    for year in range(2026, 2025 + max(years, 2)):
        invocation = runner.run("tag:year", {"simulation_year": year}, year=year)
        year_seconds.append(invocation.seconds)
        node_seconds.extend(invocation.model_timings.values())
    runner.close()
    con.close()
    print(json.dumps({"import": imported - started, "parse": runner.parse_seconds, "source": runner.manifest_source,
                      "first": first.seconds,
                      "year": statistics.median(year_seconds), "node": statistics.median(node_seconds)}))


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="dbt threads (planalign's default: 2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.years, args.threads)
        return
    samples: dict[str, list[float]] = {"python": [], "startup": [], "import": [], "parse": [], "first": [],
                                       "year": [], "node": []}
    # bytecode, as an installed package has it (PYTHONDONTWRITEBYTECODE is set on our machines)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "planalign")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        year_models = write_project(project)
        env = {**os.environ, "PLANALIGN_CACHE_DIR": str(Path(tmp) / "cache")}

        def measure() -> dict:
            # the same project folder every time: the manifest cache's key includes its content
            shutil.rmtree(project / "target", ignore_errors=True)
            for leftover in project.glob("floor.duckdb*"):
                leftover.unlink()
            out = subprocess.run([sys.executable, __file__, "--child", str(project), "--years", str(args.years),
                                  "--threads", str(args.threads)], check=True, capture_output=True, text=True,
                                 env=env).stdout
            return json.loads(out.strip().splitlines()[-1])

        warmup = measure()
        for _ in range(args.reps):
            samples["python"].append(timed([sys.executable, "-c", "pass"]))
            samples["startup"].append(timed([sys.executable, "-m", "planalign", "engine=sql", "--cfg", "job"]))
            result = measure()
            if result.pop("source") != "cache":
                raise SystemExit("the manifest cache was not used; the parse figure would be wrong")
            for key, value in result.items():
                samples[key].append(value)
    med = {key: statistics.median(values) for key, values in samples.items()}
    print(f"dbt floor: {year_models} trivial models a year, {args.years} years, dbt threads {args.threads}, "
          f"{args.reps} repetitions (median, min-max)")
    for key, label in [("python", "python -c pass"), ("startup", "planalign engine=sql --cfg job"),
                       ("import", "import dbt.cli.main"), ("parse", "manifest from the cache"),
                       ("first", "first year's dbt run (+2 models)"), ("year", "one year's dbt run"),
                       ("node", "one node (dbt's execution_time)")]:
        values = samples[key]
        print(f"  {label:34s} {med[key]:7.3f} s  ({min(values):.3f}-{max(values):.3f})")
    print(f"  {'(dbt parse without the cache':34s} {warmup['parse']:7.3f} s, once)")
    floor = med["startup"] + med["import"] + med["parse"] + med["first"] + (args.years - 1) * med["year"]
    print(f"  floor of a {args.years}-year sql run{'':13s} {floor:7.3f} s  (startup + import + cache + first year + "
          f"{args.years - 1} x year; {med['year'] / year_models * 1000:.1f} ms of wall per node)")


if __name__ == "__main__":
    main()
