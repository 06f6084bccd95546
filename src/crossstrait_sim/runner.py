"""The public API: ``run`` and ``run_config`` (in memory, or into a run folder) and ``simulate``.

From Python::

    from crossstrait_sim import run
    res = run(["scenario=measures31", "seed=1"])
    res.table  # the tidy results table
    run(["seed=2"], out_dir="runs/seed2")  # also writes the run folder (table, summary, plot, manifest)

This module is the edge of the package: a run in memory imports only the config, the model and
the engines; writing a run folder imports the study layer (manifests, files) when it is asked for.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.simulation.run import (
    SUMMARY_ITEMS,
    RunResult,
    format_summary,
    simulate,
    summarise,
    summary_quarters,
)
from crossstrait_sim.simulation.run import run_config as _run_in_memory

__all__ = [
    "SUMMARY_ITEMS",
    "RunResult",
    "format_summary",
    "run",
    "run_config",
    "simulate",
    "summarise",
    "summary_quarters",
]


def run_config(cfg: DictConfig, out_dir: Path | str | None = None) -> RunResult:
    """Validate ``cfg``, simulate, and (if ``out_dir``) write table, summary, plot, config and manifest.

    With ``out_dir``, the folder is checked before simulating (:func:`crossstrait_sim.study.rundir.check_run_dir`):
    it must not hold files the package did not write, nor earlier results, unless ``cfg.overwrite``.
    """
    if out_dir is None:
        return _run_in_memory(cfg)
    from crossstrait_sim.config.parameters import build_params
    from crossstrait_sim.study.runs import run_into  # the study layer, only when a folder is written

    build_params(cfg)  # config errors before the folder is looked at
    outcome = run_into(cfg, Path(out_dir), [], resume=False, raise_errors=True)
    assert outcome.result is not None
    return outcome.result


def run(overrides: list[str] | None = None, out_dir: Path | str | None = None) -> RunResult:
    """Compose the config from ``conf/`` with Hydra overrides and run it.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=measures31", "seed=1"]``.
        out_dir: where to write outputs; ``None`` keeps everything in memory.
    """
    return run_config(compose_config(overrides), out_dir)
