"""Submitit launchers (Slurm, local) that run several runs of a sweep in each task.

Hydra's submitit launcher makes every run its own task of the job array. A task pays a fresh
Python start: the imports (pandas, scipy, matplotlib, Hydra, the package), numba's first use and
the config's composition, about 1-2 s on a core of this project's machines, against about 0.45 s
for a default run itself (README "Speed"; ``benchmarks/bench_throughput.py compile``). Sweeps of
thousands of short runs spend most of their core-hours starting. With ``runs_per_task=K`` each
task runs K runs one after another in one process, so the start is paid once per K runs; the runs,
their folders and files are the same (``tests/test_sweeps.py`` holds the tables equal to the joblib
launcher's), and each run is still skipped when complete, so a task that is requeued or rerun
redoes only its runs that did not finish.

``timeout_min`` (sbatch ``--time``) is per task: size it for K runs.
Selected with ``hydra/launcher=slurm`` (``conf/hydra/launcher/slurm.yaml``) or
``hydra/launcher=crossstrait_submitit_local`` (local processes, for tests and small machines).
"""

# no `from __future__ import annotations`: Hydra's plugin scan runs this module before it is in sys.modules,
# where a dataclass with string annotations fails, and OmegaConf reads the config's types at runtime
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, filter_overrides
from omegaconf import OmegaConf

try:  # Hydra's submitit launcher: the `cluster` extra (and the test extra); without it this module adds nothing
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf, LocalQueueConf, SlurmQueueConf
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import LocalLauncher, SlurmLauncher
except ImportError:  # pragma: no cover - the test environment has it
    SUBMITIT = False
else:
    SUBMITIT = True

log = logging.getLogger(__name__)

_MODULE = "hydra_plugins.crossstrait_sim_sweeper.batched_submitit"


if SUBMITIT:

    @dataclass
    class BatchedSlurmConf(SlurmQueueConf):
        """Hydra's Slurm launcher config plus ``runs_per_task`` (group ``hydra/launcher``)."""

        _target_: str = f"{_MODULE}.BatchedSlurmLauncher"
        runs_per_task: int = 1  # runs of the sweep run one after another in each task of the job array

    @dataclass
    class BatchedLocalConf(LocalQueueConf):
        """Hydra's submitit_local launcher config plus ``runs_per_task`` (group ``hydra/launcher``)."""

        _target_: str = f"{_MODULE}.BatchedLocalLauncher"
        runs_per_task: int = 1  # runs of the sweep run one after another in each local task

    ConfigStore.instance().store(
        group="hydra/launcher", name="crossstrait_slurm", node=BatchedSlurmConf, provider="crossstrait_sim"
    )
    ConfigStore.instance().store(
        group="hydra/launcher", name="crossstrait_submitit_local", node=BatchedLocalConf, provider="crossstrait_sim"
    )

    class _Chunk:
        """One task's runs: the launcher's per-run call for each, in order (picklable; requeued as a whole)."""

        def __init__(self, launcher: Any) -> None:
            self.launcher = launcher

        def __call__(self, jobs: list[tuple[Any, ...]]) -> list[JobReturn]:
            return [self.launcher(*job) for job in jobs]

        def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
            """Resubmit the task with the same runs (submitit's preemption hook); complete runs are skipped."""
            import submitit

            return submitit.helpers.DelayedSubmission(self, *args, **kwargs)

    class _Batched:
        """Mixin over Hydra's submitit launchers: ``runs_per_task`` runs in each task of the array."""

        _EXECUTOR: str
        params: dict[str, Any]
        config: Any

        def __init__(self, runs_per_task: int = 1, **params: Any) -> None:
            from crossstrait_sim.errors import runs_per_task_problem

            problem = runs_per_task_problem(runs_per_task)
            if problem:
                raise ValueError(problem)
            self.runs_per_task = runs_per_task
            super().__init__(**params)  # type: ignore[call-arg]

        def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
            """As Hydra's ``BaseSubmititLauncher.launch``, with the jobs grouped ``runs_per_task`` to a task."""
            if self.runs_per_task == 1:  # one run a task: Hydra's launcher as it is
                return list(super().launch(job_overrides, initial_job_idx))  # type: ignore[misc]
            import submitit

            assert self.config is not None and len(job_overrides) > 0
            init_keys = {"submitit_folder", "max_num_timeout"}
            init_params = {"folder": self.params["submitit_folder"]}
            if "max_num_timeout" in self.params:
                init_params[f"{self._EXECUTOR}_max_num_timeout"] = self.params["max_num_timeout"]
            executor = submitit.AutoExecutor(cluster=self._EXECUTOR, **init_params)
            base = set(OmegaConf.structured(BaseQueueConf).keys())
            executor.update_parameters(
                **{
                    (k if k in base else f"{self._EXECUTOR}_{k}"): v
                    for k, v in self.params.items()
                    if k not in init_keys
                }
            )
            sweep_dir = Path(str(self.config.hydra.sweep.dir))
            sweep_dir.mkdir(parents=True, exist_ok=True)
            if "mode" in self.config.hydra.sweep:  # as Hydra's launcher
                os.chmod(sweep_dir, mode=int(str(self.config.hydra.sweep.mode), 8))
            jobs = []
            for i, overrides in enumerate(job_overrides):
                idx = initial_job_idx + i
                jobs.append((list(overrides), "hydra.sweep.dir", idx, f"job_id_for_{idx}", Singleton.get_state()))
            k = self.runs_per_task
            chunks = [jobs[i : i + k] for i in range(0, len(jobs), k)]
            log.info(f"Submitit '{self._EXECUTOR}': {len(jobs)} runs in {len(chunks)} tasks, sweep dir {sweep_dir}")
            for job in jobs:
                log.info(f"\t#{job[2]} : {' '.join(filter_overrides(job[0]))}")
            tasks = executor.map_array(_Chunk(self), chunks)
            return [ret for task in tasks for ret in task.results()[0]]

    class BatchedSlurmLauncher(_Batched, SlurmLauncher):
        """Hydra's Slurm launcher, ``runs_per_task`` runs to a task of the job array."""

    class BatchedLocalLauncher(_Batched, LocalLauncher):
        """Hydra's submitit_local launcher, ``runs_per_task`` runs to a local task."""
