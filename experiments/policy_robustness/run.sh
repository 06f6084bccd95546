#!/usr/bin/env bash
# Regenerates the robustness study (issue 11) with one command: the runs, the report files in results/,
# and README.md (written by writeup.py from those files; every number comes from them).
#   bash experiments/policy_robustness/run.sh           # the study (robust=study); resumes where it stopped
#   bash experiments/policy_robustness/run.sh --fresh   # deletes the study's runs and starts over
#   bash experiments/policy_robustness/run.sh --pilot   # 30 futures x the 8 policies only: the time per run
# Runs go to outputs/robust/study (STUDY_DIR moves it; the pilot: outputs/robust/pilot). Worker processes:
# N_JOBS (default -1: every core). STUDY_ARGS passes robust.* overrides, e.g. STUDY_ARGS="robust.shard=0/4"
# (one Slurm array task of four; then STUDY_ARGS="robust.stage=analyse" once all shards are done).
# Runs complete for the same config and package files (code fingerprint) are skipped, so after a change to
# the package, committed or not, every run is made again; commits of docs or experiments keep them.
set -euo pipefail
{  # the whole script is read before it runs: editing or pulling it during a long study cannot change what runs
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
mode="study"
args=(robust=study "robust.n_jobs=${N_JOBS:--1}")
if [[ "${1:-}" == "--pilot" ]]; then
  mode="pilot"
  args+=(robust.design.futures.n=30 robust.design.sensitivity.method=none robust.design.nominal.seeds=0)
  args+=(robust.stage=run)
fi
dir="${STUDY_DIR:-$root/outputs/robust/$mode}"
if [[ "${1:-}" == "--fresh" ]]; then rm -rf "$dir"; fi
# the timing (wall, CPU of every process, load, cores) goes to results/timing_<mode>.json
# shellcheck disable=SC2086
python "$here/writeup.py" time "$here/results/timing_$mode.json" -- \
  crossstrait-sim-robust "${args[@]}" "hydra.run.dir=$dir" ${STUDY_ARGS:-}
python "$here/writeup.py" write --study "$root/outputs/robust/study" --out "$here"
exit
}
