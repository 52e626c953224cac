"""Read a census file into a raw frame (docs/methodology.md §1.1) or fail with one clear message.

Why a separate reader: whole-file problems (missing file, binary garbage, wrong delimiter,
missing columns) must stop the run with a message the user can act on, before any row-level
cleaning. Row-level problems are the cleaner's job (``cleaner.py``) and never stop the run.

CSV columns are all read as strings (``infer_schema=False``) so that one bad value cannot make
the reader guess a type and fail; the cleaner parses them leniently. Parquet keeps its types.
"""

from __future__ import annotations

import codecs
import difflib
from pathlib import Path
from typing import Final

import polars as pl

from planalign.errors import CensusError

REQUIRED_COLUMNS: Final = (
    "employee_id",
    "employee_birth_date",
    "employee_hire_date",
    "employee_gross_compensation",
)
OPTIONAL_COLUMNS: Final = (
    "employee_ssn",
    "employee_termination_date",
    "active",
    "employee_deferral_rate",
    "employee_job_level",
    "scheduled_hours_per_week",
    "auto_escalation_opt_out",
    "eligibility_override",
)
KNOWN_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Common header names of other census exports. ``status`` is deliberately not mapped: its
# values ("A", "T", "L", ...) are not a boolean ``active`` flag.
COLUMN_ALIASES: Final = {
    "dob": "employee_birth_date",
    "hire_date": "employee_hire_date",
    "salary": "employee_gross_compensation",
    "annual_salary": "employee_gross_compensation",
    "term_date": "employee_termination_date",
    "deferral_rate": "employee_deferral_rate",
}

CSV_EXTENSIONS: Final = (".csv", ".txt")
PARQUET_EXTENSIONS: Final = (".parquet", ".pq")
OTHER_DELIMITERS: Final = (";", "\t", "|")
SNIFF_BYTES: Final = 64 * 1024
PARQUET_MAGIC: Final = b"PAR1"
DID_YOU_MEAN_CUTOFF: Final = 0.7


def _fail(path: Path, problem: str) -> CensusError:
    return CensusError(f"census file '{path}': {problem}")


def _delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else f"'{delimiter}'"


def _sniff_text(path: Path) -> None:
    """Reject binary or non-UTF-8 content early, with a message better than a parser error."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise _fail(path, "the file is empty (no header row)")
    if head.startswith(PARQUET_MAGIC):
        raise _fail(path, "this is a Parquet file, not CSV; give it a .parquet extension")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise _fail(
            path,
            f"not readable as UTF-8 text (invalid byte 0x{head[exc.start]:02x} at offset {exc.start}); "
            "planalign reads UTF-8 comma-separated CSV or Parquet",
        ) from None
    control = sum(1 for ch in text if ch < " " and ch not in "\r\n\t")
    if "\x00" in text or control > max(8, len(text) // 100):
        raise _fail(path, "the file contains binary data, not comma-separated text")
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if "," not in header:
        _check_header_delimiter(header, path)


def _read_csv(path: Path) -> pl.DataFrame:
    _sniff_text(path)
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise _fail(path, "the file is empty (no header row)") from None
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _fail(path, f"cannot be parsed as comma-separated CSV ({first_line})") from None


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _fail(path, f"cannot be read as Parquet ({first_line})") from None


def normalize_column_names(frame: pl.DataFrame, path: Path | str = "<census>") -> pl.DataFrame:
    """Trim and lower-case the headers and apply ``COLUMN_ALIASES``.

    Two headers that end up with the same name are ambiguous (which one is the salary?), so
    that is a whole-file error rather than a silent choice.
    """
    path = Path(path)
    renamed: dict[str, str] = {}
    seen: dict[str, str] = {}
    for original in frame.columns:
        name = original.replace("\ufeff", "").strip().lower()
        name = COLUMN_ALIASES.get(name, name)
        if name in seen:
            raise _fail(path, f"columns '{seen[name]}' and '{original}' both mean '{name}'; keep only one")
        seen[name] = original
        renamed[original] = name
    return frame.rename(renamed)


def _check_delimiter(frame: pl.DataFrame, path: Path) -> None:
    if frame.width == 1:
        _check_header_delimiter(frame.columns[0], path)


def _check_header_delimiter(header: str, path: Path) -> None:
    """A header without commas but with another separator means the file used that separator."""
    for delimiter in OTHER_DELIMITERS:
        if delimiter in header:
            raise _fail(
                path,
                f"looks like a {_delimiter_name(delimiter)}-delimited file; "
                "planalign reads comma-separated CSV",
            )


def check_required_columns(frame: pl.DataFrame, path: Path | str = "<census>") -> None:
    """Name every missing required column, with a "did you mean" for close misspellings."""
    path = Path(path)
    missing = [col for col in REQUIRED_COLUMNS if col not in frame.columns]
    if not missing:
        return
    candidates = [col for col in frame.columns if col not in KNOWN_COLUMNS]
    parts = []
    for col in missing:
        close = difflib.get_close_matches(col, candidates, n=1, cutoff=DID_YOU_MEAN_CUTOFF)
        parts.append(f"'{col}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise _fail(
        path,
        f"missing required column(s) {', '.join(parts)}; found columns: {', '.join(frame.columns) or 'none'}",
    )


def read_census_file(path: str | Path) -> pl.DataFrame:
    """Read a census CSV (all columns as strings) or Parquet (types kept) with canonical headers.

    Raises ``CensusError`` naming the file for every whole-file failure: missing, empty,
    undecodable, wrongly delimited, unsupported extension, missing required columns, no rows.
    """
    path = Path(path)
    if not path.exists():
        raise _fail(path, "file not found")
    if not path.is_file():
        raise _fail(path, "not a regular file")
    suffix = path.suffix.lower()
    if suffix in CSV_EXTENSIONS:
        if path.stat().st_size == 0:
            raise _fail(path, "the file is empty (no header row)")
        frame = _read_csv(path)
    elif suffix in PARQUET_EXTENSIONS:
        if path.stat().st_size == 0:
            raise _fail(path, "the file is empty (zero bytes)")
        frame = _read_parquet(path)
    else:
        supported = ", ".join(CSV_EXTENSIONS + PARQUET_EXTENSIONS)
        raise _fail(path, f"unsupported file extension '{path.suffix}'; use one of {supported}")
    if frame.width == 0:
        raise _fail(path, "the file is empty (no header row)")
    _check_delimiter(frame, path)
    frame = normalize_column_names(frame, path)
    check_required_columns(frame, path)
    if frame.height == 0:
        raise _fail(path, "the file has a header row but no data rows")
    return frame
