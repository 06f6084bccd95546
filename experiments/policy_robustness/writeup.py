"""The robustness study's write-up (issue 11): README.md and results/, every number read from generated files.

Two commands (``run.sh`` calls both):

* ``python writeup.py time FILE.json -- CMD ...``: runs CMD and writes its wall time, the CPU time of
  every process it started (workers included), the load average before and after, and the cores;
* ``python writeup.py write --study DIR --out DIR``: copies the study's report files into ``results/``
  and writes ``README.md`` from them, from the study's two Parquet tables and run manifests, and from
  ``results/timing_*.json`` (the pilot's time per run and the full study's estimate). Nothing in the
  README is typed by hand: where a file is missing, the README says so instead of giving a number.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

REPORT = (
    "experiments.parquet",  # the study's two tidy tables (DuckDB reads them): query the futures without rerunning
    "outcomes.parquet",
    "robustness.md",
    "robustness.csv",
    "robustness_history.csv",
    "cost_per_kept.csv",
    "sensitivity.csv",
    "sensitivity.png",
    "discovery.md",
    "discovery.csv",
    "discovery.png",
    "tradeoff.png",
    "findings.md",
)
TALENT = "talent_in_cn_2030"


def runs_made_since(cmd: list[str], since: datetime) -> int:
    """Runs the study command ``cmd`` (its ``hydra.run.dir=``) started at or after ``since`` and completed."""
    dirs = [a.split("=", 1)[1] for a in cmd if a.startswith("hydra.run.dir=")]
    if not dirs:
        return 0
    n = 0
    for man in (Path(dirs[-1]) / "runs").glob("*/manifest.json"):
        m = json.loads(man.read_text(encoding="utf-8"))
        if m.get("status") == "complete" and datetime.fromisoformat(m["start_time"]) >= since:
            n += 1
    return n


def _git(args: list[str]) -> str:
    """Output of a git command in this checkout ('' if git is not there)."""
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        return ""


def timed(out: Path, cmd: list[str]) -> int:
    """Run ``cmd`` and write its timing to ``out``; returns its exit status."""
    load0, t0, since = os.getloadavg(), time.perf_counter(), datetime.now(UTC)
    rc = subprocess.call(cmd)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec = {
        "command": " ".join(cmd),
        "exit_status": rc,
        "runs": runs_made_since(cmd, since),
        "wall_s": round(wall, 1),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 1),
        "cores": os.cpu_count(),
        "load_before": [round(x, 2) for x in load0],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "git_commit": _git(["rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(_git(["status", "--porcelain", "--untracked-files=no"])),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rec, indent=1) + "\n", encoding="utf-8")
    return rc


def runs_table(study: Path) -> pd.DataFrame:
    """One row per run folder: status and its own seconds (from its manifest)."""
    rows = []
    for man in sorted((study / "runs").glob("*/manifest.json")):
        m = json.loads(man.read_text(encoding="utf-8"))
        error = str(m.get("error") or "").split(":")[0]
        rows.append({"run": man.parent.name, "status": m.get("status"), "seconds": m.get("seconds"), "error": error})
    return pd.DataFrame(rows, columns=["run", "status", "seconds", "error"])


def scale_of(study: Path) -> str:
    """The runs' scale, from a run's resolved config."""
    for cfg in sorted((study / "runs").glob("*/resolved_config.yaml"))[:1]:
        for line in cfg.read_text(encoding="utf-8").splitlines():
            if line.startswith("scale:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def timing_lines(results: Path, n_study_runs: int | None) -> list[str]:
    """The pilot's and the study's measured times, and the study's estimate from the pilot."""
    lines = ["## Time", ""]
    # a study stopped and resumed has one file per session: timing_study.json, timing_study_<session>.json
    files = [(m, f) for m in ("pilot", "study") for f in sorted(results.glob(f"timing_{m}*.json"))]
    for mode in ("pilot", "study"):
        if not any(m == mode for m, _ in files):
            lines.append(f"- {mode}: not measured yet (`results/timing_{mode}.json` is missing).")
    for mode, f in files:
        t = json.loads(f.read_text(encoding="utf-8"))
        lines.append(
            f"- {mode} (`results/{f.name}`, finished {t['finished']}): wall {t['wall_s']:,.0f} s, CPU "
            f"{t['cpu_s']:,.0f} s on {t['cores']} cores, load average before {t['load_before'][0]} "
            f"(exit status {t['exit_status']}), {t.get('runs', 0):,} runs made, code at commit "
            f"{t.get('git_commit') or 'unknown'}{' with uncommitted changes' if t.get('git_dirty') else ''}."
            + (f" {t['note']}" if t.get("note") else "")
        )
        if mode == "pilot" and t.get("runs"):
            per_wall, per_cpu = t["wall_s"] / t["runs"], t["cpu_s"] / t["runs"]
            lines.append(
                f"  {t['runs']} runs: {per_wall:.2f} s wall and {per_cpu:.2f} s CPU per run (startup and "
                "composition included)."
            )
            if n_study_runs:
                est_cpu = per_cpu * n_study_runs / t["cores"] / 60
                lines.append(
                    f"  The study's {n_study_runs:,} runs: about {per_wall * n_study_runs / 60:,.0f} min at the "
                    f"pilot's wall time per run (its load), about {est_cpu:,.0f} min if its CPU time per run "
                    f"were spread over {t['cores']} otherwise idle cores."
                )
    return [*lines, ""]


def design_lines(ex: pd.DataFrame, runs: pd.DataFrame, scale: str) -> list[str]:
    """What was run: futures by design, policies, runs and their status."""
    by = ex.groupby("design").agg(futures=("future_id", "nunique"), runs=("run", "count"))
    status = runs["status"].value_counts().to_dict() if not runs.empty else {}
    lines = [
        "## Design",
        "",
        f"{len(ex):,} runs at scale {scale}; status of the run folders: "
        f"{status or 'none yet'}. Policies: {', '.join(f'`{p}`' for p in dict.fromkeys(ex.policy))}.",
        "",
        "| design | futures | runs |",
        "|---|---:|---:|",
        *[f"| {d} | {r.futures:,} | {r.runs:,} |" for d, r in by.iterrows()],
        "",
    ]
    if "error" in runs and (runs["status"] == "failed").any():
        failed = runs[runs["status"] == "failed"]
        div = int((failed["error"] == "ModelDivergedError").sum())
        lines += [
            f"{len(failed):,} runs failed, {div:,} of them because their parameter set made the model run away "
            "(`ModelDivergedError`: non-finite results, docs/ODD.md 7.11); failed runs are left out of every "
            "table below, and a future whose reference run failed has no effects.",
            "",
        ]
    unc = [c for c in ex.columns if not c.startswith("lever.") and "." in c and c != "posterior.draw"]
    lines += [f"{len(unc)} uncertainty columns in the experiments table besides the levers' values.", ""]
    return lines


def finding_lines(res: Path) -> list[str]:
    """The headline numbers: the 31 measures' range, the responses on talent, cost, sensitivity, discovery."""
    rob = pd.read_csv(res / "robustness.csv")
    t = rob[rob.outcome == TALENT]
    lines = ["## What the model says across futures", ""]
    m = t[t.policy == "no_measures31"]
    if not m.empty:
        r = m.iloc[0]
        lines += [
            f"- **The 31 measures** (the narrative minus the narrative without them) on Taiwanese professionals in "
            f"the mainland, 2030: median {r.effect_median:+,.0f}, 5-95% across {r.n_futures:,} futures "
            f"[{r.effect_p05:+,.0f}, {r.effect_p95:+,.0f}]; over {r.n_seeds} seeds of the configured model "
            f"[{r.seed_only_p05:+,.0f}, {r.seed_only_p95:+,.0f}] (the across-futures range is {r.range_ratio:.1f} "
            "times as wide).",
        ]
    for r in t[t.policy != "no_measures31"].itertuples():
        lines.append(
            f"- `{r.policy}`: professionals in the mainland, 2030: median {r.effect_median:+,.0f} "
            f"[{r.effect_p05:+,.0f}, {r.effect_p95:+,.0f}]; fewer by more than {r.threshold:,.0f} in "
            f"{r.p_beats_material:.0%} of futures; regret median {r.regret_median:,.0f}."
        )
    cost = pd.read_csv(res / "cost_per_kept.csv")
    for r in cost.itertuples():
        lines.append(
            f"- `{r.policy}` costs Taiwan a median USD {r.cost_median:,.0f} per professional-year kept out of the "
            f"mainland, 2016-2030 (5-95%: {r.cost_p05:,.0f} to {r.cost_p95:,.0f}), in the {r.p_keeps:.0%} of "
            "futures where it keeps some."
        )
    return [*lines, "", *history_lines(res), *sensitivity_lines(res), *discovery_lines(res)]


def history_year(study: Path) -> str:
    """The last observed year of the history match, as the study's report states it (else the config's)."""
    import re

    report = study / "robustness.md"
    if report.is_file():
        m = re.search(r"observed targets of the posterior fit up to (\d{4})", report.read_text(encoding="utf-8"))
        if m:
            return m.group(1)
    return str(study_config().history.last_year)


def history_lines(res: Path) -> list[str]:
    """Each response on its aim across all futures and across those closest to the observed years."""
    rob, hist = pd.read_csv(res / "robustness.csv"), pd.read_csv(res / "robustness_history.csv")
    if hist.empty:
        return ["Futures closest to the observed years: none scored.", ""]
    from crossstrait_sim.study.robust.report import on_aims

    n = int(hist.n_futures.max())
    year = history_year(res)
    lines = [
        f"Restricted to the {n} futures whose narrative run lies closest to the observed years 2010-{year} "
        "(`results/robustness.md`, last section), on each response's aim (all futures -> closest):"
    ]
    for r in on_aims(rob, hist, study_aims()).itertuples():
        pol, aim = r.policy, r.outcome
        lines.append(
            f"- `{pol}` on {aim}: median {r.effect_median:+,.3g} -> {r.effect_median_h:+,.3g}; 5-95% "
            f"[{r.effect_p05:+,.3g}, {r.effect_p95:+,.3g}] -> [{r.effect_p05_h:+,.3g}, {r.effect_p95_h:+,.3g}]; "
            f"better in {r.p_beats:.0%} -> {r.p_beats_h:.0%} of futures."
        )
    return [*lines, ""]


def sensitivity_lines(res: Path) -> list[str]:
    """The three largest sensitivity indices of each policy difference on talent, with their CIs."""
    sens = pd.read_csv(res / "sensitivity.csv")
    if sens.empty:
        return ["Sensitivity: no indices (no complete sensitivity design).", ""]
    lines = [f"Sensitivity ({sens.measure.iloc[0].replace('_', ' ')}, {sens.conf_level.iloc[0]:.0%} CI), on {TALENT}:"]
    for pol, g in sens[sens.outcome == TALENT].groupby("policy", sort=False):
        top = g.sort_values("index", ascending=False).head(3)
        lines.append(
            f"- `{pol}`: " + "; ".join(f"{r.factor} {r.index:,.3g} ± {r.index_conf:,.3g}" for r in top.itertuples())
        )
    return [*lines, ""]


def discovery_lines(res: Path) -> list[str]:
    """Each PRIM box: policy, aim, coverage, density and the restricted dimensions."""
    boxes = pd.read_csv(res / "discovery.csv")
    if boxes.empty:
        return ["Scenario discovery: no PRIM box (see `results/discovery.md` for why).", ""]
    lines = ["Scenario discovery (PRIM, `results/discovery.md`): futures where a response fails on its aim:"]
    for (pol, aim, box), g in boxes.groupby(["policy", "aim", "box"], sort=False):
        r = g.iloc[0]
        dims = ", ".join(f"`{d}`" for d in g.dimension)
        lines.append(
            f"- `{pol}` ({aim}), box {box}: coverage {r.coverage:.0%}, density {r.density:.0%}; restricts {dims}."
        )
    return [*lines, ""]


HEAD = """# Robustness of Taiwan's responses across futures (issue 11)

Generated by `writeup.py` from the study's files; do not edit by hand. Every number below is read
from `results/` (the report files of `crossstrait-sim-robust robust=study`, copied from
`outputs/robust/study/`), from the study's `experiments.parquet` and run manifests, and from
`results/timing_*.json`.

```bash
bash experiments/policy_robustness/run.sh           # the study; resumes where it stopped (--fresh: anew)
bash experiments/policy_robustness/run.sh --pilot   # 30 futures only: the time per run
```

Each Latin-hypercube future draws every uncertainty (the calibrated parameters from the priors of
the posterior fit, `conf/calibrate/posterior.yaml`, because the shipped posterior is not converged
(docs/VALIDATION.md); every assumed parameter from its declared plausible range; catch-up on or off)
and each response's intensity and start; every policy runs in it with the same seed, so a response's
effect is a paired difference from the narrative. A Morris design over factor groups gives the
sensitivity of the policy differences; the configured model over seeds gives the seed-only
yardstick. Many prior futures miss the observed 2010s by far, so each future's narrative run is also
scored against the observed series up to {year} and the robustness table is repeated on the closest
fifth: a check that the answer does not rest on futures the data rule out (nothing is fitted).
Findings: `results/findings.md` (the paper's expectation beside the model's answer); robustness,
regret and cost: `results/robustness.md`; where a response fails: `results/discovery.md`.

What the preset's choices cost, to keep the study near an hour and a half on 2 cores: Morris
screening (mu* and sigma with bootstrap CIs, r trajectories x (groups + 1) points) instead of
Sobol total-order indices (N x (groups + 2) points, N in the hundreds for stable indices), so
the sensitivities rank factor groups but do not apportion variance; each response alone and all
five together instead of all 31 combinations (pairs and their interactions are not studied);
the sensitivity design runs only the combined response and the 31 measures; one structural
alternative (catch-up on or off; entry and the other functional forms are held fixed).
"""


def study_config():
    """The composed ``robust`` config of ``robust=study`` (from conf/, nothing run)."""
    from hydra import compose, initialize_config_dir

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return compose(config_name="robustness", overrides=["robust=study"]).robust


def study_aims() -> dict[str, str]:
    """Each response's aim (the outcome its failures are judged on), from the study's config."""
    return {str(k): str(v) for k, v in study_config().discovery.aims.items()}


def planned_experiments() -> tuple[pd.DataFrame, float]:
    """The experiments table ``robust=study`` would run and its scale (composed from conf/, nothing run)."""
    from crossstrait_sim.study.robust.cli import prepare

    _, _, ex, scale = prepare(study_config())
    return ex, scale


def write(study: Path, out: Path) -> Path:
    """Copy the report files into ``out/results`` and write ``out/README.md``."""
    res = out / "results"
    res.mkdir(parents=True, exist_ok=True)
    ready = (study / "experiments.parquet").is_file() and all((study / f).is_file() for f in REPORT)
    lines = [HEAD.replace("{year}", history_year(study))]
    if ready:
        for f in REPORT:
            shutil.copyfile(study / f, res / f)
        ex = pd.read_parquet(study / "experiments.parquet")
        lines += design_lines(ex, runs_table(study), f"{scale_of(study)} (the runs' resolved_config.yaml)")
        lines += timing_lines(res, len(ex))
        lines += finding_lines(res)
    else:
        ex, scale = planned_experiments()
        lines += [
            "## Status",
            "",
            f"The study has not been run into `{study.name}/` on this machine yet: no report files to write up. "
            "Its design (`conf/robust/study.yaml`, as composed now):",
            "",
        ]
        lines += design_lines(ex, pd.DataFrame(columns=["run", "status", "seconds"]), f"{scale:g} (composed)")
        lines += timing_lines(res, len(ex))
    text = "\n".join(lines).rstrip() + "\n"
    (out / "README.md").write_text(text, encoding="utf-8")
    return out / "README.md"


def main(argv: list[str] | None = None) -> int:
    """``time FILE -- CMD...`` or ``write --study DIR --out DIR``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["time"]:
        sep = argv.index("--")
        return timed(Path(argv[1]), argv[sep + 1 :])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["write"])
    p.add_argument("--study", type=Path, required=True, help="the study's output directory")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    a = p.parse_args(argv)
    print(f"wrote {write(a.study, a.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
