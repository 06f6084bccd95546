"""Figures. Plot functions take a results table and an output path; they never run the model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.config.parameters import EVENT_LABELS, Params, policy_events  # noqa: F401 (re-exported)
from crossstrait_sim.config.quarters import quarter_ordinal


def quarter_x(labels: pd.Series | list[str]) -> list[float]:
    """Quarter labels as decimal years (2018Q1 -> 2018.0, 2018Q3 -> 2018.5)."""
    return [quarter_ordinal(q) / 4.0 for q in labels]


def _series(table: pd.DataFrame, indicator: str, region: str = "all", sector: str = "all") -> pd.Series:
    sel = table[
        (table.indicator == indicator) & (table.region == region) & (table.sector == sector) & (table.origin == "all")
    ]
    return sel.set_index("quarter")["value"]


def plot_observed(ax: plt.Axes, observed: pd.Series | None, x_range: tuple[float, float]) -> None:
    """Observed annual figures (index: year) as points at mid-year, those inside ``x_range`` only."""
    if observed is None or observed.empty:
        return
    # an annual figure (DGBAS: the year's stock) sits at the mean of its four quarter positions
    xs = observed.index.to_numpy(dtype=float) + 0.375
    keep = (xs >= x_range[0] - 0.5) & (xs <= x_range[1] + 0.5)
    if keep.any():
        ax.plot(xs[keep], observed.to_numpy()[keep], "o", color="black", ms=5, zorder=5, label="observed (DGBAS)")


def plot_talent_outflow(
    table: pd.DataFrame, path: Path, events: list[tuple[float, str]], observed: pd.Series | None = None
) -> Path:
    """Taiwanese professionals in the mainland (stock) and the quarterly outflow to it, with policy dates.

    ``observed`` (thousand persons by year) is drawn as points where the run covers its years.
    """
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
    plot_observed(ax1, observed, (x[0], x[-1]))
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


def _event_axis(ax_ev: plt.Axes, events: list[tuple[float, str]]) -> None:
    """Policy dates as vertical labels in a strip above the plot; labels on the same date are joined."""
    merged: dict[float, list[str]] = {}
    for xe, label in events:
        merged.setdefault(xe, [])
        if label not in merged[xe]:
            merged[xe].append(label)
    ax_ev.set_axis_off()
    ax_ev.set_ylim(0, 1)
    for xe, labels in merged.items():
        ax_ev.text(xe, 0.02, " / ".join(labels), rotation=90, fontsize=7, color="0.25", ha="center", va="bottom")


def plot_talent_compare(
    values: pd.DataFrame,
    path: Path,
    events: list[tuple[float, str]],
    order: list[str] | None = None,
    observed: pd.Series | None = None,
) -> Path:
    """Talent in the mainland by scenario: mean across seeds and the 90% band, policy dates marked.

    Args:
        values: columns variant, seed, quarter, value (persons), a row per run and quarter.
        path: the PNG to write.
        events: (decimal year, label) of policy starts.
        order: scenarios in legend order.
        observed: observed thousand persons by year, drawn as points where the runs cover them.
    """
    order = order or sorted(values["variant"].unique())
    fig = plt.figure(figsize=(11, 7.6))
    gs = fig.add_gridspec(2, 1, height_ratios=[1.9, 5], hspace=0.02)
    ax_ev = fig.add_subplot(gs[0])
    ax = fig.add_subplot(gs[1], sharex=ax_ev)
    cmap = plt.get_cmap("tab10")
    n_seeds = values.groupby("variant")["seed"].nunique()
    for i, var in enumerate(v for v in order if v in set(values["variant"])):
        g = values[values.variant == var].pivot_table(index="quarter", columns="seed", values="value") / 1000.0
        x = quarter_x(list(g.index))
        mean, lo, hi = g.mean(axis=1), g.quantile(0.05, axis=1), g.quantile(0.95, axis=1)
        color = cmap(i % 10)
        ls = "-" if i < 10 else "--"
        ax.plot(x, mean.values, color=color, lw=1.6, ls=ls, label=f"{var} ({n_seeds[var]} seeds)")
        ax.fill_between(x, lo.values, hi.values, color=color, alpha=0.12, lw=0)
    for xe, _ in events:
        ax.axvline(xe, color="0.5", lw=0.7, ls=":")
    xq = quarter_x(sorted(values["quarter"].astype(str).unique()))
    if xq:
        plot_observed(ax, observed, (xq[0], xq[-1]))
    _event_axis(ax_ev, events)
    ax.set_xlabel("year")
    ax.set_ylabel("thousand persons (stock at quarter end)")
    ax.grid(alpha=0.3)
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, title="scenario", title_fontsize=9, frameon=False
    )
    fig.suptitle(
        "Taiwanese professionals working in the mainland, by scenario\n"
        "line: mean across seeds; shaded: 90% band across seeds; dotted: policy start dates",
        fontsize=11,
    )
    fig.subplots_adjust(left=0.07, right=0.74, top=0.9, bottom=0.08)
    atomic_write(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return path


def plot_policy_response(
    stats: pd.DataFrame, path: Path, keys: list, reference: str, order: list[str] | None = None
) -> Path:
    """Paired differences from the reference scenario: a panel per indicator, a row per scenario.

    Args:
        stats: rows of ``compare.statistics`` (indicator, variant, quarter, diff_mean, diff_p05, diff_p95).
        path: the PNG to write.
        keys: the ``compare.KeyIndicator`` of each panel, in order.
        reference: the reference scenario (left out of the rows).
        order: scenarios, top to bottom.
    """
    variants = [v for v in (order or sorted(stats["variant"].unique())) if v != reference]
    variants = [v for v in variants if v in set(stats["variant"])]
    quarters = sorted(stats["quarter"].unique())
    n = len(keys)
    height = 2.0 + 0.5 * max(len(variants), 1) * max(1.0, len(quarters) / 3)
    fig, axes = plt.subplots(1, n, figsize=(3.3 * n + 1.8, height), sharey=True, squeeze=False)
    axes = axes[0]
    ypos = {v: i for i, v in enumerate(variants)}
    offs = {q: (j - (len(quarters) - 1) / 2) * 0.22 for j, q in enumerate(quarters)}
    colors = {q: plt.get_cmap("viridis")(0.15 + 0.7 * j / max(len(quarters) - 1, 1)) for j, q in enumerate(quarters)}
    for ax, key in zip(axes, keys, strict=True):
        sub = stats[(stats.indicator == key.name) & (stats.variant.isin(variants))]
        for q in quarters:
            s = sub[sub.quarter == q]
            y = [ypos[v] + offs[q] for v in s.variant]
            # the mean can lie outside the 5-95% seed range when per-seed differences are skewed
            # (many seeds at zero, a few large): draw the range from the mean to each end it spans
            err = [(s["diff_mean"] - s["diff_p05"]).clip(lower=0), (s["diff_p95"] - s["diff_mean"]).clip(lower=0)]
            ax.errorbar(s["diff_mean"], y, xerr=err, fmt="o", ms=4, color=colors[q], capsize=2, lw=1.2, label=q)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_title(key.title, fontsize=9.5)
        ax.set_xlabel(f"difference ({key.unit})", fontsize=8.5)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.xaxis.get_major_formatter().set_useOffset(False)
        ax.locator_params(axis="x", nbins=4)
    axes[0].set_yticks(range(len(variants)), variants, fontsize=8.5)
    axes[0].set_ylim(len(variants) - 0.5, -0.5)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(quarters), fontsize=8.5, frameon=False, title="quarter")
    fig.suptitle(
        f"Response to policy: difference from '{reference}', paired by seed\n"
        "marker: mean of the per-seed differences; bar: their 90% interval across seeds",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.5 / height, 1, 1 - 0.55 / height))
    atomic_write(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return path
