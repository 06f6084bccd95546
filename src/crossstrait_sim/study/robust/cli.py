"""``crossstrait-sim-robust``: run the robustness study (runs, tables, analysis, report) in one command.

Run: ``crossstrait-sim-robust robust=smoke|study [robust.key=value ...] [hydra.run.dir=DIR]``.
The runs go into ``DIR/runs/`` through the sweep machinery (:func:`~crossstrait_sim.study.sweep.run_jobs`:
joblib workers, resumable: the same command skips runs that are complete for the same config and code);
``robust.shard=i/n`` runs every n-th job from the i-th (one Slurm array task each), ``robust.stage=analyse``
builds the tables and the report from the runs done so far.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.study.compare import write_all
from crossstrait_sim.study.robust import analysis as A
from crossstrait_sim.study.robust import report as R
from crossstrait_sim.study.robust.design import Study, build_study, jobs_and_experiments
from crossstrait_sim.study.robust.discovery import discover
from crossstrait_sim.study.robust.tables import effects, read_outcomes, tidy_outcomes

RUNS = "runs"
TABLES = ("experiments.parquet", "outcomes.parquet")


def shard_jobs(jobs: list, shard: str | None) -> list:
    """The jobs of shard ``i/n`` (every n-th from the i-th), or all."""
    if shard in (None, "", "null"):
        return jobs
    i, _, n = str(shard).partition("/")
    if not (i.isdigit() and n.isdigit() and 0 <= int(i) < int(n)):
        raise ValueError(f"robust.shard={shard!r}: must be 'i/n' with 0 <= i < n")
    return jobs[int(i) :: int(n)]


def prepare(rs: DictConfig) -> tuple[Study, list, pd.DataFrame, float]:
    """The study, its jobs, its experiments table and the runs' scale."""
    from crossstrait_sim.config.compose import compose_config, conf_dir

    cfg = compose_config(list(rs.model_overrides))
    study = build_study(rs, cfg, conf_dir())
    jobs, ex = jobs_and_experiments(study, list(rs.model_overrides))
    return study, jobs, ex, float(cfg.scale)


def analyse(rs: DictConfig, study: Study, ex: pd.DataFrame, out: Path, scale: float) -> dict[str, Any]:
    """Tables and report from the runs in ``out/runs`` (complete runs only); returns what was computed."""
    specs = OmegaConf.to_container(rs.outcomes, resolve=True)
    assert isinstance(specs, dict)
    cached = pd.read_parquet(out / TABLES[1]) if (out / TABLES[1]).is_file() else None
    raw, status, notes = read_outcomes(out / RUNS, ex, specs, cached)
    ex = ex.assign(status=ex["run"].map(status).fillna("not run"))
    ex, closest, hist_note = _history(rs, study, ex, out)
    outcomes = tidy_outcomes(raw, ex)
    responses = [p.name for p in study.policies if p.kind == "response"]
    contrasts = [p.name for p in study.policies if p.kind == "contrast"]
    eff = effects(outcomes, study.reference, responses, contrasts)
    thr = A.thresholds(specs, scale)
    reg = A.regret(outcomes, specs, [study.reference, *responses])
    rob = A.robustness(eff, reg, specs, thr)
    near = eff[(eff.design != "lhs") | eff.future_id.isin(closest)]
    rob_h = A.robustness(near, reg, specs, thr)
    ck = OmegaConf.to_container(rs.cost_per_kept, resolve=True)
    assert isinstance(ck, dict)
    cost = A.cost_per_kept(eff[eff.policy.isin(responses)], ck["spend"], ck["talent"], thr[ck["talent"]])
    sd = rs.design.sensitivity
    sens = A.sensitivity(
        eff,
        study.futures,
        study.problem,
        str(sd.method),
        list(sd.policies),
        list(sd.outcomes),
        int(sd.resamples),
        float(sd.conf_level),
        int(sd.seed),
    )
    members = {p.name: list(p.responses) for p in study.policies if p.kind == "response"}
    boxes, summary = discover(ex, eff, specs, thr, members, OmegaConf.to_container(rs.discovery, resolve=True))
    n_lhs = int((study.futures.design == "lhs").sum())
    notes = [*study.notes, *notes]
    res = {
        "experiments": ex,
        "outcomes": outcomes,
        "effects": eff,
        "robustness": rob,
        "cost": cost,
        "sensitivity": sens,
        "boxes": boxes,
        "discovery": summary,
        "spend": ck["spend"],
        "talent": ck["talent"],
        "robustness_history": rob_h,
        "robustness_md": R.robustness_md(rob, cost, notes, n_lhs)
        + "\n"
        + R.history_md(rob, rob_h, dict(rs.discovery.aims), len(closest), hist_note),
        "discovery_md": R.discovery_md(summary),
        "findings_md": R.findings_md(rob, str(rs.quarter_label), n_lhs),
        "notes": notes,
    }
    writers = [
        ("experiments.parquet", lambda p: ex.to_parquet(p, index=False)),
        ("outcomes.parquet", lambda p: outcomes.to_parquet(p, index=False)),
        *R.figures_and_texts(res),
    ]
    res["files"] = write_all(out, writers)
    return res


def _history(rs: DictConfig, study: Study, ex: pd.DataFrame, out: Path) -> tuple[pd.DataFrame, set[str], str]:
    """The experiments table with each future's distance to the observed years, the closest futures, a note."""
    from crossstrait_sim.study.robust import history as H

    got = H.settings(rs)
    if got is None:
        return ex, set(), "Not computed (robust.history.enabled=false)."
    last_year, share = got
    dist = H.history_distances(out / RUNS, ex, study.reference, last_year)
    lhs = ex.loc[ex.design == "lhs", "future_id"]
    keep = H.closest(dist, lhs, share)
    n_t = len(H.history_targets(last_year))
    scored = dist.reindex(pd.Index(lhs.unique())).dropna()
    cut = f"{scored[list(keep)].max():.2f}" if keep else "-"
    note = (
        f"Each future's narrative run is scored against the {n_t} observed targets of the posterior fit up to "
        f"{last_year} (root mean square of (model - data) / sd, column `{H.COLUMN}` of experiments.parquet; "
        f"scored futures: {len(scored)}, median distance {scored.median():.2f}). The closest {share:.0%} "
        f"({len(keep)} futures, distance at most {cut}) are set beside all futures; nothing is fitted."
    )
    return ex.assign(**{H.COLUMN: ex["future_id"].map(dist)}), keep, note


def run_study(rs: DictConfig, out: Path, progress: bool = True) -> dict[str, Any]:
    """Run (``robust.stage``: all or run) and analyse (all or analyse) the study into ``out``."""
    from crossstrait_sim.study.sweep import run_jobs

    stage = str(rs.stage)
    if stage not in ("all", "run", "analyse"):
        raise ValueError(f"robust.stage={stage!r}: must be all, run or analyse")
    study, jobs, ex, scale = prepare(rs)
    res: dict[str, Any] = {"n_jobs": len(jobs)}
    if stage in ("all", "run"):
        t0 = time.perf_counter()
        mine = shard_jobs(jobs, rs.shard)
        report = run_jobs(
            out / RUNS,
            mine,
            n_jobs=int(rs.n_jobs),
            progress=progress,
            recorded=[f"robust={rs.name}", *list(rs.model_overrides)],
        )
        res.update(run_report=report, run_seconds=time.perf_counter() - t0)
    if stage in ("all", "analyse"):
        res.update(analyse(rs, study, ex, out, scale))
    return res


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        res = run_study(cfg.robust, out)
    except (ValueError, OSError) as exc:
        print(f"crossstrait-sim-robust: {' '.join(str(exc).split())}", file=sys.stderr)
        sys.exit(2)
    rep = res.get("run_report")
    if rep is not None:
        counts = rep.status.value_counts().to_dict()
        print(f"crossstrait-sim-robust: {len(rep)} runs {counts} in {res['run_seconds']:.1f} s")
    for note in res.get("notes", []):
        print(f"crossstrait-sim-robust: note: {note}", file=sys.stderr)
    for f in res.get("files", []):
        print(f"wrote {f}")


def main() -> None:
    """Entry point of ``crossstrait-sim-robust``."""
    import hydra

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.schema import register_configs

    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="robustness")(_task)()


if __name__ == "__main__":  # pragma: no cover
    main()
