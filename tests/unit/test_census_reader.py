"""Whole-file census failures (docs/methodology.md §1.1): each must be a CensusError naming the file."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from planalign.census import clean_census, generate_synthetic_census, read_census_file, write_synthetic_census
from planalign.errors import CensusError, UserError

HEADER = "employee_id,employee_birth_date,employee_hire_date,employee_gross_compensation"
ROW = "E1,1980-01-01,2010-01-01,70000"


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def census_error(path: Path) -> str:
    with pytest.raises(CensusError) as info:
        read_census_file(path)
    message = str(info.value)
    assert str(path) in message, message
    return message


def test_census_error_is_a_user_error() -> None:
    assert issubclass(CensusError, UserError)


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in census_error(tmp_path / "nope.csv")


def test_directory_is_not_a_census(tmp_path: Path) -> None:
    folder = tmp_path / "census.csv"
    folder.mkdir()
    assert "not a regular file" in census_error(folder)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert "empty" in census_error(write(tmp_path / "empty.csv", content))


def test_empty_parquet_file(tmp_path: Path) -> None:
    assert "empty" in census_error(write(tmp_path / "empty.parquet", b""))


def test_header_without_rows(tmp_path: Path) -> None:
    assert "no data rows" in census_error(write(tmp_path / "header.csv", HEADER + "\n"))


def test_binary_garbage(tmp_path: Path) -> None:
    garbage = random.Random(7).randbytes(4096)
    message = census_error(write(tmp_path / "garbage.csv", garbage))
    assert "UTF-8" in message or "binary" in message


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    message = census_error(write(tmp_path / "nul.csv", b"employee_id\x00\x00\x00\x01\x02" * 50))
    assert "binary" in message


def test_latin1_text_is_not_utf8(tmp_path: Path) -> None:
    data = (HEADER + "\nR\xe9mi,1980-01-01,2010-01-01,70000\n").encode("latin-1")
    message = census_error(write(tmp_path / "latin1.csv", data))
    assert "UTF-8" in message and "0xe9" in message


def test_parquet_named_csv(tmp_path: Path) -> None:
    real = write_synthetic_census(tmp_path / "real.parquet", n=10)
    fake = write(tmp_path / "census.csv", real.read_bytes())
    assert "Parquet" in census_error(fake)


def test_csv_named_parquet(tmp_path: Path) -> None:
    message = census_error(write(tmp_path / "census.parquet", HEADER + "\n" + ROW + "\n"))
    assert "Parquet" in message


@pytest.mark.parametrize(("delimiter", "shown"), [(";", "';'"), ("|", "'|'"), ("\t", "tab")])
def test_wrong_delimiter(tmp_path: Path, delimiter: str, shown: str) -> None:
    text = HEADER.replace(",", delimiter) + "\n" + ROW.replace(",", delimiter) + "\n"
    message = census_error(write(tmp_path / "semi.csv", text))
    assert f"looks like a {shown}-delimited file" in message
    assert "comma-separated CSV" in message


def test_wrong_delimiter_with_decimal_commas(tmp_path: Path) -> None:
    """European exports: ';' separators and ',' decimals make ragged rows; still name the delimiter."""
    text = HEADER.replace(",", ";") + "\nE1;1980-01-01;2010-01-01;70000,50\n"
    assert "';'-delimited" in census_error(write(tmp_path / "euro.csv", text))


def test_missing_column_with_did_you_mean(tmp_path: Path) -> None:
    text = "employee_id,employee_birth_dt,employee_hire_date,employee_gross_compensation\n" + ROW + "\n"
    message = census_error(write(tmp_path / "typo.csv", text))
    assert "'employee_birth_date'" in message
    assert "did you mean 'employee_birth_dt'?" in message


def test_every_missing_column_is_named(tmp_path: Path) -> None:
    message = census_error(write(tmp_path / "ids.csv", "employee_id,emp_hire_date\nE1,2010-01-01\n"))
    for column in ("employee_birth_date", "employee_hire_date", "employee_gross_compensation"):
        assert f"'{column}'" in message
    assert "did you mean 'emp_hire_date'?" in message
    assert "'employee_id'" not in message.split("found columns")[0]


def test_status_is_not_an_alias_for_anything(tmp_path: Path) -> None:
    text = "employee_id,status,employee_hire_date,employee_gross_compensation\nE1,A,2010-01-01,1\n"
    message = census_error(write(tmp_path / "status.csv", text))
    assert "'employee_birth_date'" in message


@pytest.mark.parametrize("name", ["census.xlsx", "census.json", "census"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    message = census_error(write(tmp_path / name, HEADER + "\n" + ROW + "\n"))
    assert "unsupported file extension" in message


def test_ambiguous_alias_and_canonical_column(tmp_path: Path) -> None:
    text = HEADER + ",salary\n" + ROW + ",71000\n"
    message = census_error(write(tmp_path / "both.csv", text))
    assert "'salary'" in message and "employee_gross_compensation" in message


def test_headers_trimmed_lowercased_and_aliased(tmp_path: Path) -> None:
    text = " Employee_ID ,DOB,Hire_Date,SALARY,term_date,Deferral_Rate,Status\nE1,1980-01-01,2010-01-01,70000,,6,A\n"
    frame = read_census_file(write(tmp_path / "aliases.csv", text))
    assert frame.columns == [
        "employee_id",
        "employee_birth_date",
        "employee_hire_date",
        "employee_gross_compensation",
        "employee_termination_date",
        "employee_deferral_rate",
        "status",
    ]


def test_annual_salary_alias(tmp_path: Path) -> None:
    text = "employee_id,dob,hire_date,annual_salary\nE1,1980-01-01,2010-01-01,70000\n"
    assert "employee_gross_compensation" in read_census_file(write(tmp_path / "a.txt", text)).columns


def test_csv_columns_are_all_strings(tmp_path: Path) -> None:
    frame = read_census_file(write(tmp_path / "c.CSV", HEADER + "\n00123,1980-01-01,2010-01-01,70000\n"))
    assert set(frame.schema.values()) == {pl.String}
    assert frame["employee_id"].to_list() == ["00123"]


def test_utf8_bom_header(tmp_path: Path) -> None:
    frame = read_census_file(
        write(tmp_path / "bom.csv", ("\ufeff" + HEADER + "\n" + ROW + "\n").encode("utf-8"))
    )
    assert frame.columns[0] == "employee_id"


def test_parquet_keeps_types_and_cleans_like_the_frame(tmp_path: Path) -> None:
    path = write_synthetic_census(tmp_path / "synthetic.pq", n=200, terminated_pct=0.1, seed=3)
    frame = read_census_file(path)
    assert frame.schema["employee_birth_date"] == pl.Date
    assert frame.schema["employee_gross_compensation"] == pl.Float64
    as_of = date(2024, 12, 31)
    from_file = clean_census(frame, as_of, str(path)).clean
    direct = clean_census(generate_synthetic_census(n=200, terminated_pct=0.1, seed=3), as_of, "direct").clean
    assert from_file.equals(direct)


def test_csv_and_parquet_give_the_same_clean_census(tmp_path: Path) -> None:
    generated = generate_synthetic_census(n=300, terminated_pct=0.2, part_time_pct=0.1, seed=9)
    csv_path = tmp_path / "census.csv"
    generated.write_csv(csv_path)
    parquet_path = tmp_path / "census.parquet"
    generated.write_parquet(parquet_path)
    as_of = date(2024, 12, 31)
    from_csv = clean_census(read_census_file(csv_path), as_of, "csv").clean
    from_parquet = clean_census(read_census_file(parquet_path), as_of, "parquet").clean
    assert from_csv.equals(from_parquet)
