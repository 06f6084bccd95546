"""Posterior calibration (issue 10): Morris screening, then ABC-SMC (pyabc) on the 2010-2019 targets.

``crossstrait-sim-calibrate`` (settings ``conf/calibrate/posterior.yaml``; ``calibrate=test`` is the
small preset the tests use) runs, in order:

0. **Simulator noise** (``sim_noise_seeds`` > 0): the targets at the priors' config values over that
   many seeds; each target's seed spread (sd) is added to its data sd in quadrature
   (:attr:`crossstrait_sim.evidence.moments.Target.total_sd`), so the distance does not ask one
   simulation to meet a target within less than its own noise. Cached in ``<workdir>/noise.json``.
1. **Screening** (SALib Morris, ``r`` trajectories, common random numbers): the elementary effects of
   every prior on every target's z-score. A dummy parameter changes only the model seed, so its
   effect is the simulator's noise; a parameter that moves no target more than ``freeze_factor``
   times what the dummy does is frozen at its config value.
   Cached in ``<workdir>/screening.json``.
2. **ABC-SMC** (pyabc 0.13) over the free parameters: each particle is one simulation with a fresh
   seed (the simulator's noise is part of the likelihood), summarised by the targets of
   :func:`crossstrait_sim.evidence.moments.posterior_targets` and compared by their root mean square
   z-score. pyabc's history database (``<workdir>/abc.db``) is the checkpoint: a rerun with the same
   settings continues from the last finished generation; other settings are refused.
3. **Outputs**: the last generation's weighted particles as ``data/posterior/draws.csv`` (the
   package's posterior, :func:`crossstrait_sim.evidence.posterior.load_draws`), their weighted mean as
   ``conf/calibration/posterior_mean.yaml`` (the default calibration) and a report (priors,
   screening, posterior against prior widths, correlations, mass near the bounds).

Runs use pyabc's multicore sampler with ``n_jobs`` processes and show a progress bar per generation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.atomic import atomic_write, write_json
from crossstrait_sim.config.declare import resolve
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.config.schema import SimConfig
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.evidence.moments import Target, posterior_targets, target_values, z_distance

SOURCE = "fitted by crossstrait-sim-calibrate (posterior mean, ABC-SMC), {date}, see docs/VALIDATION.md"


class PosteriorFitError(ConfigError):
    """A setting of the posterior fit is invalid, or a checkpoint belongs to other settings."""


@dataclass(frozen=True)
class Prior:
    """A free parameter: config key, uniform prior on [lower, upper] (on the log where ``scale: log``), and why.

    Unit and meaning are the schema's declaration of the key (declared once, read here).
    """

    name: str
    key: str
    lower: float
    upper: float
    scale: str
    unit: str
    meaning: str
    reason: str

    def to_search(self, v: float) -> float:
        """The value in the space the prior is uniform on."""
        return math.log(v) if self.scale == "log" else float(v)

    def from_search(self, x: float) -> float:
        """The config value of a point of the search space."""
        return float(math.exp(x)) if self.scale == "log" else float(x)

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds in the search space."""
        return self.to_search(self.lower), self.to_search(self.upper)


def read_priors(settings: DictConfig) -> list[Prior]:
    """The priors of ``settings.priors``, checked: key, bounds, scale and a reason each."""
    out = []
    for name, spec in settings.priors.items():
        for k in ("key", "lower", "upper", "scale", "reason"):
            if spec.get(k) in (None, ""):
                raise PosteriorFitError(
                    f"priors.{name}.{k}: missing (each prior needs key, bounds, scale and a reason)"
                )
        lo, hi, sc = float(spec.lower), float(spec.upper), str(spec.scale)
        if not lo < hi:
            raise PosteriorFitError(f"priors.{name}: lower={lo:g} must be below upper={hi:g}")
        if sc not in ("linear", "log") or (sc == "log" and lo <= 0):
            raise PosteriorFitError(f"priors.{name}.scale={sc!r} with lower={lo:g}: 'linear', or 'log' above 0")
        found = resolve(SimConfig, str(spec.key))
        if found is None:
            raise PosteriorFitError(f"priors.{name}.key={spec.key!r}: not a declared parameter of the schema")
        decl = found[0]
        if decl.valid is not None and not (
            (decl.valid.lo is None or decl.valid.lo <= lo) and (decl.valid.hi is None or hi <= decl.valid.hi)
        ):
            raise PosteriorFitError(f"priors.{name}: [{lo:g}, {hi:g}] leaves the valid range ({decl.valid.what})")
        out.append(Prior(name, str(spec.key), lo, hi, sc, decl.unit, decl.meaning, str(spec.reason)))
    if not out:
        raise PosteriorFitError("priors: no free parameters")
    return out


def model_config(settings: DictConfig, priors: list[Prior]) -> DictConfig:
    """The model config of the fit (``settings.model_overrides``), checked, with every prior's key present."""
    from crossstrait_sim.config.compose import compose_config

    base = compose_config(list(settings.model_overrides))
    build_params(base)
    for p in priors:
        v = OmegaConf.select(base, p.key, default=None)
        if v is None:
            raise PosteriorFitError(f"priors.{p.name}: config key {p.key!r} does not exist in the model config")
    return base


@dataclass
class Simulator:
    """Parameter values (search space, by prior name) -> the model's target values; picklable for workers."""

    base: DictConfig
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]

    def config(self, values: dict[str, float], seed: int) -> DictConfig:
        """The model config with ``values`` (search space) applied and ``seed`` set."""
        cfg = self.base.copy()
        cfg.seed = int(seed)
        for p in self.priors:
            if p.name in values:
                OmegaConf.update(cfg, p.key, p.from_search(float(values[p.name])), merge=False)
        return cfg

    def moments(self, values: dict[str, float], seed: int) -> np.ndarray:
        """The target values of one simulation (all NaN if it diverged: every target then counts as 10 sd)."""
        from crossstrait_sim.errors import ModelDivergedError
        from crossstrait_sim.simulation.run import simulate

        try:
            table, _ = simulate(build_params(self.config(values, seed)))
        except ModelDivergedError:
            return np.full(len(self.targets), np.nan)
        return target_values(table, self.targets)

    def __call__(self, par: Any) -> dict[str, np.ndarray]:
        """The model of pyabc: one simulation with a seed of its own (a hash of the particle's values).

        Every particle gets a fresh simulation seed, so the simulator's noise is part of the likelihood,
        and the same particle always gets the same seed, so a rerun of the sampling gives the same draws.
        """
        vals = dict(par)
        blob = ",".join(f"{k}={float(vals[k]).hex()}" for k in sorted(vals))
        seed = int.from_bytes(hashlib.sha256(blob.encode()).digest()[:7], "little")
        return {"m": self.moments(vals, seed)}


def fingerprint(settings: DictConfig, priors: list[Prior], targets: tuple[Target, ...], extra: Any = None) -> str:
    """A hash of everything that makes a checkpoint valid for these settings."""
    blob = json.dumps(
        {
            "model_overrides": list(settings.model_overrides),
            "priors": [(p.key, p.lower, p.upper, p.scale) for p in priors],
            "targets": [(t.key, t.value, t.sd, t.kind, t.base, t.months, t.sim_sd) for t in targets],
            "extra": extra,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- simulator noise


@dataclass
class _SeedPoint:
    sim: Simulator

    def __call__(self, seed: int) -> np.ndarray:
        return self.sim.moments({}, int(seed))


NOISE_FIRST_SEED = 900_000
"""Seeds of the noise runs: NOISE_FIRST_SEED, +1, ... (apart from the particles' hashed seeds and the
screening's seeds)."""


def simulator_noise(settings: DictConfig, sim: Simulator, workdir: Path, quiet: bool = False) -> dict[str, Any]:
    """Each target's sd across ``sim_noise_seeds`` seeds at the priors' config values; cached in ``noise.json``.

    Returns ``{"seeds": n, "seconds": ..., "sd": {target key: sd}}`` (an empty ``sd`` when n is 0). A
    target a run cannot compute (NaN in some seeds) takes the sd of the seeds that give it, 0 if fewer
    than two do.
    """
    n = int(settings.get("sim_noise_seeds", 0) or 0)
    if n < 0 or n == 1:
        raise PosteriorFitError(f"sim_noise_seeds={n}: allowed values are 0 (off) or at least 2 (seeds)")
    if n == 0:
        return {"seeds": 0, "seconds": 0.0, "sd": {}}
    fp = fingerprint(settings, list(sim.priors), sim.targets, {"sim_noise_seeds": n})
    path = workdir / "noise.json"
    if path.exists():
        cached = json.loads(path.read_text())
        if cached.get("fingerprint") == fp:
            return cached
    t0 = time.perf_counter()
    if not quiet:
        print(f"simulator noise: {n} seeds at the priors' config values", flush=True)
    seeds = list(range(NOISE_FIRST_SEED, NOISE_FIRST_SEED + n))
    rows = np.asarray(pool_map(_SeedPoint(sim), seeds, int(settings.n_jobs), "" if quiet else "noise"))
    ok = np.isfinite(rows).sum(axis=0)
    with np.errstate(invalid="ignore"):
        sd = np.where(ok >= 2, np.nanstd(np.where(np.isfinite(rows), rows, np.nan), axis=0, ddof=1), 0.0)
    out = {
        "fingerprint": fp,
        "seeds": n,
        "first_seed": NOISE_FIRST_SEED,
        "seconds": round(time.perf_counter() - t0, 1),
        "sd": {t.key: float(v) for t, v in zip(sim.targets, sd, strict=True)},
    }
    write_json(path, out)
    return out


def with_noise(targets: tuple[Target, ...], noise: dict[str, Any]) -> tuple[Target, ...]:
    """The targets with their measured simulator spread (``sim_sd``) set."""
    sd = noise.get("sd", {})
    return tuple(dataclasses.replace(t, sim_sd=float(sd.get(t.key, 0.0))) for t in targets)


# ---------------------------------------------------------------------------- screening


def pool_map(fn: Any, items: list[Any], n_jobs: int, label: str = "") -> list[Any]:
    """``map`` in ``n_jobs`` processes (fork), in order; with a ``label``, a progress line about every 10%."""
    import multiprocessing as mp

    n, out, t0 = len(items), [None] * len(items), time.perf_counter()
    step = max(1, n // 10)
    pool = mp.get_context("fork").Pool(n_jobs) if n_jobs > 1 else None
    try:
        it = (
            pool.imap_unordered(_indexed, [(fn, i, x) for i, x in enumerate(items)])
            if pool
            else (_indexed((fn, i, x)) for i, x in enumerate(items))
        )
        for done, (i, y) in enumerate(it, start=1):
            out[i] = y
            if label and (done % step == 0 or done == n):
                rate = (time.perf_counter() - t0) / done
                print(f"{label}: {done}/{n} ({rate:.2f} s each, {rate * (n - done):.0f} s left)", flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return out


def _indexed(job: tuple[Any, int, Any]) -> tuple[int, Any]:
    fn, i, x = job
    return i, fn(x)


@dataclass
class _MorrisPoint:
    sim: Simulator
    names: tuple[str, ...]
    seeds: tuple[int, ...]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The model's z-scores, (model - data) / sd per target, averaged over the seeds."""
        # the last column is the dummy: it changes no parameter but the model seeds (by len(seeds) when
        # above 0.5), so its elementary effect is the change from the simulator's noise alone
        vals = dict(zip(self.names, x[:-1], strict=True))
        shift = len(self.seeds) if x[-1] > 0.5 else 0
        rows = np.asarray([self.sim.moments(vals, s + shift) for s in self.seeds])
        z = (np.nanmean(rows, axis=0) - np.array([t.value for t in self.sim.targets])) / np.array(
            [t.sd for t in self.sim.targets]
        )
        return np.where(np.isfinite(z), z, 0.0)


NOISE_FLOOR_SD = 0.05
"""Smallest noise (z units) a target's seed effect is taken to have in the screening's signal-to-noise ratio."""


def screen(settings: DictConfig, sim: Simulator, workdir: Path, quiet: bool = False) -> dict[str, Any]:
    """Morris screening of each prior (and a seed dummy) on the targets; cached in ``workdir/screening.json``.

    A parameter's effect on a target is its Morris mu* on the target's z-score (per unit of its prior
    range) over the dummy's, i.e. against what a new seed does to that target; its effect is the largest
    over the targets, whether or not they fit. It is frozen when that is at most ``freeze_factor``: it
    moves no target clearly more than the simulator's noise does.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    sc = settings.screening
    priors = list(sim.priors)
    fp = fingerprint(settings, priors, sim.targets, dict(sc))
    path = workdir / "screening.json"
    if path.exists():
        cached = json.loads(path.read_text())
        if cached.get("fingerprint") == fp:
            return cached
    names = [p.name for p in priors] + ["dummy"]
    problem = {"num_vars": len(names), "names": names, "bounds": [list(p.bounds) for p in priors] + [[0.0, 1.0]]}
    x = morris_sample.sample(problem, int(sc.trajectories), num_levels=int(sc.levels), seed=int(sc.seed))
    t0 = time.perf_counter()
    if not quiet:
        print(
            f"screening: {len(x)} points x {len(sc.seeds)} seeds (Morris, {sc.trajectories} trajectories)", flush=True
        )
    point = _MorrisPoint(sim, tuple(p.name for p in priors), tuple(int(s) for s in sc.seeds))
    z = np.asarray(pool_map(point, list(x), int(settings.n_jobs), "" if quiet else "screening"))
    mu = np.array(
        [morris_analyze.analyze(problem, x, z[:, j], num_levels=int(sc.levels))["mu_star"] for j in range(z.shape[1])]
    )  # targets x parameters
    # signal to noise per target: a parameter's mu* over the dummy's (at least NOISE_FLOOR_SD, so a target
    # the seed hardly moves does not turn a tiny effect into a large ratio); its effect is the largest
    ratio = mu / np.maximum(mu[:, -1:], NOISE_FLOOR_SD)
    effect = ratio.max(axis=0)
    top = np.argsort(-ratio, axis=0)[:3]  # the three targets each parameter moves most against the noise
    rows = [
        {
            "name": n,
            "effect": float(effect[i]),
            "rms_mu_star_z": float(np.sqrt(np.mean(mu[:, i] ** 2))),
            "frozen": bool(n != "dummy" and effect[i] <= float(sc.freeze_factor)),
            "moves_most": [sim.targets[j].key for j in top[:, i]],
        }
        for i, n in enumerate(names)
    ]
    out = {"fingerprint": fp, "simulations": len(x) * len(sc.seeds), "seconds": round(time.perf_counter() - t0, 1),
           "freeze_factor": float(sc.freeze_factor), "rows": rows}  # fmt: skip
    write_json(path, out)
    return out


# ---------------------------------------------------------------------------- ABC-SMC


def _abc(sim: Simulator, free: list[Prior], settings: DictConfig, resuming: bool = False) -> Any:
    """A configured pyabc.ABCSMC over the ``free`` priors.

    ``resuming``: the run continues a stored history. pyabc then takes the first tolerance of this call
    from ``initial_epsilon`` as it would for a new fit (``inf`` would accept every proposal), so the
    tolerance is instead computed from the stored last generation (``from_sample``: the same quantile of
    its weighted distances that an uninterrupted run would have used).
    """
    import pyabc

    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.bounds[0], p.bounds[1] - p.bounds[0]) for p in free})
    n_jobs = int(settings.n_jobs)
    sampler = (
        pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n_jobs) if n_jobs > 1 else pyabc.sampler.SingleCoreSampler()
    )
    sampler.show_progress = not bool(settings.get("quiet", False))
    targets = sim.targets

    def distance(x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
        return z_distance(np.asarray(x["m"]), targets)

    tr = settings.transition
    if str(tr.kind) not in ("mvn", "local"):
        raise PosteriorFitError(f"transition.kind={tr.kind!r}: allowed values are 'mvn' and 'local'")
    # mvn: one Gaussian kernel over the last generation (scaled); local: a kernel per particle from its
    # k_fraction nearest neighbours, which keeps the weights less uneven in many dimensions
    # mvn proposals are drawn in blocks and restricted to the priors' box (abc_transition: the same kernel,
    # without pyabc's one-at-a-time draws and prior checks, which cost more than the simulations)
    from crossstrait_sim.evidence.abc_transition import BoxedMVNTransition

    transition = (
        BoxedMVNTransition(
            {p.name: p.bounds[0] for p in free}, {p.name: p.bounds[1] for p in free}, scaling=float(tr.scaling)
        )
        if str(tr.kind) == "mvn"
        else pyabc.LocalTransition(k_fraction=float(tr.k_fraction))
    )
    return pyabc.ABCSMC(
        sim,
        prior,
        distance,
        population_size=int(settings.population_size),
        transitions=transition,
        sampler=sampler,
        # a first tolerance of inf accepts the first generation's prior draws as they come (no separate
        # calibration sample of the prior); later tolerances are quantiles of the last generation's distances
        eps=pyabc.QuantileEpsilon(
            initial_epsilon="from_sample" if resuming else float(settings.initial_epsilon),
            alpha=float(settings.epsilon_quantile),
        ),
    )


def run_abc(sim: Simulator, free: list[Prior], settings: DictConfig, workdir: Path, fp: str) -> Any:
    """Run (or continue) ABC-SMC; the pyabc history database in ``workdir`` is the checkpoint."""
    db = workdir / "abc.db"
    meta = workdir / "abc.json"
    np.random.seed(int(settings.seed))  # noqa: NPY002 - pyabc samples from numpy's global generator
    observed = {"m": np.array([t.value for t in sim.targets])}
    resuming = db.exists() and meta.exists() and bool(settings.resume)
    abc = _abc(sim, free, settings, resuming)
    if resuming:
        info = json.loads(meta.read_text())
        if info.get("fingerprint") != fp:
            raise PosteriorFitError(
                f"checkpoint {db} was written with other settings (fingerprint {info.get('fingerprint')} != {fp}); "
                "rerun with resume=false to start afresh, or point workdir= elsewhere"
            )
        history = abc.load("sqlite:///" + str(db), int(info["abc_id"]), observed_sum_stat=observed)
        if history.max_t < 0:  # a fit stopped before its first generation: nothing to take a tolerance from
            abc = _abc(sim, free, settings)
            history = abc.load("sqlite:///" + str(db), int(info["abc_id"]), observed_sum_stat=observed)
    else:
        for f in (db, meta):
            if f.exists():
                f.rename(f.with_suffix(f.suffix + f".{int(time.time())}.old"))
        history = abc.new("sqlite:///" + str(db), observed)
        write_json(meta, {"fingerprint": fp, "abc_id": history.id})
    done = max(history.max_t + 1, 0)
    left = int(settings.max_generations) - done
    wall = settings.get("max_walltime_minutes")
    if left > 0:
        # pyabc checks the wall time after each generation: a generation under way is finished, not lost
        history = abc.run(
            minimum_epsilon=float(settings.min_epsilon),
            max_nr_populations=left,
            max_total_nr_simulations=int(settings.max_simulations),
            max_walltime=None if wall is None else _dt.timedelta(minutes=float(wall)),
        )
    return history


# ---------------------------------------------------------------------------- outputs


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` under weights ``w``."""
    o = np.argsort(x)
    c = np.cumsum(w[o]) / w.sum()
    return float(x[o][min(np.searchsorted(c, q), len(x) - 1)])


def draws_table(history: Any, free: list[Prior]) -> pd.DataFrame:
    """The last generation's particles as config values with their weights (summing to 1)."""
    df, w = history.get_distribution(m=0, t=history.max_t)
    out = pd.DataFrame({p.key: [p.from_search(v) for v in df[p.name]] for p in free})
    out["weight"] = np.asarray(w, dtype=float) / float(np.sum(w))
    return out


def ess(draws: pd.DataFrame) -> float:
    """Effective sample size of the weighted draws, 1 / sum w^2: how many equally weighted draws they are worth."""
    w = draws["weight"].to_numpy()
    return float(1.0 / np.sum((w / w.sum()) ** 2))


def identification(draws: pd.DataFrame, free: list[Prior]) -> list[dict[str, Any]]:
    """Per parameter: posterior against prior (sd on the prior's scale), 90% interval, mass near each bound."""
    w = draws["weight"].to_numpy()
    rows = []
    for p in free:
        x = np.array([p.to_search(v) for v in draws[p.key]])
        lo, hi = p.bounds
        mean = float(np.dot(w, x))
        sd = float(math.sqrt(max(np.dot(w, (x - mean) ** 2), 0.0)))
        edge = 0.05 * (hi - lo)
        rows.append(
            {
                "name": p.name,
                "key": p.key,
                "scale": p.scale,
                # the weighted mean of the values, as the default calibration (posterior_mean.yaml) uses; on a
                # log prior this is above the back-transformed mean of the log (sd and quantiles are unaffected)
                "mean": float(np.dot(w, draws[p.key].to_numpy(float))),
                "q05": p.from_search(weighted_quantile(x, w, 0.05)),
                "q95": p.from_search(weighted_quantile(x, w, 0.95)),
                "lower": p.lower,
                "upper": p.upper,
                "sd_ratio": sd / ((hi - lo) / math.sqrt(12.0)),
                "mass_near_lower": float(w[x < lo + edge].sum()),
                "mass_near_upper": float(w[x > hi - edge].sum()),
                "reason": p.reason,
            }
        )
    return rows


def correlations(draws: pd.DataFrame, free: list[Prior]) -> dict[str, dict[str, float]]:
    """Weighted posterior correlations (on each prior's scale)."""
    x = np.array([[p.to_search(v) for v in draws[p.key]] for p in free])
    c = np.cov(x, aweights=draws["weight"].to_numpy())
    d = np.sqrt(np.clip(np.diag(c), 1e-300, None))
    r = c / np.outer(d, d)
    return {p.name: {q.name: round(float(r[i, j]), 3) for j, q in enumerate(free)} for i, p in enumerate(free)}


def write_mean_config(path: Path, free: list[Prior], draws: pd.DataFrame, date: str) -> None:
    """The posterior mean as a ``_global_`` config file, each leaf with its ``unit | source | meaning`` comment."""
    from crossstrait_sim.config.paramdoc import write_commented_config

    w = draws["weight"].to_numpy()
    src = SOURCE.format(date=date)
    header = [
        f"Posterior mean of crossstrait-sim-calibrate (ABC-SMC, {len(draws)} particles), {date}; docs/VALIDATION.md",
        "The default calibration (conf/config.yaml); calibration=posterior draws per seed; calibration=none: priors.",
    ]
    values = [(p.key, float(np.dot(w, draws[p.key].to_numpy())), f"{p.unit} | {src} | {p.meaning}") for p in free]
    write_commented_config(path, header, values)


def _paths(settings: DictConfig) -> tuple[Path, Path]:
    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.posterior import DRAWS_FILE

    draws = Path(str(settings.draws_out)) if settings.get("draws_out") else DRAWS_FILE
    mean = (
        Path(str(settings.mean_out)) if settings.get("mean_out") else conf_dir() / "calibration" / "posterior_mean.yaml"
    )
    return draws, mean


def fit_posterior(settings: DictConfig) -> dict[str, Any]:
    """Screening, ABC-SMC and the outputs; returns the report (also written to ``<workdir>/report.json``)."""
    t0 = time.perf_counter()
    quiet = bool(settings.get("quiet", False))
    priors = read_priors(settings)
    targets = posterior_targets()
    workdir = Path(str(settings.workdir))
    workdir.mkdir(parents=True, exist_ok=True)
    sim = Simulator(model_config(settings, priors), tuple(priors), targets)
    noise = simulator_noise(settings, sim, workdir, quiet)
    targets = with_noise(targets, noise)
    sim = Simulator(sim.base, tuple(priors), targets)
    scr = screen(settings, sim, workdir, quiet) if bool(settings.screening.enabled) else {"rows": []}
    frozen = {r["name"] for r in scr["rows"] if r["frozen"]}
    free = [p for p in priors if p.name not in frozen]
    if not free:
        raise PosteriorFitError("screening froze every parameter; lower screening.freeze_factor")
    abc_settings = [int(settings.population_size), float(settings.epsilon_quantile), float(settings.initial_epsilon)]
    if dict(settings.transition) != {"kind": "mvn", "scaling": 1.0, "k_fraction": 0.25}:  # the first fits' default
        abc_settings.append(dict(settings.transition))
    fp = fingerprint(settings, free, targets, abc_settings)
    history = run_abc(Simulator(sim.base, tuple(free), targets), free, settings, workdir, fp)
    draws = draws_table(history, free)
    date = _dt.date.today().isoformat()
    draws_path, mean_path = _paths(settings)
    draws_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(draws_path, lambda q: draws.to_csv(q, index=False, float_format="%.10g"))
    write_mean_config(mean_path, free, draws, date)
    pops = history.get_all_populations()
    report = {
        "date": date,
        "method": "ABC-SMC (pyabc 0.13), uniform priors (on the log for scale: log), quantile epsilon; "
        "distance = root mean square of (model - data) / total_sd over the targets, "
        "total_sd = sqrt(sd^2 + sim_sd^2), plus each soft band's excess",
        "simulator_noise": {k: v for k, v in noise.items() if k != "fingerprint"},
        "model_overrides": list(settings.model_overrides),
        "priors": [p.__dict__ for p in priors],
        "screening": scr,
        "frozen": sorted(frozen),
        "generations": [
            {"t": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples), "seconds": float(r.wall_time)}
            for r in pops.itertuples()
            if r.t >= 0
        ],
        "population_size": int(settings.population_size),
        "effective_sample_size": ess(draws),
        "transition": dict(settings.transition),
        "identification": identification(draws, free),
        "correlations": correlations(draws, free),
        "targets": [t.__dict__ for t in targets],
        # the work's own time (a rerun that only resumes does not reset it): Morris runs, then the generations
        "seconds": {
            "screening": scr.get("seconds", 0.0),
            "abc": round(float(pops.loc[pops["t"] >= 0, "wall_time"].sum()), 1),
            "this_call": round(time.perf_counter() - t0, 1),
        },
    }
    write_json(workdir / "report.json", report)
    if settings.get("report_copy"):
        write_json(Path(str(settings.report_copy)), report)
    if not quiet:
        print(f"wrote {draws_path}, {mean_path} and {workdir / 'report.json'} ({time.perf_counter() - t0:.0f} s)")
    return report
