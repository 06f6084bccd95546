"""Figures. Plot functions take a results table and an output path; they never run the model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.parameters import Params
from crossstrait_sim.timeline import quarter_ordinal

EVENT_LABELS: dict[str, str] = {
    "mic2025": "MIC2025",
    "healthy_china": "Healthy China",
    "enforcement": "Enforcement",
    "carbon_market": "Carbon market",
    "measures31": "31 measures",
    "tw_retention": "TW retain talent",
    "tw_rd_hub": "TW R&D hub",
    "tw_new_southbound": "New Southbound",
    "tariffs": "US tariffs",
    "export_controls": "Export controls",
    "pandemic": "Pandemic",
}


def quarter_x(labels: pd.Series | list[str]) -> list[float]:
    """Quarter labels as decimal years (2018Q1 -> 2018.0, 2018Q3 -> 2018.5)."""
    return [quarter_ordinal(q) / 4.0 for q in labels]


def policy_events(params: Params) -> list[tuple[float, str]]:
    """(decimal year, label) of every enabled instrument's start (and export-control widening)."""
    events = []
    for name, label in EVENT_LABELS.items():
        ins = getattr(params.policy, name)
        if ins.enabled:
            events.append((quarter_ordinal(ins.start) / 4.0, label))
    ec = params.policy.export_controls
    if ec.enabled:
        events.append((quarter_ordinal(ec.widened) / 4.0, "Export controls widened"))
    return sorted(events)


def _series(table: pd.DataFrame, indicator: str, region: str = "all", sector: str = "all") -> pd.Series:
    sel = table[
        (table.indicator == indicator) & (table.region == region) & (table.sector == sector) & (table.origin == "all")
    ]
    return sel.set_index("quarter")["value"]


def plot_talent_outflow(table: pd.DataFrame, path: Path, events: list[tuple[float, str]]) -> Path:
    """Taiwanese professionals in the mainland (stock) and the quarterly outflow to it, with policy dates."""
    stock = _series(table, "talent_in_cn") / 1000.0
    outflow = _series(table, "talent_outflow", region="CN") / 1000.0
    ret = _series(table, "talent_return", region="CN") / 1000.0
    x = quarter_x(stock.index)
    scen = table["scenario"].iloc[0]
    seed = int(table["seed"].iloc[0])
    # policy and shock dates go in a strip above the data, so labels never cover a line; each label
    # takes the first row where it does not run into the previous one (greedy interval packing)
    span = (x[-1] - x[0]) if len(x) > 1 else 1.0
    char_w = span / 150.0  # decimal years per character at fontsize 8 on a 10-inch figure
    rows_end: list[float] = []
    placed = []
    for xe, label in events:
        row = next((i for i, end in enumerate(rows_end) if xe > end), len(rows_end))
        if row == len(rows_end):
            rows_end.append(-np.inf)
        rows_end[row] = xe + (len(label) + 2) * char_w
        placed.append((xe, label, row))
    n_rows = max(1, len(rows_end))
    fig, (ax0, ax1, ax2) = plt.subplots(
        3, 1, figsize=(10, 7.6), sharex=True, gridspec_kw={"height_ratios": [0.25 * n_rows + 0.2, 3, 2]}
    )
    ax0.set_ylim(0, n_rows + 0.2)
    ax0.set_yticks([])
    for side in ("left", "right", "top"):
        ax0.spines[side].set_visible(False)
    for xe, label, row in placed:
        ax0.text(xe, n_rows - 0.5 - row, f" {label}", fontsize=8, color="0.2", va="center", ha="left")
        for ax in (ax0, ax1, ax2):
            ax.axvline(xe, color="0.45", lw=0.8, ls=":")
    ax0.set_title(f"Taiwanese talent in the mainland: scenario '{scen}', seed {seed}")
    ax1.plot(x, stock.values, color="C3", lw=2, label="Taiwanese professionals in the mainland (stock)")
    ax1.set_ylabel("thousand persons")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="best")
    ax2.plot(quarter_x(outflow.index), outflow.values, color="C0", lw=1.5, label="outflow TW -> CN")
    ax2.plot(quarter_x(ret.index), ret.values, color="C2", lw=1.5, ls="--", label="return CN -> TW")
    ax2.set_ylabel("thousand persons per quarter")
    ax2.set_xlabel("year (dotted lines: policy and shock dates)")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="best")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
    return path
