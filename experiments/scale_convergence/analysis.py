"""Scale convergence of the key indicators (issue 9, point 9): the analysis of the study's sweep.

Command line (``run.sh`` calls it after the sweep)::

    python experiments/scale_convergence/analysis.py SWEEP_DIR [--out DIR] [--quarters 2020Q4 2030Q4]

For every scenario, scale and key indicator it computes the mean and the 90% interval across seeds at
the given quarters, and holds each scale's mean against the largest scale's mean (the reference):

* counts (``talent_in_cn``; Taiwanese ``firms`` in the mainland and in Southeast Asia, summed over
  sectors): within 2% of the reference mean (relative deviation);
* log gaps (``capability_gap`` and, where the results hold it, ``capability_gap_location``, each by
  sector): within 0.01 log points (absolute deviation);
* the mainland share of Taiwan's outward investment (``tw_outward_investment_share_cn``), the mean over
  the four quarters of the year since the quarterly values are noisy: within 0.01 (absolute).

The rule: the default scale is the smallest scale at which every key indicator, in every scenario and
at every quarter studied, lies within its tolerance. The largest scale passes by construction, so a rule
met only there is reported as "no scale below the reference satisfies the rule". The reference mean has
its own seed error; ``reference_se`` and ``deviation_se`` (standard errors in the deviation's unit) are
written beside each deviation so a reader can see whether a pass or fail is resolved by the seeds.

It imports only the package's public pieces: the run manifests (``crossstrait_sim.study.manifest``) and
the results reader (``crossstrait_sim.study.compare.read_results``), through the sweep layout (one folder
per run with ``manifest.json`` and ``results.parquet``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crossstrait_sim.study.compare import read_results
from crossstrait_sim.study.manifest import RESULTS, read_manifest

QUARTERS = ("2020Q4", "2030Q4")
INTERVAL = (0.05, 0.95)  # the 90% interval across seeds
TOLERANCES: dict[str, float] = {"count": 0.02, "log": 0.01, "share": 0.01}
"""Tolerance by kind: counts relative to the reference mean; log gaps and shares absolute."""
DEVIATION_UNIT = {"count": "relative", "log": "log points", "share": "share"}
COLUMNS = [
    "scenario",
    "quarter",
    "indicator",
    "kind",
    "scale",
    "n_seeds",
    "mean",
    "p05",
    "p95",
    "se",
    "reference_scale",
    "reference_mean",
    "reference_se",
    "deviation",
    "deviation_se",
    "deviation_unit",
    "tolerance",
    "within_tolerance",
]


@dataclass(frozen=True)
class KeyIndicator:
    """A key indicator: a selection of the long results table and how its tolerance is read.

    A dimension given as ``"*"`` is summed over its categories (e.g. firms over sectors).
    """

    name: str
    indicator: str
    kind: str  # count | log | share (see TOLERANCES)
    sector: str = "all"
    region: str = "all"
    origin: str = "all"
    annual: bool = False  # the mean over the four quarters of the year, not the quarter's value


FIXED_INDICATORS: tuple[KeyIndicator, ...] = (
    KeyIndicator("talent_in_cn", "talent_in_cn", "count"),
    KeyIndicator("tw_firms_in_cn", "firms", "count", sector="*", region="CN", origin="TW"),
    KeyIndicator("tw_firms_in_sea", "firms", "count", sector="*", region="SEA", origin="TW"),
    KeyIndicator("tw_outward_investment_share_cn", "tw_outward_investment_share_cn", "share", annual=True),
)
BY_SECTOR = ("capability_gap", "capability_gap_location")  # log gaps, one key indicator per sector
WANTED = {k.indicator for k in FIXED_INDICATORS} | set(BY_SECTOR)


# --------------------------------------------------------------------------- reading the sweep


def _scale_of(run_dir: Path, manifest: Mapping) -> float | None:
    """The run's scale: its ``scale=`` override, else the ``scale`` of its resolved config."""
    overrides = manifest.get("overrides")
    for ov in overrides if isinstance(overrides, list) else []:
        key, _, val = str(ov).partition("=")
        if key.lstrip("+~") == "scale":
            try:
                return float(val)
            except ValueError:
                return None
    try:
        from omegaconf import OmegaConf

        return float(OmegaConf.load(run_dir / "resolved_config.yaml").scale)
    except Exception:  # no resolved config (a failed run): the scale is unknown
        return None


def read_sweep(sweep_dir: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The key indicators' rows of every complete run of a sweep, and one row per run found.

    Returns:
        ``(table, runs)``: ``table`` is the long results table (only the indicators the study needs) with a
        column ``scale``; ``runs`` has run, status, scenario, seed, scale, seconds (the run's own time from
        its manifest), error, git_commit and git_dirty. A run that is not complete, or whose results cannot
        be read, is in ``runs`` with its status and never stops the others.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep directory {str(sweep_dir)!r} does not exist")
    parts, rows = [], []
    for run_dir in sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        man = read_manifest(run_dir)
        if man is None:
            rows.append({"run": run_dir.name, "status": "no manifest"})
            continue
        row = {
            "run": run_dir.name,
            "status": man.get("status"),
            "scenario": man.get("scenario"),
            "seed": man.get("seed"),
            "scale": _scale_of(run_dir, man),
            "seconds": man.get("seconds"),
            "error": man.get("error"),
            "git_commit": man.get("git_commit"),
            "git_dirty": man.get("git_dirty"),
        }
        rows.append(row)
        if row["status"] != "complete":
            continue
        files = man.get("files")
        digest = files.get(RESULTS) if isinstance(files, dict) else None
        try:
            t = read_results(run_dir / RESULTS, digest if isinstance(digest, str) else None)
        except ValueError as exc:
            row.update(status="unreadable", error=str(exc))
            continue
        if row["scale"] is None:
            row.update(status="scale unknown")
            continue
        t = t[t["indicator"].isin(WANTED)].copy()
        t["scale"] = row["scale"]
        parts.append(t)
    cols = ["run", "status", "scenario", "seed", "scale", "seconds", "error", "git_commit", "git_dirty"]
    runs = pd.DataFrame(rows, columns=cols)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return table, runs


# --------------------------------------------------------------------------- indicators and the rule


def key_indicators(table: pd.DataFrame) -> tuple[list[KeyIndicator], list[str]]:
    """The key indicators the table holds, and a note for each one it lacks (e.g. an indicator not yet added)."""
    present = set(table["indicator"].unique()) if not table.empty else set()
    keys = [k for k in FIXED_INDICATORS if k.indicator in present]
    notes = [f"{k.name}: indicator {k.indicator!r} not in the results; left out" for k in FIXED_INDICATORS]
    notes = [n for k, n in zip(FIXED_INDICATORS, notes, strict=True) if k.indicator not in present]
    for ind in BY_SECTOR:
        if ind not in present:
            notes.append(f"{ind}: not in the results (not yet in the model that ran); left out of the rule")
            continue
        sectors = sorted(set(table.loc[table["indicator"] == ind, "sector"]) - {"all"})
        keys += [KeyIndicator(f"{ind}_{s}", ind, "log", sector=s) for s in sectors]
    return keys, notes


def _quarters_of_year(quarter: str) -> list[str]:
    return [f"{quarter[:4]}Q{q}" for q in range(1, 5)]


def indicator_values(table: pd.DataFrame, keys: Iterable[KeyIndicator], quarters: Sequence[str]) -> pd.DataFrame:
    """One value per run, key indicator and quarter: columns scenario, scale, seed, indicator, kind, quarter, value.

    Annual indicators take the mean over the four quarters of the quarter's year (those the run holds).
    """
    out = []
    for key in keys:
        sel = table[table["indicator"] == key.indicator]
        for dim in ("sector", "region", "origin"):
            want = getattr(key, dim)
            sel = sel[sel[dim] != "all"] if want == "*" else sel[sel[dim] == want]
        by_run = ["scenario", "scale", "seed", "quarter"]
        per_q = sel.groupby(by_run, observed=True, as_index=False)["value"].sum(min_count=1)
        for q in quarters:
            if key.annual:
                v = per_q[per_q["quarter"].isin(_quarters_of_year(q))]
                v = v.groupby(["scenario", "scale", "seed"], as_index=False)["value"].mean()
            else:
                v = per_q.loc[per_q["quarter"] == q, ["scenario", "scale", "seed", "value"]]
            v = v.assign(indicator=key.name, kind=key.kind, quarter=q)
            out.append(v)
    cols = ["scenario", "scale", "seed", "indicator", "kind", "quarter", "value"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def _deviation(kind: str, mean: float, ref: float) -> float:
    if kind == "count":
        if ref == 0:
            return 0.0 if mean == 0 else math.inf
        return mean / ref - 1.0
    return mean - ref


def convergence(
    values: pd.DataFrame, tolerances: Mapping[str, float] = TOLERANCES, reference_scale: float | None = None
) -> pd.DataFrame:
    """The convergence table: per scenario, quarter, indicator and scale, the seed statistics and the rule's test.

    Args:
        values: from :func:`indicator_values`.
        tolerances: by kind; counts relative to the reference mean, the others absolute.
        reference_scale: the scale held as the truth; default the largest in ``values``.

    Standard errors are across seeds (sample sd / sqrt(n)); for counts ``se``, ``reference_se`` and
    ``deviation_se`` are relative to the reference mean, like the deviation. Scales are not paired
    (a different number of agents draws different numbers), so ``deviation_se`` combines both scales' errors.
    """
    v = values.dropna(subset=["value"])
    if v.empty:
        return pd.DataFrame(columns=COLUMNS)
    g = v.groupby(["scenario", "quarter", "indicator", "kind", "scale"], as_index=False)["value"]
    stats = g.agg(
        n_seeds="count",
        mean="mean",
        p05=lambda x: x.quantile(INTERVAL[0]),
        p95=lambda x: x.quantile(INTERVAL[1]),
        sd="std",
    )
    stats["se"] = stats["sd"].fillna(0.0) / np.sqrt(stats["n_seeds"])
    ref_scale = float(stats["scale"].max()) if reference_scale is None else float(reference_scale)
    ref = stats[np.isclose(stats["scale"], ref_scale)][["scenario", "quarter", "indicator", "mean", "se"]]
    ref = ref.rename(columns={"mean": "reference_mean", "se": "reference_se_raw"})
    out = stats.merge(ref, on=["scenario", "quarter", "indicator"], how="left")
    out["reference_scale"] = ref_scale
    dev, dev_se, se_u, ref_se_u, tol = [], [], [], [], []
    for r in out.itertuples(index=False):
        scale = abs(r.reference_mean) if r.kind == "count" and r.reference_mean else 1.0
        dev.append(_deviation(r.kind, r.mean, r.reference_mean) if pd.notna(r.reference_mean) else math.nan)
        se_u.append(r.se / scale)
        ref_se_u.append(r.reference_se_raw / scale)
        same = math.isclose(r.scale, ref_scale)
        dev_se.append(0.0 if same else math.hypot(r.se, r.reference_se_raw) / scale)
        tol.append(float(tolerances[r.kind]))
    out["deviation"], out["deviation_se"], out["se"] = dev, dev_se, se_u
    out["reference_se"], out["tolerance"] = ref_se_u, tol
    out["deviation_unit"] = out["kind"].map(DEVIATION_UNIT)
    out["within_tolerance"] = out["deviation"].abs() <= out["tolerance"] + 1e-12
    out = out.sort_values(["scenario", "quarter", "indicator", "scale"], ignore_index=True)
    return out[COLUMNS]


@dataclass
class Selection:
    """What the rule selects from a convergence table."""

    reference_scale: float
    scale: float | None  # the smallest scale below the reference that satisfies the rule; None if none does
    stable_scale: float | None  # the smallest scale from which every larger scale also satisfies it
    passing: list[float] = field(default_factory=list)  # every scale (reference included) that satisfies it
    failures: dict[float, list[str]] = field(default_factory=dict)  # scale -> what is out of tolerance

    def message(self) -> str:
        """One paragraph: the scale the rule selects, or that none below the reference does."""
        if self.scale is None:
            text = (
                f"no scale below the reference {self.reference_scale:g} satisfies the rule: every smaller scale "
                "has a key indicator out of tolerance"
            )
        else:
            text = f"the rule selects scale {self.scale:g} (reference: {self.reference_scale:g})"
            if self.stable_scale != self.scale:
                text += "; but a larger scale fails it"
                if self.stable_scale is None:
                    text += ", and only the reference passes together with every scale above it"
                else:
                    text += f", and every scale from {self.stable_scale:g} up passes"
        return text


def select_scale(conv: pd.DataFrame) -> Selection:
    """Apply the rule: the smallest scale at which every row (scenario x quarter x indicator) is within tolerance.

    A scale missing a row that the reference scale has (an indicator without values there) fails.
    """
    if conv.empty:
        raise ValueError("the convergence table is empty: no complete run with the key indicators")
    ref_scale = float(conv["reference_scale"].iloc[0])
    cells = conv[np.isclose(conv["scale"], ref_scale)][["scenario", "quarter", "indicator"]]
    wanted = set(map(tuple, cells.to_numpy()))
    scales = sorted(float(s) for s in conv["scale"].unique() if s <= ref_scale)
    passing, failures = [], {}
    for s in scales:
        rows = conv[np.isclose(conv["scale"], s)]
        bad = [
            f"{r.scenario} {r.quarter} {r.indicator}: deviation {r.deviation:+.4f} ({r.deviation_unit}), "
            f"tolerance {r.tolerance:g}"
            for r in rows.itertuples(index=False)
            if not r.within_tolerance
        ]
        missing = wanted - set(map(tuple, rows[["scenario", "quarter", "indicator"]].to_numpy()))
        bad += [f"{sc} {q} {ind}: no values at this scale" for sc, q, ind in sorted(missing)]
        if bad:
            failures[s] = bad
        else:
            passing.append(s)
    below = [s for s in passing if s < ref_scale]
    stable = None
    for i, s in enumerate(scales):
        if all(x in passing for x in scales[i:]):
            stable = s if s < ref_scale else None
            break
    return Selection(ref_scale, min(below) if below else None, stable, passing, failures)


def by_scale(conv: pd.DataFrame) -> pd.DataFrame:
    """Per scale and quarter (and ``all`` quarters): rows tested, out of tolerance, and out *and* resolved.

    ``out_resolved`` counts the misses whose deviation is also more than 2 standard errors (``deviation_se``)
    from zero, i.e. a scale effect the seeds resolve rather than a miss seed noise could make;
    ``reference_se_over_half_tol`` counts the rows whose reference mean's own standard error exceeds half
    the tolerance (there, the seeds cannot place the reference within the tolerance at about 95%).
    """
    c = conv.assign(
        out=~conv["within_tolerance"],
        out_resolved=~conv["within_tolerance"] & (conv["deviation"].abs() > 2 * conv["deviation_se"]),
        reference_se_over_half_tol=conv["reference_se"] > conv["tolerance"] / 2,
    )
    parts = [c, c.assign(quarter="all")]
    g = pd.concat(parts).groupby(["quarter", "scale"], as_index=False)
    out = g.agg(
        rows=("out", "size"),
        out_of_tolerance=("out", "sum"),
        out_resolved=("out_resolved", "sum"),
        reference_se_over_half_tol=("reference_se_over_half_tol", "sum"),
    )
    out["passes"] = out["out_of_tolerance"] == 0
    return out


def timing(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and scale: complete runs and their own time (from the manifests), mean and total seconds."""
    done = runs[runs["status"] == "complete"].dropna(subset=["scale"])
    if done.empty:
        return pd.DataFrame(columns=["scenario", "scale", "runs", "mean_s", "max_s", "total_s"])
    out = done.groupby(["scenario", "scale"], as_index=False)["seconds"].agg(
        runs="count", mean_s="mean", max_s="max", total_s="sum"
    )
    return out.round({"mean_s": 2, "max_s": 2, "total_s": 1})


# --------------------------------------------------------------------------- figure


def plot(conv: pd.DataFrame, path: Path | str) -> Path:
    """``convergence.png``: each indicator's mean and 90% seed band against scale (log x-axis).

    One row per indicator, one column per scenario and quarter. The grey band is the tolerance around the
    reference (largest scale) mean, the coloured band the 90% interval across seeds, the error bars +-2
    standard errors of the mean across seeds; a cross marks a mean out of tolerance.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    indicators = list(dict.fromkeys(conv["indicator"]))
    panels = [(sc, q) for sc in dict.fromkeys(conv["scenario"]) for q in sorted(conv["quarter"].unique())]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    scen_colour = {sc: colours[k % len(colours)] for k, sc in enumerate(dict.fromkeys(conv["scenario"]))}
    fig, axes = plt.subplots(
        len(indicators), len(panels), figsize=(3.6 * len(panels), 2.1 * len(indicators)), squeeze=False
    )
    for i, ind in enumerate(indicators):
        for j, (sc, q) in enumerate(panels):
            ax = axes[i][j]
            d = conv[(conv.indicator == ind) & (conv.quarter == q) & (conv.scenario == sc)].sort_values("scale")
            if d.empty:
                ax.set_axis_off()
                continue
            c = scen_colour[sc]
            ref, kind, tol = d["reference_mean"].iloc[0], d["kind"].iloc[0], d["tolerance"].iloc[0]
            half = tol * abs(ref) if kind == "count" else tol
            ax.axhspan(ref - half, ref + half, color="0.5", alpha=0.3, lw=0, label="tolerance")
            ax.fill_between(d["scale"], d["p05"], d["p95"], color=c, alpha=0.15, lw=0, label="90% of seeds")
            se_raw = d["se"] * (abs(ref) if kind == "count" and ref else 1.0)
            ax.errorbar(d["scale"], d["mean"], yerr=2 * se_raw, color=c, marker="o", ms=3, lw=1.2, label="mean")
            bad = d[~d["within_tolerance"]]
            ax.plot(bad["scale"], bad["mean"], ls="none", marker="x", color="k", ms=7, label="out of tolerance")
            ax.set_xscale("log")
            ax.set_title(f"{ind}\n{sc}, {q}", fontsize=8)
            ax.tick_params(labelsize=7)
            if i == len(indicators) - 1:
                ax.set_xlabel("scale (agents per real unit)", fontsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, 0.995))
    fig.suptitle(
        "Key indicators against scale: mean (+-2 SE), 90% seed band, tolerance around the largest scale's mean",
        fontsize=10,
        y=0.982,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.975))
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- summary.md


def _md_table(t: pd.DataFrame) -> str:
    cols = [str(c) for c in t.columns]
    lines = ["| " + " | ".join(cols) + " |", "|---" + "|---:" * (len(cols) - 1) + "|"]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in t.itertuples(index=False)]
    return "\n".join(lines)


def _cell(r: pd.Series) -> str:
    if r["kind"] == "count":
        mean, dev = f"{r['mean']:,.0f}", f"{100 * r['deviation']:+.1f}%"
    else:
        mean, dev = f"{r['mean']:.3f}", f"{r['deviation']:+.3f}"
    if math.isclose(r["scale"], r["reference_scale"]):
        return f"**{mean}**"
    return f"{mean} ({dev})" + ("" if r["within_tolerance"] else " ✗")


def summary_markdown(
    conv: pd.DataFrame, sel: Selection, runs: pd.DataFrame, times: pd.DataFrame, wall: pd.DataFrame | None = None
) -> str:
    """``summary.md``: the measured tables (regenerated with every run of the study)."""
    commits = sorted({f"{c} (uncommitted changes: {d})" for c, d in zip(runs.git_commit, runs.git_dirty, strict=True)})
    n = int((runs["status"] == "complete").sum())
    out = [
        "# Scale convergence: measured tables",
        "",
        "Written by `analysis.py` (do not edit; `bash experiments/scale_convergence/run.sh` regenerates it).",
        f"{n} complete runs, made by commit {', '.join(commits)}.",
        "",
        f"**Rule:** {sel.message()}.",
        "",
        "Cells: mean across seeds (deviation from the largest scale's mean: relative for counts, absolute",
        "for log gaps and the share); ✗ = out of tolerance (2% / 0.01 / 0.01); **bold** = the reference.",
        "`SE of ref. / tol.`: the standard error of the reference mean over the tolerance (above 0.5, the",
        "seeds cannot place the reference itself within the tolerance at about 95%).",
    ]
    for q in sorted(conv["quarter"].unique(), reverse=True):
        for sc in dict.fromkeys(conv["scenario"]):
            d = conv[(conv.scenario == sc) & (conv.quarter == q)].copy()
            if d.empty:
                continue
            d["cell"] = d.apply(_cell, axis=1)
            t = d.pivot(index="indicator", columns="scale", values="cell")
            t.columns = [f"{c:g}" for c in t.columns]
            ref = d[np.isclose(d["scale"], d["reference_scale"])].set_index("indicator")
            f = {i: (",.0f" if ref.loc[i, "kind"] == "count" else ".3f") for i in t.index}
            t["90% of seeds, ref."] = [f"{ref.loc[i, 'p05']:{f[i]}} – {ref.loc[i, 'p95']:{f[i]}}" for i in t.index]
            t["SE of ref. / tol."] = [f"{ref.loc[i, 'reference_se'] / ref.loc[i, 'tolerance']:.2f}" for i in t.index]
            out += ["", f"## {sc}, {q}", "", _md_table(t.reset_index())]
    out += [
        "",
        "## Out of tolerance, by scale",
        "",
        "`out_resolved`: out of tolerance *and* more than 2 standard errors from the reference (a scale effect",
        "the seeds resolve); `reference_se_over_half_tol`: rows whose reference SE exceeds half the tolerance.",
        "",
        _md_table(by_scale(conv)),
        "",
        "## Run time",
        "",
        "Each run's own time (seconds, from its manifest; runs in parallel, one per core):",
        "",
        _md_table(times),
    ]
    if wall is not None and not wall.empty:
        out += ["", "Wall time of each scale's sweep (scenarios x seeds, `timing.csv` from `sweep.py`):", ""]
        out.append(_md_table(wall))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- command line


def analyse(
    sweep_dir: Path | str,
    out_dir: Path | str | None = None,
    quarters: Sequence[str] = QUARTERS,
    tolerances: Mapping[str, float] = TOLERANCES,
    figure: bool = True,
) -> tuple[pd.DataFrame, Selection, pd.DataFrame, list[str]]:
    """Read the sweep, build the convergence table, apply the rule; write the files if ``out_dir`` is given.

    Returns:
        ``(convergence table, selection, timing table, notes)``. Files: ``convergence.csv``, ``by_scale.csv``,
        ``timing_runs.csv``, ``summary.md`` (the tables in Markdown, with ``timing.csv`` from ``sweep.py`` if it
        is there) and ``convergence.png`` (unless ``figure`` is false).
    """
    table, runs = read_sweep(sweep_dir)
    notes = [
        f"left out: {r.run} ({r.status}{': ' + str(r.error) if r.error else ''})"
        for r in runs.itertuples(index=False)
        if r.status != "complete"
    ]
    keys, missing = key_indicators(table)
    notes += missing
    conv = convergence(indicator_values(table, keys, quarters), tolerances)
    sel = select_scale(conv)
    times = timing(runs)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        conv.to_csv(out / "convergence.csv", index=False, float_format="%.6g")
        by_scale(conv).to_csv(out / "by_scale.csv", index=False)
        times.to_csv(out / "timing_runs.csv", index=False)
        wall = pd.read_csv(out / "timing.csv") if (out / "timing.csv").is_file() else None
        (out / "summary.md").write_text(summary_markdown(conv, sel, runs, times, wall))
        if figure:
            plot(conv, out / "convergence.png")
    return conv, sel, times, notes


def main(argv: list[str] | None = None) -> int:
    """Command line: analyse a sweep, write the tables and the figure, print the selected scale."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep_dir", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    ap.add_argument("--quarters", nargs="+", default=list(QUARTERS))
    ap.add_argument("--no-figure", action="store_true")
    a = ap.parse_args(argv)
    conv, sel, times, notes = analyse(a.sweep_dir, a.out, a.quarters, figure=not a.no_figure)
    for n in notes:
        print("note:", n, file=sys.stderr)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print("time of each run (its own seconds, from the manifests):")
        print(times.to_string(index=False))
        print()
        last = conv[conv.quarter == max(a.quarters)]
        cols = ["scenario", "indicator", "scale", "n_seeds", "mean", "p05", "p95", "deviation", "within_tolerance"]
        print(f"key indicators at {max(a.quarters)} (all quarters: convergence.csv):")
        print(last[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        print()
        print("rows out of tolerance by scale (out_resolved: and more than 2 SE from the reference):")
        print(by_scale(conv).to_string(index=False))
    print()
    for s, bad in sorted(sel.failures.items()):
        print(f"scale {s:g}: {len(bad)} out of tolerance, e.g. {bad[0]}")
    print(sel.message())
    print(f"wrote {a.out / 'convergence.csv'}" + ("" if a.no_figure else f" and {a.out / 'convergence.png'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
