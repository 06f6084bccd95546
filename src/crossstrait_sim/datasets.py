"""The data shipped with the package: observed series and literature inputs, validated on load.

The CSVs live in ``crossstrait_sim/data/`` (``observed/``: official series up to
2015; ``inputs/``: policy facts and literature magnitudes; ``README.md`` says what
each file is and where it comes from). Every file is checked when it is read:
a missing column, a non-numeric ``year`` or ``value``, or a duplicated year in a
time series raises :class:`DataError` naming the file and the row (the line in
the file, header = line 1)::

    from crossstrait_sim.datasets import load_series
    df = load_series("observed/taiwanese_working_in_mainland.csv")
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

SERIES_COLUMNS: tuple[str, ...] = ("year", "value", "unit", "source")


class DataError(ValueError):
    """A data file is malformed. The message names the file, the row (file line) and the problem."""


@dataclass(frozen=True)
class FileSpec:
    """What a data file must contain.

    Attributes:
        columns: required columns (more are allowed).
        numeric: columns whose every value must parse as a number.
        unique_year: the file is a time series: one row per year.
    """

    columns: tuple[str, ...] = SERIES_COLUMNS
    numeric: tuple[str, ...] = ("year", "value")
    unique_year: bool = True


_FACTS = FileSpec(unique_year=False)  # dated facts: several rows may share a year
SPECS: dict[str, FileSpec] = {
    "inputs/china_environmental_fines_2018.csv": _FACTS,
    "inputs/kunshan_taiwanese_firms.csv": _FACTS,
    "inputs/china_carbon_market.csv": _FACTS,
    "inputs/mic2025_smart_manufacturing_pilots.csv": _FACTS,
    "inputs/measures31_list.csv": FileSpec(
        columns=("item", "group", "gist", "numbering_confidence", "source"), numeric=(), unique_year=False
    ),
    "inputs/mechanism_parameters.csv": FileSpec(
        columns=("mechanism", "parameter", "finding_or_form", "magnitude", "source"), numeric=(), unique_year=False
    ),
}
"""Files that are not plain yearly series; every other CSV must be one (``year,value,unit,source``)."""


def data_dir() -> Path:
    """Directory of the packaged data (``crossstrait_sim/data``)."""
    return Path(str(resources.files("crossstrait_sim") / "data"))


def data_files() -> list[str]:
    """Every packaged CSV, as paths relative to :func:`data_dir` (e.g. ``observed/x.csv``)."""
    root = data_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.csv"))


def read_csv_checked(path: Path | str, spec: FileSpec | None = None, name: str | None = None) -> pd.DataFrame:
    """Read one CSV and validate it against ``spec`` (default: a yearly series).

    Args:
        path: the file.
        spec: what the file must contain; ``None`` looks ``name`` up in :data:`SPECS`,
            falling back to a yearly series.
        name: how the file is named in error messages (default: the path).

    Returns:
        The table; numeric columns as float (``year`` as int).

    Raises:
        DataError: naming the file and row of a missing column, non-numeric value or duplicated year.
    """
    path = Path(path)
    name = name or str(path)
    spec = spec or SPECS.get(name, FileSpec())
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataError(f"{name}: file is empty; expected a header with columns {', '.join(spec.columns)}")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in spec.columns if c not in header]
    if missing:
        raise DataError(f"{name}, row 1 (header): missing column(s) {', '.join(missing)}; found {', '.join(header)}")
    records: list[dict[str, object]] = []
    seen_year: dict[int, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"{name}, row {line_no}: has {len(row)} fields, the header has {len(header)}")
        rec: dict[str, object] = dict(zip(header, (cell.strip() for cell in row), strict=True))
        for col in spec.numeric:
            raw = str(rec[col])
            try:
                val = float(raw)
            except ValueError:
                raise DataError(f"{name}, row {line_no}: column '{col}' is not numeric: {raw!r}") from None
            if val != val or val in (float("inf"), float("-inf")):
                raise DataError(f"{name}, row {line_no}: column '{col}' is not a finite number: {raw!r}")
            if col == "year":
                if val != int(val):
                    raise DataError(f"{name}, row {line_no}: year is not a whole number: {raw!r}")
                rec[col] = int(val)
            else:
                rec[col] = val
        if spec.unique_year:
            year = int(rec["year"])  # type: ignore[arg-type]
            if year in seen_year:
                raise DataError(f"{name}, row {line_no}: year {year} is duplicated (first at row {seen_year[year]})")
            seen_year[year] = line_no
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=header)


def load_series(name: str) -> pd.DataFrame:
    """A packaged CSV by its path relative to the data directory, validated."""
    path = data_dir() / name
    if not path.is_file():
        raise DataError(f"{name}: no such data file; available: {', '.join(data_files())}")
    return read_csv_checked(path, name=name)


def load_all() -> dict[str, pd.DataFrame]:
    """Every packaged CSV, validated (the first malformed file raises :class:`DataError`)."""
    return {name: load_series(name) for name in data_files()}


def observed_value(name: str, year: int) -> float:
    """The value of an observed yearly series in ``year``."""
    df = load_series(name)
    hit = df.loc[df["year"] == year, "value"]
    if hit.empty:
        raise DataError(f"{name}: no row for year {year}")
    return float(hit.iloc[0])
