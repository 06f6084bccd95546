"""The packaged data and its loader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossstrait_sim.datasets import DataError, data_files, load_all, load_series, read_csv_checked

GOOD = 'year,value,unit,source\n2011,424,thousand persons,somewhere\n2012,430,thousand persons,"a, b"\n'


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "series.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_every_packaged_file_loads():
    files = data_files()
    assert "observed/taiwanese_working_in_mainland.csv" in files
    assert any(f.startswith("inputs/") for f in files)
    tables = load_all()
    assert len(tables) == len(files)
    cn = load_series("observed/taiwanese_working_in_mainland.csv")
    assert cn["year"].is_unique and cn["year"].max() <= 2015
    assert float(cn.loc[cn["year"] == 2012, "value"].iloc[0]) == 430.0


def test_observed_data_stop_at_2015():
    # the rule: fit only to years up to 2015; later years are the out-of-sample test
    for name, df in load_all().items():
        if name.startswith("observed/"):
            assert df["year"].max() <= 2015, name


def test_good_file_reads(tmp_path):
    df = read_csv_checked(_write(tmp_path, GOOD))
    assert list(df["year"]) == [2011, 2012]
    assert df["source"].iloc[1] == "a, b"


def test_missing_column_names_file_and_header(tmp_path):
    p = _write(tmp_path, "year,value,source\n2011,424,x\n")
    with pytest.raises(DataError, match=r"series\.csv, row 1 \(header\): missing column\(s\) unit"):
        read_csv_checked(p)


def test_non_numeric_value_names_row(tmp_path):
    p = _write(tmp_path, GOOD + "2013,about 440,thousand persons,x\n")
    with pytest.raises(DataError, match=r"series\.csv, row 4: column 'value' is not numeric: 'about 440'"):
        read_csv_checked(p)


def test_non_numeric_year_names_row(tmp_path):
    p = _write(tmp_path, "year,value,unit,source\n20x1,424,k,x\n")
    with pytest.raises(DataError, match=r"row 2: column 'year' is not numeric"):
        read_csv_checked(p)


def test_duplicated_year_names_both_rows(tmp_path):
    p = _write(tmp_path, GOOD + "2011,425,thousand persons,x\n")
    with pytest.raises(DataError, match=r"row 4: year 2011 is duplicated \(first at row 2\)"):
        read_csv_checked(p)


def test_unquoted_comma_is_caught(tmp_path):
    p = _write(tmp_path, "year,value,unit,source\n1999,28,percent,url (quotes X, Dec 2023)\n")
    with pytest.raises(DataError, match=r"row 2: has 5 fields, the header has 4"):
        read_csv_checked(p)


def test_unknown_packaged_file():
    with pytest.raises(DataError, match="no such data file"):
        load_series("observed/nope.csv")
