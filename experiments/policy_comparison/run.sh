#!/usr/bin/env bash
# Regenerates the policy comparison study: every file in results/ and findings.md.
#   bash experiments/policy_comparison/run.sh          # resumes an interrupted sweep
#   bash experiments/policy_comparison/run.sh --fresh  # deletes the sweep and runs all 180 runs again
# Runs: all eleven scenarios x seeds 0-19 at the default scale (conf/experiment/policy_comparison.yaml),
# on every local core (Hydra's joblib launcher). On a Slurm cluster add, e.g.,
#   SWEEP_ARGS="hydra/launcher=slurm hydra.launcher.partition=NAME"
# Runs whose results are complete for the same config and package files (code fingerprint) are skipped,
# so after a change to the package, committed or not, everything is run again.
set -euo pipefail
{  # the whole script is read before it runs: editing or pulling it during a long study cannot change what runs
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sweep="${SWEEP_DIR:-$root/multirun/policy_comparison}"
if [[ "${1:-}" == "--fresh" ]]; then rm -rf "$sweep"; fi
cd "$root"
# shellcheck disable=SC2086
crossstrait-sim --multirun +experiment=policy_comparison hydra.sweep.dir="$sweep" ${SWEEP_ARGS:-}
# all scenarios against the baseline (MIC2025 only), and Taiwan's responses against the narrative
crossstrait-sim-compare "$sweep" --out "$here/results/vs_baseline" --reference baseline
crossstrait-sim-compare "$sweep" --out "$here/results/vs_narrative" --reference narrative
python -m crossstrait_sim.study.findings "$here/results/vs_narrative/comparison.csv" "$here/results/vs_baseline/comparison.csv" \
  --out "$here/findings.md"
exit
}
