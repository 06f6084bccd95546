"""The data shipped with the package: observed series and literature inputs, validated on load.

The CSVs live in ``crossstrait_sim/evidence/data/`` (``observed/``: official series up to
2019, never later: 2020 on is the out-of-sample test; ``inputs/``: policy facts and
literature magnitudes; ``README.md`` says what each file is and where it comes from).
Every file is checked strictly when it is read, and any problem raises :class:`DataError`
naming the file, the row (the line in the file, header = line 1), the offending value and
what is allowed:

- the file must be UTF-8 (a UTF-8 byte-order mark is accepted); bad bytes are reported
  with their byte offset and line;
- the header must hold the required columns, each named once, and at least one data row
  must follow it;
- ``year`` and ``value`` must be finite numbers, ``year`` a whole number within
  :data:`YEAR_RANGE` (1990-2030), rows sorted by year ascending, and (in a yearly
  series) one row per year;
- a share (see :func:`is_share_unit`) must lie in [0, 100]; every other ``value`` is a
  count or an amount and must lie in [0, :data:`MAX_MAGNITUDE`].

:func:`load_series` reads only files inside the data folder: absolute paths, ``..``
components and symlinks that lead out of it are refused::

    from crossstrait_sim.evidence.datasets import load_series
    df = load_series("observed/taiwanese_working_in_mainland.csv")
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

SERIES_COLUMNS: tuple[str, ...] = ("year", "value", "unit", "source")

YEAR_RANGE: tuple[int, int] = (1990, 2030)
"""Years a data row may carry (inclusive): the model's calibration window starts in the 1990s
and its policy horizon ends before 2030; a year outside is a typo (``0``, ``9999``, ``20111``)."""

SHARE_RANGE: tuple[float, float] = (0.0, 100.0)
"""Allowed values of a share, in percent."""

MAX_MAGNITUDE: float = 1e15
"""Largest absolute value any number in a data file may have.

Every shipped figure is at most about 1e5 because units are scaled in the ``unit`` column
(thousand persons, USD bn, RMB 100m). 1e15 still admits any real economic quantity written
out in full (world GDP is about 1e14 USD) while rejecting garbage such as ``1e300``; it is
also below 2**53 (about 9.007e15), so every whole number up to it is exact in float64.
"""

_SHARE_UNIT = re.compile(r"\s*(?:%|per\s?cent(?!age\s+points?)|pct\b|share\b)", re.IGNORECASE)


def is_share_unit(unit: str) -> bool:
    """Whether a row's ``unit`` says its value is a share in percent.

    The unit must *begin* with ``percent`` (or ``per cent``, ``%``, ``pct``, ``share``), as in
    ``percent of overseas workers``. A ``%`` later in the text is a note, not the unit: e.g.
    ``new Taiwan-funded projects approved by mainland (+27.8%)`` is a count of projects.
    ``percentage points`` is a difference, not a share, and is not matched.
    """
    return _SHARE_UNIT.match(unit) is not None


class DataError(ValueError):
    """A data file is malformed. The message names the file, the row (file line) and the problem."""


@dataclass(frozen=True)
class FileSpec:
    """What a data file must contain.

    Attributes:
        columns: required columns (more are allowed).
        numeric: columns whose every value must parse as a finite number (|x| <= :data:`MAX_MAGNITUDE`).
        unique_year: the file is a time series: one row per year.
        sorted_years: rows must be sorted by ``year``, ascending (strictly so when ``unique_year``).
        year_range: allowed years, inclusive.
        value_range: allowed ``value`` of a count or amount, inclusive.
        share_range: allowed ``value`` of a share (a row whose unit is a percentage, or any row of a
            file whose name contains ``share``), inclusive.
    """

    columns: tuple[str, ...] = SERIES_COLUMNS
    numeric: tuple[str, ...] = ("year", "value")
    unique_year: bool = True
    sorted_years: bool = True
    year_range: tuple[int, int] = YEAR_RANGE
    value_range: tuple[float, float] = (0.0, MAX_MAGNITUDE)
    share_range: tuple[float, float] = SHARE_RANGE


_FACTS = FileSpec(unique_year=False)  # dated facts: several rows may share a year
SPECS: dict[str, FileSpec] = {
    "inputs/china_environmental_fines_2018.csv": _FACTS,
    "inputs/kunshan_taiwanese_firms.csv": _FACTS,
    "inputs/china_carbon_market.csv": _FACTS,
    "inputs/mic2025_smart_manufacturing_pilots.csv": _FACTS,
    # facts in mixed units, grouped by what they count rather than by year
    "inputs/measures31_uptake.csv": FileSpec(unique_year=False, sorted_years=False),
    "inputs/measures31_list.csv": FileSpec(
        columns=("item", "group", "gist", "numbering_confidence", "source"), numeric=(), unique_year=False
    ),
    "inputs/mechanism_parameters.csv": FileSpec(
        columns=("mechanism", "parameter", "finding_or_form", "magnitude", "source"), numeric=(), unique_year=False
    ),
}
"""Files that are not plain yearly series; every other CSV must be one (``year,value,unit,source``)."""


def data_dir() -> Path:
    """Directory of the packaged data (``crossstrait_sim/evidence/data``)."""
    return Path(str(resources.files("crossstrait_sim.evidence") / "data"))


DATA_FOLDERS: tuple[str, ...] = ("observed", "inputs")
"""The folders of data files (``posterior/`` holds the fitted draws: :mod:`crossstrait_sim.evidence.posterior`)."""


def data_files() -> list[str]:
    """Every packaged data CSV, as paths relative to :func:`data_dir` (e.g. ``observed/x.csv``)."""
    root = data_dir()
    return sorted(p.relative_to(root).as_posix() for d in DATA_FOLDERS for p in (root / d).rglob("*.csv"))


def _fmt(x: float) -> str:
    """A bound as written in a message (``0``, ``100``, ``1e+15``)."""
    return f"{x:g}"


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text of a file (BOM dropped); bad bytes raise :class:`DataError` with offset and line."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data.count(b"\n", 0, offset) + 1
        bad = data[offset : start + exc.end].hex(" ")
        raise DataError(
            f"{name}, row {line}: byte offset {offset}: bytes {bad} are not valid UTF-8 ({exc.reason}); "
            "the data files must be saved as UTF-8"
        ) from None


def _records(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """(first file line, fields) of every CSV record; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    prev_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"{name}, row {reader.line_num}: not a valid CSV record ({exc})") from None
        first_line, prev_end = prev_end + 1, reader.line_num
        if row and any(cell.strip() for cell in row):
            yield first_line, row


def _read_bytes(path: Path, name: str) -> bytes:
    """The raw content of a file; an unreadable file raises :class:`DataError`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror})") from None


def _header(records: Iterator[tuple[int, list[str]]], spec: FileSpec, name: str) -> tuple[int, list[str]]:
    """(file line, column names) of the header: present, with every required column, each once."""
    first = next(records, None)
    if first is None:
        raise DataError(f"{name}: file is empty; expected a header with columns {', '.join(spec.columns)}")
    header_line, header_row = first
    header = [h.strip() for h in header_row]
    where = f"{name}, row {header_line} (header)"
    missing = [c for c in spec.columns if c not in header]
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)}; found {', '.join(header)}")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DataError(f"{where}: column(s) {', '.join(repeated)} appear more than once; each must appear once")
    return header_line, header


def _number(raw: str, col: str, spec: FileSpec, where: str) -> float | int:
    """A numeric cell as a finite float of bounded magnitude (``year``: a whole number in range, as int)."""
    try:
        val = float(raw)
    except ValueError:
        raise DataError(f"{where}: column '{col}' is not numeric: {raw!r}") from None
    if not math.isfinite(val):
        raise DataError(f"{where}: column '{col}' is not a finite number: {raw!r}")
    if abs(val) > MAX_MAGNITUDE:
        raise DataError(
            f"{where}: column '{col}' value {raw!r} is too large; allowed: |{col}| <= {_fmt(MAX_MAGNITUDE)}"
        )
    if col != "year":
        return val
    y_lo, y_hi = spec.year_range
    if val != int(val):
        raise DataError(f"{where}: year is not a whole number: {raw!r}")
    if not y_lo <= val <= y_hi:
        raise DataError(f"{where}: year {raw!r} is out of range; allowed: {y_lo}-{y_hi} (inclusive)")
    return int(val)


@dataclass
class _RowChecker:
    """Checks the data rows of one file in order; remembers the years seen so far."""

    name: str
    spec: FileSpec
    header: list[str]
    seen_year: dict[int, int] = field(default_factory=dict)
    last: tuple[int, int] | None = None  # (year, row) of the previous record

    def __post_init__(self) -> None:
        self.share_file = "share" in PurePosixPath(self.name.replace("\\", "/")).name.lower()

    def record(self, line_no: int, row: list[str]) -> dict[str, object]:
        """The record of one data row, numeric columns converted; any problem raises :class:`DataError`."""
        where = f"{self.name}, row {line_no}"
        if len(row) != len(self.header):
            raise DataError(f"{where}: has {len(row)} fields, the header has {len(self.header)}")
        raw_rec = dict(zip(self.header, (cell.strip() for cell in row), strict=True))
        rec: dict[str, object] = dict(raw_rec)
        for col in self.spec.numeric:
            rec[col] = _number(raw_rec[col], col, self.spec, where)
        if "value" in self.spec.numeric:
            self.check_value(float(rec["value"]), raw_rec["value"], raw_rec.get("unit", ""), where)  # type: ignore[arg-type]
        if "year" in rec and isinstance(rec["year"], int):
            self.check_year_order(rec["year"], line_no)
        return rec

    def check_value(self, val: float, raw: str, unit: str, where: str) -> None:
        """A share must lie in the share range, a count or amount in the value range."""
        if self.share_file or is_share_unit(unit):
            lo, hi = self.spec.share_range
            kind = f"a share (unit {unit!r})" if unit else "a share"
        else:
            lo, hi = self.spec.value_range
            kind = f"a count or amount (unit {unit!r})" if unit else "a count or amount"
        if not lo <= val <= hi:
            raise DataError(
                f"{where}: value {raw!r} is out of range for {kind}; allowed: {_fmt(lo)} to {_fmt(hi)} (inclusive)"
            )

    def check_year_order(self, year: int, line_no: int) -> None:
        """Years must not repeat (in a yearly series) and must not go backwards (when sorted)."""
        if self.spec.unique_year and year in self.seen_year:
            raise DataError(
                f"{self.name}, row {line_no}: year {year} is duplicated (first at row {self.seen_year[year]})"
            )
        if self.spec.sorted_years and self.last is not None and year < self.last[0]:
            raise DataError(
                f"{self.name}, row {line_no}: year {year} comes after year {self.last[0]} (row {self.last[1]}); "
                "rows must be sorted by year, ascending"
            )
        self.seen_year.setdefault(year, line_no)
        self.last = (year, line_no)


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
        DataError: naming the file, the row, the value and what is allowed: bytes that are not
            UTF-8, a missing or repeated column, no data rows, a non-numeric or out-of-range value,
            a year out of range, out of order or duplicated.
    """
    path = Path(path)
    name = name or str(path)
    spec = spec or SPECS.get(name, FileSpec())
    records_iter = _records(_decode(_read_bytes(path, name), name), name)
    header_line, header = _header(records_iter, spec, name)
    checker = _RowChecker(name, spec, header)
    records = [checker.record(line_no, row) for line_no, row in records_iter]
    if not records:
        raise DataError(
            f"{name}, row {header_line} (header): no data rows after the header; at least one row is required"
        )
    return pd.DataFrame.from_records(records, columns=header)


def _resolve_inside(name: str, root: Path) -> Path:
    """``root / name`` if ``name`` is a relative path that stays inside ``root``; else :class:`DataError`."""
    allowed = "a path relative to the data folder, e.g. 'observed/taiwanese_working_in_mainland.csv'"
    if not name or not name.strip():
        raise DataError(f"{name!r}: empty data file name; expected {allowed}")
    if "\x00" in name:
        raise DataError(f"{name!r}: data file name contains a NUL character; expected {allowed}")
    posix, win = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or win.is_absolute() or win.drive or win.root:
        raise DataError(f"{name}: absolute paths are refused; expected {allowed}")
    if ".." in posix.parts or ".." in win.parts:
        raise DataError(f"{name}: '..' components are refused; expected {allowed}")
    base = root.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(base):
        raise DataError(f"{name}: resolves to {path}, outside the data folder {base} (a symlink?); expected {allowed}")
    return path


def load_series(name: str) -> pd.DataFrame:
    """A packaged CSV by its path relative to the data directory, validated.

    Raises:
        DataError: ``name`` is absolute, has a ``..`` component or leads out of the data folder
            through a symlink; the file does not exist; or it is malformed (see :func:`read_csv_checked`).
    """
    path = _resolve_inside(name, data_dir())
    if path.suffix.lower() != ".csv" or not path.is_file():
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


def observed_talent_in_cn() -> pd.Series:
    """DGBAS Taiwanese working in the mainland, thousand persons by year (the points figures overlay)."""
    df = load_series("observed/taiwanese_working_in_mainland.csv")
    return df.set_index("year")["value"].astype(float)
