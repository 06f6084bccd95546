"""Benchmark of the submitit launchers' runs_per_task: core-seconds per run, one run a task vs several.

Run: python benchmarks/bench_batched.py [N_RUNS] [--per-task K] [--reps R] [more Hydra overrides]

Each sweep is `crossstrait-sim --multirun seed=range(0,N) hydra/launcher=crossstrait_submitit_local
hydra.launcher.runs_per_task=...` of the default scenario at the default scale, into a fresh folder:
local processes run the tasks exactly as Slurm's tasks would (a fresh Python per task, the same
pickled call), so the CPU time of the sweep's processes is what a cluster would charge, less the
scheduler's own start. "old" is one run a task (Hydra's submitit launcher), "new" K runs a task.
Printed per sweep: wall time, and user + system CPU time of every process of the sweep (the parent
and its tasks, from the rusage of waited-for children), per run. The two alternate R times.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

import bench_sweep  # benchmarks/ (the script's folder is on sys.path)


def sweep(n: int, per_task: int, extra: list[str], out: Path) -> tuple[float, float]:
    """``bench_sweep.sweep`` with the batched local launcher; returns wall time and the sweep's CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    launcher = ["hydra/launcher=crossstrait_submitit_local", f"hydra.launcher.runs_per_task={per_task}"]
    wall = bench_sweep.sweep(n, launcher, extra, out)  # exits on a failed sweep or missing results
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str]) -> None:
    reps, per_task = 2, 8
    for flag in ("--reps", "--per-task"):
        if flag in argv:
            i = argv.index(flag)
            val = int(argv[i + 1])
            argv = argv[:i] + argv[i + 2 :]
            if flag == "--reps":
                reps = val
            else:
                per_task = val
    n = int(argv[0]) if argv and argv[0].isdigit() else 16
    extra = argv[1:] if argv and argv[0].isdigit() else argv
    variants = {"old: 1 run a task": 1, f"new: {per_task} runs a task": per_task}
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    print(f"{n} default runs {' '.join(extra)}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench_batched_") as tmp:
        for rep in range(reps):
            for i, (name, k) in enumerate(variants.items()):
                wall, cpu = sweep(n, k, extra, Path(tmp) / f"{rep}_{i}")
                res[name].append((wall, cpu))
                print(
                    f"  rep {rep + 1}: {name:<22} wall {wall:6.1f} s  CPU {cpu:6.1f} s ({cpu / n:.2f} s a run)",
                    flush=True,
                )
    for name, xs in res.items():
        wall = statistics.median(x[0] for x in xs)
        cpu = statistics.median(x[1] for x in xs)
        print(f"{name:<22} median wall {wall:6.1f} s, CPU {cpu:6.1f} s: {cpu / n:.3f} core-s a run")
    old, new = (statistics.median(x[1] for x in xs) for xs in res.values())
    print(f"CPU per run, old / new: {old / new:.2f}x; load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
