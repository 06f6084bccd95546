"""Environmental enforcement in 2018: the model's inspections, penalties and limits against the MEE counts.

The data (``inputs/china_environmental_fines_2018.csv``) are cumulative national counts for
January-November 2018: administrative penalty decisions, their fines (RMB 100 m) and the cases
where plants were ordered to limit or stop production. The model's counterparts are its 2018
indicators for plants in CN (``penalty_decisions``, ``fines``, ``production_limits`` plus
``exits_enforcement``, the stop orders), summed over the four quarters and scaled by 11/12 to
January-November. Each row reports the data, the model and their ratio; the ratio is what it is
(the model covers the modelled sectors' firms, about 330,000 in CN, not every plant the
ministry can fine).

Run on tables of the ``narrative`` scenario (or any scenario with enforcement on)::

    from crossstrait_sim.evidence.enforcement import compare_2018
    compare_2018([run(["scenario=narrative", f"seed={s}"]).table for s in range(5)])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from crossstrait_sim.evidence.datasets import load_series

FINES_FILE = "inputs/china_environmental_fines_2018.csv"
RMB_PER_USD_2018 = 6.62
"""Average exchange rate of 2018, RMB per USD (about 6.62: PBoC central parity, yearly mean)."""
JAN_NOV = 11.0 / 12.0
"""The data run from January to November: the model's year is scaled by this share."""


def data_2018() -> dict[str, float]:
    """The January-November 2018 national figures of the data file.

    ``penalty_decisions`` (count), ``fines_rmb_bn`` (RMB bn) and ``limit_or_stop_cases`` (count).
    """
    df = load_series(FINES_FILE)
    fines = df[df.unit.str.contains("RMB 100m") & df.unit.str.contains("Jan-Nov")].iloc[0]
    decisions = re.search(r"\(([\d,]+) decisions", fines.unit)
    cases = df[df.unit.str.startswith("production-limit/stop cases Jan-Nov")].iloc[0]
    if decisions is None:
        raise ValueError(f"{FINES_FILE}: no decision count in {fines.unit!r}")
    return {
        "penalty_decisions": float(decisions.group(1).replace(",", "")),
        "fines_rmb_bn": float(fines.value) / 10.0,
        "limit_or_stop_cases": float(cases.value),
    }


def model_2018(table: pd.DataFrame) -> dict[str, float]:
    """The same figures from one run's table: plants in CN, 2018, scaled to January-November."""
    sel = table[(table.quarter.str.startswith("2018")) & (table.region == "CN")]
    total = sel[sel.sector.isin(["all"]) | (sel.indicator == "exits_enforcement")]
    by = total.groupby("indicator").value.sum()
    decisions = by.get("penalty_decisions", np.nan) * JAN_NOV
    return {
        "penalty_decisions": decisions,
        "fines_rmb_bn": by.get("fines", np.nan) * JAN_NOV * RMB_PER_USD_2018 / 1000.0,
        "limit_or_stop_cases": (by.get("production_limits", np.nan) + by.get("exits_enforcement", np.nan)) * JAN_NOV,
        "inspections": by.get("inspections", np.nan) * JAN_NOV,
    }


def compare_2018(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per figure: the data, the model's mean, min and max over the tables, and mean / data."""
    data = data_2018()
    data["fine_per_decision_rmb_k"] = data["fines_rmb_bn"] * 1e6 / data["penalty_decisions"]
    runs = []
    for t in tables:
        m = model_2018(t)
        m["fine_per_decision_rmb_k"] = m["fines_rmb_bn"] * 1e6 / m["penalty_decisions"]
        runs.append(m)
    model = pd.DataFrame(runs)
    rows = []
    for key in ("penalty_decisions", "fines_rmb_bn", "limit_or_stop_cases", "fine_per_decision_rmb_k", "inspections"):
        col = model[key]
        d = data.get(key, np.nan)
        rows.append(
            {
                "figure (Jan-Nov 2018, CN)": key,
                "data": d,
                "model_mean": col.mean(),
                "model_min": col.min(),
                "model_max": col.max(),
                "model / data": col.mean() / d if np.isfinite(d) and d > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)
