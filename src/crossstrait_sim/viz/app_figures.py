"""The browser app's figures and downloads, drawn from app results (they never run the model).

Figures are ``matplotlib.figure.Figure`` objects made without pyplot, so browser sessions can
draw at the same time; downloads are bytes made in memory on request.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from crossstrait_sim.config.quarters import quarter_ordinal
from crossstrait_sim.viz.app_runs import Result, band, observed

SECTORS = ("semiconductors", "ict", "smart_mfg", "green", "health", "polluting")
REGIONS = (("TW", "Taiwan"), ("CN", "mainland China"), ("SEA", "Southeast Asia"), ("ROW", "rest of world"))
SHOWN = (  # (indicator, sector, region, origin) of every series the figures show: the CSV download
    [("talent_in_cn", "all", "all", "all"), ("tw_outward_investment_share_cn", "all", "all", "all")]
    + [(ind, "all", "CN", "all") for ind in ("talent_outflow", "talent_return")]
    + [("capability_gap", s, "all", "all") for s in SECTORS]
    + [("firms", s, r, "TW") for s in SECTORS for r, _ in REGIONS]
)
FIG_DPI = 80  # the page redraws whole figures on every update: small ones


@dataclass(frozen=True)
class Curve:
    """A result as drawn: its name in legends, its colour and line style.

    Args:
        name: the legend entry (a letter and the setting's label, or "reference: ...").
        result: the runs.
        color: a matplotlib colour.
        dashed: draw a dashed line without a band (the reference).
    """

    name: str
    result: Result
    color: str
    dashed: bool = False


def _x(quarters: pd.Index) -> list[float]:
    return [quarter_ordinal(q) / 4.0 for q in quarters]


def _draw(ax: Axes, curve: Curve, b: pd.DataFrame, scale: float = 1.0, label: bool = True) -> None:
    x = _x(b.index)
    ls = "--" if curve.dashed else "-"
    ax.plot(x, b["mean"] * scale, color=curve.color, lw=1.2 if curve.dashed else 1.8, ls=ls,
            label=curve.name if label else None)  # fmt: skip
    if curve.result.seeds > 1:
        ax.fill_between(x, b["lo"] * scale, b["hi"] * scale, color=curve.color, alpha=0.08 if curve.dashed else 0.18,
                        lw=0)  # fmt: skip


def _observed(ax: Axes, name: str, scale: float, label: str) -> None:
    obs = observed(name)
    if len(obs):
        ax.plot(obs.year + 0.5, obs.value * scale, "o", color="black", ms=4.5, zorder=5, label=label)


def _events(ax: Axes, curves: list[Curve]) -> None:
    """Start dates of the policies of the last (current) setting, dotted."""
    for xe, _ in curves[-1].result.events if curves else ():
        ax.axvline(xe, color="0.6", lw=0.7, ls=":")


def _seeds_note(curves: list[Curve]) -> str:
    n = max((c.result.seeds for c in curves), default=1)
    return f"line: mean of {n} seeds; shaded: range across seeds" if n > 1 else "one seed"


def talent_figure(curves: list[Curve]) -> Figure:
    """Taiwanese professionals in the mainland (stock, with the DGBAS points), outflow to and return from it."""
    fig = Figure(figsize=(7.2, 6.4), dpi=FIG_DPI)
    ax0, ax1, ax2 = fig.subplots(3, 1, sharex=True, height_ratios=[2.2, 1, 1])
    fig.subplots_adjust(left=0.12, right=0.98, top=0.94, bottom=0.09, hspace=0.12)
    for c in curves:
        _draw(ax0, c, band(c.result.table, "talent_in_cn"), 1e-3)
        _draw(ax1, c, band(c.result.table, "talent_outflow", region="CN"), 1e-3, label=False)
        _draw(ax2, c, band(c.result.table, "talent_return", region="CN"), 1e-3, label=False)
    _observed(ax0, "taiwanese_working_in_mainland.csv", 1.0, "observed (DGBAS, annual)")
    for ax in (ax0, ax1, ax2):
        _events(ax, curves)
        ax.grid(alpha=0.3)
    ax0.set_title("Taiwanese professionals in the mainland", fontsize=11)
    ax0.set_ylabel("thousand persons")
    ax0.legend(fontsize=7.5, loc="best")
    ax1.set_ylabel("outflow TW->CN\nthousand / quarter", fontsize=8.5)
    ax2.set_ylabel("return CN->TW\nthousand / quarter", fontsize=8.5)
    ax2.set_xlabel(f"year ({_seeds_note(curves)}; dotted: policy starts)", fontsize=8.5)
    return fig


def share_figure(curves: list[Curve]) -> Figure:
    """The mainland's share of Taiwan's approved outward investment, with the MOEA points."""
    fig = Figure(figsize=(7.2, 3.6), dpi=FIG_DPI)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.15)
    for c in curves:
        _draw(ax, c, band(c.result.table, "tw_outward_investment_share_cn"), 100.0)
    _observed(ax, "mainland_share_of_approved_outward_investment.csv", 1.0, "observed (MOEA, annual)")
    _events(ax, curves)
    ax.set_title("Mainland share of Taiwan's outward investment", fontsize=11)
    ax.set_ylabel("percent")
    ax.set_xlabel(f"year ({_seeds_note(curves)})", fontsize=8.5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="best")
    return fig


def gap_figure(curves: list[Curve]) -> Figure:
    """Capability gap, Taiwanese minus mainland firms, one panel per sector."""
    fig = Figure(figsize=(7.2, 4.6), dpi=FIG_DPI)
    axes = fig.subplots(2, 3, sharex=True).ravel()
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.17, wspace=0.32, hspace=0.3)
    for ax, sector in zip(axes, SECTORS, strict=True):
        for c in curves:
            _draw(ax, c, band(c.result.table, "capability_gap", sector=sector), label=sector == SECTORS[0])
        ax.axhline(0, color="0.3", lw=0.7)
        ax.set_title(sector, fontsize=9)
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
    fig.suptitle("Capability gap, Taiwanese minus mainland firms (log points), by sector", fontsize=11)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", fontsize=7.5, ncols=3, frameon=False)
    return fig


def firms_figure(curves: list[Curve]) -> Figure:
    """Taiwanese firms by the region they produce in (all sectors)."""
    fig = Figure(figsize=(7.2, 4.6), dpi=FIG_DPI)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    fig.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.17, wspace=0.22, hspace=0.3)
    for ax, (region, name) in zip(axes, REGIONS, strict=True):
        for c in curves:
            b = band(c.result.table, "firms", region=region, origin="TW", sum_sectors=True)
            _draw(ax, c, b, 1e-3, label=region == "TW")
        _events(ax, curves)
        ax.set_title(f"in {name}", fontsize=9)
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("thousand firms", fontsize=8.5)
    axes[2].set_ylabel("thousand firms", fontsize=8.5)
    fig.suptitle("Taiwanese firms by region", fontsize=11)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", fontsize=7.5, ncols=3, frameon=False)
    return fig


FIGURES: dict[str, Callable[[list[Curve]], Figure]] = {
    "talent": talent_figure,
    "investment_share": share_figure,
    "capability_gap": gap_figure,
    "tw_firms_by_region": firms_figure,
}


def png(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def combined_table(curves: list[Curve], shown_only: bool) -> pd.DataFrame:
    """The curves' results tables stacked, with a ``setting`` column and the overrides that made each."""
    parts = []
    for c in curves:
        t = c.result.table
        if shown_only:
            keys = pd.MultiIndex.from_frame(t[["indicator", "sector", "region", "origin"]])
            t = t[keys.isin(SHOWN)]
        parts.append(t.assign(setting=c.name, overrides=" ".join(c.result.overrides)))
    table = pd.concat(parts, ignore_index=True)
    return table[["setting", *[col for col in table.columns if col != "setting"]]]


def table_csv(curves: list[Curve]) -> bytes:
    """The series the figures show, every setting and seed, as CSV."""
    return combined_table(curves, shown_only=True).to_csv(index=False).encode()


def table_parquet(curves: list[Curve]) -> bytes:
    """Every indicator of every setting and seed, as Parquet."""
    buf = io.BytesIO()
    combined_table(curves, shown_only=False).to_parquet(buf, index=False)
    return buf.getvalue()


def figures_zip(curves: list[Curve]) -> bytes:
    """The four figures as PNG files in a ZIP archive, with a list of the settings."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, make in FIGURES.items():
            zf.writestr(f"{name}.png", png(make(curves)))
        lines = [f"{c.name}\n  crossstrait-sim {' '.join(c.result.overrides)} seed=<0..{c.result.seeds - 1}>"
                 for c in curves]  # fmt: skip
        zf.writestr("settings.txt", "\n".join(lines) + "\n")
    return buf.getvalue()


def summary_frame(curves: list[Curve]) -> pd.DataFrame:
    """Key numbers side by side: a column per setting, mean across seeds (range) at 2020Q4 and 2030Q4."""
    rows = {}
    for c in curves:
        t = c.result.table
        col = {}
        for q in ("2020Q4", "2030Q4"):
            col[f"professionals in the mainland, {q} (thousand)"] = _cell(band(t, "talent_in_cn"), q, 1e-3)
            col[f"mainland share of investment, {q} (%)"] = _cell(band(t, "tw_outward_investment_share_cn"), q, 100)
            col[f"semiconductor capability gap, {q} (log points)"] = _cell(
                band(t, "capability_gap", sector="semiconductors"), q, 1.0, digits=3
            )
            for region in ("CN", "SEA"):
                b = band(t, "firms", region=region, origin="TW", sum_sectors=True)
                col[f"Taiwanese firms in {region}, {q} (thousand)"] = _cell(b, q, 1e-3)
        rows[c.name] = col
    return pd.DataFrame(rows)


def _cell(b: pd.DataFrame, quarter: str, scale: float, digits: int = 1) -> str:
    if quarter not in b.index:
        return "-"
    m, lo, hi = (float(b.loc[quarter, k]) * scale for k in ("mean", "lo", "hi"))
    return f"{m:.{digits}f}" if lo == hi else f"{m:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"
