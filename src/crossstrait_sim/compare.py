"""Compare the runs of a sweep: one table, seed intervals, paired differences, figures.

Command line::

    crossstrait-sim-compare SWEEP_DIR [--out DIR] [--reference baseline] [--quarters 2020Q4 2025Q4 2030Q4]

Python::

    from crossstrait_sim.compare import compare
    cmp = compare("multirun/policy_comparison")
    cmp.stats  # the rows of comparison.csv

Runs of different scenarios with the same seed share their random draws (common
random numbers, see ``streams.py``), so the difference of a scenario from the
reference is taken seed by seed ("paired"), which removes most of the noise
that two independent samples would carry.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.manifest import RESULTS, read_manifest
from crossstrait_sim.sweep import SWEEP_FILE

DEFAULT_QUARTERS = ("2020Q4", "2025Q4", "2030Q4")
INTERVAL = (0.05, 0.95)  # the 90% interval across seeds
NON_VARIANT_KEYS = ("scenario", "seed", "experiment")  # overrides that do not make a scenario variant


@dataclass(frozen=True)
class KeyIndicator:
    """A key indicator: a selection of the long results table, with a title and a unit.

    A dimension given as ``"*"`` is summed over its categories (e.g. firms over sectors).
    """

    name: str
    title: str
    indicator: str
    sector: str = "all"
    region: str = "all"
    origin: str = "all"
    unit: str = ""
    fmt: str = ",.0f"


KEY_INDICATORS: tuple[KeyIndicator, ...] = (
    KeyIndicator("talent_in_cn", "Taiwanese professionals in the mainland", "talent_in_cn", unit="persons"),
    KeyIndicator(
        "capability_gap_semiconductors",
        "Capability gap TW - CN, semiconductors",
        "capability_gap",
        sector="semiconductors",
        unit="log points",
        fmt=".3f",
    ),
    KeyIndicator(
        "capability_gap_smart_mfg",
        "Capability gap TW - CN, smart manufacturing",
        "capability_gap",
        sector="smart_mfg",
        unit="log points",
        fmt=".3f",
    ),
    KeyIndicator(
        "tw_firms_in_cn", "Taiwanese firms in the mainland", "firms", sector="*", region="CN", origin="TW", unit="firms"
    ),
    KeyIndicator("rd_centres_tw", "Foreign R&D centres in Taiwan", "rd_centres_tw", unit="centres"),
    KeyIndicator(
        "tw_firms_in_sea",
        "Taiwanese firms in Southeast Asia",
        "firms",
        sector="*",
        region="SEA",
        origin="TW",
        unit="firms",
    ),
)
RESPONSE_INDICATORS = (
    "talent_in_cn",
    "capability_gap_semiconductors",
    "capability_gap_smart_mfg",
    "tw_firms_in_cn",
    "rd_centres_tw",
)  # the panels of policy_response.png


@dataclass
class Sweep:
    """Every complete run of a sweep in one long table, and what was left out."""

    sweep_dir: Path
    table: pd.DataFrame  # the results tables of all complete runs, plus columns run and variant
    runs: pd.DataFrame  # one row per run found or expected: run, status, variant, scenario, seed, error
    events: list[tuple[float, str]] = field(default_factory=list)

    @property
    def left_out(self) -> pd.DataFrame:
        """Runs not in :attr:`table`: failed, still running (or killed), or not started."""
        return self.runs[self.runs.status != "complete"]


@dataclass
class Comparison:
    """The result of :func:`compare`."""

    sweep: Sweep
    reference: str
    stats: pd.DataFrame  # the rows of comparison.csv
    paired: pd.DataFrame  # per-seed paired differences: variant, seed, indicator, quarter, diff
    files: list[Path] = field(default_factory=list)


def _variant_labels(mans: dict[str, dict]) -> dict[str, str]:
    """Scenario name, plus the overrides that differ between runs (other than scenario and seed)."""
    kv: dict[str, dict[str, str]] = {}
    for run, man in mans.items():
        d = {}
        for ov in man.get("overrides") or []:
            key, _, val = ov.partition("=")
            key = key.lstrip("+~")
            if key not in NON_VARIANT_KEYS:
                d[key] = val
        kv[run] = d
    keys = sorted({k for d in kv.values() for k in d})
    varying = [k for k in keys if len({d.get(k) for d in kv.values()}) > 1]
    labels = {}
    for run, man in mans.items():
        extra = [f"{k}={kv[run][k]}" for k in varying if k in kv[run]]
        scen = str(man.get("scenario", "?"))
        labels[run] = f"{scen} [{', '.join(extra)}]" if extra else scen
    return labels


def gather(sweep_dir: Path | str) -> Sweep:
    """Read every run directory of ``sweep_dir`` (also while the sweep runs, or after some runs failed)."""
    import json

    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep directory {str(sweep_dir)!r} does not exist")
    expected: list[str] = []
    sj = sweep_dir / SWEEP_FILE
    if sj.is_file():
        try:
            expected = list(json.loads(sj.read_text()).get("runs") or [])
        except ValueError:
            expected = []
    dirs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    mans: dict[str, dict] = {}
    rows = []
    for d in dirs:
        man = read_manifest(d)
        if man is None:
            if (d / ".hydra").is_dir() or d.name in expected:
                rows.append({"run": d.name, "status": "no manifest (starting, or killed before it started)"})
            continue
        status = man.get("status")
        if status == "complete" and not (d / RESULTS).is_file():
            status = "complete but results.parquet missing"
        mans[d.name] = man
        rows.append(
            {
                "run": d.name,
                "status": status,
                "scenario": man.get("scenario"),
                "seed": man.get("seed"),
                "error": man.get("error"),
            }
        )
    found = {r["run"] for r in rows}
    rows += [{"run": name, "status": "not started"} for name in expected if name not in found]
    runs = pd.DataFrame(rows, columns=["run", "status", "scenario", "seed", "error"])
    complete = {r: m for r, m in mans.items() if m.get("status") == "complete" and (sweep_dir / r / RESULTS).is_file()}
    labels = _variant_labels(mans)  # from every run, so that a label does not depend on which runs finished
    runs["variant"] = runs["run"].map(labels)
    parts = []
    events: set[tuple[float, str]] = set()
    for run in complete:
        t = pd.read_parquet(sweep_dir / run / RESULTS)
        t["run"] = run
        t["variant"] = labels[run]
        parts.append(t)
        events.update((float(x), str(lab)) for x, lab in complete[run].get("policy_events") or [])
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    order = {name: i for i, name in enumerate(expected)}
    runs = runs.sort_values("run", key=lambda s: s.map(lambda n: order.get(n, len(order))), kind="stable")
    return Sweep(sweep_dir, table, runs.reset_index(drop=True), sorted(events))


def key_values(table: pd.DataFrame, key: KeyIndicator) -> pd.DataFrame:
    """Values of one key indicator: columns variant, scenario, seed, quarter, value (one row per run and quarter)."""
    sel = table[table.indicator == key.indicator]
    for dim in ("sector", "region", "origin"):
        want = getattr(key, dim)
        sel = sel[sel[dim] != "all"] if want == "*" else sel[sel[dim] == want]
    out = sel.groupby(["variant", "scenario", "seed", "quarter"], observed=True, as_index=False)["value"].sum()
    out.insert(0, "indicator", key.name)
    return out


def variant_order(sweep: Sweep, reference: str | None = None) -> list[str]:
    """Variants in the order of the sweep (reference first)."""
    seen: list[str] = []
    for v in sweep.runs["variant"].dropna():
        if v not in seen:
            seen.append(v)
    if reference in seen:
        seen.remove(reference)
        seen.insert(0, reference)
    return seen


def resolve_reference(variants: list[str], reference: str) -> str:
    """The variant that ``reference`` names (exactly, or the only variant of that scenario)."""
    if reference in variants:
        return reference
    cands = [v for v in variants if v.split(" [")[0] == reference]
    if len(cands) == 1:
        return cands[0]
    raise ValueError(f"reference {reference!r} is not among the sweep's scenarios {variants}")


def _tcrit(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(INTERVAL[1], n - 1)) if n > 1 else float("nan")


def statistics(values: pd.DataFrame, reference: str, quarters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean and 90% interval across seeds, and paired differences from ``reference``.

    Args:
        values: rows of :func:`key_values` for any number of key indicators.
        reference: the variant the differences are taken from.
        quarters: the quarters to report.

    Returns:
        ``(stats, paired)``: one row per indicator, variant and quarter; and the per-seed differences.
    """
    lo, hi = INTERVAL
    v = values[values.quarter.isin(quarters)]
    ref = v[v.variant == reference][["indicator", "seed", "quarter", "value"]].rename(columns={"value": "ref"})
    paired = v.merge(ref, on=["indicator", "seed", "quarter"], how="inner")
    paired["diff"] = paired["value"] - paired["ref"]
    rows = []
    for (ind, var, q), g in v.groupby(["indicator", "variant", "quarter"], observed=True, sort=False):
        x = g["value"].to_numpy(float)
        d = paired[(paired.indicator == ind) & (paired.variant == var) & (paired.quarter == q)]["diff"].to_numpy(float)
        n_d = len(d)
        se = d.std(ddof=1) / np.sqrt(n_d) if n_d > 1 else float("nan")
        rows.append(
            {
                "indicator": ind,
                "variant": var,
                "scenario": g["scenario"].iloc[0],
                "quarter": q,
                "n_seeds": len(x),
                "mean": x.mean(),
                "p05": np.quantile(x, lo),
                "p95": np.quantile(x, hi),
                "reference": reference,
                "n_pairs": n_d,
                "diff_mean": d.mean() if n_d else np.nan,
                "diff_p05": np.quantile(d, lo) if n_d else np.nan,
                "diff_p95": np.quantile(d, hi) if n_d else np.nan,
                "diff_mean_ci90_low": d.mean() - _tcrit(n_d) * se if n_d else np.nan,
                "diff_mean_ci90_high": d.mean() + _tcrit(n_d) * se if n_d else np.nan,
            }
        )
    return pd.DataFrame(rows), paired[["indicator", "variant", "seed", "quarter", "value", "ref", "diff"]]


def _fmt(x: float, fmt: str) -> str:
    return "–" if not np.isfinite(x) else format(x, fmt).replace("-", "−")


def markdown(cmp: Comparison, quarters: list[str]) -> str:
    """comparison.md: a table per key indicator, the left-out runs, and how to read it."""
    st = cmp.stats
    ref = cmp.reference
    keys = {k.name: k for k in KEY_INDICATORS}
    order = variant_order(cmp.sweep, ref)
    n_runs = int((cmp.sweep.runs.status == "complete").sum())
    lines = [
        f"# Scenario comparison: {cmp.sweep.sweep_dir.name}",
        "",
        f"{n_runs} complete runs. Values: mean across seeds [90% interval across seeds: 5th, 95th percentile]. "
        f"Δ: difference from `{ref}`, paired by seed (same random draws), mean [5th, 95th percentile of the per-seed "
        "differences]; comparison.csv also gives the 90% confidence interval of the mean difference "
        "(diff_mean_ci90_low/high).",
        "",
    ]
    for name in st.indicator.unique():
        k = keys[name]
        lines += [f"## {k.title} ({k.unit})", ""]
        head = ["scenario", "seeds"] + quarters + [f"Δ {q}" for q in quarters]
        lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        sub = st[st.indicator == name].set_index(["variant", "quarter"])
        for var in order:
            if (var, quarters[0]) not in sub.index:
                continue
            cells = [f"`{var}`", str(int(sub.loc[(var, quarters[0]), "n_seeds"]))]
            for q in quarters:
                r = sub.loc[(var, q)]
                cells.append(f"{_fmt(r['mean'], k.fmt)} [{_fmt(r['p05'], k.fmt)}, {_fmt(r['p95'], k.fmt)}]")
            for q in quarters:
                r = sub.loc[(var, q)]
                if var == ref:
                    cells.append("(reference)")
                elif r["n_pairs"] == 0:
                    cells.append("no paired seeds")
                else:
                    cells.append(
                        f"{_fmt(r['diff_mean'], '+' + k.fmt)} "
                        f"[{_fmt(r['diff_p05'], k.fmt)}, {_fmt(r['diff_p95'], k.fmt)}]"
                    )
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    left = cmp.sweep.left_out
    lines += ["## Runs left out", ""]
    if left.empty:
        lines.append("None: every run of the sweep is complete.")
    else:
        lines += ["| run | status | error |", "|---|---|---|"]
        for r in left.itertuples():
            err = r.error if isinstance(r.error, str) else ""
            lines.append(f"| `{r.run}` | {r.status} | {err} |")
    return "\n".join(lines) + "\n"


def compare(
    sweep_dir: Path | str,
    out: Path | str | None = None,
    reference: str = "baseline",
    quarters: list[str] | tuple[str, ...] = DEFAULT_QUARTERS,
    plots: bool = True,
) -> Comparison:
    """Gather a sweep and write comparison.csv, comparison.md, talent_outflow_compare.png and policy_response.png.

    Args:
        sweep_dir: the sweep directory (``hydra.sweep.dir`` of the multirun, or of :func:`~.sweep.run_sweep`).
        out: where to write; default ``sweep_dir``.
        reference: scenario (variant) the paired differences are taken from.
        quarters: quarters of the tables; those outside the runs' horizon are left out.
        plots: write the two figures.
    """
    from crossstrait_sim.plotting import plot_policy_response, plot_talent_compare

    sweep = gather(sweep_dir)
    if sweep.table.empty:
        raise ValueError(f"{sweep_dir}: no complete runs to compare ({len(sweep.runs)} runs found)")
    variants = variant_order(sweep)
    ref = resolve_reference(variants, reference)
    have = set(sweep.table["quarter"].unique())
    qs = [q for q in quarters if q in have]
    if not qs:
        raise ValueError(f"none of the quarters {list(quarters)} lies in the runs' horizon")
    values = pd.concat([key_values(sweep.table, k) for k in KEY_INDICATORS], ignore_index=True)
    stats, paired = statistics(values, ref, qs)
    cmp = Comparison(sweep, ref, stats, paired)
    out_dir = Path(out) if out is not None else Path(sweep_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rounded = stats.copy()
    num = rounded.select_dtypes("number").columns
    rounded[num] = rounded[num].astype(float).round(6)
    atomic_write(out_dir / "comparison.csv", lambda p: rounded.to_csv(p, index=False))
    atomic_write(out_dir / "comparison.md", lambda p: p.write_text(markdown(cmp, qs)))
    cmp.files += [out_dir / "comparison.csv", out_dir / "comparison.md"]
    if plots:
        order = variant_order(sweep, ref)
        talent = values[values.indicator == "talent_in_cn"]
        cmp.files.append(plot_talent_compare(talent, out_dir / "talent_outflow_compare.png", sweep.events, order))
        keys = [k for k in KEY_INDICATORS if k.name in RESPONSE_INDICATORS]
        cmp.files.append(plot_policy_response(stats, out_dir / "policy_response.png", keys, ref, order))
    return cmp


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``crossstrait-sim-compare``."""
    ap = argparse.ArgumentParser(prog="crossstrait-sim-compare", description=__doc__.splitlines()[0])
    ap.add_argument("sweep_dir", help="the sweep directory (hydra.sweep.dir of the multirun)")
    ap.add_argument("--out", default=None, help="output directory (default: SWEEP_DIR)")
    ap.add_argument("--reference", default="baseline", help="scenario the paired differences are taken from")
    ap.add_argument("--quarters", nargs="+", default=list(DEFAULT_QUARTERS), help="quarters of the tables")
    ap.add_argument("--no-plots", action="store_true", help="write the tables only")
    args = ap.parse_args(argv)
    try:
        cmp = compare(args.sweep_dir, args.out, args.reference, args.quarters, plots=not args.no_plots)
    except (FileNotFoundError, ValueError) as exc:
        print(f"crossstrait-sim-compare: {exc}", file=sys.stderr)
        sys.exit(2)
    sw = cmp.sweep
    n_ok = int((sw.runs.status == "complete").sum())
    print(
        f"crossstrait-sim-compare: {n_ok} complete runs, {sw.table['variant'].nunique()} scenarios, "
        f"reference {cmp.reference!r}"
    )
    left = sw.left_out
    if not left.empty:
        print(f"left out {len(left)} runs:", file=sys.stderr)
        for r in left.itertuples():
            err = f": {r.error}" if isinstance(r.error, str) else ""
            print(f"  {r.run}  ({r.status}{err})", file=sys.stderr)
    for f in cmp.files:
        print(f"wrote {f}")


if __name__ == "__main__":  # pragma: no cover
    main()
