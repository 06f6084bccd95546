"""Calibration by simulated method of moments (SMM) to the observed series up to 2015, and the CLI.

``crossstrait-sim-calibrate`` runs the posterior fit (:mod:`crossstrait_sim.evidence.posterior_fit`,
``conf/calibrate/posterior.yaml``) by default; ``--config-name calibrate/default`` runs the point fit below.

``crossstrait-sim-calibrate`` (settings in ``conf/calibrate/default.yaml``) fits a
few free parameters: for a parameter vector it runs the model over 2010Q1-2015Q4
for a fixed list of seeds (common random numbers: the same seeds at every
evaluation), averages the model moments over the seeds, and measures a weighted
distance to the data moments (:mod:`crossstrait_sim.evidence.moments`). The search runs in
the box of the free parameters scaled to [0, 1] (log scale where stated): a
Latin-hypercube sample first, then a Nelder-Mead refinement from its best point.

Every evaluation is appended to a checkpoint file (JSON lines). A rerun reads
it back and replays the search, taking known evaluations from the file, so a
stopped calibration resumes where it stopped. At the end the fitted values are
written as ``conf/calibration/fitted.yaml`` (composed by the default config) and
the fit as ``calibration_report.json``.

From Python (what the tests call)::

    from crossstrait_sim.evidence.calibrate import calibrate
    result = calibrate(settings)  # a DictConfig like conf/calibrate/default.yaml
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from scipy.optimize import minimize
from scipy.stats import qmc

from crossstrait_sim.atomic import atomic_write, write_json
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.evidence.moments import Moment, default_moments, distance, model_moments

SOURCE = "fitted by crossstrait-sim-calibrate, {date}, see docs/VALIDATION.md"


class CalibrationError(ConfigError):
    """A calibration setting is invalid, or a checkpoint does not belong to these settings."""


@dataclass(frozen=True)
class FreeParameter:
    """One fitted parameter: its config key, bounds, search scale and why it is free."""

    name: str
    key: str
    lower: float
    upper: float
    scale: str  # "linear" or "log"
    unit: str
    meaning: str
    reason: str

    def to_value(self, x: float) -> float:
        """Value of the parameter at position ``x`` in [0, 1]."""
        x = min(1.0, max(0.0, float(x)))
        if self.scale == "log":
            return float(math.exp(math.log(self.lower) + x * (math.log(self.upper) - math.log(self.lower))))
        return float(self.lower + x * (self.upper - self.lower))

    def to_unit(self, value: float) -> float:
        """Position of ``value`` in [0, 1]."""
        if self.scale == "log":
            return (math.log(value) - math.log(self.lower)) / (math.log(self.upper) - math.log(self.lower))
        return (value - self.lower) / (self.upper - self.lower)


def free_parameters(settings: DictConfig) -> list[FreeParameter]:
    """The free parameters of ``settings.free``, checked."""
    out = []
    for name, spec in settings.free.items():
        for k in ("key", "lower", "upper", "scale", "reason"):
            if k not in spec or spec[k] is None:
                raise CalibrationError(
                    f"free.{name}.{k}: missing (every free parameter needs key, bounds, scale and a reason)"
                )
        lo, hi, sc = float(spec.lower), float(spec.upper), str(spec.scale)
        if not lo < hi:
            raise CalibrationError(f"free.{name}: lower={lo:g} must be below upper={hi:g}")
        if sc not in ("linear", "log"):
            raise CalibrationError(f"free.{name}.scale={sc!r}: allowed values are 'linear' and 'log'")
        if sc == "log" and lo <= 0:
            raise CalibrationError(f"free.{name}.lower={lo:g}: must be positive on a log scale")
        out.append(
            FreeParameter(
                name,
                str(spec.key),
                lo,
                hi,
                sc,
                str(spec.get("unit", "")),
                str(spec.get("meaning", "")),
                str(spec.reason),
            )
        )
    if not out:
        raise CalibrationError("free: no free parameters")
    if len(out) > 8:
        raise CalibrationError(f"free: {len(out)} parameters; the issue allows at most about eight")
    return out


# ---------------------------------------------------------------------------- evaluation


def _apply(base: DictConfig, params: list[FreeParameter], values: list[float], seed: int) -> DictConfig:
    cfg = base.copy()
    cfg.seed = int(seed)
    for p, v in zip(params, values, strict=True):
        if OmegaConf.select(cfg, p.key, default=None) is None:
            raise CalibrationError(f"free parameter {p.name}: config key {p.key!r} does not exist in the model config")
        OmegaConf.update(cfg, p.key, float(v), merge=False)
    return cfg


def run_moments(cfg: DictConfig, moments: tuple[Moment, ...]) -> list[float]:
    """Simulate one config and return its model moments (a plain list, for process pools)."""
    from crossstrait_sim.simulation.run import simulate

    table, _ = simulate(build_params(cfg))
    return [float(v) for v in model_moments(table, moments)]


@dataclass
class Evaluator:
    """Averages model moments over the seeds for a parameter vector; keeps the checkpoint."""

    base: DictConfig
    params: list[FreeParameter]
    seeds: list[int]
    moments: tuple[Moment, ...]
    checkpoint: Path
    n_jobs: int = 1
    quiet: bool = False
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    pool: ProcessPoolExecutor | None = None
    phase: str = ""
    budget: int = 0
    new_evals: int = 0

    def __post_init__(self) -> None:
        self.data = np.array([m.data_value() for m in self.moments])
        self.weights = np.array([m.weight for m in self.moments])

    @staticmethod
    def key(x: np.ndarray) -> str:
        """Cache key of a point of the unit box."""
        return ",".join(f"{v:.10f}" for v in np.clip(x, 0.0, 1.0))

    def simulate_moments(self, values: list[float]) -> np.ndarray:
        """Model moments for parameter ``values``, one row per seed."""
        cfgs = [_apply(self.base, self.params, values, s) for s in self.seeds]
        if self.pool is not None:
            rows = list(self.pool.map(run_moments, cfgs, [self.moments] * len(cfgs)))
        else:
            rows = [run_moments(c, self.moments) for c in cfgs]
        return np.asarray(rows)

    def __call__(self, x: np.ndarray) -> float:
        """The objective at point ``x`` of the unit box (cached; appended to the checkpoint)."""
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        k = self.key(x)
        if k in self.cache:
            rec = self.cache[k]
        else:
            t0 = time.perf_counter()
            values = [p.to_value(v) for p, v in zip(self.params, x, strict=True)]
            per_seed = self.simulate_moments(values)
            mean = np.nanmean(per_seed, axis=0) if np.isfinite(per_seed).any() else per_seed[0]
            obj = distance(mean, self.data, self.weights)
            rec = {
                "x": k,
                "values": values,
                "objective": obj,
                "moments": [float(v) for v in mean],
                "seconds": round(time.perf_counter() - t0, 3),
                "phase": self.phase,
            }
            self.cache[k] = rec
            with self.checkpoint.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
            self.new_evals += 1
        self.history.append(rec)
        if not self.quiet:
            best = min(r["objective"] for r in self.history)
            src = "from checkpoint" if k in self._replayed else f"{rec['seconds']:.1f} s"
            print(
                f"[{self.phase} {len(self.history)}/{self.budget}] "
                f"objective {rec['objective']:.5f}  best {best:.5f}  ({src})",
                flush=True,
            )
        return float(rec["objective"])

    _replayed: set[str] = field(default_factory=set)


def _fingerprint(settings: DictConfig, params: list[FreeParameter], moments: tuple[Moment, ...]) -> str:
    blob = json.dumps(
        {
            "model_overrides": list(settings.model_overrides),
            "seeds": list(settings.seeds),
            "free": [(p.key, p.lower, p.upper, p.scale) for p in params],
            "moments": [(m.key, m.weight, m.data_value()) for m in moments],
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _open_checkpoint(path: Path, fingerprint: str, resume: bool) -> dict[str, dict[str, Any]]:
    """Read a matching checkpoint into a cache (or start a new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not resume:
        path.rename(path.with_suffix(path.suffix + f".{int(time.time())}.old"))
    cache: dict[str, dict[str, Any]] = {}
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        head = json.loads(lines[0]) if lines else {}
        if head.get("fingerprint") != fingerprint:
            raise CalibrationError(
                f"checkpoint {path} was written with other settings (fingerprint {head.get('fingerprint')} != "
                f"{fingerprint}); rerun with resume=false to start afresh, or point checkpoint= elsewhere"
            )
        for line in lines[1:]:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by an interrupt: evaluated again
                continue
            cache[rec["x"]] = rec
        # rewrite without a possibly truncated last line
        text = "\n".join([lines[0], *[json.dumps(r) for r in cache.values()]]) + "\n"
        atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    else:
        path.write_text(json.dumps({"fingerprint": fingerprint, "created": _dt.datetime.now().isoformat()}) + "\n")
    return cache


# ---------------------------------------------------------------------------- search


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns."""

    params: list[FreeParameter]
    start_values: list[float]
    fitted_values: list[float]
    start_objective: float
    objective: float
    report: dict[str, Any]
    fitted_config: Path
    report_path: Path
    evaluations: int
    new_evaluations: int


def _start_point(base: DictConfig, params: list[FreeParameter]) -> np.ndarray:
    """The config's own values of the free parameters (the prior), in the unit box."""
    x = []
    for p in params:
        v = OmegaConf.select(base, p.key, default=None)
        if v is None:
            raise CalibrationError(f"free parameter {p.name}: config key {p.key!r} does not exist in the model config")
        if not p.lower <= float(v) <= p.upper:
            raise CalibrationError(
                f"free parameter {p.name}: prior value {v} of {p.key} lies outside [{p.lower}, {p.upper}]"
            )
        x.append(p.to_unit(float(v)))
    return np.asarray(x)


def _model_config(settings: DictConfig, base: DictConfig | None) -> DictConfig:
    """The model config to calibrate (composed from ``settings.model_overrides`` unless given), checked."""
    from crossstrait_sim.config.compose import compose_config

    if base is None:
        base = compose_config(list(settings.model_overrides))
    build_params(base)  # the model config itself must be valid before any search
    return base


def _make_evaluator(
    settings: DictConfig,
    base: DictConfig,
    params: list[FreeParameter],
    seeds: list[int],
    moments: tuple[Moment, ...],
) -> Evaluator:
    """The objective, with the evaluations of a matching checkpoint already in its cache."""
    fp = _fingerprint(settings, params, moments)
    ckpt = Path(str(settings.checkpoint))
    cache = _open_checkpoint(ckpt, fp, bool(settings.resume))
    quiet = bool(settings.get("quiet", False))
    n_jobs = int(settings.get("n_jobs", 1))
    ev = Evaluator(base, params, seeds, moments, ckpt, n_jobs=n_jobs, quiet=quiet, cache=cache)
    ev._replayed = set(cache)
    gs, ls = settings.global_search, settings.local_search
    ev.budget = 1 + int(gs.n_points) + int(ls.max_evals)
    if not quiet:
        print(
            f"calibrating {len(params)} parameters to {int((ev.weights > 0).sum())} moments, seeds {seeds}; "
            f"{len(cache)} evaluations in checkpoint {ckpt}",
            flush=True,
        )
    return ev


def _global_search(ev: Evaluator, x0: np.ndarray, f0: float, gs: DictConfig) -> tuple[float, np.ndarray]:
    """Evaluate a Latin-hypercube sample of the unit box; the best point so far, start point included."""
    ev.phase = "global"
    k = len(ev.params)
    pts = (
        qmc.LatinHypercube(d=k, seed=int(gs.seed)).random(int(gs.n_points))
        if int(gs.n_points) > 0
        else np.empty((0, k))
    )
    gvals = [ev(x) for x in pts]
    cand = [(f0, x0), *zip(gvals, pts, strict=True)]
    return min(cand, key=lambda t: t[0])


def _initial_simplex(x: np.ndarray, step: float) -> np.ndarray:
    """``x`` and one vertex a ``step`` away along each axis (inwards where outwards leaves the box)."""
    simplex = [x.copy()]
    for i in range(len(x)):
        y = x.copy()
        y[i] = y[i] + step if y[i] + step <= 1.0 else y[i] - step
        simplex.append(y)
    return np.asarray(simplex)


def _local_search(ev: Evaluator, best_f: float, best_x: np.ndarray, ls: DictConfig) -> tuple[float, np.ndarray]:
    """Refine from the best global point with ``ls.method``; the better of the two."""
    k = len(ev.params)
    simplex = _initial_simplex(best_x, float(ls.initial_step))
    res = minimize(
        ev,
        best_x,
        method=str(ls.method),
        bounds=[(0.0, 1.0)] * k,
        options={
            "maxfev": int(ls.max_evals),
            "xatol": float(ls.xatol),
            "fatol": float(ls.fatol),
            "initial_simplex": simplex,
        }
        if str(ls.method) == "Nelder-Mead"
        else {"maxfev": int(ls.max_evals)},
    )
    if float(res.fun) < best_f:
        best_f, best_x = float(res.fun), np.clip(res.x, 0.0, 1.0)
    return best_f, best_x


def _search(ev: Evaluator, base: DictConfig, settings: DictConfig) -> tuple[np.ndarray, dict[str, Any]]:
    """The start point and the record of the best point: start, global sample, then local refinement."""
    gs, ls = settings.global_search, settings.local_search
    x0 = _start_point(base, ev.params)
    ev.phase = "start"
    f0 = ev(x0)
    best_f, best_x = _global_search(ev, x0, f0, gs)
    ev.phase = "local"
    if int(ls.max_evals) > 0:
        best_f, best_x = _local_search(ev, best_f, best_x, ls)
    best_x = np.clip(best_x, 0.0, 1.0)
    best_rec = ev.cache[ev.key(best_x)] if ev.key(best_x) in ev.cache else None
    if best_rec is None:  # pragma: no cover - the optimiser's point was always evaluated
        ev(best_x)
        best_rec = ev.cache[ev.key(best_x)]
    return x0, best_rec


def _print_summary(
    params: list[FreeParameter],
    ev: Evaluator,
    start_rec: dict[str, Any],
    best_rec: dict[str, Any],
    fitted_path: Path,
    report_path: Path,
) -> None:
    """The progress summary: objective before and after, and each parameter's move."""
    print(
        f"objective {start_rec['objective']:.5f} (start) -> {best_rec['objective']:.5f} (fitted), "
        f"{len(ev.cache)} evaluations ({ev.new_evals} new)"
    )
    for p, v0, v in zip(params, start_rec["values"], best_rec["values"], strict=True):
        print(f"  {p.key:42s} {v0:10.4g} -> {v:10.4g}   [{p.lower:g}, {p.upper:g}]")
    print(f"wrote {fitted_path} and {report_path}")


def _write_results(
    settings: DictConfig,
    out_dir: Path | str,
    moments: tuple[Moment, ...],
    ev: Evaluator,
    start_rec: dict[str, Any],
    best_rec: dict[str, Any],
) -> CalibrationResult:
    """Write the report and the fitted config, print the summary, and return the result."""
    params = ev.params
    date = _dt.date.today().isoformat()
    fitted_values = list(best_rec["values"])
    report = build_report(settings, params, moments, ev, start_rec, best_rec, date)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report_path = out_dir / "calibration_report.json"
    write_json(report_path, report)
    if settings.get("report_copy"):
        write_json(Path(str(settings.report_copy)), report)
    fitted_path = Path(str(settings.fitted_config)) if settings.get("fitted_config") else _default_fitted_path()
    write_fitted_config(fitted_path, params, fitted_values, date, float(best_rec["objective"]))
    if not ev.quiet:
        _print_summary(params, ev, start_rec, best_rec, fitted_path, report_path)
    return CalibrationResult(
        params=params,
        start_values=list(start_rec["values"]),
        fitted_values=fitted_values,
        start_objective=float(start_rec["objective"]),
        objective=float(best_rec["objective"]),
        report=report,
        fitted_config=fitted_path,
        report_path=report_path,
        evaluations=len(ev.cache),
        new_evaluations=ev.new_evals,
    )


def calibrate(settings: DictConfig, out_dir: Path | str = ".", base: DictConfig | None = None) -> CalibrationResult:
    """Run the calibration described by ``settings``; write the fitted config and the report.

    Args:
        settings: a config like ``conf/calibrate/default.yaml``.
        out_dir: directory of ``calibration_report.json``.
        base: the model config to start from (default: composed from ``settings.model_overrides``).
    """
    params = free_parameters(settings)
    moments = default_moments()
    base = _model_config(settings, base)
    seeds = [int(s) for s in settings.seeds]
    if not seeds:
        raise CalibrationError("seeds: at least one seed is needed")
    ev = _make_evaluator(settings, base, params, seeds, moments)
    pool = ProcessPoolExecutor(max_workers=ev.n_jobs) if ev.n_jobs > 1 else None
    ev.pool = pool
    try:
        x0, best_rec = _search(ev, base, settings)
    finally:
        if pool is not None:
            pool.shutdown()
    start_rec = ev.cache[ev.key(x0)]
    return _write_results(settings, out_dir, moments, ev, start_rec, best_rec)


def _default_fitted_path() -> Path:
    from crossstrait_sim.config.compose import conf_dir

    return conf_dir() / "calibration" / "fitted.yaml"


def build_report(
    settings: DictConfig,
    params: list[FreeParameter],
    moments: tuple[Moment, ...],
    ev: Evaluator,
    start: dict[str, Any],
    best: dict[str, Any],
    date: str,
) -> dict[str, Any]:
    """The content of calibration_report.json."""
    rows = []
    for i, m in enumerate(moments):
        d, s, f = float(ev.data[i]), start["moments"][i], best["moments"][i]
        rows.append(
            {
                "moment": m.key,
                "series": m.series,
                "year": m.year,
                "data": d,
                "model_start": s,
                "model_fitted": f,
                "relative_error_fitted": (f - d) / abs(d) if math.isfinite(f) else None,
                "weight": m.weight,
                "file": m.file,
                "note": m.note,
            }
        )
    return {
        "date": date,
        "method": "simulated method of moments; Latin hypercube then "
        f"{settings.local_search.method}; distance = sum w ((model - data) / data)^2 / sum w",
        "objective": {
            "start": float(start["objective"]),
            "fitted": float(best["objective"]),
            "rms_relative_error_start": math.sqrt(float(start["objective"])),
            "rms_relative_error_fitted": math.sqrt(float(best["objective"])),
        },
        "model_overrides": list(settings.model_overrides),
        "seeds": [int(s) for s in settings.seeds],
        "evaluations": len(ev.cache),
        "parameters": [
            {
                "name": p.name,
                "key": p.key,
                "start": v0,
                "fitted": v,
                "lower": p.lower,
                "upper": p.upper,
                "scale": p.scale,
                "unit": p.unit,
                "reason": p.reason,
                "at_bound": bool(min(abs(p.to_unit(v)), abs(1 - p.to_unit(v))) < 1e-3),
            }
            for p, v0, v in zip(params, start["values"], best["values"], strict=True)
        ],
        "moments": rows,
        "units": {
            k: v
            for k, v in __import__("crossstrait_sim.evidence.moments", fromlist=["SERIES_UNITS"]).SERIES_UNITS.items()
        },
    }


def write_fitted_config(
    path: Path, params: list[FreeParameter], values: list[float], date: str, objective: float
) -> None:
    """Write the fitted values as a ``_global_`` config file, each leaf with its ``unit | source | meaning`` comment."""
    from crossstrait_sim.config.paramdoc import write_commented_config

    src = SOURCE.format(date=date)
    header = [
        f"Fitted by crossstrait-sim-calibrate on {date} (objective {objective:.5f}); see docs/VALIDATION.md.",
        "Composed by conf/config.yaml (calibration: fitted); calibration=none runs the prior values.",
    ]
    leaves = [(p.key, float(v), f"{p.unit} | {src} | {p.meaning}") for p, v in zip(params, values, strict=True)]
    write_commented_config(path, header, leaves)


# ---------------------------------------------------------------------------- CLI


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        if str(cfg.get("method", "smm")) == "abc":
            from crossstrait_sim.evidence.posterior_fit import fit_posterior

            fit_posterior(cfg)
        else:
            calibrate(cfg, out)
    except ConfigError as exc:
        print(f"crossstrait-sim-calibrate: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        where = cfg.get("workdir") or cfg.get("checkpoint")
        print(f"\nstopped; rerun the same command to resume from {where}", file=sys.stderr)
        sys.exit(130)


def main() -> None:
    """Entry point of the ``crossstrait-sim-calibrate`` console script."""
    import hydra

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.schema import register_configs

    register_configs()
    # the posterior fit (issue 10) by default; --config-name calibrate/default runs the point fit (SMM)
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="calibrate/posterior")(_task)()


if __name__ == "__main__":  # pragma: no cover
    main()
