"""Benchmark of sweeps: runs per minute, one process vs the local parallel launcher, in the same run.

Run: python benchmarks/bench_sweep.py [N_RUNS] [more Hydra overrides]
Both sweeps are `crossstrait-sim --multirun seed=range(0,N)` of the default
scenario at the default scale into fresh directories; "one process" is Hydra's
basic launcher (runs one after another in the parent process), "parallel" is the
default launcher of conf/hydra/launcher/local.yaml (joblib, one worker per core).
Wall time includes Hydra's start-up and job set-up, as a user sees it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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
    n = int(argv[0]) if argv and argv[0].isdigit() else 8
    extra = argv[1:] if argv and argv[0].isdigit() else argv
    cores = os.cpu_count()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        t_one = sweep(n, ["hydra/launcher=basic"], extra, Path(tmp) / "one")
        t_par = sweep(n, [], extra, Path(tmp) / "parallel")
    load1 = os.getloadavg()[0]
    print(f"runs per sweep       {n} (default scenario, seeds 0-{n - 1}) {' '.join(extra)}")
    print(f"cores                {cores}")
    print(f"one process          {t_one:7.1f} s   {60 * n / t_one:6.1f} runs/min  (hydra/launcher=basic)")
    print(f"local parallel       {t_par:7.1f} s   {60 * n / t_par:6.1f} runs/min  (joblib, n_jobs=-1)")
    print(f"speed-up             {t_one / t_par:.2f}x")
    print(f"load average (1 min) {load0:.2f} before, {load1:.2f} after (other work on the machine slows both)")


if __name__ == "__main__":
    main(sys.argv[1:])
