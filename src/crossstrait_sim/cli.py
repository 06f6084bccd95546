"""Command line: ``crossstrait-sim [hydra overrides]``, a thin wrapper around :func:`run_config`."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from crossstrait_sim.config import conf_dir
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.runner import format_summary, run_config
from crossstrait_sim.schema import register_configs


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("mesa").setLevel(logging.WARNING)


def _task(cfg: DictConfig) -> None:
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        res = run_config(cfg, out)
    except ConfigError as exc:
        # nothing was simulated; leave no run directory behind with only Hydra's config in it
        if out.is_dir() and not (out / "results.parquet").exists():
            shutil.rmtree(out, ignore_errors=True)
        print(f"crossstrait-sim: config error: {exc}", file=sys.stderr)
        sys.exit(2)
    try:
        print(format_summary(res.summary))
        print(f"wrote {out}/results.parquet, summary.json, talent_outflow.png ({res.seconds:.2f} s simulated)")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `crossstrait-sim | head`: the outputs are written; stay quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:
    """Entry point of the ``crossstrait-sim`` console script."""
    _quiet_logging()
    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()


if __name__ == "__main__":  # pragma: no cover
    main()
