"""Run the model: a pure ``simulate(params)`` and ``run(...)`` that also writes outputs.

From Python::

    from crossstrait_sim import run
    res = run(["scenario=measures31", "seed=1"])
    res.table  # the tidy results table
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.config import compose_config
from crossstrait_sim.errors import RunDirError
from crossstrait_sim.manifest import (
    code_identity,
    config_hash,
    is_complete,
    new_manifest,
    now_iso,
    read_manifest,
    write_manifest,
)
from crossstrait_sim.parameters import Params, build_params
from crossstrait_sim.results import BY_NAME
from crossstrait_sim.rundir import (
    MANIFEST,
    RESULTS,
    RUN_FILES,
    RunWriter,
    check_run_dir,
    remove_stale_temporaries,
)

SUMMARY_ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    # (label, indicator, sector, region, origin)
    ("talent_in_cn", "talent_in_cn", "all", "all", "all"),
    ("talent_abroad_total", "talent_abroad_total", "all", "all", "all"),
    ("talent_share_cn", "talent_share_cn", "all", "all", "all"),
    ("talent_outflow_to_cn", "talent_outflow", "all", "CN", "all"),
    ("talent_return_from_cn", "talent_return", "all", "CN", "all"),
    ("tw_firms_in_cn", "firms", "all", "CN", "TW"),
    ("tw_firms_in_sea", "firms", "all", "SEA", "TW"),
    ("tw_outward_investment", "tw_outward_investment", "all", "all", "all"),
    ("tw_outward_investment_share_cn", "tw_outward_investment_share_cn", "all", "all", "all"),
    ("capability_gap_semiconductors", "capability_gap", "semiconductors", "all", "all"),
    ("rd_centres_tw", "rd_centres_tw", "all", "all", "all"),
    ("exits_enforcement", "exits_enforcement", "all", "all", "all"),
)


@dataclass
class RunResult:
    """What a run returns: the results table, the resolved config and a summary."""

    table: pd.DataFrame
    config: DictConfig
    params: Params
    summary: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    seconds: float = 0.0
    agent_steps: int = 0


def simulate(params: Params) -> tuple[pd.DataFrame, int]:
    """Run the model for ``params`` with its engine; return the long results table and the agent-steps done.

    Both engines fill the same :class:`crossstrait_sim.results.Recorder`, so the table has one schema.
    """
    model: Any
    if params.engine == "mesa":
        from crossstrait_sim.mesa_model import MesaModel

        model = MesaModel(params).run()
    else:
        from crossstrait_sim.model import VectorizedModel

        model = VectorizedModel(params).run()
    return model.recorder.to_frame(), model.agent_steps


def summarise(table: pd.DataFrame, quarters: list[str]) -> dict[str, dict[str, float]]:
    """Key indicators at the given quarters (taken from the table itself)."""
    idx = table.set_index(["indicator", "sector", "region", "origin", "quarter"])["value"]
    out: dict[str, dict[str, float]] = {}
    for q in quarters:
        out[q] = {}
        for label, ind, s, r, o in SUMMARY_ITEMS:
            key = (ind, s, r, o, q)
            if key in idx.index:
                out[q][label] = float(idx.loc[key])
    return out


def summary_quarters(params: Params, wanted: list[str]) -> list[str]:
    """The wanted summary quarters that lie inside the horizon, else the last quarter."""
    inside = [q for q in wanted if q in params.quarters]
    return inside or [params.quarters[-1]]


def run_config(cfg: DictConfig, out_dir: Path | str | None = None) -> RunResult:
    """Validate ``cfg``, simulate, and (if ``out_dir``) write table, summary, plot, config and manifest.

    With ``out_dir``, the folder is checked before simulating (:func:`crossstrait_sim.rundir.check_run_dir`):
    it must not hold files the package did not write, nor earlier results, unless ``cfg.overwrite``.
    """
    params = build_params(cfg)  # every config error is raised here, before simulating
    if out_dir is not None:
        outcome = run_into(cfg, Path(out_dir), [], resume=False, raise_errors=True)
        assert outcome.result is not None
        return outcome.result
    t0 = time.perf_counter()
    table, steps = simulate(params)
    seconds = time.perf_counter() - t0
    summary = {
        "scenario": params.scenario,
        "seed": params.seed,
        "scale": params.scale,
        "quarters": f"{params.quarters[0]}..{params.quarters[-1]}",
        "indicators": summarise(table, summary_quarters(params, list(cfg.output.summary_quarters))),
    }
    return RunResult(table=table, config=cfg, params=params, summary=summary, seconds=seconds, agent_steps=steps)


@dataclass
class RunOutcome:
    """What :func:`run_into` did with one configuration."""

    run_dir: Path
    status: str  # complete | failed | skipped | refused
    seconds: float = 0.0
    error: str | None = None
    result: RunResult | None = None


def run_into(
    cfg: DictConfig, run_dir: Path, overrides: Sequence[str], resume: bool = True, raise_errors: bool = False
) -> RunOutcome:
    """Run one configuration into ``run_dir``, with a manifest and its files written as one set.

    Args:
        cfg: the composed run config.
        run_dir: the run's directory (created if missing).
        overrides: the overrides that made ``cfg`` (recorded in the manifest).
        resume: a sweep job: skip if ``run_dir`` holds complete, verified results of the same config and
            code, and redo (replace) the package's own incomplete or out-of-date files otherwise.
        raise_errors: raise instead of recording: a :class:`~crossstrait_sim.errors.RunDirError` for a
            folder that must not be written, and the run's own exception after recording it.

    A refused folder is never written to (``status: refused``). A run that raises leaves its manifest
    (``failed``) and ``error.txt`` with the traceback; its other temporaries are removed.
    """
    run_dir = Path(run_dir)
    try:
        wanted = {"config_hash": config_hash(cfg), **code_identity()}
    except Exception as exc:  # an unresolvable config is one failed run, not a failed sweep
        wanted, hash_error = None, exc
    else:
        hash_error = None
    if resume and wanted is not None and is_complete(run_dir, wanted):
        return RunOutcome(run_dir, "skipped")
    overwrite = bool(OmegaConf.select(cfg, "overwrite", default=False))
    try:
        check_run_dir(run_dir, overwrite, read_manifest(run_dir), resume=resume)
    except RunDirError as exc:
        if raise_errors:
            raise
        return RunOutcome(run_dir, "refused", 0.0, str(exc))
    run_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(run_dir)
    t0 = time.perf_counter()
    if hash_error is not None:
        man = {"status": "running", "overrides": list(overrides), **code_identity(), "start_time": now_iso()}
    else:
        man = new_manifest(cfg, list(overrides))
    write_manifest(run_dir, man)
    writer = RunWriter(run_dir)
    result = None
    try:
        if hash_error is not None:
            raise hash_error
        result = run_config(cfg)
        stage_outputs(result, writer)
        man["policy_events"] = [[x, label] for x, label in _policy_events(result.params)]
        man["files"] = writer.commit()
        man["status"] = "complete"
    except Exception as exc:  # recorded; a sweep goes on
        writer.discard()
        man["status"] = "failed"
        man["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        man["files"] = {}
        tb = traceback.format_exc()
        atomic_write(run_dir / "error.txt", lambda p: p.write_text(tb))
        if raise_errors:
            _finish_manifest(run_dir, man, t0)
            raise
    _finish_manifest(run_dir, man, t0)
    return RunOutcome(run_dir, man["status"], man["seconds"], man["error"], result)


def _finish_manifest(run_dir: Path, man: dict[str, Any], t0: float) -> None:
    """Write the final manifest; after a success, remove the package's files of an earlier run not in this set."""
    man["end_time"] = now_iso()
    man["seconds"] = round(time.perf_counter() - t0, 3)
    write_manifest(run_dir, man)
    if man["status"] == "complete":
        keep = {*man["files"], MANIFEST}
        for name in RUN_FILES:
            if name not in keep:
                (run_dir / name).unlink(missing_ok=True)


def _policy_events(params: Params) -> list[tuple[float, str]]:
    from crossstrait_sim.plotting import policy_events

    return policy_events(params)


def stage_outputs(res: RunResult, writer: RunWriter) -> None:
    """Stage results.parquet, summary.json, resolved_config.yaml and talent_outflow.png in ``writer``."""
    writer.write(RESULTS, lambda p: res.table.to_parquet(p, index=False, engine="pyarrow"))
    writer.write("summary.json", lambda p: p.write_text(json.dumps(res.summary, indent=2) + "\n"))
    writer.write("resolved_config.yaml", lambda p: p.write_text(OmegaConf.to_yaml(res.config, resolve=True)))
    if res.config.output.plot:
        from crossstrait_sim.plotting import plot_talent_outflow, policy_events

        writer.write("talent_outflow.png", lambda p: plot_talent_outflow(res.table, p, policy_events(res.params)))
    res.out_dir = writer.run_dir


def run(overrides: list[str] | None = None, out_dir: Path | str | None = None) -> RunResult:
    """Compose the config from ``conf/`` with Hydra overrides and run it.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=measures31", "seed=1"]``.
        out_dir: where to write outputs; ``None`` keeps everything in memory.
    """
    return run_config(compose_config(overrides), out_dir)


def format_summary(summary: dict[str, Any]) -> str:
    """The short printed summary: one column per summary quarter."""
    ind = summary["indicators"]
    qs = list(ind)
    labels = list(next(iter(ind.values())).keys()) if ind else []
    lines = [f"crossstrait-sim  scenario={summary['scenario']}  seed={summary['seed']}  scale={summary['scale']}"]
    units = {label: BY_NAME[indicator].unit for label, indicator, *_ in SUMMARY_ITEMS}
    lines.append(f"{'indicator':32s}{'unit':20s}" + "".join(f"{q:>12s}" for q in qs))
    for lab in labels:
        vals = "".join(f"{_fmt(ind[q].get(lab, float('nan'))):>12s}" for q in qs)
        lines.append(f"{lab:32s}{units.get(lab, ''):20s}" + vals)
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"
