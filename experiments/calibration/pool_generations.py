"""A diagnostic of the posterior fit: does pooling every ABC-SMC generation rescue the effective sample size?

The shipped posterior is the last generation of ABC-SMC, whose importance weights (prior / proposal)
are very uneven (docs/VALIDATION.md). This script re-weights the accepted particles of *all*
generations that lie within a tolerance ``eps`` by multiple importance sampling with the balance
heuristic: weight = prior(theta) / sum_t (n_t / N) q_t(theta) / Z_t, where q_t is generation t's
proposal (the prior for t = 0, pyabc's transition fitted to generation t-1 for t >= 1, refitted here
exactly as pyabc fits it), n_t the simulations it ran (rejected ones included), N their sum, and Z_t
the share of the proposal's mass inside the prior's box (pyabc redraws proposals outside it; estimated
from 20,000 draws). Each particle accepted in generation t at tolerance eps_t >= eps is a draw of q_t
that passed eps, so the pooled, re-weighted set is an importance sample of the ABC posterior at eps.

Run (after crossstrait-sim-calibrate; reads its workdir, writes nothing):
    python experiments/calibration/pool_generations.py [--workdir outputs/calibrate/posterior]
        [--eps 1.8 1.9 2.0 2.16]
It prints, per tolerance, the particles pooled and their effective sample size.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    """Print, per tolerance, the pooled particles and their effective sample size."""
    import pyabc
    from hydra import compose, initialize_config_dir

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.evidence import posterior_fit as pf

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default="outputs/calibrate/posterior")
    ap.add_argument("--eps", type=float, nargs="+", default=[1.8, 1.9, 2.0, 2.16])
    args = ap.parse_args()
    with initialize_config_dir(str(conf_dir()), version_base=None):
        settings = compose("calibrate/posterior")
    work = Path(args.workdir)
    transition = json.loads((work / "report.json").read_text())["transition"]  # the fit's, with its overrides
    if transition["kind"] != "local" or float(transition.get("scaling", 1.0)) != 1.0:
        raise SystemExit(f"this diagnostic refits pyabc's LocalTransition (scaling 1); the fit used {transition}")
    info = json.loads((work / "abc.json").read_text())
    h = pyabc.History("sqlite:///" + str(work / "abc.db"), _id=info["abc_id"])
    pops = h.get_all_populations()
    n = pops[pops.t >= 0].set_index("t")["samples"].to_dict()
    T = h.max_t
    gens = [(*h.get_distribution(t=t), h.get_weighted_distances(t=t)["distance"].to_numpy()) for t in range(T + 1)]
    priors = {p.name: p for p in pf.read_priors(settings)}
    cols = list(gens[0][0].columns)
    lo = np.array([priors[c].bounds[0] for c in cols])
    hi = np.array([priors[c].bounds[1] for c in cols])
    prior_pdf = 1.0 / float(np.prod(hi - lo))
    np.random.seed(0)  # noqa: NPY002 - pyabc draws from numpy's global generator
    proposals = []
    for t in range(1, T + 1):
        tr = pyabc.LocalTransition(k_fraction=float(transition["k_fraction"]))
        df, w, _ = gens[t - 1]
        tr.fit(df[cols], np.asarray(w) / np.sum(w))
        draws = tr.rvs(size=20_000)[cols].to_numpy()
        proposals.append((tr, float(np.mean(np.all((draws >= lo) & (draws <= hi), axis=1)))))
    total = sum(n[t] for t in range(T + 1))
    print(f"{T + 1} generations, {total} simulations; proposal mass inside the prior's box by generation 1..{T}:")
    print("  " + " ".join(f"{z:.3f}" for _, z in proposals))
    for eps in args.eps:
        pooled = pd.concat([df[cols][d <= eps] for df, _, d in gens])
        by_gen = [int((d <= eps).sum()) for _, _, d in gens]
        mix = np.full(len(pooled), n[0] / total * prior_pdf)
        for t, (tr, z) in enumerate(proposals, start=1):
            mix += n[t] / total * np.asarray(tr.pdf(pooled)) / z
        w = prior_pdf / mix
        w /= w.sum()
        print(f"eps {eps}: {len(pooled)} particles pooled (by generation {by_gen}), ESS {1.0 / np.sum(w**2):.1f}")


if __name__ == "__main__":
    main()
