#!/usr/bin/env bash
# Issue 12's many-core figures: the commands behind the README's 16-core rows, in one script.
# Run on the many-core machine, from the repository root, with the package installed:
#   bash benchmarks/bench_16core.sh
# (about 4 minutes on the 16-core device machine: the sum of its parts' times there, not one timed run)
# Each command prints its own figures; see README "Speed" and docs/THROUGHPUT.md ("16 cores").
set -euo pipefail
cores=$(python -c 'import os; print(os.cpu_count())')
echo "cores: $cores"
python benchmarks/bench_throughput.py compile                # one run alone: imports, first and second run
python benchmarks/bench_sweep.py 64 --new-only --reps 2 engine.threads=1   # the CLI target: 64 runs
python benchmarks/bench_throughput.py sweep --runs 1000 --jobs "$cores" --new-only output.plot=false
python benchmarks/bench_throughput.py phases --scale 0.1 --reps 1           # the machine's speed per core
