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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossstrait_sim.evidence.datasets import is_share_unit, load_series

FIT_LAST_YEAR = 2015
"""Last year of the point fit (:func:`default_moments`, issue 5); the posterior fit uses :data:`POSTERIOR_LAST_YEAR`."""


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
    """The moments of the point calibration (simulated method of moments), 2010-2015 only."""
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


# ============================================================================ posterior targets, 2010-2019

POSTERIOR_LAST_YEAR = 2019
"""Last year of the posterior fit (issue 10): 2020 on is the project's out-of-sample test, never fitted."""

TARGET_UNITS: dict[str, str] = {
    **SERIES_UNITS,
    "talent_share_sea": "percent of Taiwanese working abroad",
    "wage_tw": "USD per person-year (annual mean of the quarterly skilled pay in Taiwan)",
    "log_relocation_rate_tw": "log of percent per year (Taiwanese firms relocating / Taiwanese firms abroad)",
    "invest_minus_talent_share_cn": "percentage points (mainland share of new investment - of those abroad)",
    "tw_semis_in_cn_firms": "persons (Taiwanese professionals in mainland-origin semiconductor firms, annual mean)",
}

KINDS = ("level", "ratio", "diff", "mean", "growth")
"""How a target is read off a series: its value in ``year``; ``year`` over ``base`` (ratio, difference);
the mean over ``base``..``year``; or the annual growth rate from ``base`` to ``year``."""

# Tolerances (the distance's scale, in the series' unit): a point's weight is 1 / sd^2. Rows the data
# README tags [DERIVED] are looser, [APPROX] / [UNCERTAIN] looser still (the README: "weight these less").
REL_SD = {"": 0.05, "DERIVED": 0.08, "APPROX": 0.20, "UNCERTAIN": 0.20}
"""Relative sd of a level (persons, USD, projects) by its source tag."""
SHARE_SD = {"": 2.0, "DERIVED": 3.0, "APPROX": 5.0, "UNCERTAIN": 5.0}
"""Absolute sd of a share, percentage points, by its source tag."""
FLOW_SD_FACTOR = 2.0
"""Annual investment and project counts are much noisier than stocks at the default scale (one large
entrant moves a year's total; docs/VALIDATION.md): their sd is this many times a stock's."""


@dataclass(frozen=True)
class Target:
    """One observed figure (or observed change, or stylised fact) and how the model is read against it.

    Attributes:
        key: unique name.
        series: model-side series (:data:`TARGET_UNITS`).
        year: the calendar year (the later one of a change or a window).
        value: the data figure, in the series' unit (for a change: the change).
        sd: tolerance in the same unit; the distance is the root mean square of (model - value) / sd.
        kind: one of :data:`KINDS`.
        base: the earlier year of a ratio, difference, mean window or growth rate.
        months: flows only: the first ``months`` months of each year (part-year figures, ``ONLY``).
        tag: the source's tag (DERIVED, APPROX, UNCERTAIN) or SOFT (a plausibility band, not a datum).
        note: where the figure comes from.
        band: SOFT targets: the band's half-width in sd; the distance adds how far |z| lies beyond it
            (:func:`z_distance`), so a band the issues set binds instead of being one point among sixty.
        sim_sd: the simulator's own spread of the target across seeds (same unit), measured by the fit
            (``sim_noise_seeds``); 0 until then. The distance divides by :attr:`total_sd`.
    """

    key: str
    series: str
    year: int
    value: float
    sd: float
    kind: str = "level"
    base: int | None = None
    months: int = 12
    tag: str = ""
    note: str = ""
    band: float | None = None
    sim_sd: float = 0.0

    @property
    def total_sd(self) -> float:
        """sqrt(sd^2 + sim_sd^2): the data's tolerance and one simulation's seed spread, in quadrature."""
        return float(np.hypot(self.sd, self.sim_sd))

    @property
    def weight(self) -> float:
        """1 / sd^2 (for reports)."""
        return 1.0 / self.sd**2


def _tag(source: str, unit: str) -> str:
    for t in ("APPROX", "UNCERTAIN", "DERIVED"):
        if f"[{t}" in source:
            return t
    return ""


def _rows(file: str, years: range | tuple[int, ...]) -> list[tuple[int, float, str, str]]:
    """(year, value, tag, unit) of the rows of an observed file in ``years``."""
    df = load_series(f"{_OBS}{file}")
    df = df[df["year"].isin(list(years))]
    return [(int(r.year), float(r.value), _tag(str(r.source), str(r.unit)), str(r.unit)) for r in df.itertuples()]


def _level_targets(series: str, file: str, years, share: bool, flow: bool = False, months=None) -> list[Target]:
    out = []
    for y, v, tag, unit in _rows(file, years):
        if share:
            sd = SHARE_SD[tag]
        else:
            sd = REL_SD[tag] * abs(v) * (FLOW_SD_FACTOR if flow else 1.0)
        m = (months or {}).get(y, 12)
        note = f"{file} {y} ({unit})" + (f", first {m} months" if m < 12 else "")
        out.append(Target(f"{series}_{y}", series, y, v, sd, months=m, tag=tag, note=note))
    return out


def _talent_targets() -> list[Target]:
    """DGBAS Taiwanese working abroad: levels, shares and the 2014-19 stylised facts."""
    t = [
        *_level_targets("talent_in_cn", "taiwanese_working_in_mainland.csv", range(2010, 2020), share=False),
        *_level_targets("talent_share_cn", "mainland_share_of_taiwanese_working_abroad.csv", range(2010, 2020), True),
        # 2011-12 totals are derived in the data from the mainland level and share (both fitted): left out
        *_level_targets("talent_abroad_total", "taiwanese_working_abroad_total.csv", range(2014, 2020), False),
    ]
    sea = [r for r in _rows("taiwanese_working_in_southeast_asia.csv", range(2010, 2020))]
    for y, v, tag, unit in sea:
        if is_share_unit(unit):
            t.append(Target(f"talent_share_sea_{y}", "talent_share_sea", y, v, SHARE_SD[tag], note=f"{unit}"))
        else:
            t.append(Target(f"talent_in_sea_{y}", "talent_in_sea", y, v, REL_SD[tag] * v, note=unit))
    t += [
        Target(
            "talent_abroad_total_flat_2014_2019",
            "talent_abroad_total",
            2019,
            739 / 726,
            0.02,
            "ratio",
            2014,
            note="stylised fact: the total abroad stays flat, 726k (2014) -> 739k (2019)",
        ),
        Target(
            "talent_share_cn_fall_2014_2019",
            "talent_share_cn",
            2019,
            53.5 - 58.84,
            2.0,
            "diff",
            2014,
            note="stylised fact: while the mainland's share falls, 58.84% (2014) -> 53.5% (2019)",
        ),
        Target(
            "talent_in_cn_fall_2015_2019",
            "talent_in_cn",
            2019,
            395 / 420,
            0.02,
            "ratio",
            2015,
            note="the drift down from 420k (2015) to 395k (2019)",
        ),
    ]
    return t


def _investment_targets() -> list[Target]:
    """MOEA approved investment: levels, the mainland share, and the 2018-19 fall and collapse."""
    t = [
        *_level_targets(
            "invest_cn", "approved_investment_to_mainland_usd.csv", range(2010, 2020), False, True, {2019: 9}
        ),
        *_level_targets(
            "invest_non_cn", "approved_outward_investment_excl_mainland_usd.csv", range(2010, 2020), False, True
        ),
        *_level_targets(
            "invest_share_cn", "mainland_share_of_approved_outward_investment.csv", range(2010, 2020), True
        ),
        Target(
            "invest_cn_fall_2018",
            "invest_cn",
            2018,
            1 - 0.081,
            0.08,
            "ratio",
            2017,
            note="stylised fact: the amount to the mainland falls in 2018 (-8.1%, NNA 2019-05-23)",
        ),
        Target(
            "invest_cn_collapse_2019",
            "invest_cn",
            2019,
            1 - 0.569,
            0.08,
            "ratio",
            2018,
            months=9,
            note="stylised fact: Jan-Sep 2019 against Jan-Sep 2018, -56.9% (Taipei Times 2019-10-22)",
        ),
    ]
    # the relocation moment (issue 9, point 7): the mainland's share of new investment against its share of
    # the stock abroad (DGBAS mainland share of Taiwanese working abroad, the stock that follows the plants);
    # with a low relocation cost the stock follows the flow quickly and the gap closes
    flow = {y: v for y, v, _, _ in _rows("mainland_share_of_approved_outward_investment.csv", (2017, 2018))}
    stock = {y: v for y, v, _, _ in _rows("mainland_share_of_taiwanese_working_abroad.csv", (2017, 2018))}
    for y in sorted(flow):
        t.append(
            Target(
                f"invest_minus_talent_share_cn_{y}",
                "invest_minus_talent_share_cn",
                y,
                flow[y] - stock[y],
                4.0,
                tag="DERIVED",
                note="relocation moment: MOEA flow share - DGBAS stock share of the mainland",
            )
        )
    return t


def _entry_targets() -> list[Target]:
    """MOFCOM approvals of Taiwan-funded projects: levels, window means and the 2018 rise in counts."""
    cum = load_series(_CUM).set_index("year")["value"]
    t = _level_targets(
        "tw_firm_entries_cn", "mainland_approved_taiwan_projects_new.csv", range(2010, 2020), False, True, {2019: 10}
    )
    t += [
        Target(
            "tw_firm_entries_cn_mean_2016_2018",
            "tw_firm_entries_cn",
            2018,
            float(cum[2018] - cum[2015]) / 3.0,
            0.10 * float(cum[2018] - cum[2015]) / 3.0,
            "mean",
            2016,
            note="MOFCOM cumulative approvals, end-2015 to end-2018, per year",
        ),
        Target(
            "tw_firm_entries_cn_rise_2018",
            "tw_firm_entries_cn",
            2018,
            1.418,
            0.15,
            "ratio",
            2017,
            note="stylised fact: project counts rise in 2018 (+41.8%) while the amount falls",
        ),
    ]
    return t


def _know_how_targets() -> list[Target]:
    """Taiwanese semiconductor engineers working for mainland firms in 2019 (issue 9's check, fitted)."""
    v = float(load_series("inputs/talent_semiconductor_engineers_in_china.csv").set_index("year")["value"][2019])
    return [
        Target(
            "tw_semis_in_cn_firms_2019",
            "tw_semis_in_cn_firms",
            2019,
            v,
            0.30 * v,
            tag="APPROX",
            note="about 3,000 Taiwanese semiconductor engineers in the mainland (TIER via the press; Nikkei: "
            "over 3,000 poached by mainland firms), a secondary-source estimate: sd 30%; the model counts "
            "the Taiwanese in mainland-origin semiconductor firms (tw_talent_in_cn_firms)",
        )
    ]


def _soft_targets() -> list[Target]:
    """Plausibility bands the issues set where no series exists (tag SOFT)."""
    return [
        Target(
            "wage_tw_growth_2010_2019",
            "wage_tw",
            2019,
            0.0075,
            0.0075,
            "growth",
            2010,
            tag="SOFT",
            note="Taiwan's skilled pay stagnated in the 2010s: about 0-1.5% a year real (issues 9 and 10)",
            band=1.0,
        ),
        Target(
            "log_relocation_rate_tw_2010_2019",
            "log_relocation_rate_tw",
            2019,
            float(np.log(np.sqrt(0.1 * 5.0))),
            float(np.log(50.0) / 4.0),
            "mean",
            2010,
            tag="SOFT",
            note="Taiwanese firms relocating each year, 0.1-5% of those abroad (issue 9) = +-2 sd on the log",
            band=2.0,
        ),
    ]


def posterior_targets() -> tuple[Target, ...]:
    """Every target of the posterior fit, 2010-2019 (none later)."""
    t = [*_talent_targets(), *_investment_targets(), *_entry_targets(), *_know_how_targets(), *_soft_targets()]
    keys = [x.key for x in t]
    if len(set(keys)) != len(keys):  # pragma: no cover - guarded by construction
        raise ValueError(f"duplicate target keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    for x in t:
        if x.year > POSTERIOR_LAST_YEAR or x.kind not in KINDS:  # pragma: no cover
            raise ValueError(f"target {x.key}: year {x.year} or kind {x.kind!r} not allowed")
    return tuple(t)


_STOCKS = ("cn", "sea", "abroad", "wage_tw", "tw_firms_abroad", "semis_tw_in_cn_firms")
_FLOWS = ("inv_cn", "inv_all", "entries", "reloc_tw")


def quarterly_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The quarterly model quantities the targets read (index: quarter label)."""
    tw_firms = table[
        (table["indicator"] == "firms")
        & (table["origin"] == "TW")
        & (table["sector"] != "all")
        & (table["region"].isin(["CN", "SEA", "ROW"]))
    ]
    reloc = table[(table["indicator"] == "relocations") & (table["origin"] == "TW") & (table["sector"] != "all")]
    q = {
        "cn": _pick(table, "talent_stock", region="CN"),
        "sea": _pick(table, "talent_stock", region="SEA"),
        "abroad": _pick(table, "talent_abroad_total"),
        "wage_tw": _pick(table, "wage", region="TW"),
        "tw_firms_abroad": tw_firms.groupby(tw_firms["quarter"].astype(str))["value"].sum(),
        "inv_cn": _pick(table, "tw_outward_investment", region="CN"),
        "inv_all": _pick(table, "tw_outward_investment"),
        "entries": _sum_over(table, "firm_entries", "CN", "TW") + _sum_over(table, "relocations", "CN", "TW"),
        "reloc_tw": reloc.groupby(reloc["quarter"].astype(str))["value"].sum(),
        "semis_tw_in_cn_firms": _pick(table, "tw_talent_in_cn_firms", sector="semiconductors"),
    }
    return pd.DataFrame(q).fillna(0.0)


def annual_quantities(frame: pd.DataFrame, year: int, months: int, years: np.ndarray | None = None) -> dict[str, float]:
    """Stocks: mean of the year's quarters; flows: sum over the first ``months`` months (part quarters pro rata).

    ``years``: ``frame.index.str[:4]`` computed once by a caller that asks for many years.
    """
    rows = frame[(frame.index.str[:4] if years is None else years) == str(year)]
    if len(rows) < 4:
        return {}
    out = {k: float(rows[k].mean()) for k in _STOCKS}
    frac = np.clip(months / 3.0 - np.arange(4), 0.0, 1.0)  # share of each quarter inside the months
    out.update({k: float(np.dot(rows[k].to_numpy()[:4], frac)) for k in _FLOWS})
    return out


def series_value(a: dict[str, float], series: str) -> float:
    """One target series from the annual quantities ``a`` (NaN where undefined)."""
    if not a:
        return np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        share_inv = 100.0 * a["inv_cn"] / a["inv_all"] if a["inv_all"] > 0 else np.nan
        share_tal = 100.0 * a["cn"] / a["abroad"] if a["abroad"] > 0 else np.nan
        vals = {
            "talent_in_cn": a["cn"] / 1000.0,
            "talent_abroad_total": a["abroad"] / 1000.0,
            "talent_share_cn": share_tal,
            "talent_in_sea": a["sea"] / 1000.0,
            "talent_share_sea": 100.0 * a["sea"] / a["abroad"] if a["abroad"] > 0 else np.nan,
            "invest_cn": a["inv_cn"] / 1000.0,
            "invest_non_cn": (a["inv_all"] - a["inv_cn"]) / 1000.0,
            "invest_share_cn": share_inv,
            "tw_firm_entries_cn": a["entries"],
            "wage_tw": a["wage_tw"],
            "log_relocation_rate_tw": float(np.log(max(100.0 * a["reloc_tw"] / a["tw_firms_abroad"], 1e-3)))
            if a["tw_firms_abroad"] > 0
            else np.nan,
            "invest_minus_talent_share_cn": share_inv - share_tal,
            "tw_semis_in_cn_firms": a["semis_tw_in_cn_firms"],
        }
    return float(vals[series])


def target_value(frame: pd.DataFrame, t: Target, annual: Callable[[int, int], dict[str, float]] | None = None) -> float:
    """The model's value of target ``t`` from a :func:`quarterly_frame` (NaN if the run misses its years).

    ``annual(year, months)``: :func:`annual_quantities` of ``frame``, memoised by a caller (the same numbers).
    """

    def v(year: int) -> float:
        a = annual(year, t.months) if annual is not None else annual_quantities(frame, year, t.months)
        return series_value(a, t.series)

    if t.kind == "level":
        return v(t.year)
    assert t.base is not None
    if t.kind == "mean":
        return float(np.mean([v(y) for y in range(t.base, t.year + 1)]))
    a, b = v(t.year), v(t.base)
    with np.errstate(divide="ignore", invalid="ignore"):
        if t.kind == "ratio":
            return a / b if b > 0 else np.nan
        if t.kind == "diff":
            return a - b
        return (a / b) ** (1.0 / (t.year - t.base)) - 1.0 if b > 0 and a > 0 else np.nan


def target_values(table: pd.DataFrame, targets: tuple[Target, ...]) -> np.ndarray:
    """The model's value of every target from one run's long table."""
    frame = quarterly_frame(table)
    years = np.asarray(frame.index.str[:4])
    memo: dict[tuple[int, int], dict[str, float]] = {}

    def annual(year: int, months: int) -> dict[str, float]:  # 81 reads for the 63 targets, 13 distinct
        if (year, months) not in memo:
            memo[year, months] = annual_quantities(frame, year, months, years)
        return memo[year, months]

    return np.array([target_value(frame, t, annual) for t in targets])


def z_distance(model: np.ndarray, targets: tuple[Target, ...]) -> float:
    """Root mean square of z = (model - data) / total_sd over the targets, plus each band's excess.

    total_sd = sqrt(sd^2 + sim_sd^2) (:attr:`Target.total_sd`): each particle is one simulation, so
    a target the simulator cannot pin down within its own seed spread is not asked to lie within
    the data's tolerance alone (without ``sim_sd``, total_sd = sd).

    A NaN model value counts as 10 sd. A target with a ``band`` (the plausibility bands the issues
    set, tag SOFT) also adds max(0, |z| - band): zero inside the band, growing outside it, so the
    fit cannot trade a band for a slightly better fit of the sixty data points.
    """
    z = np.array([(m - t.value) / t.total_sd for m, t in zip(model, targets, strict=True)])
    z = np.where(np.isfinite(z), z, 10.0)
    band = np.array([np.inf if t.band is None else t.band for t in targets])
    excess = np.maximum(np.abs(z) - band, 0.0)
    return float(np.sqrt(np.mean(z**2)) + excess.sum())
