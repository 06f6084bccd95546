"""Sweeps: one run per configuration, resumable, with failures recorded and progress shown.

A sweep directory holds one sub-directory per run, named by the run's overrides
(``scenario=baseline,seed=3``), so the same configuration always lands in the
same place and a sweep started again skips runs whose results are complete
(:func:`crossstrait_sim.study.manifest.is_complete`) and redoes the rest. A run that
raises is recorded in its manifest (``status: failed``, the error, and
``error.txt`` with the traceback) and the other runs go on.

Two ways in, same layout and same per-run code (:func:`run_one`):

* the CLI, ``crossstrait-sim --multirun scenario=a,b seed='range(0,20)'``
  (Hydra's joblib launcher by default, ``hydra/launcher=slurm`` on a cluster);
  :class:`SweepProgress` is the Hydra callback that prints runs done / total;
* Python, :func:`run_sweep`, e.g. from a notebook.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig

from crossstrait_sim.atomic import write_json
from crossstrait_sim.study.manifest import (
    MANIFEST,
    code_identity,
    now_iso,
    read_json_object,
    read_manifest,
    write_manifest,
)
from crossstrait_sim.study.rundir import foreign_entries

if TYPE_CHECKING:  # pandas and the model load where a run or a table is made, not in a CLI sweep's parent
    import pandas as pd

    from crossstrait_sim.study.runs import RunOutcome

SWEEP_FILE = "sweep.json"  # written by the sweep's parent: total and expected run names
EXCLUDE_FROM_RUN_NAME = ("experiment", "overwrite")  # keys left out of run folder names: same run, same folder


def canonical_value(v: Any) -> str:
    """One spelling per value, so equal overrides name one run: ``2e-3`` and ``0.002`` give ``0.002``."""
    if isinstance(v, bool):
        return str(v)  # Hydra's sweeper spelling (False), kept so existing sweep folders still resume
    if isinstance(v, int | float):
        f = float(v)
        if f.is_integer() and abs(f) < 1e16:
            return str(int(f))
        return repr(f)
    if v is None:
        return "null"
    if isinstance(v, list | tuple):
        return "[" + ",".join(canonical_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{canonical_value(x)}" for k, x in v.items()) + "}"
    return str(v).replace("/", "%2F")  # a value must not make a sub-folder


def run_name(overrides: Sequence[str], exclude: Iterable[str] = EXCLUDE_FROM_RUN_NAME) -> str:
    """The run directory name of a job: its overrides, each value spelled one way, sorted, joined by commas.

    The CLI's multirun names its run folders with the same function (the ``crossstrait_run_name``
    resolver in ``conf/hydra/default.yaml``), so a sweep started again from Python or the CLI, with
    values written either way (``scale=2e-3`` or ``scale=0.002``), finds the same folders.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    jobs = sweep_jobs(list(overrides), None)
    if len(jobs) != 1:
        raise ValueError(f"overrides {list(overrides)} describe {len(jobs)} runs, not one")
    excl = set(exclude)
    parts = []
    for o in OverridesParser.create().parse_overrides(jobs[0]):
        if o.key_or_group in excl:
            continue
        key = o.get_key_element()
        parts.append(key if o.is_delete() else f"{key}={canonical_value(o.value())}")
    return ",".join(sorted(parts))


def run_one(cfg: DictConfig, run_dir: Path, overrides: Sequence[str], skip_complete: bool = True) -> RunOutcome:
    """Run one configuration into ``run_dir`` with a manifest; never raises for an error of the run itself.

    Args:
        cfg: the composed run config.
        run_dir: the run's directory (created if missing).
        overrides: the overrides that made ``cfg`` (recorded in the manifest).
        skip_complete: return at once if ``run_dir`` already holds complete, verified results of the same
            config and code (resuming a sweep); otherwise earlier complete results need ``overwrite=true``.
    """
    from crossstrait_sim.study.runs import run_into

    return run_into(cfg, Path(run_dir), overrides, resume=skip_complete)


# --------------------------------------------------------------------------- progress


def _fmt_secs(s: float) -> str:
    s = round(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ProgressPrinter:
    """Counts finished runs in a sweep directory and prints ``runs done / total``, elapsed and time left.

    Works for every launcher, since it only looks at the manifests the runs write
    (on a cluster, the sweep directory is on the shared file system).
    """

    def __init__(self, sweep_dir: Path, total: int | None, stream: Any = None, names: Sequence[str] = ()) -> None:
        self.sweep_dir = Path(sweep_dir)
        self.total = total
        self.names = list(names)  # this sweep's runs; other runs in the same folder are not counted
        self.stream = stream or sys.stderr
        self.t0 = time.time()
        self.t0_iso = now_iso()
        self.last = ""
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.first: tuple[float, int] | None = None  # (time, runs finished) when the first run of this session ended
        self.fed: dict[str, int] | None = None  # counts fed by :meth:`add` (the runs' outcomes), if any

    def add(self, outcome: RunOutcome) -> None:
        """Count one run's outcome as it arrives (the process that launched the runs): no manifest is read.

        Once fed, the printer counts only what it is fed; reading every manifest at each update (the way for
        other launchers, which only share the sweep folder) costs time in proportion to the runs done, so a
        study of thousands of runs would spend more time counting than running.
        """
        c = self.fed if self.fed is not None else {"complete": 0, "failed": 0, "running": 0, "finished_now": 0}
        self.fed = c
        if outcome.status in ("complete", "failed"):
            c[outcome.status] += 1
            c["finished_now"] += 1
        elif outcome.status == "skipped":  # complete from an earlier session
            c["complete"] += 1

    def counts(self) -> dict[str, int]:
        """Runs by status in the sweep directory, and how many finished since this printer started."""
        if self.fed is not None:
            return dict(self.fed)
        c = {"complete": 0, "failed": 0, "running": 0, "finished_now": 0}
        dirs = (
            [self.sweep_dir / n for n in self.names]
            if self.names
            else [m.parent for m in self.sweep_dir.glob(f"*/{MANIFEST}")]
        )
        for run_dir in dirs:
            man = read_manifest(run_dir)
            if man is None:
                continue
            st = man.get("status")
            if st in c:
                c[st] += 1
            if st in ("complete", "failed") and (man.get("end_time") or "") >= self.t0_iso:
                c["finished_now"] += 1
        return c

    def line(self) -> str:
        """The progress line."""
        c = self.counts()
        done = c["complete"] + c["failed"]
        elapsed = time.time() - self.t0
        total = self.total
        parts = [f"sweep: {done}/{total if total is not None else '?'} runs done"]
        if c["failed"]:
            parts.append(f"{c['failed']} failed")
        parts.append(f"elapsed {_fmt_secs(elapsed)}")
        now = time.time()
        if c["finished_now"] > 0 and self.first is None:
            self.first = (now, c["finished_now"])
        if total is not None and self.first is not None and done < total:
            # rate since the first run ended: leaves out the launcher's start-up time
            t1, n1 = self.first
            n, dt_ = c["finished_now"] - n1, now - t1
            rate = n / dt_ if n > 0 and dt_ > 0 else c["finished_now"] / max(elapsed, 1e-9)
            parts.append(f"about {_fmt_secs((total - done) / rate)} left")
        return ", ".join(parts)

    def update(self, final: bool = False) -> None:
        """Print the line if it changed (in place on a terminal)."""
        text = self.line()
        key = text if self.tty else text.split(", elapsed")[0]  # off a terminal, print a line per change of count
        if key == self.last and not final:
            return
        self.last = key
        if self.tty:
            self.stream.write("\r" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def record_sweep(sweep_dir: Path, names: Sequence[str], overrides: Sequence[str]) -> dict[str, Any]:
    """Write ``sweep.json``: the union of the runs of every invocation into this folder (never shrunk)."""
    path = Path(sweep_dir) / SWEEP_FILE
    old = read_json_object(path) or {}
    runs = [str(r) for r in old.get("runs", [])] if isinstance(old.get("runs"), list) else []
    runs += [n for n in names if n not in set(runs)]
    now = now_iso()
    data = {
        "total": len(runs),
        "runs": runs,
        "started": old.get("started") or now,
        "updated": now,
        "overrides": list(overrides),
        "last_invocation": {"total": len(names), "started": now},
    }
    write_json(path, data)
    return data


_WATCHER: dict[str, Any] = {}  # the parent's progress thread: module state, so callbacks stay picklable


def _watch(printer: ProgressPrinter, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            printer.update()
        except OSError:  # the sweep directory is being written; try again next time
            pass


def sweep_jobs(task_overrides: Sequence[str], sweeper_params: Mapping[str, Any] | None) -> list[list[str]]:
    """The per-job override lists of a sweep, as Hydra's basic sweeper will make them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    args = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(task_overrides)
    parsed = OverridesParser.create().parse_overrides(args)
    batches = BasicSweeper.split_arguments(parsed, None)
    return [job for batch in batches for job in batch]


try:
    from hydra.experimental.callback import Callback as _HydraCallback
except ImportError:  # pragma: no cover - hydra-core is a dependency
    _HydraCallback = object  # type: ignore[assignment,misc]


class SweepProgress(_HydraCallback):
    """Hydra callback: writes ``sweep.json``, shows progress, reports failed runs and sets the exit code.

    Configured in ``conf/hydra/default.yaml``. Runs in the sweep's parent process
    only (``on_multirun_*``); the jobs themselves are handled by the CLI's task.
    """

    def __init__(self, every_s: float = 2.0) -> None:
        self.every_s = float(every_s)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Count the jobs, write ``sweep.json``, start the progress thread."""
        from omegaconf import OmegaConf

        from crossstrait_sim.errors import runs_per_task_problem

        # The launcher checks its settings when the sweeper makes it, after this callback (Hydra turns an
        # error raised here into a warning). A value it will refuse leaves the sweep folder unmade: the
        # launcher's one-line error ends the command (batched_submitit._Batched).
        k = OmegaConf.select(config, "hydra.launcher.runs_per_task", default=None)
        if k is not None and runs_per_task_problem(k):
            return
        sweep_dir = Path(str(config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        total = None
        names: list[str] = []
        try:
            node = config.hydra.sweeper.get("params")
            params = OmegaConf.to_container(node, resolve=True) if node is not None else {}
            jobs = sweep_jobs(list(config.hydra.overrides.task), params)  # type: ignore[arg-type]
            names = [run_name(j) for j in jobs]
            total = len(jobs)
        except Exception as exc:  # the sweep runs without a total; Hydra reports bad overrides
            print(f"crossstrait-sim: progress without a total ({exc})", file=sys.stderr)
        record_sweep(sweep_dir, names, list(config.hydra.overrides.task))
        printer = ProgressPrinter(sweep_dir, total, names=names)
        stop = threading.Event()
        th = threading.Thread(target=_watch, args=(printer, stop, self.every_s), daemon=True)
        _WATCHER.update(printer=printer, stop=stop, thread=th, names=names)
        th.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Stop the progress thread, print the final count and the failed runs; exit 1 if any run failed."""
        printer: ProgressPrinter | None = _WATCHER.get("printer")
        if printer is None:
            return
        _WATCHER["stop"].set()
        _WATCHER["thread"].join(timeout=5)
        printer.update(final=True)
        names = _WATCHER.get("names") or []
        failed = []
        for name in names:
            man = read_manifest(printer.sweep_dir / name)
            if man is not None and man.get("status") == "failed":
                failed.append((name, man.get("error")))
        _WATCHER.clear()
        for name, err in failed:
            print(f"crossstrait-sim: run {name} failed: {err}", file=sys.stderr)
        print(
            f"crossstrait-sim: sweep in {printer.sweep_dir}; compare with: crossstrait-sim-compare {printer.sweep_dir}"
        )
        if failed:
            sys.exit(1)


# --------------------------------------------------------------------------- Python API


def grid_overrides(grid: Mapping[str, Iterable[Any]], fixed: Sequence[str] = ()) -> list[list[str]]:
    """Every combination of ``grid`` values as override lists (first key varies slowest), plus ``fixed``."""
    keys = list(grid)
    values = [list(grid[k]) for k in keys]
    return [
        [f"{k}={v}" for k, v in zip(keys, combo, strict=True)] + list(fixed) for combo in itertools.product(*values)
    ]


def _run_job(
    overrides: list[str],
    sweep_dir: str,
    skip_complete: bool,
    cfg: DictConfig | None = None,
    error: str | None = None,
    name: str | None = None,
) -> RunOutcome:
    """One job of :func:`run_jobs`: its composed ``cfg`` (``None``: compose it here) or its composition ``error``.

    ``name`` is the run's folder name (default: :func:`run_name` of its overrides).
    """
    from crossstrait_sim.study.runs import RunOutcome

    run_dir = Path(sweep_dir) / (name if name is not None else run_name(overrides))
    if cfg is None and error is None:
        from crossstrait_sim.config.compose import compose_config

        try:
            cfg = compose_config(overrides)
        except Exception as exc:
            error = _error_line(exc)
    if error is not None:  # a bad override fails that run only
        if foreign_entries(run_dir):
            msg = f"run folder {run_dir} holds files crossstrait-sim did not write"
            return RunOutcome(run_dir, "refused", 0.0, msg)
        run_dir.mkdir(parents=True, exist_ok=True)
        man = {
            "status": "failed",
            "overrides": overrides,
            **code_identity(),
            "start_time": now_iso(),
            "end_time": now_iso(),
            "error": error,
        }
        write_manifest(run_dir, man)
        return RunOutcome(run_dir, "failed", 0.0, man["error"])
    assert cfg is not None
    out = run_one(cfg, run_dir, overrides, skip_complete=skip_complete)
    # the results are in the run folder: a sweep's parent gets the status only (a default-scale table is
    # megabytes; thousands of them sent back and kept would fill the parent's memory)
    return dataclasses.replace(out, result=None)


def _error_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _composed(
    jobs: Sequence[tuple[Sequence[str], Mapping[str, Any]]], compose_once: bool
) -> Iterable[tuple[list[str], DictConfig | None, str | None]]:
    """Each job's override lines with its config composed here, or ``None`` (composed per run in the worker).

    Composed once per distinct config-group choices. A job is (overrides, values): values are set on the
    composed copy (:meth:`~crossstrait_sim.config.compose.Composer.with_values`) and recorded as
    ``key=value`` lines.
    """
    from crossstrait_sim.config.compose import spell_values

    if not compose_once:
        for o, v in jobs:
            yield [*o, *spell_values(v)], None, None
        return
    from crossstrait_sim.config.compose import Composer

    composer = Composer()
    for o, v in jobs:
        lines = [*o, *spell_values(v)]
        try:
            yield lines, (composer.with_values(list(o), v) if v else composer(lines)), None
        except Exception as exc:
            yield lines, None, _error_line(exc)


def run_sweep(
    sweep_dir: Path | str,
    grid: Mapping[str, Iterable[Any]],
    overrides: Sequence[str] = (),
    n_jobs: int = 1,
    skip_complete: bool = True,
    progress: bool = True,
    compose_once: bool = True,
) -> pd.DataFrame:
    """Run every combination of ``grid`` into ``sweep_dir`` (same layout as ``crossstrait-sim --multirun``).

    Args:
        sweep_dir: the sweep directory; run again with the same arguments to resume.
        grid: override key -> values, e.g. ``{"scenario": ["baseline", "narrative"], "seed": range(3)}``.
        overrides: overrides shared by every run, e.g. ``["scale=0.002"]``.
        n_jobs: parallel worker processes (joblib, loky); 1 runs in this process, -1 uses every core.
        skip_complete: skip runs whose results are already complete.
        progress: print runs done / total and time left to stderr.
        compose_once: compose the configs in this process with one :class:`~crossstrait_sim.config.compose.Composer`
            (Hydra composes once per distinct set of config-group choices; each run's values are applied to a
            copy: the same configs, about 0.5 s less per run); ``False`` composes every run in full in its
            worker (the path before issue 12, kept for benchmarks).

    Returns:
        One row per run: run (directory name), status (complete, failed, skipped), seconds, error.
    """
    jobs = grid_overrides(grid, overrides)
    named = [(run_name(j), j) for j in jobs]
    recorded = [f"{k}={list(v)}" for k, v in grid.items()] + list(overrides)
    if len({n for n, _ in named}) != len(named):
        raise ValueError(f"grid {dict(grid)!r} gives the same run more than once")
    return run_jobs(sweep_dir, named, n_jobs, skip_complete, progress, compose_once, recorded)


def run_jobs(
    sweep_dir: Path | str,
    jobs: Sequence[tuple[str, Sequence[str]] | tuple[str, Sequence[str], Mapping[str, Any]]],
    n_jobs: int = 1,
    skip_complete: bool = True,
    progress: bool = True,
    compose_once: bool = True,
    recorded: Sequence[str] = (),
) -> pd.DataFrame:
    """Run named jobs into ``sweep_dir``: the machinery of :func:`run_sweep` for runs named by the caller.

    A design whose runs differ in hundreds of values (the robustness study's futures) cannot name its
    folders by their overrides (a file name holds 255 bytes); its runs are named by the design
    (``lhs-00012.retain_talent``) and every override is recorded in the run's manifest.

    Args:
        sweep_dir: the sweep directory; run again with the same jobs to resume.
        jobs: (run folder name, overrides) or (run folder name, overrides, values) per run; names must be
            unique and valid folder names. ``values`` (config key -> typed value) are set after the overrides
            without Hydra parsing them (much faster for hundreds of values; the same config), and recorded
            in the manifest as ``key=value`` overrides.
        n_jobs: parallel worker processes, as for :func:`run_sweep`.
        skip_complete: skip runs whose results are already complete.
        progress: print runs done / total and time left to stderr.
        compose_once: compose with one :class:`~crossstrait_sim.config.compose.Composer`, as for :func:`run_sweep`.
        recorded: what ``sweep.json`` records as the sweep's overrides.

    Returns:
        One row per run: run (directory name), status (complete, failed, skipped), seconds, error.
    """
    sweep_dir = Path(sweep_dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    names = [j[0] for j in jobs]
    if len(set(names)) != len(names):
        raise ValueError("the same run name is given more than once")
    bad = [n for n in names if not n or "/" in n or n.startswith(".") or len(n.encode()) > 255]
    if bad:
        raise ValueError(f"run names must be folder names (no '/', no leading '.', at most 255 bytes): {bad[:3]}")
    record_sweep(sweep_dir, names, list(recorded))
    printer = ProgressPrinter(sweep_dir, len(jobs), names=names) if progress else None
    outcomes: list[RunOutcome] = []
    specs = [(list(j[1]), dict(j[2]) if len(j) > 2 else {}) for j in jobs]  # type: ignore[misc]
    composed = zip(names, _composed(specs, compose_once), strict=True)  # lazily, while the workers run
    if n_jobs == 1:
        it: Iterable[RunOutcome] = (_run_job(j, str(sweep_dir), skip_complete, c, e, n) for n, (j, c, e) in composed)
    else:
        from joblib import Parallel, delayed

        it = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run_job)(j, str(sweep_dir), skip_complete, c, e, n) for n, (j, c, e) in composed
        )
    for out in it:
        outcomes.append(out)
        if printer is not None:
            printer.add(out)
            printer.update()
    if printer is not None:
        printer.update(final=True)
    import pandas as pd

    rows = [{"run": o.run_dir.name, "status": o.status, "seconds": o.seconds, "error": o.error} for o in outcomes]
    return pd.DataFrame(rows, columns=["run", "status", "seconds", "error"]).sort_values("run", ignore_index=True)
