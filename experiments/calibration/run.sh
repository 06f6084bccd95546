#!/usr/bin/env bash
# Regenerates the whole posterior calibration (issue 10) with one command:
#   bash experiments/calibration/run.sh [calibrate overrides ...]
#   e.g. bash experiments/calibration/run.sh population_size=400 max_generations=5 max_simulations=10000
#   (the shipped fit's budget: 5 generations; docs/VALIDATION.md has the exact commands)
# 1. fit: crossstrait-sim-calibrate (conf/calibrate/posterior.yaml): Morris screening, ABC-SMC; writes the
#    package's data/posterior/draws.csv, conf/calibration/posterior_mean.yaml, docs/posterior_report.json.
#    It resumes from outputs/calibrate/posterior (pyabc's database); FRESH=1 starts afresh.
# 2. docs/ODD.md's parameter table (the posterior mean is the default calibration).
# 3. posterior predictive checks: DRAWS runs of calibration=posterior (fresh seeds) and the done-when
#    figures on posterior_mean (5 seeds): docs/posterior_predictive.json, docs/posterior_checks.json,
#    docs/figures/ppc_*.png. The run folders (outputs/predictive) are resumed unless the code changed.
# 4. simulation-based calibration: experiments/calibration/sbc.py -> docs/sbc.json, docs/figures/sbc_ranks.png.
# 5. the generated section of docs/VALIDATION.md (experiments/calibration/report.py), with the time of each step.
# N_JOBS (default 2) processes throughout.
set -euo pipefail
{  # the whole script is read before it runs: editing or pulling it during a long study cannot change what runs
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
n_jobs="${N_JOBS:-2}"
draws="${DRAWS:-200}"
timing="$here/timing.json"
fresh=()
if [[ "${FRESH:-0}" == "1" ]]; then fresh=(resume=false); rm -rf outputs/predictive outputs/calibrate/sbc; fi
echo "{" > "$timing.tmp"
step() {  # step NAME COMMAND...: run it and record its wall-clock seconds
  local name="$1"; shift
  local t0; t0=$(date +%s)
  "$@"
  echo "  \"$name\": $(( $(date +%s) - t0 ))," >> "$timing.tmp"
}
step fit crossstrait-sim-calibrate n_jobs="$n_jobs" "${fresh[@]}" "$@"
step paramdoc python -m crossstrait_sim.config.paramdoc --write docs/ODD.md
step predictive python -m crossstrait_sim.study.predictive --draws "$draws" --check-seeds 5 --n-jobs "$n_jobs" --out docs --quiet
step sbc python "$here/sbc.py" --reference "${SBC_REFERENCE:-600}" --truths "${SBC_TRUTHS:-100}" --accept 30 --n-jobs "$n_jobs" --out docs
echo "  \"n_jobs\": $n_jobs" >> "$timing.tmp"
echo "}" >> "$timing.tmp"
mv "$timing.tmp" "$timing"
python "$here/report.py" --timing "$timing"
exit
}
