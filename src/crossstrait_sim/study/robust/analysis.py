"""Robustness of each response across futures, and the global sensitivity of the policy differences.

Robustness (``robustness.csv``), per policy and outcome, over the Latin-hypercube futures:

* ``p_beats``: share of futures in which the policy does better than the reference (in the outcome's
  ``better`` direction); ``p_beats_material``: better by more than the outcome's practical threshold;
* the median effect and its 5th-95th percentile range across futures;
* regret: in each future, how far the policy falls short of the best of the reference and the
  responses on that outcome (median, 95th percentile, maximum);
* the seed-only range: the 5th-95th percentile of the same effect over seeds of the configured model
  (the ``nominal`` design), the yardstick the range across futures is held against.

Cost per professional-year kept: the policy's extra spend over a span of years (Taiwan's money, 2016-2030
in the study) divided by the professional-years it keeps out of the mainland over the same span, in the
futures where it keeps more than the practical threshold. (A year's spend against that year's stock would
mix a flow with the stock that earlier years' spending built, and reports a response that no longer pays
anyone in 2030 as free.)

Sensitivity (``sensitivity.csv``): SALib's Sobol total-order (or Morris mu*) index of each factor group
for each policy difference, with bootstrap confidence intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.study.compare import NEGLIGIBLE_AGENTS

LO, HI = 0.05, 0.95


def thresholds(specs: Mapping[str, Mapping[str, Any]], scale: float) -> dict[str, float]:
    """Each outcome's practical threshold: a few agents' weight for a count, else its declared ``negligible``.

    A count summed over a span of quarters in years (``per_year``: person-years) gets a few agents over the span.
    """
    out = {}
    for k, s in specs.items():
        if not s.get("count"):
            out[k] = float(s.get("negligible", 0.0))
            continue
        years = _span_quarters(s["quarters"]) / 4.0 if s.get("per_year") and "quarters" in s else 1.0
        out[k] = NEGLIGIBLE_AGENTS / scale * years
    return out


def _span_quarters(span: Sequence[str]) -> int:
    """Quarters in an inclusive span ``["2016Q1", "2030Q4"]``."""
    (y0, q0), (y1, q1) = ((int(str(x)[:4]), int(str(x)[-1])) for x in span)
    return (y1 - y0) * 4 + (q1 - q0) + 1


def _q(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if len(x) else float("nan")


def regret(outcomes: pd.DataFrame, specs: Mapping[str, Mapping[str, Any]], candidates: Sequence[str]) -> pd.DataFrame:
    """Per future, policy and outcome: the shortfall from the best of ``candidates`` (>= 0)."""
    v = outcomes[outcomes.policy.isin(candidates)][["future_id", "policy", "outcome", "value"]].copy()
    sign = v["outcome"].map(lambda o: 1.0 if specs[o].get("better") == "higher" else -1.0)
    v["score"] = sign * v["value"]
    best = v.groupby(["future_id", "outcome"], observed=True)["score"].transform("max")
    v["regret"] = best - v["score"]
    return v[["future_id", "policy", "outcome", "regret"]]


def robustness(
    eff: pd.DataFrame,
    reg: pd.DataFrame,
    specs: Mapping[str, Mapping[str, Any]],
    thr: Mapping[str, float],
    design: str = "lhs",
) -> pd.DataFrame:
    """One row per policy and outcome: p_beats, median and 5-95% effect, regret, and the seed-only range."""
    rows = []
    lhs, nom = eff[eff.design == design], eff[eff.design == "nominal"]
    r_lhs = reg.merge(eff[["future_id", "design"]].drop_duplicates(), on="future_id")
    r_lhs = r_lhs[r_lhs.design == design]
    for (pol, out), g in lhs.groupby(["policy", "outcome"], observed=True, sort=False):
        e = g["effect"].to_numpy(float)
        e = e[np.isfinite(e)]
        sgn = 1.0 if specs[out].get("better") == "higher" else -1.0
        s = nom[(nom.policy == pol) & (nom.outcome == out)]["effect"].to_numpy(float)
        r = r_lhs[(r_lhs.policy == pol) & (r_lhs.outcome == out)]["regret"].to_numpy(float)
        rows.append(
            {
                "policy": pol,
                "outcome": out,
                "better": specs[out].get("better"),
                "unit": specs[out].get("unit", ""),
                "n_futures": len(e),
                "p_beats": float(np.mean(sgn * e > 0)) if len(e) else np.nan,
                "threshold": thr[out],
                "p_beats_material": float(np.mean(sgn * e > thr[out])) if len(e) else np.nan,
                "p_worse_material": float(np.mean(sgn * e < -thr[out])) if len(e) else np.nan,
                "effect_median": _q(e, 0.5),
                "effect_p05": _q(e, LO),
                "effect_p95": _q(e, HI),
                "effect_mean": float(e.mean()) if len(e) else np.nan,
                "regret_median": _q(r, 0.5),
                "regret_p95": _q(r, HI),
                "regret_max": float(r.max()) if len(r) else np.nan,
                "n_seeds": len(s),
                "seed_only_p05": _q(s, LO),
                "seed_only_p95": _q(s, HI),
                "seed_only_mean": float(s.mean()) if len(s) else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    if not out.empty:
        out["range_ratio"] = (out.effect_p95 - out.effect_p05) / (out.seed_only_p95 - out.seed_only_p05)
    return out


def cost_per_kept(eff: pd.DataFrame, spend: str, talent: str, threshold: float, design: str = "lhs") -> pd.DataFrame:
    """Per policy: USD per professional-year kept out of the mainland, across the futures that keep some.

    ``spend`` (USD m) and ``talent`` (professional-years) are outcomes over the same span.
    """
    e = eff[eff.design == design].pivot_table(
        index=["future_id", "policy"], columns="outcome", values="effect", aggfunc="first", observed=True
    )
    rows = []
    if spend not in e or talent not in e:
        return pd.DataFrame(columns=["policy", "n_futures", "p_keeps", "cost_median", "cost_p05", "cost_p95"])
    for pol, g in e.groupby(level="policy", sort=False):
        kept = -g[talent].to_numpy(float)
        extra = g[spend].to_numpy(float) * 1e6  # USD m -> USD
        ok = kept > threshold
        c = extra[ok] / kept[ok]
        rows.append(
            {
                "policy": pol,
                "n_futures": len(kept),
                "p_keeps": float(ok.mean()) if len(kept) else np.nan,
                "cost_median": _q(c, 0.5),
                "cost_p05": _q(c, LO),
                "cost_p95": _q(c, HI),
            }
        )
    return pd.DataFrame(rows)


def sensitivity(
    eff: pd.DataFrame,
    futures: pd.DataFrame,
    problem: Mapping[str, Any],
    method: str,
    policies: Sequence[str],
    outcomes: Sequence[str],
    resamples: int = 1000,
    conf_level: float = 0.9,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of each policy difference to each factor group, with confidence intervals."""
    pts = futures[futures.design == method]
    if pts.empty:
        return pd.DataFrame()
    n_points = int(pts["point"].max()) + 1
    d = eff[eff.design == method].merge(futures[["future_id", "point"]], on="future_id")
    rows = []
    for pol in policies:
        for out in outcomes:
            y = d[(d.policy == pol) & (d.outcome == out)].groupby("point")["effect"].mean()
            y = y.reindex(range(n_points)).to_numpy(float)
            keep = np.isfinite(y)
            if method == "morris" and not keep.all():
                # a failed run (e.g. a diverged parameter set, docs/ODD.md 7.11) breaks its trajectory:
                # Morris is computed over the complete trajectories only
                keep = _complete_trajectories(keep, problem)
                if not keep.any():
                    continue
            elif len(y) == 0 or not keep.all():
                continue  # a missing point (a failed run) leaves this difference out
            rows += _indices(problem, pts, y, method, resamples, conf_level, seed, pol, out, keep)
    return pd.DataFrame(rows)


def _trajectory_length(problem: Mapping[str, Any]) -> int:
    """Points in one Morris trajectory: one more than the factor groups (or factors)."""
    groups = problem.get("groups")
    return (len(set(groups)) if groups else int(problem["num_vars"])) + 1


def _complete_trajectories(finite: np.ndarray, problem: Mapping[str, Any]) -> np.ndarray:
    """Mask of the points of every Morris trajectory whose points are all finite."""
    n = _trajectory_length(problem)
    whole = finite.reshape(-1, n).all(axis=1)
    return np.repeat(whole, n)


def _indices(problem, pts, y, method, resamples, conf_level, seed, pol, out, keep=None) -> list[dict]:
    """SALib's analysis of one output (rows: one per factor group); ``keep``: Morris points to use."""
    from crossstrait_sim.study.robust.design import U_PREFIX

    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(
            dict(problem), y, calc_second_order=False, num_resamples=resamples, conf_level=conf_level, seed=seed
        )
        df = res.to_df()[0].join(res.to_df()[1])
        cols = {"ST": "index", "ST_conf": "index_conf", "S1": "first_order", "S1_conf": "first_order_conf"}
        measure = "sobol_total_order"
    else:
        from SALib.analyze import morris

        x = pts.drop_duplicates("point").sort_values("point")[[U_PREFIX + n for n in problem["names"]]]
        x = x.to_numpy(float)
        if keep is not None:
            x, y = x[keep], y[keep]
        df = morris.analyze(dict(problem), x, y, num_resamples=resamples, conf_level=conf_level, seed=seed).to_df()
        cols = {"mu_star": "index", "mu_star_conf": "index_conf", "mu": "mu", "sigma": "sigma"}
        measure = "morris_mu_star"
    df = df.rename(columns=cols)
    sd = float(np.std(y))
    return [
        {
            "policy": pol,
            "outcome": out,
            "measure": measure,
            "factor": str(g),
            "output_sd": sd,
            "points": len(y),  # Morris: fewer than the design's when a failed run dropped its trajectory
            "conf_level": conf_level,
            **{c: float(r[c]) for c in cols.values() if c in r},
        }
        for g, r in df.iterrows()
    ]
