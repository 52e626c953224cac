"""Per-year summary: CSV for machines, an aligned text table for people."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

HEADLINE_COLUMNS = [
    ("simulation_year", "year", "{:d}"),
    ("starting_headcount", "start", "{:,d}"),
    ("hires", "hires", "{:,d}"),
    ("experienced_terminations", "exp terms", "{:,d}"),
    ("new_hire_terminations", "nh terms", "{:,d}"),
    ("ending_headcount", "end", "{:,d}"),
    ("growth_pct", "growth", "{:.2%}"),
    ("turnover_rate", "turnover", "{:.2%}"),
    ("promotions", "promos", "{:,d}"),
    ("avg_compensation", "avg pay", "{:,.0f}"),
    ("total_payroll", "payroll", "{:,.0f}"),
    # DC plan headline (shown as "-" when the plan is disabled)
    ("participation_rate", "particip", "{:.1%}"),
    ("avg_deferral_rate", "avg defer", "{:.2%}"),
    ("total_employer_cost", "employer $", "{:,.0f}"),
    ("employer_cost_pct_of_payroll", "er % pay", "{:.2%}"),
    ("employees_at_irs_limit", "at 402g", "{:,d}"),
]


def summary_frame(con: duckdb.DuckDBPyConnection, years: list[int] | None = None) -> pl.DataFrame:
    frame = con.sql("select * from fct_year_summary order by simulation_year").pl()
    if years:
        frame = frame.filter(pl.col("simulation_year").is_in(years))
    return frame


def format_table(frame: pl.DataFrame, columns=HEADLINE_COLUMNS) -> str:
    present = [(c, h, f) for c, h, f in columns if c in frame.columns]
    cells = [[h for _, h, _ in present]]
    for row in frame.iter_rows(named=True):
        out = []
        for col, _, fmt in present:
            value = row[col]
            out.append("-" if value is None else fmt.format(value))
        cells.append(out)
    widths = [max(len(r[i]) for r in cells) for i in range(len(present))]
    lines = []
    for i, r in enumerate(cells):
        lines.append("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_summary(frame: pl.DataFrame, output_dir: Path) -> dict[str, str]:
    csv_path = output_dir / "summary.csv"
    txt_path = output_dir / "summary.txt"
    frame.write_csv(csv_path)
    txt_path.write_text(format_table(frame) + "\n")
    return {"summary_csv": str(csv_path), "summary_table": str(txt_path)}
