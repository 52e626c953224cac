"""A corpus of malformed inputs: each gets a clear message, exit code 2, no traceback, and the
outputs of an earlier run in the same directory stay untouched."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import run_cli, run_cli_in_process

BASE = ["years=2025-2026", "workflow=quick", "hooks=quiet"]
HEADER = "employee_id,employee_birth_date,employee_hire_date,employee_gross_compensation"


def _rows(n=30, extra=""):
    return "\n".join(f"E{i:03d},1980-01-01,2015-01-01,{50000 + i}{extra}" for i in range(n))


CENSUS_FILES = {
    "missing_columns.csv": ("employee_id,employee_birth_date\nE1,1980-01-01\n",
                            ["employee_hire_date", "employee_gross_compensation"]),   # every missing one
    "misspelled.csv": ("employee_id,employee_birth_date,employee_hire_date,employee_gross_compensaton\n"
                       "E1,1980-01-01,2010-01-01,5\n",
                       ["employee_gross_compensaton", "did you mean", "employee_gross_compensation"]),
    "semicolons.csv": (HEADER.replace(",", ";") + "\nE1;1980-01-01;2010-01-01;50000\n", [";"]),
    "tabs.csv": (HEADER.replace(",", "\t") + "\nE1\t1980-01-01\t2010-01-01\t50000\n", ["delimit"]),
    "empty.csv": ("", ["empty"]),
    "header_only.csv": (HEADER + "\n", ["no"]),
    "garbage.csv": (bytes(range(256)) * 16, ["garbage.csv"]),
    "all_bad_dates.csv": (HEADER + "\n" + "\n".join(f"E{i},31/31/1980,2015-01-01,50000" for i in range(5)) + "\n",
                          ["no valid rows", "invalid_birth_date"]),
    "all_text_pay.csv": (HEADER + "\n" + "\n".join(f"E{i},1980-01-01,2015-01-01,lots" for i in range(5)) + "\n",
                         ["invalid_compensation"]),
    "all_negative_pay.csv": (HEADER + "\n" + "\n".join(f"E{i},1980-01-01,2015-01-01,-{i + 1}" for i in range(5))
                             + "\n", ["invalid_compensation"]),
    "no_valid_rows.csv": (HEADER + "\n,1980-01-01,2010-01-01,50000\nE2,notadate,2010-01-01,50000\n",
                          ["no valid rows", "missing_id", "invalid_birth_date"]),   # each row for its own reason
    "all_non_ascii.csv": (HEADER + "\n" + "\n".join(f"É{i},1980-01-01,2015-01-01,50000" for i in range(5)) + "\n",
                          ["invalid_id"]),
    "census.xlsx": ("not a spreadsheet", ["census.xlsx"]),
    "parquet_named.csv": (None, ["parquet_named.csv"]),
}

CONFIGS = {
    "unknown key": (["+workforce.turnover=0.1"], "workforce.turnover"),
    "unknown nested key": (["+plan.employer_match.eligibility.hours=5"], "plan.employer_match.eligibility.hours"),
    "unknown top-level key": (["+colour=blue"], "colour"),
    "rate above 1": (["workforce.total_termination_rate=1.7"], "workforce.total_termination_rate"),
    "negative rate": (["compensation.merit_budget=-0.2"], "compensation.merit_budget"),
    "new-hire termination rate 0.99": (["workforce.new_hire_termination_rate=0.995"], "new_hire_termination_rate"),
    "reversed years": (["years=2030-2025"], "years"),
    "malformed years": (["years=2025..2030"], "years"),
    "unknown engine": (["engine=quantum"], "engine"),
    "unknown workflow": (["workflow=turbo"], "workflow"),
    "missing census path": (["census=file"], "census.path"),
    "missing census file": (["census=file", "census.path=/nonexistent/census.csv"], "/nonexistent/census.csv"),
    "bad mmdd": (["compensation.promotion_effective_mmdd=13-40"], "promotion_effective_mmdd"),
    "bad selection": (["workforce.termination_selection=random"], "termination_selection"),
    "census size zero": (["census.size=0"], "census.size"),
    "keep_intermediates not a boolean": (["cleanup.keep_intermediates=maybe"], "cleanup.keep_intermediates"),
    "retired cleanup key": (["cleanup.drop_intermediate=true"], "cleanup.drop_intermediate"),
}


def _digest(run_dir):
    files = ["planalign.duckdb", "run.json", "summary.csv", "summary.txt", "census.parquet"]
    return {f: hashlib.sha256((run_dir / f).read_bytes()).hexdigest() for f in files if (run_dir / f).exists()}


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("earlier")
    run_dir = root / "run"
    # the inputs are under test, not the engine: the earlier run skips dbt's import and set-up
    result = run_cli_in_process(["census.size=150", *BASE, "engine=polars", f"hydra.run.dir={run_dir}"], cwd=root)
    assert result.returncode == 0, result.stderr
    return root, run_dir


@pytest.mark.parametrize("name", sorted(CENSUS_FILES))
def test_malformed_census(earlier_run, tmp_path, name):
    root, run_dir = earlier_run
    content, needles = CENSUS_FILES[name]
    path = tmp_path / name
    if content is None:
        import polars as pl

        pl.DataFrame({"employee_id": ["E1"]}).write_parquet(path)
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _digest(run_dir)
    result = run_cli_in_process([*BASE, "census=file", f"census.path={path}", f"hydra.run.dir={run_dir}"], cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert name in result.stderr
    for needle in needles:
        assert needle.lower() in result.stderr.lower(), (needle, result.stderr)
    assert _digest(run_dir) == before


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_malformed_config(earlier_run, case):
    root, run_dir = earlier_run
    overrides, needle = CONFIGS[case]
    before = _digest(run_dir)
    base = BASE if any(o.startswith("census") for o in overrides) else ["census.size=150", *BASE]
    result = run_cli_in_process([*base, *overrides, f"hydra.run.dir={run_dir}"], cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert _digest(run_dir) == before


@pytest.mark.parametrize("kind", ["census", "config"])
def test_a_whole_process_exits_2_with_one_message(earlier_run, tmp_path, kind):
    """The corpus above calls the command's entry point in the test process; here a census error
    and a config error go through ``python -m planalign`` as a user runs it."""
    root, run_dir = earlier_run
    if kind == "census":
        path = tmp_path / "garbage.csv"
        path.write_bytes(CENSUS_FILES["garbage.csv"][0])
        overrides, needle = [*BASE, "census=file", f"census.path={path}"], "garbage.csv"
    else:
        overrides, needle = ["census.size=150", *BASE, *CONFIGS["negative rate"][0]], CONFIGS["negative rate"][1]
    before = _digest(run_dir)
    result = run_cli([*overrides, f"hydra.run.dir={run_dir}"], cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("planalign: error:") == 1, result.stderr
    assert _digest(run_dir) == before
