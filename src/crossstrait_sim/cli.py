"""Command line: ``crossstrait-sim [hydra overrides]``, a thin wrapper around :func:`run_into`.

Every error a user can cause (a bad value or type, an unknown key or option, a folder that must
not be written, no permission) is one line on stderr and exit code 2, before anything is
simulated or written. The run folder is never deleted: on an error the CLI removes only the
folders Hydra created for this run, and only if they are still empty.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from crossstrait_sim.config.compose import conf_dir, one_line_error
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.config.schema import register_configs
from crossstrait_sim.errors import ConfigError, RunDirError

USER_ERROR = 2
_CREATED: list[Path] = []  # folders that did not exist before this single run (Hydra creates them)


def missing_ancestors(path: Path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first (what a ``mkdir -p`` would create)."""
    out = []
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        out.append(p)
        p = p.parent
    return out


def remove_created_dirs(created: list[Path]) -> None:
    """Remove folders this run created, deepest first, each only if it is empty."""
    for d in created:
        try:
            d.rmdir()
        except OSError:
            return  # not empty (or gone): leave it and everything above it


class RunDirGuard(Callback):
    """Hydra callback: before Hydra creates the run folder, note which folders do not exist yet."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record the missing ancestors of ``hydra.run.dir`` (same resolved value Hydra uses next)."""
        _CREATED[:] = missing_ancestors(Path(str(config.hydra.run.dir)))


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("mesa").setLevel(logging.WARNING)


def _fail(message: str, code: int = USER_ERROR) -> None:
    """Undo only what this run created (empty folders), print one line, exit."""
    remove_created_dirs(_CREATED)
    print(f"crossstrait-sim: {message}", file=sys.stderr)
    sys.exit(code)


def _task(cfg: DictConfig) -> None:
    from crossstrait_sim.study.runs import run_into  # writing a run folder is the study layer's job

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:
        _sweep_task(cfg, out, list(hc.overrides.task))
        return
    try:
        build_params(cfg)  # config errors first: one line and exit 2, before anything is written
        outcome = run_into(cfg, out, list(hc.overrides.task), resume=False, raise_errors=True)
    except ConfigError as exc:
        _fail(f"config error: {exc}")
    except RunDirError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write to {exc.filename or out}: {(exc.strerror or str(exc)).lower()}")
    except Exception as exc:  # the run itself failed; its manifest and error.txt say so
        _fail(f"run failed: {type(exc).__name__}: {exc} (traceback in {out}/error.txt)".splitlines()[0], 1)
    from crossstrait_sim.simulation.run import format_summary  # (pandas: not in a sweep's parent process)

    summary = json.loads((out / "summary.json").read_text())
    try:
        print(format_summary(summary))
        files = ", ".join(sorted(json.loads((out / "manifest.json").read_text()).get("files", {})))
        print(f"wrote {out}: {files}, manifest.json ({outcome.seconds:.2f} s)")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `crossstrait-sim | head`: the outputs are written; stay quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _sweep_task(cfg: DictConfig, out: Path, overrides: list[str]) -> None:
    """One job of a multirun: skip if complete, record failures, never stop the other jobs."""
    from crossstrait_sim.study.runs import run_into

    outcome = run_into(cfg, out, overrides, resume=True)
    if outcome.status in ("failed", "refused"):
        print(f"crossstrait-sim: run {out.name} {outcome.status}: {outcome.error}", file=sys.stderr)


def main() -> None:
    """Entry point of the ``crossstrait-sim`` console script."""
    _quiet_logging()
    register_configs()
    # Hydra prints its own errors over several lines with exit code 1; let them reach us instead
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()
    except (HydraException, OmegaConfBaseException) as exc:
        _fail(f"config error: {one_line_error(exc)}")
    except OSError as exc:  # Hydra could not create the run folder: say which, and why
        _fail(f"cannot write to {exc.filename}: {(exc.strerror or str(exc)).lower()}")
    except ValueError as exc:  # Hydra's checks of its own flags (--multirun with --cfg, ...); anything else is a bug
        if not str(exc).startswith(_HYDRA_FLAG_ERRORS):
            raise
        _fail(f"command line: {exc}")


# the ValueErrors Hydra raises on its command-line flags, before it composes anything (hydra/_internal/utils.py)
_HYDRA_FLAG_ERRORS = ("Only one of --run, --multirun", "The --resolve flag can only be used")


def _run_name(task_overrides: Any) -> str:
    from crossstrait_sim.study.sweep import run_name

    return run_name([str(x) for x in task_overrides])


# The multirun's workers import this module to run _task; they need the run-name resolver that
# names their folders (conf/hydra/default.yaml) before Hydra resolves it, so it is registered
# when this module is imported (the sweep layer itself is imported only when a name is made).
if not OmegaConf.has_resolver("crossstrait_run_name"):
    OmegaConf.register_new_resolver("crossstrait_run_name", _run_name)

if __name__ == "__main__":  # pragma: no cover
    main()
