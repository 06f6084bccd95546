"""Model indicators paired with the official series: the moments of the calibration.

Each :class:`Moment` says which model indicator mirrors which observed series,
how the quarterly model output is turned into the series' annual figure, in the
series' unit, and with what weight it enters the fit. The pairings and their
caveats are documented in docs/VALIDATION.md ("Data pairing").

Conventions (checked against the sources in ``crossstrait_sim/evidence/data/README.md``):

* DGBAS counts of Taiwanese working abroad are persons, stocks, one figure per
  year: paired with the **mean of the four quarterly stocks** of the year, in
  thousand persons. The model's counts are persons at real-world size (agent
  weights applied), never agents.
* MOEA approved investment is a flow per year in USD bn: paired with the **sum
  of the four quarterly flows** (USD m per quarter) / 1000.
* The mainland's share of approved outward investment is a ratio of annual
  sums, in percent: paired with 100 x (annual sum to CN) / (annual sum to all
  destinations), not with the mean of quarterly ratios.
* MOFCOM's new approvals of Taiwan-funded projects are a flow of projects per
  year: paired with Taiwanese-funded firms entering the mainland (entries plus
  relocations into CN), firms per year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossstrait_sim.evidence.datasets import load_series

FIT_LAST_YEAR = 2015
"""Only observations up to this year are used (issue 5: later years are the out-of-sample test)."""


@dataclass(frozen=True)
class Moment:
    """One observed figure and the model quantity that mirrors it.

    Attributes:
        key: short unique name, ``<series>_<year>``.
        series: model-side quantity (see :func:`model_series`).
        file: observed CSV, relative to the packaged data directory (``None``: ``value`` is given).
        year: the calendar year (or the last year of a multi-year mean).
        weight: weight in the distance (0 = reported, not fitted).
        note: why the weight, or how a derived figure is built.
        value: the data figure when it is derived here rather than read from one row.
    """

    key: str
    series: str
    file: str | None
    year: int
    weight: float
    note: str = ""
    value: float | None = None

    def data_value(self) -> float:
        """The observed figure, in the unit of :data:`SERIES_UNITS` for this series."""
        if self.value is not None:
            return float(self.value)
        df = load_series(self.file)  # type: ignore[arg-type]
        hit = df.loc[df["year"] == self.year, "value"]
        if hit.empty:
            raise ValueError(f"moment {self.key}: {self.file} has no row for {self.year}")
        return float(hit.iloc[0])


SERIES_UNITS: dict[str, str] = {
    "talent_in_cn": "thousand persons (annual mean of quarterly stocks)",
    "talent_abroad_total": "thousand persons (annual mean of quarterly stocks)",
    "talent_share_cn": "percent of Taiwanese working abroad",
    "talent_in_sea": "thousand persons (annual mean of quarterly stocks)",
    "invest_cn": "USD bn per year (sum of quarterly flows)",
    "invest_non_cn": "USD bn per year (sum of quarterly flows)",
    "invest_share_cn": "percent of approved outward investment",
    "tw_firm_entries_cn": "firms (projects) per year",
}

_OBS = "observed/"
_CUM = f"{_OBS}mainland_approved_taiwan_projects_cumulative.csv"


def _cum_per_year() -> float:
    """Mean new MOFCOM approvals per year from end-Sep 2011 to end-Dec 2015 (4.25 years)."""
    df = load_series(_CUM).set_index("year")["value"]
    return float((df[2015] - df[2011]) / 4.25)


def _talent_moments() -> list[Moment]:
    """DGBAS Taiwanese working abroad: in the mainland, its share, the total, and in Southeast Asia."""
    cn, tot, share = (
        f"{_OBS}taiwanese_working_in_mainland.csv",
        f"{_OBS}taiwanese_working_abroad_total.csv",
        f"{_OBS}mainland_share_of_taiwanese_working_abroad.csv",
    )
    sea = f"{_OBS}taiwanese_working_in_southeast_asia.csv"
    m: list[Moment] = []
    for y in (2011, 2012, 2014, 2015):
        m.append(
            Moment(
                f"talent_in_cn_{y}",
                "talent_in_cn",
                cn,
                y,
                1.0,
                "2011 derived (2021 level + stated fall)" if y == 2011 else "",
            )
        )
        m.append(Moment(f"talent_share_cn_{y}", "talent_share_cn", share, y, 1.0))
        derived = y in (2011, 2012)
        m.append(
            Moment(
                f"talent_abroad_total_{y}",
                "talent_abroad_total",
                tot,
                y,
                0.0 if derived else 1.0,
                "derived in the data from the CN level / CN share: both are fitted already, so weight 0"
                if derived
                else "",
            )
        )
    for y in (2014, 2015):
        m.append(Moment(f"talent_in_sea_{y}", "talent_in_sea", sea, y, 1.0))
    return m


def _investment_moments() -> list[Moment]:
    """MOEA approved investment: to the mainland, elsewhere, and the mainland's share."""
    inv_cn, inv_x = (
        f"{_OBS}approved_investment_to_mainland_usd.csv",
        f"{_OBS}approved_outward_investment_excl_mainland_usd.csv",
    )
    inv_share = f"{_OBS}mainland_share_of_approved_outward_investment.csv"
    m: list[Moment] = []
    for y in range(2010, 2016):
        w = 0.5 if y in (2010, 2015) else 1.0
        note = {2010: "[APPROX] 'about 14 bn a year'", 2015: "basis unclear"}.get(y, "")
        m.append(Moment(f"invest_cn_{y}", "invest_cn", inv_cn, y, w, note))
    for y in (2012, 2013, 2014):
        m.append(Moment(f"invest_non_cn_{y}", "invest_non_cn", inv_x, y, 1.0))
    m.append(
        Moment("invest_share_cn_2010", "invest_share_cn", inv_share, 2010, 1.0, "only non-CN information for 2010")
    )
    for y in (2012, 2013, 2014):
        m.append(
            Moment(
                f"invest_share_cn_{y}",
                "invest_share_cn",
                inv_share,
                y,
                0.5,
                "derived from the levels already fitted (2012-13 press basis understates the share)",
            )
        )
    return m


def _firm_entry_moments() -> list[Moment]:
    """MOFCOM approvals of Taiwan-funded projects: the 2011-2015 mean and the 2015 figure."""
    return [
        Moment(
            "tw_firm_entries_cn_2012_2015",
            "tw_firm_entries_cn",
            None,
            2015,
            0.5,
            "MOFCOM cumulative approvals, (95,298 end-2015 - 85,063 end-Sep 2011) / 4.25 years; approvals are not "
            "all realised, so weight 0.5",
            value=_cum_per_year(),
        ),
        Moment(
            "tw_firm_entries_cn_2015",
            "tw_firm_entries_cn",
            f"{_OBS}mainland_approved_taiwan_projects_new.csv",
            2015,
            0.5,
            "MOFCOM new approvals in 2015 (one year, noisy)",
        ),
    ]


def default_moments() -> tuple[Moment, ...]:
    """The moments of the calibration, 2010-2015 only."""
    m = [*_talent_moments(), *_investment_moments(), *_firm_entry_moments()]
    for mo in m:
        if mo.year > FIT_LAST_YEAR:  # pragma: no cover - guarded by construction
            raise ValueError(f"moment {mo.key}: year {mo.year} is after {FIT_LAST_YEAR}")
    return tuple(m)


def _pick(
    table: pd.DataFrame, indicator: str, region: str = "all", origin: str = "all", sector: str = "all"
) -> pd.Series:
    t = table[
        (table["indicator"] == indicator)
        & (table["region"] == region)
        & (table["origin"] == origin)
        & (table["sector"] == sector)
    ]
    return pd.Series(t["value"].to_numpy(dtype=float), index=t["quarter"].astype(str).to_numpy())


def _sum_over(table: pd.DataFrame, indicator: str, region: str, origin: str) -> pd.Series:
    t = table[
        (table["indicator"] == indicator)
        & (table["region"] == region)
        & (table["origin"] == origin)
        & (table["sector"] != "all")
    ]
    return t.groupby(t["quarter"].astype(str))["value"].sum()


def model_series(table: pd.DataFrame) -> dict[str, pd.Series]:
    """Annual model series (index: year) in the units of :data:`SERIES_UNITS`, from one run's long table."""
    q = {
        "cn": _pick(table, "talent_stock", region="CN"),
        "sea": _pick(table, "talent_stock", region="SEA"),
        "abroad": _pick(table, "talent_abroad_total"),
        "inv_cn": _pick(table, "tw_outward_investment", region="CN"),
        "inv_all": _pick(table, "tw_outward_investment"),
        "entries": _sum_over(table, "firm_entries", "CN", "TW") + _sum_over(table, "relocations", "CN", "TW"),
    }
    frame = pd.DataFrame(q)
    year = frame.index.str[:4].astype(int)
    mean = frame[["cn", "sea", "abroad"]].groupby(year).mean()
    tot = frame[["inv_cn", "inv_all", "entries"]].groupby(year).sum()
    out = {
        "talent_in_cn": mean["cn"] / 1000.0,
        "talent_abroad_total": mean["abroad"] / 1000.0,
        "talent_share_cn": 100.0 * mean["cn"] / mean["abroad"],
        "talent_in_sea": mean["sea"] / 1000.0,
        "invest_cn": tot["inv_cn"] / 1000.0,
        "invest_non_cn": (tot["inv_all"] - tot["inv_cn"]) / 1000.0,
        "invest_share_cn": 100.0 * tot["inv_cn"] / tot["inv_all"].where(tot["inv_all"] > 0),
        "tw_firm_entries_cn": tot["entries"],
    }
    # the mean over end-Sep 2011 .. end-2015: 2011Q4 plus 2012-2015, per year
    ent = frame["entries"]
    window = ent[(frame.index >= "2011Q4") & (frame.index <= "2015Q4")]
    out["_entries_2011q4_2015"] = pd.Series({2015: float(window.sum()) / 4.25 if len(window) == 17 else np.nan})
    return out


def model_moments(table: pd.DataFrame, moments: tuple[Moment, ...]) -> np.ndarray:
    """The model's value of each moment from one run's table (NaN if the run does not cover its year)."""
    ser = model_series(table)
    vals = []
    for mo in moments:
        s = ser["_entries_2011q4_2015"] if mo.key == "tw_firm_entries_cn_2012_2015" else ser[mo.series]
        vals.append(float(s.get(mo.year, np.nan)))
    return np.asarray(vals)


def distance(model: np.ndarray, data: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean squared relative deviation: sum w ((m - d) / d)^2 / sum w (NaN model values count as 1)."""
    rel = (model - data) / np.abs(data)
    rel = np.where(np.isfinite(rel), rel, 1.0)
    return float(np.sum(weights * rel**2) / np.sum(weights))
