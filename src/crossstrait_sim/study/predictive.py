"""Posterior predictive checks of the calibration (issue 10), run through the sweep machinery.

``python -m crossstrait_sim.study.predictive [--draws 200] [--n-jobs 2] [--out docs]`` runs the
``history`` scenario to 2019Q4 with ``calibration=posterior`` for ``--draws`` fresh seeds (each seed
draws its own parameter set from the packaged posterior and simulates with its own random numbers),
as one resumable sweep (:func:`crossstrait_sim.study.sweep.run_sweep`). For every target of the fit
(:func:`crossstrait_sim.evidence.moments.posterior_targets`) it takes the median and the 90% band
over the runs, and writes

* ``<out>/posterior_predictive.json``: a list of ``{series, year, observed, median, lo90, hi90}``
  (plus ``key``, ``kind``, ``inside``), one per target; the coverage is the share of observed
  points (level targets) inside their bands;
* ``<out>/figures/ppc_<series>.png``: per observed series, the yearly band and median with the
  observed points, the fitted years marked.

It also measures issue 10's done-when figures on the default calibration (``posterior_mean``):
``--check-seeds`` seeds of ``history``, written to ``<out>/posterior_checks.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.atomic import write_json
from crossstrait_sim.config.compose import default_scale
from crossstrait_sim.evidence.moments import (
    POSTERIOR_LAST_YEAR,
    TARGET_UNITS,
    Target,
    annual_quantities,
    posterior_targets,
    quarterly_frame,
    series_value,
    target_value,
)
from crossstrait_sim.study.sweep import run_sweep

MODEL = ["scenario=history", "end=2019Q4", "engine.threads=1", "output.plot=false", "output.summary_quarters=[2019Q4]"]
"""The model of the checks: the fit's (conf/calibrate/posterior.yaml) with the calibration left to the caller."""
FIRST_SEED = 100_000
"""Seeds of the checks start here: fresh, never a seed of the fit or of the tests."""
YEARS = range(2010, POSTERIOR_LAST_YEAR + 1)


def run_tables(
    sweep_dir: Path, seeds: range, overrides: list[str], n_jobs: int, progress: bool
) -> list[tuple[int, pd.DataFrame]]:
    """Run one sweep over ``seeds`` (resumable) and read back every complete run's table."""
    res = run_sweep(sweep_dir, {"seed": list(seeds)}, overrides, n_jobs=n_jobs, progress=progress)
    out = []
    for name in res.loc[res["status"].isin(["complete", "skipped"]), "run"]:
        seed = int(str(name).split("seed=")[1].split(",")[0])
        out.append((seed, pd.read_parquet(sweep_dir / str(name) / "results.parquet")))
    return sorted(out, key=lambda t: t[0])


def per_run_values(tables: list[tuple[int, pd.DataFrame]], targets: tuple[Target, ...]) -> pd.DataFrame:
    """Per run: every target's value (key) and every level series in every year (series, year)."""
    series = sorted({t.series for t in targets if t.kind == "level"})
    rows: list[dict[str, Any]] = []
    for seed, table in tables:
        frame = quarterly_frame(table)
        rows += [{"seed": seed, "key": t.key, "value": target_value(frame, t)} for t in targets]
        for y in YEARS:
            a = annual_quantities(frame, y, 12)
            rows += [{"seed": seed, "key": f"{s}@{y}", "value": series_value(a, s)} for s in series]
    return pd.DataFrame(rows)


def bands(values: pd.DataFrame, targets: tuple[Target, ...]) -> list[dict[str, Any]]:
    """Median and 90% band of each target over the runs, with the observed value and whether it lies inside."""
    out = []
    for t in targets:
        v = values.loc[values["key"] == t.key, "value"].dropna().to_numpy()
        lo, med, hi = (float(np.quantile(v, q)) for q in (0.05, 0.5, 0.95)) if len(v) else (np.nan,) * 3
        out.append(
            {
                "series": t.series if t.kind == "level" else t.key,
                "year": t.year,
                "observed": t.value,
                "median": med,
                "lo90": lo,
                "hi90": hi,
                "key": t.key,
                "kind": t.kind,
                "tag": t.tag,
                "months": t.months,
                "inside": bool(lo <= t.value <= hi),
            }
        )
    return out


def coverage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of observed points (level targets, full-year or part-year) inside their 90% bands; and of all targets."""
    level = [r for r in rows if r["kind"] == "level"]
    return {
        "observed_points": len(level),
        "inside": sum(r["inside"] for r in level),
        "share": sum(r["inside"] for r in level) / max(len(level), 1),
        "all_targets": len(rows),
        "all_inside": sum(r["inside"] for r in rows),
        "share_all": sum(r["inside"] for r in rows) / max(len(rows), 1),
    }


def plot_series(values: pd.DataFrame, rows: list[dict[str, Any]], series: str, path: Path, n: int) -> None:
    """One series: the yearly 90% band and median of the runs, the observed points, the fitted years shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    years = list(YEARS)
    q = np.array(
        [
            np.nanquantile(
                values.loc[values["key"] == f"{series}@{y}", "value"].to_numpy(dtype=float), [0.05, 0.5, 0.95]
            )
            for y in years
        ]
    )
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.axvspan(years[0] - 0.5, years[-1] + 0.5, color="0.93", zorder=0, label="fitted years (2010-2019)")
    ax.fill_between(years, q[:, 0], q[:, 2], color="tab:blue", alpha=0.25, label=f"model, 90% band ({n} draws)")
    ax.plot(years, q[:, 1], color="tab:blue", lw=2, label="model median")
    pts = [r for r in rows if r["kind"] == "level" and r["series"] == series]
    full = [r for r in pts if r["months"] == 12]
    part = [r for r in pts if r["months"] < 12]
    ax.plot([r["year"] for r in full], [r["observed"] for r in full], "o", color="black", label="observed")
    for r in part:  # a part-year figure against the same months of the model: its own band
        ax.errorbar(r["year"] + 0.15, r["median"], yerr=[[r["median"] - r["lo90"]], [r["hi90"] - r["median"]]],
                    fmt="s", color="tab:orange", ms=4, label=f"model, first {r['months']} months")  # fmt: skip
        ax.plot(r["year"] + 0.15, r["observed"], "D", color="black", mfc="white", label=f"observed, {r['months']} mo.")
    ax.set_title(f"{series}: posterior predictive, history 2010-2019", fontsize=10)
    ax.set_ylabel(TARGET_UNITS.get(series, "").split(" (")[0], fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def done_when(tables: list[tuple[int, pd.DataFrame]]) -> dict[str, Any]:
    """Issue 10's done-when figures from runs of ``history`` (one table per seed)."""
    per: dict[str, list[float]] = {}
    for _, table in tables:
        frame = quarterly_frame(table)
        for y in YEARS:
            a = annual_quantities(frame, y, 12)
            for s in ("invest_share_cn", "talent_in_cn", "talent_abroad_total"):
                per.setdefault(f"{s}_{y}", []).append(series_value(a, s))
    return {k: {"mean": float(np.mean(v)), "min": float(np.min(v)), "max": float(np.max(v))} for k, v in per.items()}


def main(argv: list[str] | None = None) -> None:
    """CLI: the predictive checks, their figures and the done-when figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200, help="runs of calibration=posterior, each a fresh seed")
    ap.add_argument("--check-seeds", type=int, default=5, help="seeds of the done-when figures (posterior_mean)")
    ap.add_argument("--scale", type=float, default=None, help="agents per real unit (default: the config's scale)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", default="docs")
    ap.add_argument("--sweep-dir", default="outputs/predictive", help="run folders (a rerun resumes)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.scale is None:
        a.scale = default_scale()
    out, sweeps = Path(a.out), Path(a.sweep_dir)
    targets = posterior_targets()
    t0 = time.perf_counter()
    model = [*MODEL, f"scale={a.scale}"]
    seeds = range(FIRST_SEED, FIRST_SEED + a.draws)
    tables = run_tables(sweeps / "posterior", seeds, [*model, "calibration=posterior"], a.n_jobs, not a.quiet)
    values = per_run_values(tables, targets)
    rows = bands(values, targets)
    write_json(out / "posterior_predictive.json", rows)
    for s in sorted({r["series"] for r in rows if r["kind"] == "level"}):
        plot_series(values, rows, s, out / "figures" / f"ppc_{s}.png", len(tables))
    t1 = time.perf_counter()
    checks = run_tables(sweeps / "mean", range(a.check_seeds), [*model, "calibration=posterior_mean"], a.n_jobs, False)
    summary = {
        "draws": len(tables),
        "scale": a.scale,
        "coverage": coverage(rows),
        "done_when": done_when(checks),
        "check_seeds": a.check_seeds,
        "seconds": {"predictive": round(t1 - t0, 1), "checks": round(time.perf_counter() - t1, 1)},
    }
    write_json(out / "posterior_checks.json", summary)
    print(json.dumps(summary["coverage"]), f"({summary['seconds']})")


if __name__ == "__main__":  # pragma: no cover
    main()
