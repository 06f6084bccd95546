"""Command line: ``crossstrait-sim [hydra overrides]``, a thin wrapper around :func:`run_config`."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from crossstrait_sim.config import conf_dir
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.parameters import build_params
from crossstrait_sim.runner import format_summary
from crossstrait_sim.schema import register_configs
from crossstrait_sim.sweep import run_one


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("mesa").setLevel(logging.WARNING)


def _task(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:
        _sweep_task(cfg, out, list(hc.overrides.task))
        return
    try:
        build_params(cfg)  # config errors first: one line and exit 2, before anything is written
    except ConfigError as exc:
        # nothing was simulated; leave no run directory behind with only Hydra's config in it
        if out.is_dir() and not (out / "results.parquet").exists():
            shutil.rmtree(out, ignore_errors=True)
        print(f"crossstrait-sim: config error: {exc}", file=sys.stderr)
        sys.exit(2)
    outcome = run_one(cfg, out, list(hc.overrides.task), skip_complete=False)
    if outcome.status != "complete":
        print(f"crossstrait-sim: run failed: {outcome.error} (traceback in {out}/error.txt)", file=sys.stderr)
        sys.exit(1)
    summary = json.loads((out / "summary.json").read_text())
    try:
        print(format_summary(summary))
        print(f"wrote {out}/results.parquet, manifest.json, summary.json, talent_outflow.png ({outcome.seconds:.2f} s)")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `crossstrait-sim | head`: the outputs are written; stay quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _sweep_task(cfg: DictConfig, out: Path, overrides: list[str]) -> None:
    """One job of a multirun: skip if complete, record failures, never stop the other jobs."""
    outcome = run_one(cfg, out, overrides, skip_complete=True)
    if outcome.status == "failed":
        print(f"crossstrait-sim: run {out.name} failed: {outcome.error}", file=sys.stderr)


def main() -> None:
    """Entry point of the ``crossstrait-sim`` console script."""
    _quiet_logging()
    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()


if __name__ == "__main__":  # pragma: no cover
    main()
