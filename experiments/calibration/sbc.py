"""Simulation-based calibration (SBC) of the posterior inference, at a small budget (issue 10).

    python experiments/calibration/sbc.py [--reference 600] [--truths 100] [--accept 30] [--n-jobs 2]

Talts et al. (2018): draw a "true" parameter from the prior, simulate a synthetic data set from
it, infer the posterior from that data set, and rank the truth among the posterior draws; over many
data sets the ranks of an unbiased, well-calibrated inference are uniform. Each inference here is
rejection ABC on one shared reference table (the ``--reference`` prior simulations; the ``--accept``
nearest by the fit's own distance, the root mean square z-score over the targets (data sd and the fit's
measured simulator spread, noise.json, in quadrature), form the posterior
sample), so 100 inferences cost one table of simulations. It checks what can bias the fit: the
priors, the targets, their tolerances and the distance. It does not check pyabc's SMC steps
(a full ABC-SMC per synthetic data set would cost 100 fits).

The parameters are the fit's free ones (those ``<workdir>/screening.json`` froze left out; the model
config of ``conf/calibrate/posterior.yaml``). Simulations are cached in ``--cache`` (a rerun resumes).
Writes ``--out``/sbc.json (ranks, a chi-square uniformity test and mean rank per parameter) and
``--out``/figures/sbc_ranks.png.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from scipy import stats

from crossstrait_sim.atomic import write_json
from crossstrait_sim.config.compose import conf_dir
from crossstrait_sim.evidence.moments import posterior_targets
from crossstrait_sim.evidence.posterior_fit import Simulator, model_config, pool_map, read_priors, with_noise

ROOT = Path(__file__).resolve().parents[2]


class _Run:
    """One prior simulation: (search-space values, seed) -> target values (picklable for the pool)."""

    def __init__(self, sim: Simulator, names: list[str]) -> None:
        self.sim, self.names = sim, names

    def __call__(self, item: tuple[np.ndarray, int]) -> np.ndarray:
        x, seed = item
        return self.sim.moments(dict(zip(self.names, x, strict=True)), seed)


def simulate_table(sim: Simulator, theta: np.ndarray, seeds: np.ndarray, cache: Path, n_jobs: int) -> np.ndarray:
    """Target values of every row of ``theta``, in chunks saved to ``cache`` so that a rerun resumes."""
    names = [p.name for p in sim.priors]
    done = np.load(cache)["m"] if cache.exists() else np.empty((0, len(sim.targets)))
    chunk = 50
    t0, first = time.perf_counter(), len(done)
    while len(done) < len(theta):
        i = len(done)
        items = [(theta[j], int(seeds[j])) for j in range(i, min(i + chunk, len(theta)))]
        done = np.vstack([done, np.asarray(pool_map(_Run(sim, names), items, n_jobs))])  # saved per chunk
        np.savez(cache, m=done)
        rate = (time.perf_counter() - t0) / max(len(done) - first, 1)
        print(f"sbc: {len(done)}/{len(theta)} simulations ({rate:.2f} s each)", flush=True)
    return done[: len(theta)]


def ranks(ref_theta: np.ndarray, ref_m: np.ndarray, true_theta: np.ndarray, true_m: np.ndarray, sd: np.ndarray,
          accept: int) -> np.ndarray:  # fmt: skip
    """Rank of each truth among its ``accept`` nearest reference parameters (0..accept), per parameter."""
    out = np.zeros(true_theta.shape, dtype=int)
    for i in range(len(true_theta)):
        z = (ref_m - true_m[i]) / sd
        z = np.where(np.isfinite(z), z, 10.0)
        d = np.sqrt(np.mean(z**2, axis=1))
        post = ref_theta[np.argsort(d)[:accept]]
        out[i] = (post < true_theta[i]).sum(axis=0)
    return out


def main(argv: list[str] | None = None) -> None:
    """CLI."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default=str(conf_dir() / "calibrate" / "posterior.yaml"))
    ap.add_argument("--reference", type=int, default=600)
    ap.add_argument("--truths", type=int, default=100)
    ap.add_argument("--accept", type=int, default=30)
    ap.add_argument("--scale", type=float, default=None, help="model scale (default: the fit's)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default="outputs/calibrate/sbc")
    ap.add_argument("--out", default="docs")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    s = OmegaConf.load(a.settings)
    priors = read_priors(s)
    screening = Path(str(s.workdir)) / "screening.json"
    rows = json.loads(screening.read_text())["rows"] if screening.exists() else []
    frozen = {r["name"] for r in rows if r["frozen"]}
    free = [p for p in priors if p.name not in frozen]
    overrides = list(s.model_overrides) + ([f"scale={a.scale}"] if a.scale else [])
    s.model_overrides = overrides
    # the fit's own distance: each target's data sd and, where the fit measured it (noise.json), the
    # simulator's seed spread in quadrature
    noise_path = Path(str(s.workdir)) / "noise.json"
    noise = json.loads(noise_path.read_text()) if noise_path.exists() else {"sd": {}}
    targets = with_noise(posterior_targets(), noise)
    sim = Simulator(model_config(s, free), tuple(free), targets)
    rng = np.random.default_rng(a.seed)
    n = a.reference + a.truths
    lo, hi = np.array([p.bounds[0] for p in free]), np.array([p.bounds[1] for p in free])
    theta = lo + (hi - lo) * rng.random((n, len(free)))
    seeds = rng.integers(0, 2**31 - 1, n)
    cache = Path(a.cache)
    cache.mkdir(parents=True, exist_ok=True)
    m = simulate_table(sim, theta, seeds, cache / f"sims_{a.seed}_{n}_{len(free)}.npz", a.n_jobs)
    sd = np.array([t.total_sd for t in targets])
    r = ranks(theta[: a.reference], m[: a.reference], theta[a.reference :], m[a.reference :], sd, a.accept)
    bins = min(10, a.accept + 1)
    rows = []
    for j, p in enumerate(free):
        counts = np.histogram(r[:, j], bins=bins, range=(-0.5, a.accept + 0.5))[0]
        rows.append({"name": p.name, "key": p.key, "mean_rank": float(r[:, j].mean() / a.accept),
                     "chi2_p": float(stats.chisquare(counts).pvalue), "counts": counts.tolist()})  # fmt: skip
    out = Path(a.out)
    summary = {"reference": a.reference, "truths": a.truths, "accept": a.accept, "model_overrides": overrides,
               "simulator_noise_seeds": int(noise.get("seeds", 0)),
               "seconds": round(time.perf_counter() - t0, 1), "parameters": rows, "ranks": r.tolist()}  # fmt: skip
    write_json(out / "sbc.json", summary)
    plot(rows, a, out / "figures" / "sbc_ranks.png")
    for row in rows:
        print(f"{row['name']:24s} mean rank {row['mean_rank']:.2f} (0.5 unbiased)  chi2 p={row['chi2_p']:.3f}")


def plot(rows: list[dict], a: argparse.Namespace, path: Path) -> None:
    """One rank histogram per parameter, with the uniform expectation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(rows)
    cols = 4
    fig, axes = plt.subplots((k + cols - 1) // cols, cols, figsize=(13, 2.4 * ((k + cols - 1) // cols)), squeeze=False)
    for ax, row in zip(axes.ravel(), rows, strict=False):
        c = row["counts"]
        ax.bar(range(len(c)), c, color="tab:blue")
        ax.axhline(a.truths / len(c), color="black", lw=1, ls="--")
        ax.set_title(f"{row['name']} (p={row['chi2_p']:.2f})", fontsize=8)
        ax.set_xticks([])
    for ax in axes.ravel()[k:]:
        ax.set_axis_off()
    fig.suptitle(f"SBC rank histograms: {a.truths} synthetic data sets, rejection ABC on {a.reference} "
                 f"prior simulations, {a.accept} accepted (dashed: uniform)", fontsize=10)  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main()
