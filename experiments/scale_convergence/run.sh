#!/usr/bin/env bash
# Regenerates the scale-convergence study (issue 9, point 9): results/ and the numbers in README.md.
#   bash experiments/scale_convergence/run.sh          # resumes an interrupted sweep
#   bash experiments/scale_convergence/run.sh --fresh  # deletes the sweep and runs all 720 runs again
# Runs: scenarios narrative and baseline x scales 0.005-0.2 x seeds 0-59 (sweep.py), on every local core,
# then analysis.py: per scale, the mean and 90% seed interval of the key indicators at 2020Q4 and 2030Q4,
# against the largest scale's mean, and the scale the rule selects.
# Runs whose results are complete for the same config and package files (code fingerprint) are skipped,
# so after a change to the package, committed or not, everything is run again.
# SWEEP_ARGS passes options to sweep.py, e.g. SWEEP_ARGS="--scenarios narrative --n-jobs 2".
set -euo pipefail
{  # the whole script is read before it runs: editing or pulling it during a long study cannot change what runs
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sweep="${SWEEP_DIR:-$root/multirun/scale_convergence}"
if [[ "${1:-}" == "--fresh" ]]; then rm -rf "$sweep"; fi
cd "$root"
# shellcheck disable=SC2086
rc=0
python "$here/sweep.py" "$sweep" --timing "$here/results/timing.csv" ${SWEEP_ARGS:-} || rc=$?
# a failed run is left out of the analysis (and listed); the study still exits with the sweep's status
python "$here/analysis.py" "$sweep" --out "$here/results" --quarters 2020Q4 2030Q4
exit "$rc"
}
