"""The study's design: which futures are run, under which policies, as named sweep jobs.

Designs (each a set of *futures*, rows of the unit hypercube with a seed):

* ``lhs``: a Latin hypercube over the uncertainties (and the levers' intensity and start when they
  are sampled), one seed per future: the futures of the robustness analysis and of scenario discovery;
* ``morris`` or ``sobol``: SALib's designs over the uncertainties, in factor groups, at fixed seeds:
  the points of the global sensitivity analysis;
* ``nominal``: the configured model (no uncertainty sampled) at several seeds: seed noise only, the
  yardstick the spread across futures is held against.

Every future is run under every policy (:mod:`.levers`); runs of one future share its seed (common
random numbers), so a policy's effect in a future is a paired difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from crossstrait_sim.study.robust.levers import (
    Policy,
    Response,
    lever_columns,
    lever_record,
    lever_values,
    policies_from,
    policy_overrides,
    responses_from,
)
from crossstrait_sim.study.robust.space import (
    DRAW,
    Space,
    Uncertainty,
    assumed_factors,
    order_draws,
    prior_box,
    read_draws,
)

U_PREFIX = "u:"  # the design's unit coordinates are kept in the futures table under this prefix


@dataclass
class Study:
    """Everything the run stage needs: the space, the policies, the futures and the jobs."""

    space: Space
    responses: dict[str, Response]
    policies: list[Policy]
    futures: pd.DataFrame  # one row per future: future_id, design, seed, u:<column>...
    problem: dict[str, Any]  # the SALib problem of the sensitivity design
    base: dict[str, Any]  # the reference config's values of every key the levers set
    nominal: dict[str, Any]  # the configured value of every uncertainty (the nominal design's record)
    reference: str = "narrative"
    sampled_levers: bool = False
    sens_policies: tuple[str, ...] = ()  # the policies the sensitivity design runs (besides the reference)
    notes: list[str] = field(default_factory=list)


def posterior_draws(setting: str, conf: Path) -> tuple[pd.DataFrame | None, Path | None, str]:
    """The posterior draws to use, or the prior box's file, and a note saying which.

    ``setting``: ``auto`` (the shipped draws via ``crossstrait_sim.evidence.posterior.load_draws`` when that
    module and its table exist, else ``prior``), ``prior`` (the priors of ``conf/calibrate/posterior.yaml``,
    uniform), ``none`` (the point fit's search box, ``free:`` of ``conf/calibrate/default.yaml``), or the path
    of a draws CSV.
    """
    if setting == "prior":
        return (
            None,
            conf / "calibrate" / "posterior.yaml",
            ("calibrated parameters: the priors of conf/calibrate/posterior.yaml (posterior=prior)"),
        )
    if setting == "none":
        return (
            None,
            conf / "calibrate" / "default.yaml",
            ("calibrated parameters: the point fit's search box, conf/calibrate/default.yaml (posterior=none)"),
        )
    if setting != "auto":
        return read_draws(Path(setting)), None, f"calibrated parameters: posterior draws from {setting}"
    try:
        from crossstrait_sim.evidence.posterior import load_draws  # type: ignore[import-not-found]

        draws = load_draws()
    except (ImportError, FileNotFoundError, OSError) as exc:
        why = "no crossstrait_sim.evidence.posterior" if isinstance(exc, ImportError) else "no draws table"
        return (
            None,
            conf / "calibrate" / "posterior.yaml",
            (f"calibrated parameters: the priors of conf/calibrate/posterior.yaml ({why} yet)"),
        )
    return pd.DataFrame(draws), None, "calibrated parameters: the shipped posterior draws (evidence/data/posterior)"


def build_space(settings: Mapping[str, Any], cfg: DictConfig, conf: Path, fixed: Sequence[str]) -> Space:
    """The uncertainty space of ``robust.uncertainties`` over the reference config ``cfg``."""
    draws, box_file, note = posterior_draws(str(settings.get("posterior", "auto")), conf)
    factors: list[Uncertainty] = []
    space = Space(
        factors, notes=[note], normalise={str(k): float(v) for k, v in (settings.get("normalise") or {}).items()}
    )
    if draws is not None:
        space.draws, space.cdf = order_draws(draws)
        factors.append(Uncertainty(DRAW, "calibrated", "draw", source="posterior"))
        calibrated = [c for c in draws.columns if c != "weight"]
    else:
        assert box_file is not None
        box = prior_box(box_file)
        factors += box
        calibrated = [f.name for f in box]
    if settings.get("assumed", True):
        off = [f"policy.{k}" for k, v in cfg.policy.items() if "enabled" in v and not v.enabled]
        off = [k for k in off if f"{k}.enabled" not in fixed]  # a lever's instrument is on in some runs
        exclude = [*calibrated, *fixed, *off, *settings.get("exclude", [])]
        depth = dict(settings.get("group_depth") or {"default": 2})
        factors += assumed_factors(
            cfg, exclude, list(settings.get("include") or []), depth, float(settings.get("log_ratio", 10.0))
        )
    for name, s in (settings.get("structural") or {}).items():
        opts = tuple((str(k), tuple((str(a), b) for a, b in dict(v or {}).items())) for k, v in s["options"].items())
        factors.append(
            Uncertainty(
                f"structure.{name}",
                str(s.get("group", "structure")),
                "choice",
                choices=opts,
                source="structural alternative",
            )
        )
    return space


def sample_lhs(n_cols: int, n: int, seed: int) -> np.ndarray:
    """A Latin hypercube of ``n`` rows (scipy.stats.qmc), seeded."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=n_cols, rng=np.random.default_rng(seed)).random(n)


def salib_problem(space: Space) -> dict[str, Any]:
    """The SALib problem: every column on [0, 1], in the space's factor groups."""
    return {
        "num_vars": len(space.names),
        "names": space.names,
        "bounds": [[0.0, 1.0]] * len(space.names),
        "groups": space.groups,
    }


def sample_sensitivity(problem: dict[str, Any], method: str, size: int, seed: int, levels: int = 4) -> np.ndarray:
    """SALib's Morris (``size`` trajectories) or Sobol (``size`` base points, first and total order) design."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=size, num_levels=levels, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, size, calc_second_order=False, seed=seed)
    raise ValueError(f"robust.sensitivity.method={method!r}: must be morris or sobol")


def _frame(design: str, u: np.ndarray, cols: list[str], seeds: Sequence[int]) -> pd.DataFrame:
    """Futures of one design: one row per point and seed."""
    rows = []
    for i, row in enumerate(u):
        for s in seeds:
            fid = f"{design}-{i:05d}" + (f"-s{s}" if len(seeds) > 1 else "")
            rows.append(
                {
                    "future_id": fid,
                    "design": design,
                    "point": i,
                    "seed": int(s),
                    **{U_PREFIX + c: float(x) for c, x in zip(cols, row, strict=True)},
                }
            )
    return pd.DataFrame(rows)


def futures_table(space: Space, lever_cols: list[str], settings: Mapping[str, Any]) -> tuple[pd.DataFrame, dict]:
    """Every future of the study (``robust.design``) and the SALib problem of its sensitivity part."""
    d, sens, nom = settings["futures"], settings["sensitivity"], settings["nominal"]
    n, seed0 = int(d["n"]), int(d.get("seed", 0))
    parts = []
    if n > 0:
        lhs = _frame("lhs", sample_lhs(len(space.names) + len(lever_cols), n, seed0), space.names + lever_cols, [0])
        lhs["seed"] = seed0 + lhs["point"]  # a seed per future: seed noise is part of what varies across futures
        parts.append(lhs)
    problem = salib_problem(space)
    if str(sens.get("method", "none")) != "none" and int(sens["size"]) > 0:
        x = sample_sensitivity(
            problem, str(sens["method"]), int(sens["size"]), int(sens.get("seed", 0)), int(sens.get("levels", 4))
        )
        parts.append(_frame(str(sens["method"]), x, space.names, list(sens.get("seeds", [0]))))
    if int(nom.get("seeds", 0)) > 0:
        parts.append(_frame("nominal", np.zeros((1, 0)), [], list(range(int(nom["seeds"])))))
    futures = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return futures, problem


def build_study(rs: DictConfig, cfg: DictConfig, conf: Path) -> Study:
    """The study that ``rs`` (the ``robust`` config) describes over the reference config ``cfg``."""
    from omegaconf import OmegaConf

    settings = OmegaConf.to_container(rs, resolve=True)
    assert isinstance(settings, dict)
    lv = settings["levers"]
    responses = responses_from(lv["responses"])
    fixed = [k for r in responses.values() for k in (*r.design_keys, r.enable, r.start_key)]
    space = build_space(settings["uncertainties"], cfg, conf, fixed)
    sampled = str(lv.get("mode", "fixed")) == "sampled"
    if str(lv.get("mode", "fixed")) not in ("fixed", "sampled"):
        raise ValueError(f"robust.levers.mode={lv.get('mode')!r}: must be fixed or sampled")
    policies = policies_from(responses, lv["combinations"], lv.get("contrasts") or {}, settings["reference"])
    futures, problem = futures_table(space, lever_columns(responses, sampled), settings["design"])
    keys = {k for r in responses.values() for k in (*r.intensity_keys, r.start_key)}
    base = {k: OmegaConf.select(cfg, k) for k in keys}
    nominal = nominal_record(space, cfg)
    sens = tuple(settings["design"]["sensitivity"].get("policies") or ())
    return Study(
        space, responses, policies, futures, problem, base, nominal, settings["reference"], sampled, sens, space.notes
    )


def nominal_record(space: Space, cfg: DictConfig) -> dict[str, Any]:
    """The configured values of the space's columns (a structural alternative: its first option; no draw: -1)."""
    from omegaconf import OmegaConf

    out: dict[str, Any] = {}
    for f in space.factors:
        if f.kind == "draw":
            assert space.draws is not None
            out[DRAW] = -1
            out.update({k: OmegaConf.select(cfg, k) for k in space.draws.columns if k != "weight"})
        elif f.kind == "choice":
            out[f.name] = f.choices[0][0]
        else:
            out[f.name] = OmegaConf.select(cfg, f.name)
    return out


def future_values(study: Study, fut: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(record of uncertainty values, config overrides, lever values) of one future (a futures-table row)."""
    if fut["design"] == "nominal":
        rec: dict[str, Any] = dict(study.nominal)
        vals: dict[str, Any] = {}
    else:
        u = [fut[U_PREFIX + n] for n in study.space.names]
        rec, vals = study.space.record(u), study.space.overrides(u)
    lever_u = {c[len(U_PREFIX) :]: fut[c] for c in fut.keys() if str(c).startswith(U_PREFIX + "lever.")}
    lever_u = lever_u if fut["design"] == "lhs" else {}  # the sensitivity and nominal designs hold levers fixed
    levers = lever_values(study.responses, lever_u if (study.sampled_levers and lever_u) else None, study.base)
    return rec, vals, levers


def jobs_and_experiments(
    study: Study, model_overrides: Sequence[str]
) -> tuple[list[tuple[str, list[str], dict[str, Any]]], pd.DataFrame]:
    """The sweep jobs (run name, overrides, values) and the experiments table (one row per run).

    The overrides are the model's and the seed; the values (config key -> typed value: the future's
    uncertainties and the policy's levers) are set on a composed copy
    (:func:`~crossstrait_sim.study.sweep.run_jobs`), not parsed by Hydra one string at a time.
    """
    jobs, rows = [], []
    for fut in study.futures.to_dict("records"):
        rec, vals, levers = future_values(study, fut)
        full = {**study.base, **vals}
        for pol in study.policies:
            if fut["design"] in ("morris", "sobol") and pol.name not in (study.reference, *study.sens_policies):
                continue  # the sensitivity design runs only the differences it analyses
            over = {**vals, **policy_overrides(pol, study.responses, levers, full)}
            name = f"{fut['future_id']}.{pol.name}"
            jobs.append((name, [*model_overrides, f"seed={fut['seed']}"], over))
            rows.append(
                {
                    "run": name,
                    "future_id": fut["future_id"],
                    "design": fut["design"],
                    "point": fut["point"],
                    "policy": pol.name,
                    "policy_kind": pol.kind,
                    "seed": int(fut["seed"]),
                    **lever_record(pol, study.responses, levers),
                    **rec,
                }
            )
    return jobs, pd.DataFrame(rows)
