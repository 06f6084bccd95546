"""Run the scale-convergence sweep (issue 9, point 9): scenarios x scales x seeds, resumable.

    python experiments/scale_convergence/sweep.py SWEEP_DIR [--timing CSV] [--scales ...] [--scenarios ...]

Every run goes through ``crossstrait_sim.study.sweep.run_sweep`` into one sweep folder (the package's
layout, so a rerun skips the runs already complete for the same config and package files). The scales are
run one after another, each as one parallel sweep over scenarios x seeds, so that the wall time of each
scale is measured; ``--timing`` writes those times (a scale whose runs were all skipped keeps the row
written when they ran, with its ``measured_at``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from crossstrait_sim.study.sweep import run_sweep

SCALES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
SCENARIOS = ("narrative", "baseline")
SEEDS = 60  # 30 could not tell 0.02 from 0.2 in one row (a deviation 1.7 SE from 0, beyond the tolerance)
FIXED = ("output.plot=false", "engine.threads=1")  # no figure per run; one thread per run, one run per core


def main(argv: list[str] | None = None) -> int:
    """Run the sweep; return 1 if any run failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep_dir", type=Path)
    ap.add_argument("--scales", nargs="+", type=float, default=list(SCALES))
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    ap.add_argument("--seeds", type=int, default=SEEDS)
    ap.add_argument("--n-jobs", type=int, default=-1)
    ap.add_argument("--timing", type=Path, default=None, help="CSV of the wall time per scale")
    ap.add_argument("overrides", nargs="*", help="further overrides for every run, e.g. end=2020Q4")
    a = ap.parse_args(argv)

    old = pd.read_csv(a.timing) if a.timing is not None and a.timing.is_file() else pd.DataFrame()
    rows, failed = [], 0
    for scale in a.scales:
        print(f"scale {scale:g}: {len(a.scenarios)} scenarios x {a.seeds} seeds", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = run_sweep(
            a.sweep_dir,
            {"scenario": a.scenarios, "seed": range(a.seeds)},
            overrides=[f"scale={scale}", *FIXED, *a.overrides],
            n_jobs=a.n_jobs,
        )
        wall = time.perf_counter() - t0
        n = out["status"].value_counts()
        failed += int(n.get("failed", 0) + n.get("refused", 0))
        row = {
            "scale": scale,
            "runs": len(out),
            "ran": int(n.get("complete", 0)),
            "skipped": int(n.get("skipped", 0)),
            "failed": int(n.get("failed", 0) + n.get("refused", 0)),
            "wall_s": round(wall, 1),
            "run_s_mean": round(float(out.loc[out.status == "complete", "seconds"].mean()), 2)
            if n.get("complete", 0)
            else None,
        }
        row["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if row["ran"] == 0 and not old.empty and "scale" in old and (old["scale"] == scale).any():
            row = old[old["scale"] == scale].iloc[-1].to_dict()  # nothing ran: keep the time measured when it did
        rows.append(row)
        print(f"scale {scale:g}: {row}", file=sys.stderr, flush=True)
    if a.timing is not None:
        a.timing.parent.mkdir(parents=True, exist_ok=True)
        table = pd.DataFrame(rows).astype({c: "int64" for c in ("runs", "ran", "skipped", "failed")})
        table.to_csv(a.timing, index=False)
    if failed:
        print(f"{failed} runs failed; see their manifests in {a.sweep_dir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
