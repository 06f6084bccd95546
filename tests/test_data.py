"""The packaged data and its loader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossstrait_sim.evidence import datasets
from crossstrait_sim.evidence.datasets import (
    DataError,
    data_dir,
    data_files,
    load_all,
    load_series,
    observed_value,
    read_csv_checked,
)

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
    assert cn["year"].is_unique and cn["year"].max() == 2019
    assert float(cn.loc[cn["year"] == 2012, "value"].iloc[0]) == 430.0


def test_observed_data_stop_at_2019():
    # issue 10's rule: fit to years up to 2019; 2020 on is the out-of-sample test and never shipped
    for name, df in load_all().items():
        if name.startswith("observed/"):
            assert df["year"].max() <= 2019, name


def test_packaged_copy_matches_the_shared_data_up_to_2019():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("the shared data folder is not beside this checkout")
    for src in sorted((shared / "observed").glob("*.csv")) + sorted((shared / "inputs").glob("*.csv")):
        rows = src.read_text(encoding="utf-8").splitlines()
        # observed years from 2020 on stay out; inputs are policy facts and are copied whole
        keep = [r for r in rows[1:] if src.parent.name == "inputs" or int(r[:4]) < 2020]
        mine = (data_dir() / src.parent.name / src.name).read_text(encoding="utf-8").splitlines()
        assert mine == [rows[0], *keep], src.name


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


# --- the strict loader (issue 14): encoding, value ranges, order, emptiness, paths ---

HEADER = "year,value,unit,source\n"


def _write_bytes(tmp_path: Path, data: bytes, filename: str = "series.csv") -> Path:
    p = tmp_path / filename
    p.write_bytes(data)
    return p


def test_non_utf8_bytes_name_file_offset_and_line(tmp_path):
    # Latin-1 "é" (0xE9) on line 3; the byte offset is counted from the start of the file
    head = (HEADER + "2011,424,thousand persons,x\n").encode()
    data = head + b"2012,430,thousand persons,caf\xe9\n"
    offset = len(head) + len(b"2012,430,thousand persons,caf")
    p = _write_bytes(tmp_path, data)
    with pytest.raises(DataError) as err:
        read_csv_checked(p)
    msg = str(err.value)
    assert "series.csv, row 3:" in msg
    assert f"byte offset {offset}" in msg
    assert "e9" in msg and "not valid UTF-8" in msg
    assert not isinstance(err.value.__cause__, UnicodeDecodeError)


def test_utf8_bom_is_accepted(tmp_path):
    p = _write_bytes(tmp_path, b"\xef\xbb\xbf" + GOOD.encode())
    assert list(read_csv_checked(p)["year"]) == [2011, 2012]


def test_non_utf8_after_bom_offset_counts_the_bom(tmp_path):
    p = _write_bytes(tmp_path, b"\xef\xbb\xbf" + HEADER.encode() + b"2011,4\xff,k,x\n")
    with pytest.raises(DataError, match=r"series\.csv, row 2: byte offset 32: bytes ff"):
        read_csv_checked(p)


def test_negative_count_names_row_value_and_range(tmp_path):
    p = _write(tmp_path, GOOD + "2013,-5,thousand persons,x\n")
    with pytest.raises(
        DataError,
        match=r"series\.csv, row 4: value '-5' is out of range for a count or amount "
        r"\(unit 'thousand persons'\); allowed: 0 to 1e\+15",
    ):
        read_csv_checked(p)


def test_share_150_names_row_value_and_range(tmp_path):
    p = _write(tmp_path, HEADER + "2010,83.8,percent of total,x\n2011,150,percent of total,x\n")
    with pytest.raises(
        DataError,
        match=r"series\.csv, row 3: value '150' is out of range for a share \(unit 'percent of total'\); "
        r"allowed: 0 to 100",
    ):
        read_csv_checked(p)


def test_share_by_file_name_whatever_the_unit(tmp_path):
    p = _write_bytes(tmp_path, (HEADER + "2011,101,of workers,x\n").encode(), "mainland_share_of_x.csv")
    with pytest.raises(DataError, match=r"mainland_share_of_x\.csv, row 2: value '101' .* a share .* 0 to 100"):
        read_csv_checked(p)


def test_percent_in_a_note_is_not_a_share(tmp_path):
    # the shipped MOFCOM file: a count of projects whose unit mentions "+27.8%"
    p = _write(tmp_path, HEADER + "2015,2962,new projects approved (+27.8%),x\n")
    assert float(read_csv_checked(p)["value"].iloc[0]) == 2962.0


def test_negative_share_is_refused(tmp_path):
    p = _write(tmp_path, HEADER + "2011,-0.5,% of total,x\n")
    with pytest.raises(DataError, match=r"row 2: value '-0\.5' is out of range for a share"):
        read_csv_checked(p)


def test_huge_value_names_row_value_and_bound(tmp_path):
    p = _write(tmp_path, GOOD + "2013,1e300,thousand persons,x\n")
    with pytest.raises(
        DataError, match=r"series\.csv, row 4: column 'value' value '1e300' is too large; allowed: \|value\| <= 1e\+15"
    ):
        read_csv_checked(p)


def test_bound_itself_is_accepted(tmp_path):
    p = _write(tmp_path, HEADER + "2011,1e15,USD,x\n")
    assert float(read_csv_checked(p)["value"].iloc[0]) == 1e15


@pytest.mark.parametrize("year", ["0", "9999", "1989", "2031"])
def test_year_out_of_range_names_row_value_and_range(tmp_path, year):
    p = _write(tmp_path, GOOD + f"{year},440,thousand persons,x\n")
    with pytest.raises(
        DataError, match=rf"series\.csv, row 4: year '{year}' is out of range; allowed: 1990-2030 \(inclusive\)"
    ):
        read_csv_checked(p)


def test_year_range_bounds_are_inclusive(tmp_path):
    p = _write(tmp_path, HEADER + "1990,1,k,x\n2030,2,k,x\n")
    assert list(read_csv_checked(p)["year"]) == [1990, 2030]


def test_unsorted_years_name_both_rows(tmp_path):
    p = _write(tmp_path, HEADER + "2011,424,k,x\n2014,427,k,x\n2012,430,k,x\n")
    with pytest.raises(
        DataError,
        match=r"series\.csv, row 4: year 2012 comes after year 2014 \(row 3\); rows must be sorted by year, ascending",
    ):
        read_csv_checked(p)


def test_header_only_file_is_refused(tmp_path):
    p = _write(tmp_path, HEADER + "\n  \n")
    with pytest.raises(DataError, match=r"series\.csv, row 1 \(header\): no data rows after the header"):
        read_csv_checked(p)


def test_row_numbers_count_blank_lines_and_multiline_fields(tmp_path):
    p = _write(tmp_path, HEADER + '\n2011,424,k,"two\nlines"\n2012,-1,k,x\n')
    with pytest.raises(DataError, match=r"row 5: value '-1'"):
        read_csv_checked(p)


def test_repeated_column_is_refused(tmp_path):
    p = _write(tmp_path, "year,value,unit,source,value\n2011,1,k,x,2\n")
    with pytest.raises(DataError, match=r"row 1 \(header\): column\(s\) value appear more than once"):
        read_csv_checked(p)


def test_dotdot_path_is_refused():
    # this one resolves back inside the data folder: '..' is refused as such, not only when it escapes
    with pytest.raises(DataError, match=r"^\.\./data/observed/x\.csv: '\.\.' components are refused"):
        load_series("../data/observed/x.csv")
    with pytest.raises(DataError, match=r"'\.\.' components are refused"):
        load_series("observed/../../datasets.py")


def test_absolute_path_is_refused():
    target = str(data_dir() / "observed" / "taiwanese_working_in_mainland.csv")
    assert Path(target).is_file()  # an existing packaged file, reached by absolute path
    with pytest.raises(DataError, match=r"absolute paths are refused"):
        load_series(target)
    with pytest.raises(DataError, match=r"^/etc/passwd: absolute paths are refused"):
        load_series("/etc/passwd")


def test_symlink_out_of_the_data_folder_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "data"
    (root / "observed").mkdir(parents=True)
    outside = tmp_path / "outside.csv"
    outside.write_text(GOOD, encoding="utf-8")
    try:
        (root / "observed" / "link.csv").symlink_to(outside)
    except OSError:
        pytest.skip("symlinks not supported here")
    (root / "observed" / "real.csv").write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(datasets, "data_dir", lambda: root)
    assert list(load_series("observed/real.csv")["year"]) == [2011, 2012]
    with pytest.raises(DataError, match=r"observed/link\.csv: resolves to .*outside\.csv, outside the data folder"):
        load_series("observed/link.csv")


def test_observed_value_reads_one_year():
    assert observed_value("observed/taiwanese_working_in_mainland.csv", 2012) == 430.0
    with pytest.raises(DataError, match="no row for year 2013"):
        observed_value("observed/taiwanese_working_in_mainland.csv", 2013)


def test_every_packaged_file_passes_the_strict_checks():
    # each shipped series: non-empty, years in range and ascending, shares in [0, 100], the rest >= 0
    for name, df in load_all().items():
        assert len(df) > 0, name
        if "year" in df.columns and name not in ("inputs/measures31_list.csv", "inputs/mechanism_parameters.csv"):
            years = list(df["year"])
            assert years == sorted(years) or not datasets.SPECS[name].sorted_years, name
            assert all(1990 <= y <= 2030 for y in years), name
            assert (df["value"] >= 0).all(), name
