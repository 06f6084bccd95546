"""A run folder: one configuration simulated and written as one set of files with its manifest.

:func:`run_into` is what the CLI, the sweeps and ``run(..., out_dir=...)`` use: it checks the
folder (:mod:`crossstrait_sim.study.rundir`), records the run in ``manifest.json``, simulates,
stages every output under a temporary name and renames them into place as a set.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.config.compose import config_yaml
from crossstrait_sim.config.parameters import policy_events
from crossstrait_sim.errors import RunDirError
from crossstrait_sim.simulation.run import RunResult, run_config
from crossstrait_sim.study.manifest import (
    code_identity,
    config_hash,
    is_complete,
    new_manifest,
    now_iso,
    read_manifest,
    write_manifest,
)
from crossstrait_sim.study.rundir import (
    MANIFEST,
    RESULTS,
    RUN_FILES,
    RunWriter,
    check_run_dir,
    remove_stale_temporaries,
)


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
        man = new_manifest(cfg, list(overrides), wanted["config_hash"] if wanted is not None else None)
    write_manifest(run_dir, man)
    writer = RunWriter(run_dir)
    result = None
    try:
        if hash_error is not None:
            raise hash_error
        result = run_config(cfg)
        stage_outputs(result, writer)
        man["policy_events"] = [[x, label] for x, label in policy_events(result.params)]
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


def stage_outputs(res: RunResult, writer: RunWriter) -> None:
    """Stage results.parquet, summary.json, resolved_config.yaml and talent_outflow.png in ``writer``."""
    writer.write(RESULTS, lambda p: res.table.to_parquet(p, index=False, engine="pyarrow"))
    writer.write("summary.json", lambda p: p.write_text(json.dumps(res.summary, indent=2) + "\n"))
    writer.write("resolved_config.yaml", lambda p: p.write_text(config_yaml(res.config)))
    if res.config.output.plot:
        from crossstrait_sim.evidence.datasets import observed_talent_in_cn
        from crossstrait_sim.viz.plotting import plot_talent_outflow  # only when a plot is asked for

        obs = observed_talent_in_cn()
        writer.write("talent_outflow.png", lambda p: plot_talent_outflow(res.table, p, policy_events(res.params), obs))
    res.out_dir = writer.run_dir
