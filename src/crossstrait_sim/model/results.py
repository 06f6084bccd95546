"""Indicators: declared once, preallocated for the whole run, written as one long table.

Every indicator has dimensions (a subset of sector, region, origin), a unit and
a kind: ``stock`` (level at the end of the quarter), ``flow`` (during the
quarter) or ``ratio``. Stocks and flows also get a total row (every dimension
``all``). All counts are real-world persons or firms, whatever the scale.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.config.parameters import CN_O, TW_O, Params
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.tables import CellTables, Quarter

COLUMNS = ["quarter", "scenario", "seed", "indicator", "sector", "region", "origin", "instrument", "value"]
LABEL_COLUMNS = ("sector", "region", "origin", "instrument")  # a cell's labels ("all" where not a dimension)

# the policy instruments whose money `policy_spend` reports (its `instrument` dimension); the payer
# is the `region` dimension (the government that pays: CN or TW)
INSTRUMENTS = (
    "mic2025",
    "measures31_individual",
    "tw_rd_credit",
    "tw_retention",
    "tw_attract",
    "tw_cultivate",
    "tw_rd_hub",
    "tw_new_southbound",
)


@dataclass(frozen=True)
class Indicator:
    """Declaration of one indicator."""

    name: str
    dims: tuple[str, ...]
    unit: str
    kind: str  # stock | flow | ratio
    doc: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("talent_in_cn", ("sector",), "persons", "stock", "Taiwanese professionals working in the mainland"),
    Indicator("talent_stock", ("region",), "persons", "stock", "Taiwanese professionals by region of work"),
    Indicator("talent_abroad_total", (), "persons", "stock", "Taiwanese professionals working outside Taiwan"),
    Indicator("talent_share_cn", (), "share", "ratio", "mainland share of Taiwanese professionals abroad"),
    Indicator("talent_outflow", ("region",), "persons per quarter", "flow", "moves from TW to the region"),
    Indicator("talent_return", ("region",), "persons per quarter", "flow", "moves back to TW from the region"),
    Indicator("talent_entries", (), "persons per quarter", "flow", "new professionals entering (in TW)"),
    Indicator("talent_retirements", (), "persons per quarter", "flow", "professionals retiring"),
    Indicator(
        "tw_retention_topup",
        (),
        "USD per covered person-year",
        "ratio",
        "Taiwan's retention pay top-up incl. its response rule",
    ),
    Indicator("firms", ("sector", "region", "origin"), "firms", "stock", "live firms by location and origin"),
    Indicator("firm_entries", ("sector", "region", "origin"), "firms per quarter", "flow", "new firms"),
    Indicator(
        "relocations", ("sector", "region", "origin"), "firms per quarter", "flow", "firms moving into the region"
    ),
    Indicator("exits_loss", ("sector", "region"), "firms per quarter", "flow", "exits after sustained losses"),
    Indicator("exits_enforcement", ("sector", "region"), "firms per quarter", "flow", "exits by shutdown order"),
    Indicator(
        "tw_outward_investment",
        ("region",),
        "USD m per quarter",
        "flow",
        "Taiwanese firms' new investment outside TW by destination (entry, relocation, expansion)",
    ),
    Indicator("tw_outward_investment_share_cn", (), "share", "ratio", "mainland share of that investment"),
    Indicator(
        "capability_gap",
        ("sector",),
        "log points",
        "ratio",
        "capacity-weighted mean log capability, TW-origin minus CN-origin firms",
    ),
    Indicator(
        "capability_gap_location",
        ("sector",),
        "log points",
        "ratio",
        "capacity-weighted mean log capability, firms located in TW minus firms located in CN (any origin)",
    ),
    Indicator(
        "capability",
        ("sector", "region", "origin"),
        "log points",
        "ratio",
        "capacity-weighted mean log capability of the firms in the cell (no firm: the sector x origin mean)",
    ),
    Indicator(
        "tw_talent_in_cn_firms",
        ("sector",),
        "persons",
        "stock",
        "Taiwanese professionals employed by mainland-origin firms (any location)",
    ),
    Indicator(
        "wage", ("region",), "USD per person-year", "ratio", "skilled pay by region (demand-weighted over sectors)"
    ),
    Indicator("market_share", ("sector", "origin"), "share", "ratio", "revenue share by firm origin"),
    Indicator("rd_centres_tw", (), "centres", "stock", "foreign firms' R&D centres in Taiwan"),
    Indicator(
        "subsidy_spend",
        ("region",),
        "USD m per quarter",
        "flow",
        "subsidies by paying government (CN: MIC2025; TW: R&D credit, retention, attract, cultivate, R&D hub,"
        " New Southbound): policy_spend less the 31 measures' money equivalent",
    ),
    Indicator(
        "policy_spend",
        ("instrument", "region"),
        "USD m per quarter",
        "flow",
        "money of each policy instrument by paying government (region); measures31_individual is the money"
        " equivalent of the individual items to the Taiwanese in CN, not a budget",
    ),
    Indicator(
        "compliance_spend",
        ("region",),
        "USD m per quarter",
        "flow",
        "environmental compliance and abatement cost of plants in the region",
    ),
    Indicator("fines", ("region",), "USD m per quarter", "flow", "environmental fines on plants in the region"),
    Indicator("inspections", ("region",), "plants per quarter", "flow", "environmental inspections of plants"),
    Indicator(
        "penalty_decisions",
        ("region",),
        "plants per quarter",
        "flow",
        "inspected plants found in breach and fined (MEE: administrative penalty decisions)",
    ),
    Indicator(
        "production_limits",
        ("region",),
        "plants per quarter",
        "flow",
        "new production-limit orders: after inspections, and the plants named in an area order in its first quarter",
    ),
    Indicator(
        "emissions",
        ("region",),
        "pollution units per quarter",
        "flow",
        "pollution x (1 - abatement) x capacity (x cap under a production limit) of plants in the region",
    ),
)
BY_NAME = {ind.name: ind for ind in INDICATORS}


BY_REGION = {
    "compliance_spend": "cost_compliance",
    "fines": "fines",
    "inspections": "inspected",
    "penalty_decisions": "fined_n",
    "production_limits": "limits",
    "emissions": "emissions",
}
"""Indicators by region that sum a per-firm quarter output (``out`` key) over the firms' regions."""


class Recorder:
    """Preallocated indicator arrays of shape (T, *dims)."""

    def __init__(self, params: Params) -> None:
        self.p = params
        self.labels = {
            "sector": params.sectors,
            "region": params.regions,
            "origin": params.origins,
            "instrument": list(INSTRUMENTS),
        }
        T = params.n_quarters
        self.data = {ind.name: np.zeros((T, *[len(self.labels[d]) for d in ind.dims])) for ind in INDICATORS}

    def record(self, m: CellTables, lv: dict, q: Quarter) -> None:
        """Indicators at the end of quarter ``m.t``."""
        t, d, out = m.t, self.data, m.out
        S, R, O = m.S, m.R, m.O
        talent = m.talent
        d["talent_in_cn"][t] = talent[:, m.iCN]
        d["talent_stock"][t] = talent.sum(axis=0)
        abroad = talent.sum() - talent[:, m.iTW].sum()
        d["talent_abroad_total"][t] = abroad
        d["talent_share_cn"][t] = talent[:, m.iCN].sum() / abroad if abroad > 0 else 0.0
        d["talent_outflow"][t] = out["outflow"]
        d["talent_return"][t] = out["return"]
        d["talent_entries"][t] = out["prof_entry"]
        d["talent_retirements"][t] = out["prof_retire"]
        d["tw_retention_topup"][t] = lv["retention_total"] * 1000.0
        d["firms"][t] = m.firm_count.reshape(S, R, O)
        d["firm_entries"][t] = out["entries"]
        d["relocations"][t] = out["relocations"]
        d["exits_loss"][t] = out["exits_loss"]
        d["exits_enforcement"][t] = out["exits_enf"]
        outward = out["outward"].copy()
        outward[m.iTW] = 0.0
        d["tw_outward_investment"][t] = outward
        d["tw_outward_investment_share_cn"][t] = outward[m.iCN] / outward.sum() if outward.sum() > 0 else 0.0
        # capability gap (firms alive at the start of the quarter) and market shares
        mlc = q.mean_log_cap
        present = np.isfinite(mlc) & (q.cap_so > 0)
        d["capability_gap"][t] = np.where(present[:, TW_O] & present[:, CN_O], mlc[:, TW_O] - mlc[:, CN_O], 0.0)
        wsz = q.w * q.size
        cap3, lc3 = K.group_sums(q.cell, (wsz, wsz * q.log_cap), S * R * O).reshape(2, S, R, O)
        # a cell without firms: the sector x origin mean, the capability an entrant there starts from
        d["capability"][t] = np.where(cap3 > 0, lc3 / np.where(cap3 > 0, cap3, 1.0), mlc[:, None, :])
        cap2, lc2 = cap3.sum(axis=2), lc3.sum(axis=2)
        has = (cap2[:, m.iTW] > 0) & (cap2[:, m.iCN] > 0)
        mean2 = lc2 / np.where(cap2 > 0, cap2, 1.0)
        d["capability_gap_location"][t] = np.where(has, mean2[:, m.iTW] - mean2[:, m.iCN], 0.0)
        d["tw_talent_in_cn_firms"][t] = out["tw_staff"][:, :, CN_O].sum(axis=1)
        d["wage"][t] = out["wage"]
        rev = K.group_sum(q.s * O + q.o, q.w * q.revenue, S * O).reshape(S, O)
        tot = rev.sum(axis=1, keepdims=True)
        d["market_share"][t] = rev / np.where(tot > 0, tot, 1.0)
        d["rd_centres_tw"][t] = out["rd_centres"]
        spend = self.policy_spend(m, lv)
        d["policy_spend"][t] = spend
        sub = np.delete(spend, INSTRUMENTS.index("measures31_individual"), axis=0).sum(axis=0)
        d["subsidy_spend"][t] = sub
        sums = K.group_sums(q.r, tuple(out[k] for k in BY_REGION.values()), R)
        for name, row in zip(BY_REGION, sums, strict=True):
            d[name][t] = row

    def policy_spend(self, m: CellTables, lv: dict) -> np.ndarray:
        """Money of each instrument (INSTRUMENTS) by paying region, USD m this quarter: (I, R)."""
        out, t, pol = m.out, m.t, self.p.policy
        spend = np.zeros((len(INSTRUMENTS), m.R))
        cn = {
            "mic2025": out["mic_spend"].sum(),
            "measures31_individual": pol.measures31.individual_usd_k * lv["m31"] / 4000.0 * m.talent[:, m.iCN].sum(),
        }
        tw = {
            "tw_rd_credit": out["tw_credit_spend"].sum(),
            "tw_retention": out["retention_spend"],
            "tw_attract": m.tw_prog.spend_attract,
            "tw_cultivate": m.tw_prog.spend_cultivate,
            "tw_rd_hub": self.p.schedule.rd_hub_subsidy[t] * out["rd_centres"],
            "tw_new_southbound": out["nsp_sub"].sum(),
        }
        for region, items in ((m.iCN, cn), (m.iTW, tw)):
            for name, value in items.items():
                spend[INSTRUMENTS.index(name), region] = value
        return spend

    def to_frame(self) -> pd.DataFrame:
        """One long table: a row per quarter x indicator x dimension cell (plus totals), sorted.

        The same table as :meth:`to_frame_reference`, value for value and dtype for dtype; the label
        columns and the sort order depend only on the labels (quarters, sectors, regions, origins),
        so they are built once per process for each set of labels (:func:`_layout`) and each run
        gathers only its values.
        """
        p = self.p
        T = p.n_quarters
        lay = _layout(tuple(p.quarters), tuple(p.sectors), tuple(p.regions), tuple(p.origins))
        parts = []
        for ind in INDICATORS:
            arr = self.data[ind.name].reshape(T, -1)
            parts.append(arr.ravel())
            if ind.dims and ind.kind in ("stock", "flow"):
                parts.append(arr.sum(axis=1))
        values = np.concatenate(parts)[lay.order]
        n = len(values)
        cols: dict[str, object] = {
            "quarter": lay.columns["quarter"].copy(),
            "scenario": pd.array(np.full(n, p.scenario, dtype=object), dtype="string"),
            "seed": np.full(n, p.seed, dtype=np.int64),
        }
        for c in ("indicator", *LABEL_COLUMNS):
            cols[c] = lay.columns[c].copy()
        cols["value"] = values
        return pd.DataFrame(cols, columns=COLUMNS, copy=False)

    def to_frame_reference(self) -> pd.DataFrame:
        """The table built part by part and sorted with pandas (the implementation before issue 12).

        Kept as the reference :meth:`to_frame` is tested and benchmarked against.
        """
        return _reference_frame(
            self.p.quarters,
            self.labels,
            self.p.scenario,
            self.p.seed,
            lambda name: self.data[name],
            lambda arr, total: arr.sum(axis=1) if total else arr.ravel(),
        )


def _reference_frame(
    quarter_labels: list[str],
    labels: dict[str, list[str]],
    scenario: str,
    seed: int,
    data: Callable[[str], np.ndarray],
    values: Callable[[np.ndarray, bool], np.ndarray],
) -> pd.DataFrame:
    """The long table, part by part: ``values(arr, total)`` gives a part's values (cells, or the total rows)."""
    T = len(quarter_labels)
    quarters = np.asarray(quarter_labels, dtype=object)
    parts = []
    for ind in INDICATORS:
        arr = data(ind.name).reshape(T, -1)
        shape = [len(labels[dim]) for dim in ind.dims]
        cols = {c: ["all"] for c in LABEL_COLUMNS}
        grids = np.meshgrid(*[np.asarray(labels[dim], dtype=object) for dim in ind.dims], indexing="ij")
        n = int(np.prod(shape)) if shape else 1
        for dim, g in zip(ind.dims, grids, strict=True):
            cols[dim] = g.ravel()
        frame = {
            "quarter": np.repeat(quarters, n),
            "indicator": ind.name,
            **{c: np.tile(np.broadcast_to(np.asarray(cols[c], dtype=object), n), T) for c in LABEL_COLUMNS},
            "value": values(arr, False),
        }
        parts.append(pd.DataFrame(frame))
        if ind.dims and ind.kind in ("stock", "flow"):
            parts.append(
                pd.DataFrame(
                    {
                        "quarter": quarters,
                        "indicator": ind.name,
                        **dict.fromkeys(LABEL_COLUMNS, "all"),
                        "value": values(arr, True),
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    df.insert(1, "scenario", scenario)
    df.insert(2, "seed", np.int64(seed))
    df = df[COLUMNS]
    for c in ("quarter", "scenario", "indicator", *LABEL_COLUMNS):
        df[c] = df[c].astype("string")
    return df.sort_values(["indicator", "quarter", *LABEL_COLUMNS], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class _Layout:
    """The label columns of the sorted table and where each sorted row's value comes from."""

    order: np.ndarray  # sorted row i takes element order[i] of the parts concatenated in INDICATORS order
    columns: dict[str, Any]  # label column -> its string array, in sorted order


@functools.lru_cache(maxsize=8)
def _layout(
    quarters: tuple[str, ...], sectors: tuple[str, ...], regions: tuple[str, ...], origins: tuple[str, ...]
) -> _Layout:
    """The layout for these labels: the reference table built once with each value's position as its value."""
    labels = {
        "sector": list(sectors),
        "region": list(regions),
        "origin": list(origins),
        "instrument": list(INSTRUMENTS),
    }
    T = len(quarters)
    counter = [0]

    def positions(arr: np.ndarray, total: bool) -> np.ndarray:
        n = T if total else arr.size
        out = np.arange(counter[0], counter[0] + n, dtype=np.float64)
        counter[0] += n
        return out

    def zeros(name: str) -> np.ndarray:
        ind = BY_NAME[name]
        return np.zeros((T, *[len(labels[d]) for d in ind.dims]))

    ref = _reference_frame(list(quarters), labels, "", 0, zeros, positions)
    order = ref["value"].to_numpy().astype(np.intp)
    assert np.array_equal(np.sort(order), np.arange(counter[0]))
    cols = {c: ref[c].array for c in ("quarter", "indicator", *LABEL_COLUMNS)}
    return _Layout(order=order, columns=cols)
