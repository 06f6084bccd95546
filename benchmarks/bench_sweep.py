"""Benchmark of CLI sweeps: runs per minute, one process vs the local parallel launcher, old and new sweeper.

Run: python benchmarks/bench_sweep.py [N_RUNS] [--reps R] [--new-only] [more Hydra overrides]
(--new-only: the new sweeper's two sweeps only, one process and parallel: the 2-core target's ratio)
Every sweep is `crossstrait-sim --multirun seed=range(0,N)` of the default scenario at the
default scale into a fresh directory. "one process" is Hydra's basic launcher (runs one after
another in the parent process), "parallel" is the default launcher of
conf/hydra/launcher/local.yaml (joblib, one worker per core). "old" is Hydra's basic sweeper
(`hydra/sweeper=basic`: every run's config composed in the parent to check it, then again where
it runs), "new" the default sweeper (conf/hydra/sweeper/compose_once.yaml: each distinct set of
config-group choices composed once, for the check and for the runs); "new check only" is the new
sweeper with the workers composing every run in full (hydra.sweeper.launcher_compose_once=false),
to tell the two savings apart. The five sweeps run in turn,
R times; each line gives the median and every rep's time. Wall time includes Hydra's start-up and
the workers' start, as a user sees it. The load average before each sweep is printed: other work
on the machine slows every figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SWEEPS = {  # name -> extra overrides
    "old, one process": ["hydra/sweeper=basic", "hydra/launcher=basic"],
    "new, one process": ["hydra/launcher=basic"],
    "old, parallel": ["hydra/sweeper=basic"],
    "new, parallel": [],
    "new check only, par.": ["hydra.sweeper.launcher_compose_once=false"],
}


def sweep(n: int, launcher: list[str], extra: list[str], out: Path) -> float:
    cmd = [
        sys.executable,
        "-m",
        "crossstrait_sim.cli",
        "--multirun",
        f"seed=range(0,{n})",
        *launcher,
        *extra,
        f"hydra.sweep.dir={out}",
    ]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=out.parent)
    secs = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench_sweep: sweep failed ({' '.join(cmd)}):\n{r.stderr[-2000:]}")
    done = sum(1 for p in out.glob("*/results.parquet"))
    if done != n:
        sys.exit(f"bench_sweep: {done} of {n} runs wrote results")
    return secs


def main(argv: list[str]) -> None:
    reps = 1
    sweeps = dict(SWEEPS)
    if "--new-only" in argv:
        argv = [a for a in argv if a != "--new-only"]
        sweeps = {k: v for k, v in SWEEPS.items() if k in ("new, one process", "new, parallel")}
    if "--reps" in argv:
        i = argv.index("--reps")
        reps = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    n = int(argv[0]) if argv and argv[0].isdigit() else 8
    extra = argv[1:] if argv and argv[0].isdigit() else argv
    times: dict[str, list[float]] = {k: [] for k in sweeps}
    loads: dict[str, list[float]] = {k: [] for k in sweeps}
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for rep in range(reps):
            for i, (name, over) in enumerate(sweeps.items()):
                loads[name].append(os.getloadavg()[0])
                times[name].append(sweep(n, over, extra, Path(tmp) / f"{rep}_{i}"))
                # each sweep as it ends, so a run cut short by a time limit still reports what it measured
                print(
                    f"  rep {rep + 1}: {name:<20} {times[name][-1]:7.1f} s (load before {loads[name][-1]:.2f})",
                    flush=True,
                )
    load_end = os.getloadavg()[0]
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"runs per sweep       {n} (default scenario, seeds 0-{n - 1}) {' '.join(extra)}; {reps} rep(s)")
    print(f"cores                {os.cpu_count()}")
    for name, over in sweeps.items():
        each = ", ".join(f"{t:.1f}" for t in times[name])
        load = ", ".join(f"{x:.2f}" for x in loads[name])
        print(
            f"{name:<20} {med[name]:7.1f} s  {60 * n / med[name]:6.1f} runs/min  "
            f"(each: {each} s; load before: {load}) {' '.join(over) or '(defaults)'}"
        )
    print(f"speed-up, new sweeper: parallel vs one process   {med['new, one process'] / med['new, parallel']:.2f}x")
    if len(sweeps) < len(SWEEPS):
        print(f"load average (1 min) at the end {load_end:.2f}")
        return
    print(f"speed-up, old sweeper: parallel vs one process   {med['old, one process'] / med['old, parallel']:.2f}x")
    print(f"speed-up, new parallel vs old one process        {med['old, one process'] / med['new, parallel']:.2f}x")
    print(f"speed-up, new parallel vs old parallel           {med['old, parallel'] / med['new, parallel']:.2f}x")
    print(
        f"speed-up, new check only (parallel) vs old parallel {med['old, parallel'] / med['new check only, par.']:.2f}x"
    )
    print(f"load average (1 min) at the end {load_end:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
