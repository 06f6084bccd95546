"""Figures. Plot functions take a results table and an output path; they never run the model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from crossstrait_sim.atomic import atomic_write  # noqa: E402
from crossstrait_sim.parameters import Params  # noqa: E402
from crossstrait_sim.timeline import quarter_ordinal  # noqa: E402

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
    sel = table[(table.indicator == indicator) & (table.region == region) & (table.sector == sector)
                & (table.origin == "all")]
    return sel.set_index("quarter")["value"]


def plot_talent_outflow(table: pd.DataFrame, path: Path, events: list[tuple[float, str]]) -> Path:
    """Taiwanese professionals in the mainland (stock) and the quarterly outflow to it, with policy dates."""
    stock = _series(table, "talent_in_cn") / 1000.0
    outflow = _series(table, "talent_outflow", region="CN") / 1000.0
    ret = _series(table, "talent_return", region="CN") / 1000.0
    x = quarter_x(stock.index)
    scen = table["scenario"].iloc[0]
    seed = int(table["seed"].iloc[0])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(x, stock.values, color="C3", lw=2, label="Taiwanese professionals in the mainland")
    ax1.set_ylabel("thousand persons (stock)")
    ax1.set_title(f"Taiwanese talent in the mainland: scenario '{scen}', seed {seed}")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper left")
    ax2.plot(quarter_x(outflow.index), outflow.values, color="C0", lw=1.5, label="outflow TW -> CN")
    ax2.plot(quarter_x(ret.index), ret.values, color="C2", lw=1.5, ls="--", label="return CN -> TW")
    ax2.set_ylabel("thousand persons per quarter")
    ax2.set_xlabel("year")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper left")
    top = ax1.get_ylim()
    for i, (xe, label) in enumerate(events):
        for ax in (ax1, ax2):
            ax.axvline(xe, color="0.4", lw=0.8, ls=":")
        # stagger labels so that close dates do not overlap
        ax1.text(xe, top[0] + (top[1] - top[0]) * (0.04 + 0.075 * (i % 6)), f" {label}", rotation=0,
                 fontsize=7.5, color="0.25", va="bottom", ha="left",
                 bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
    return path
