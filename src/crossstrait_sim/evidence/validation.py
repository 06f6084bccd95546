"""Validation of the calibrated model: fit figure, seed bands and local sensitivities.

Run (writes ``docs/figures/calibration_fit.png`` and ``docs/validation_numbers.json``
and prints the tables used in docs/VALIDATION.md)::

    python -m crossstrait_sim.evidence.validation [--seeds 8] [--scale 0.01] [--out docs]

The model is run with the composed default config (so with
``conf/calibration/posterior_mean.yaml``). The fit figure uses 2010Q1-2015Q4 (scenario
``baseline``, identical to ``history`` up to 2015); the sensitivities use the
``history`` scenario to 2030Q4 with common random numbers.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.evidence.moments import SERIES_UNITS, default_moments, model_series

FIT_OVERRIDES = [
    "scenario=baseline",
    "end=2015Q4",
    "engine.threads=1",
    "output.plot=false",
    "output.summary_quarters=[2015Q4]",
]
PANELS: tuple[tuple[str, str], ...] = (
    ("talent_in_cn", "Taiwanese working in the mainland"),
    ("talent_abroad_total", "Taiwanese working abroad, total"),
    ("talent_share_cn", "Mainland share of those abroad"),
    ("talent_in_sea", "Taiwanese working in Southeast Asia"),
    ("invest_cn", "Approved investment to the mainland"),
    ("invest_non_cn", "Approved outward investment excl. mainland"),
    ("invest_share_cn", "Mainland share of approved outward investment"),
    ("tw_firm_entries_cn", "Taiwanese firms entering the mainland"),
)


def fit_series(seeds: list[int], scale: float, extra: list[str] | None = None) -> pd.DataFrame:
    """Annual model series for each seed, 2010-2015: columns seed, series, year, value."""
    from crossstrait_sim.config.compose import compose_config
    from crossstrait_sim.config.parameters import build_params
    from crossstrait_sim.simulation.run import simulate

    rows = []
    for s in seeds:
        cfg = compose_config([*FIT_OVERRIDES, f"seed={s}", f"scale={scale}", *(extra or [])])
        table, _ = simulate(build_params(cfg))
        for name, ser in model_series(table).items():
            if name.startswith("_"):
                continue
            rows += [{"seed": s, "series": name, "year": int(y), "value": float(v)} for y, v in ser.items()]
    return pd.DataFrame(rows)


def observed_points() -> pd.DataFrame:
    """Every data moment (fitted or reported): series, year, value, weight."""
    return pd.DataFrame(
        [
            {"series": m.series, "year": m.year, "value": m.data_value(), "weight": m.weight, "key": m.key}
            for m in default_moments()
        ]
    )


def plot_calibration_fit(model: pd.DataFrame, data: pd.DataFrame, path: Path, title: str = "") -> None:
    """Observed points against the model's seed median (line) and min-max band, one panel per series.

    Args:
        model: :func:`fit_series` output.
        data: :func:`observed_points` output (hollow markers: weight 0 or multi-year means).
        path: the PNG to write.
        title: figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(17, 8), constrained_layout=True)
    for ax, (name, label) in zip(axes.ravel(), PANELS, strict=True):
        m = model[model["series"] == name].pivot(index="year", columns="seed", values="value").sort_index()
        if not m.empty:
            x = m.index.to_numpy()
            ax.fill_between(
                x,
                m.min(axis=1),
                m.max(axis=1),
                color="tab:blue",
                alpha=0.25,
                label=f"model, {m.shape[1]} seeds (min-max)",
            )
            ax.plot(x, m.median(axis=1), color="tab:blue", lw=2, label="model median")
        d = data[data["series"] == name]
        multi = d["key"].str.contains("2012_2015")
        fitted = (d["weight"] > 0) & ~multi
        ax.plot(d.loc[fitted, "year"], d.loc[fitted, "value"], "o", color="black", ms=7, label="observed (fitted)")
        if (~fitted & ~multi).any():
            dd = d[~fitted & ~multi]
            ax.plot(dd["year"], dd["value"], "o", mfc="white", color="black", ms=7, label="observed (weight 0)")
        if multi.any():
            dm = d[multi]
            ax.hlines(dm["value"], 2011.75, 2015.0, color="tab:red", lw=2, label="observed mean 2011Q4-2015")
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(SERIES_UNITS[name].split(" (")[0], fontsize=8)
        ax.set_xlim(2009.6, 2015.4)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(0.0, lo), hi * 1.05)
    if title:
        fig.suptitle(title, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _outputs(table: pd.DataFrame) -> dict[str, float]:
    """Key long-run outputs of one run.

    Talent in CN in 2020 and 2030 (annual mean, persons); the mainland share of Taiwan's
    outward investment (percent of the 2016-2030 total, and in 2030).
    """
    ser = model_series(table)
    inv = table[
        (table["indicator"] == "tw_outward_investment") & (table["sector"] == "all") & (table["origin"] == "all")
    ]
    yr = inv["quarter"].astype(str).str[:4].astype(int)
    late = inv[(yr >= 2016) & (yr <= 2030)]
    cn = late.loc[late["region"] == "CN", "value"].sum()
    tot = late.loc[late["region"] == "all", "value"].sum()
    return {
        "talent_in_cn_2020": float(ser["talent_in_cn"][2020] * 1000.0),
        "talent_in_cn_2030": float(ser["talent_in_cn"][2030] * 1000.0),
        "invest_share_cn_2016_2030": float(100.0 * cn / tot) if tot > 0 else math.nan,
        "invest_share_cn_2030": float(ser["invest_share_cn"][2030]),
    }


def sensitivity(seeds: list[int], scale: float, rel_step: float = 0.1) -> dict[str, Any]:
    """Elasticities of the key outputs to each fitted parameter.

    Central differences at +-``rel_step`` relative change of the parameter, common random
    numbers, scenario ``history`` to 2030Q4.
    """
    from omegaconf import OmegaConf

    from crossstrait_sim.config.compose import compose_config
    from crossstrait_sim.config.parameters import build_params
    from crossstrait_sim.simulation.run import simulate

    report = (
        json.loads((Path("docs") / "calibration_report.json").read_text())
        if Path("docs/calibration_report.json").exists()
        else None
    )
    base = compose_config(["scenario=history", f"scale={scale}", "engine.threads=1", "output.plot=false"])
    params = [(p["key"], p["fitted"], p["lower"], p["upper"]) for p in report["parameters"]] if report else []

    def mean_outputs(upd: dict[str, float]) -> dict[str, float]:
        acc: list[dict[str, float]] = []
        for s in seeds:
            c = base.copy()
            c.seed = s
            for k, v in upd.items():
                OmegaConf.update(c, k, float(v), merge=False)
            table, _ = simulate(build_params(c))
            acc.append(_outputs(table))
        return {k: float(np.mean([a[k] for a in acc])) for k in acc[0]}, {k: [a[k] for a in acc] for k in acc[0]}

    y0, y0_seeds = mean_outputs({})
    rows = []
    for key, val, lo, hi in params:
        up, dn = min(hi, val * (1 + rel_step)), max(lo, val * (1 - rel_step))
        yu, _ = mean_outputs({key: up})
        yd, _ = mean_outputs({key: dn})
        dlog = math.log(up / dn)
        rows.append(
            {
                "key": key,
                "value": val,
                "low": dn,
                "high": up,
                "elasticity": {k: (yu[k] - yd[k]) / y0[k] / dlog for k in y0},
                "at_low": yd,
                "at_high": yu,
            }
        )
    return {"base": y0, "base_by_seed": y0_seeds, "seeds": seeds, "scale": scale, "rel_step": rel_step, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    """CLI: figure, seed-band numbers and sensitivities."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8, help="seeds of the fit figure")
    ap.add_argument("--sens-seeds", type=int, default=3, help="seeds of each sensitivity run")
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--out", default="docs")
    ap.add_argument("--no-sensitivity", action="store_true")
    a = ap.parse_args(argv)
    out = Path(a.out)
    seeds = list(range(a.seeds))
    model = fit_series(seeds, a.scale)
    prior = fit_series(seeds[:4], a.scale, ["calibration=none"])
    data = observed_points()
    plot_calibration_fit(
        model,
        data,
        out / "figures" / "calibration_fit.png",
        f"Calibrated model (default calibration, scale {a.scale}, {len(seeds)} seeds) "
        "against the observed series, 2010-2015",
    )
    band = model.groupby(["series", "year"])["value"].agg(["median", "min", "max"]).reset_index()
    prior_med = prior.groupby(["series", "year"])["value"].median()
    result: dict[str, Any] = {"seeds": seeds, "scale": a.scale, "moments": []}
    for _, d in data.iterrows():
        if "2012_2015" in d["key"]:
            continue
        b = band[(band["series"] == d["series"]) & (band["year"] == d["year"])]
        if b.empty:
            continue
        b = b.iloc[0]
        result["moments"].append(
            {
                "key": d["key"],
                "data": d["value"],
                "weight": d["weight"],
                "median": b["median"],
                "min": b["min"],
                "max": b["max"],
                "prior_median": float(prior_med.get((d["series"], d["year"]), np.nan)),
                "inside_band": bool(b["min"] <= d["value"] <= b["max"]),
            }
        )
    print("| moment | weight | data | model median (min-max over seeds) | prior median | data inside band |")
    print("|---|---|---|---|---|---|")
    for r in result["moments"]:
        print(
            f"| {r['key']} | {r['weight']:g} | {r['data']:.4g} | {r['median']:.4g} ({r['min']:.4g}-{r['max']:.4g}) | "
            f"{r['prior_median']:.4g} | {'yes' if r['inside_band'] else 'no'} |"
        )
    if not a.no_sensitivity:
        sens = sensitivity(list(range(a.sens_seeds)), a.scale)
        result["sensitivity"] = sens
        print("\nbase outputs:", {k: round(v, 1) for k, v in sens["base"].items()})
        print(
            "| parameter | fitted | elasticity: talent in CN 2020 | talent in CN 2030 "
            "| CN share of investment 2016-2030 | CN share 2030 |"
        )
        print("|---|---|---|---|---|---|")
        for r in sens["rows"]:
            e = r["elasticity"]
            print(
                f"| `{r['key']}` | {r['value']:.4g} | {e['talent_in_cn_2020']:+.3f} | {e['talent_in_cn_2030']:+.3f} | "
                f"{e['invest_share_cn_2016_2030']:+.3f} | {e['invest_share_cn_2030']:+.3f} |"
            )
    (out / "validation_numbers.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    print(f"wrote {out / 'figures' / 'calibration_fit.png'} and {out / 'validation_numbers.json'}")


if __name__ == "__main__":  # pragma: no cover
    main()
