"""Scenario discovery: the futures in which a response fails, found by PRIM (ema-workbench 3.0) on our tables.

A response *fails* in a future when it does not beat the reference on its aim (``discovery.aims``) by
more than the outcome's practical threshold. PRIM (Friedman and Fisher 1999, as in ema-workbench's
``analysis.prim.Prim``) peels the space of uncertainties (and the response's own lever values when
they are sampled) toward a box where failures are dense. On the peeling trajectory we take the
densest box whose coverage is at least ``min_coverage``; further boxes cover the failures left.

Each box: its coverage (share of all failures inside it), density (share of futures inside it that
fail), mass (share of futures inside it), and the restricted dimensions with their ranges and
PRIM's quasi-p-values.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# not uncertainties: identifiers, and history_rms_z (an outcome of the future's narrative run, study.robust.history)
SKIP = (
    "run",
    "future_id",
    "design",
    "point",
    "policy",
    "policy_kind",
    "seed",
    "status",
    "posterior.draw",
    "history_rms_z",
)


def inputs(experiments: pd.DataFrame, policy: str, responses: Sequence[str], design: str = "lhs") -> pd.DataFrame:
    """PRIM's x: one row per future of ``design``, the uncertainties and the lever values of ``policy``."""
    ex = experiments[(experiments.design == design) & (experiments.policy == policy)].set_index("future_id")
    cols = []
    for c in ex.columns:
        if c in SKIP or c.endswith(".on"):
            continue
        if c.startswith("lever."):
            r = c.split(".")[1]
            if r not in responses or ex[c].nunique() < 2:
                continue  # another response's lever, or a lever held fixed
        cols.append(c)
    x = ex[cols].copy()
    for c in x.columns:
        if c.endswith(".start"):
            x[c] = x[c].map(_quarter_number)
        elif x[c].dtype == object or isinstance(x[c].dtype, pd.StringDtype):
            # a structural alternative: its options' codes (PRIM's categorical path fails on pandas 3 here)
            cat = pd.Categorical(x[c].astype(str))
            codes = ", ".join(f"{i}={v}" for i, v in enumerate(cat.categories))
            x = x.drop(columns=c).assign(**{f"{c} ({codes})": cat.codes.astype(float)})
    x = x.astype(float)  # PRIM writes float limits into a frame of x's dtypes (an int column fails on pandas 3)
    return x.loc[:, [c for c in x.columns if x[c].nunique() > 1]]


def _quarter_number(q: Any) -> float:
    """``2018Q2`` -> 2018.25 (a lever's start as a number PRIM can cut)."""
    s = str(q)
    return int(s[:4]) + (int(s[-1]) - 1) / 4 if len(s) == 6 and s[4] == "Q" else float("nan")


def failures(eff: pd.DataFrame, policy: str, aim: str, better: str, threshold: float, design: str = "lhs") -> pd.Series:
    """Per future: True where ``policy`` does not beat the reference on ``aim`` by more than ``threshold``."""
    e = eff[(eff.design == design) & (eff.policy == policy) & (eff.outcome == aim)].set_index("future_id")["effect"]
    sign = 1.0 if better == "higher" else -1.0
    return ~(sign * e > threshold)


def find_boxes(x: pd.DataFrame, y: np.ndarray, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """PRIM boxes of the futures where ``y`` is True: stats and restricted dimensions of each."""
    from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    boxes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(
            x, y, peel_alpha=float(settings.get("peel_alpha", 0.05)), mass_min=float(settings.get("mass_min", 0.05))
        )
        for k in range(int(settings.get("max_boxes", 2))):
            box = p.find_box()
            traj = box.peeling_trajectory
            # the densest box with enough coverage among those that restrict few dimensions (a box over dozens of
            # the hundreds of uncertainties fits noise and says nothing an analyst can use)
            ok = traj[
                (traj.coverage >= float(settings.get("min_coverage", 0.5)))
                & (traj.res_dim <= int(settings.get("max_dims", 5)))
            ]
            # the box must close at least min_gain of the distance from the base rate of failures to 1
            base, gain = float(y.mean()), float(settings.get("min_gain", 0.25))
            if ok.empty or len(traj) < 2 or float(ok.density.max()) < base + gain * (1.0 - base):
                break  # no box much denser in failures than the futures as a whole: nothing to report
            i = int(ok.density.idxmax())
            box.select(i)
            stats, lims = box.inspect(i, style="data")[0]
            boxes.append(
                {
                    "box": k + 1,
                    "coverage": float(stats["coverage"]),
                    "density": float(stats["density"]),
                    "mass": float(stats["mass"]),
                    "n": int(stats["n"]),
                    "limits": _limits(lims, x),
                }
            )
    return boxes


def _limits(lims: pd.DataFrame, x: pd.DataFrame) -> list[dict[str, Any]]:
    """The restricted dimensions of a box: name, min, max (or the categories kept), the sampled range, qp.

    ``lims`` is ema-workbench's box table: columns min, max and two quasi-p-values (lower, upper limit).
    """
    out = []
    for name, r in lims.iterrows():
        col = x[name]
        vals = list(r.to_numpy())
        qps = [float(v) for v in vals[2:] if np.isfinite(_num(v))]
        row = {"dimension": str(name), "qp_value": max(qps) if qps else float("nan")}
        if isinstance(col.dtype, pd.CategoricalDtype):
            row.update(kept=", ".join(sorted(map(str, vals[0]))), lower=np.nan, upper=np.nan)
        else:
            row.update(kept="", lower=_num(vals[0]), upper=_num(vals[1]))
        row.update(
            sampled_lower=_num(col.min()) if not isinstance(col.dtype, pd.CategoricalDtype) else np.nan,
            sampled_upper=_num(col.max()) if not isinstance(col.dtype, pd.CategoricalDtype) else np.nan,
        )
        out.append(row)
    return out


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def discover(
    experiments: pd.DataFrame,
    eff: pd.DataFrame,
    specs: Mapping[str, Mapping[str, Any]],
    thr: Mapping[str, float],
    responses: Mapping[str, Sequence[str]],
    settings: Mapping[str, Any],
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Boxes for every response with an aim: the boxes' rows (one per restricted dimension), and a summary each."""
    rows, summary = [], []
    for pol, aim in dict(settings.get("aims") or {}).items():
        if aim not in specs or pol not in responses:
            continue
        y = failures(eff, pol, aim, str(specs[aim].get("better")), thr[aim])
        x = inputs(experiments, pol, responses[pol]).reindex(y.index)
        n_fail, n = int(y.sum()), len(y)
        s = {"policy": pol, "aim": aim, "n_futures": n, "n_fail": n_fail, "boxes": []}
        if min(n_fail, n - n_fail) < int(settings.get("min_cases", 5)):
            s["note"] = f"{n_fail} of {n} futures fail: too few failures or successes for PRIM"
        else:
            s["boxes"] = find_boxes(x.reset_index(drop=True), y.to_numpy(bool), settings)
            if not s["boxes"]:
                s["note"] = (
                    "PRIM found no box of few dimensions much denser in failures than the futures as a whole "
                    f"(density at least the share of failures plus {float(settings.get('min_gain', 0.25)):g} "
                    "of the rest)"
                )
        for b in s["boxes"]:
            for lim in b["limits"]:
                rows.append(
                    {
                        "policy": pol,
                        "aim": aim,
                        "box": b["box"],
                        "coverage": b["coverage"],
                        "density": b["density"],
                        "mass": b["mass"],
                        "n_in_box": b["n"],
                        **lim,
                    }
                )
        summary.append(s)
    cols = [
        "policy",
        "aim",
        "box",
        "coverage",
        "density",
        "mass",
        "n_in_box",
        "dimension",
        "lower",
        "upper",
        "kept",
        "sampled_lower",
        "sampled_upper",
        "qp_value",
    ]
    return pd.DataFrame(rows, columns=cols), summary
