"""Sweeps end to end: the CLI multirun (joblib, submitit_local), resume, failures, and paired comparisons.

Runs are shrunk (scale 0.002, 2010Q1-2019Q4, no per-run plot) so the module takes
well under a minute or two on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crossstrait_sim.study.compare import compare, gather
from crossstrait_sim.study.compare import main as compare_main
from crossstrait_sim.study.manifest import read_manifest
from crossstrait_sim.study.sweep import run_name, run_sweep, sweep_jobs

pytestmark = pytest.mark.slow

SMALL = ["scale=0.002", "end=2019Q4", "output.summary_quarters=[2019Q4]", "output.plot=false"]
Q = "2019Q4"


def cli(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crossstrait_sim.cli", *args], cwd=cwd, capture_output=True, text=True, **kw
    )


def statuses(sweep_dir: Path) -> dict[str, str]:
    out = {}
    for d in sweep_dir.iterdir():
        man = read_manifest(d) if d.is_dir() else None
        if man is not None:
            out[d.name] = man["status"]
    return out


def sorted_table(t: pd.DataFrame) -> pd.DataFrame:
    cols = ["run", "indicator", "quarter", "sector", "region", "origin", "instrument"]
    return t.sort_values(cols).reset_index(drop=True)[[*cols, "scenario", "seed", "value"]]


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Path:
    """2 scenarios x 3 seeds through `crossstrait-sim --multirun` with the default (joblib) launcher."""
    tmp = tmp_path_factory.mktemp("joblib")
    sweep = tmp / "sweep"
    r = cli(["--multirun", "scenario=baseline,measures31", "seed=range(0,3)", *SMALL, f"hydra.sweep.dir={sweep}"], tmp)
    assert r.returncode == 0, r.stderr
    assert "Joblib.Parallel" in r.stdout + r.stderr  # the default multirun launcher is joblib
    assert "sweep: 6/6 runs done" in r.stderr
    return sweep


def test_sweep_end_to_end(joblib_sweep: Path, tmp_path: Path) -> None:
    st = statuses(joblib_sweep)
    assert len(st) == 6 and set(st.values()) == {"complete"}
    assert sorted(st) == sorted(
        run_name([f"scenario={s}", f"seed={i}", *SMALL]) for s in ("baseline", "measures31") for i in range(3)
    )
    man = read_manifest(joblib_sweep / run_name(["scenario=measures31", "seed=2", *SMALL]))
    assert man["scenario"] == "measures31" and man["seed"] == 2
    for key in ("config_hash", "package_version", "git_commit", "start_time", "end_time"):
        assert key in man
    out = tmp_path / "cmp"
    compare_main([str(joblib_sweep), "--out", str(out), "--quarters", Q])
    for f in ("comparison.csv", "comparison.md", "talent_outflow_compare.png", "policy_response.png"):
        assert (out / f).stat().st_size > 0
    csv = pd.read_csv(out / "comparison.csv")
    assert set(csv.variant) == {"baseline", "measures31"}
    assert (csv.n_seeds == 3).all() and (csv.quarter == Q).all()
    md = (out / "comparison.md").read_text()
    assert "## Taiwanese professionals in the mainland (persons)" in md
    assert "None: every run of the sweep is complete." in md


def test_paired_differences_by_hand(joblib_sweep: Path, tmp_path: Path) -> None:
    cmp = compare(joblib_sweep, out=tmp_path, quarters=[Q], plots=False)
    by_hand = {}
    for scen in ("baseline", "measures31"):
        for seed in range(3):
            t = pd.read_parquet(
                joblib_sweep / run_name([f"scenario={scen}", f"seed={seed}", *SMALL]) / "results.parquet"
            )
            sel = t[(t.indicator == "firms") & (t.region == "CN") & (t.origin == "TW") & (t.sector != "all")]
            by_hand[scen, seed] = sel[sel.quarter == Q]["value"].sum()
    diffs = np.array([by_hand["measures31", s] - by_hand["baseline", s] for s in range(3)])
    row = cmp.stats[(cmp.stats.indicator == "tw_firms_in_cn") & (cmp.stats.variant == "measures31")].iloc[0]
    assert row.n_pairs == 3
    assert row.diff_mean == pytest.approx(diffs.mean())
    assert row.diff_p05 == pytest.approx(np.quantile(diffs, 0.05))
    assert row.diff_p95 == pytest.approx(np.quantile(diffs, 0.95))
    assert row["mean"] == pytest.approx(np.mean([by_hand["measures31", s] for s in range(3)]))
    per_seed = cmp.paired[(cmp.paired.indicator == "tw_firms_in_cn") & (cmp.paired.variant == "measures31")]
    np.testing.assert_allclose(per_seed.sort_values("seed")["diff"].to_numpy(), diffs)
    # the reference against itself is zero, seed by seed
    ref = cmp.stats[(cmp.stats.variant == "baseline")]
    assert (ref.diff_mean == 0).all()


def test_submitit_local_joblib_and_serial_give_the_same_tables(joblib_sweep: Path, tmp_path: Path) -> None:
    sub = tmp_path / "submitit"
    r = cli(
        [
            "--multirun",
            "hydra/launcher=submitit_local",
            "scenario=baseline,measures31",
            "seed=0,1",
            *SMALL,
            f"hydra.sweep.dir={sub}",
        ],
        tmp_path,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert (sub / ".submitit").is_dir()  # the submitit job machinery ran
    serial = tmp_path / "serial"
    report = run_sweep(
        serial, {"scenario": ["baseline", "measures31"], "seed": [0, 1]}, SMALL, n_jobs=1, progress=False
    )
    assert set(report.status) == {"complete"}
    t_sub = sorted_table(gather(sub).table)
    t_ser = sorted_table(gather(serial).table)
    t_job = gather(joblib_sweep).table
    t_job = sorted_table(t_job[t_job.seed.isin([0, 1])])
    assert len(t_sub) > 0
    pd.testing.assert_frame_equal(t_sub, t_job)
    pd.testing.assert_frame_equal(t_ser, t_job)


def test_lean_launcher_is_the_default_and_equals_hydras_joblib_launcher(joblib_sweep: Path, tmp_path: Path) -> None:
    """The default local launcher (shared state sent once) and Hydra's joblib launcher write the same runs."""
    import yaml

    launcher = yaml.safe_load((joblib_sweep / "multirun.yaml").read_text())["hydra"]["launcher"]
    assert launcher["_target_"] == "hydra_plugins.crossstrait_sim_sweeper.lean_launcher.LeanJoblibLauncher"
    hyd = tmp_path / "hydra_joblib"
    args = ["--multirun", "hydra/launcher=joblib", "scenario=baseline,measures31", "seed=0,1", *SMALL]
    r = cli([*args, f"hydra.sweep.dir={hyd}"], tmp_path)
    assert r.returncode == 0, r.stderr
    t_hyd = sorted_table(gather(hyd).table)
    t_job = gather(joblib_sweep).table
    pd.testing.assert_frame_equal(t_hyd, sorted_table(t_job[t_job.seed.isin([0, 1])]))
    for name in ("baseline", "measures31"):  # the same files, config text included
        run = run_name([f"scenario={name}", "seed=1", *SMALL])
        for f in ("resolved_config.yaml", "summary.json"):
            assert (hyd / run / f).read_text() == (joblib_sweep / run / f).read_text(), (run, f)


def test_resume_after_killed_sweep(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    args = [
        "--multirun",
        "scenario=baseline,measures31",
        "seed=range(0,5)",
        *SMALL,
        f"hydra.sweep.dir={sweep}",
        "hydra.launcher.n_jobs=1",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossstrait_sim.cli", *args],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    try:
        while time.time() < deadline and proc.poll() is None:
            if sweep.exists() and list(statuses(sweep).values()).count("complete") >= 3:
                break
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep's parent and its workers, as a crash or Ctrl-\ would
        proc.wait()
    before = statuses(sweep)
    done_before = {n for n, s in before.items() if s == "complete"}
    assert 3 <= len(done_before) < 10, before
    started = {n: read_manifest(sweep / n)["start_time"] for n in done_before}
    # a sweep that was killed reads fine, and says what it left out
    partial = gather(sweep)
    assert set(partial.table["run"]) == done_before
    assert len(partial.left_out) == 10 - len(done_before)
    assert set(partial.left_out.status) <= {
        "running",
        "not started",
        "no manifest (starting, or killed before it started)",
    }

    r = cli(args, tmp_path)
    assert r.returncode == 0, r.stderr
    after = statuses(sweep)
    assert len(after) == 10 and set(after.values()) == {"complete"}
    for n in done_before:  # complete runs were skipped, not redone
        assert read_manifest(sweep / n)["start_time"] == started[n]
    full = gather(sweep)
    assert full.left_out.empty
    per_run = full.table.groupby("run").size()
    assert len(per_run) == 10 and per_run.nunique() == 1  # nothing lost, nothing duplicated
    assert not list(sweep.glob("*/.*.tmp"))


def test_failing_configuration_does_not_stop_the_sweep(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    r = cli(
        [
            "--multirun",
            "scenario=measures31",
            "policy.measures31.start=2018Q1,2060Q1",
            "seed=0",
            *SMALL,
            f"hydra.sweep.dir={sweep}",
        ],
        tmp_path,
    )
    assert r.returncode == 1  # the sweep finished, and says that a run failed
    assert "Traceback" not in r.stderr
    bad = run_name(["scenario=measures31", "policy.measures31.start=2060Q1", "seed=0", *SMALL])
    good = run_name(["scenario=measures31", "policy.measures31.start=2018Q1", "seed=0", *SMALL])
    assert f"run {bad} failed: ConfigError" in r.stderr
    man = read_manifest(sweep / bad)
    assert man["status"] == "failed" and "policy.measures31.start" in man["error"]
    assert "Traceback" in (sweep / bad / "error.txt").read_text()
    assert read_manifest(sweep / good)["status"] == "complete"
    sw = gather(sweep)
    assert list(sw.left_out.run) == [bad]
    assert set(sw.table.variant) == {"measures31 [policy.measures31.start=2018Q1]"}


def test_python_sweep_records_failures_and_resumes(tmp_path: Path) -> None:
    grid = {"scenario": ["baseline"], "seed": [0, 1], "policy.mic2025.start": ["2015Q2", "2060Q1"]}
    rep = run_sweep(tmp_path, grid, SMALL, progress=False)
    assert sorted(rep.status) == ["complete", "complete", "failed", "failed"]
    again = run_sweep(tmp_path, grid, SMALL, progress=False)
    assert sorted(again.status) == ["failed", "failed", "skipped", "skipped"]  # failed runs are retried


def test_compare_cli_reports_bad_input_in_one_line(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        compare_main([str(tmp_path / "nope")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("crossstrait-sim-compare:") and "\n" not in err


def test_experiment_presets_make_their_sweeps() -> None:
    from hydra import compose, initialize_config_dir

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.schema import register_configs

    register_configs()
    expected = {"policy_comparison": 11 * 20, "measures31_timing": 3 * 10}
    found = sorted(p.stem for p in (conf_dir() / "experiment").glob("*.yaml"))
    assert found == sorted(expected)
    for name, n in expected.items():
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = compose("config", overrides=[f"+experiment={name}"], return_hydra_config=True)
        params = dict(cfg.hydra.sweeper.params)
        jobs = sweep_jobs([f"+experiment={name}"], params)
        assert len(jobs) == n
        assert len({run_name(j) for j in jobs}) == n
        assert "experiment" not in run_name(jobs[0])
        json.dumps(jobs)  # plain strings


def test_progress_counts_what_it_is_fed_and_the_parent_gets_no_tables(tmp_path: Path, monkeypatch) -> None:
    """A sweep's parent counts the outcomes it receives (no manifest read per run) and keeps no results tables."""
    import io

    from crossstrait_sim.study import sweep as sw
    from crossstrait_sim.study.runs import RunOutcome

    printer = sw.ProgressPrinter(tmp_path, 4, stream=io.StringIO(), names=["a", "b", "c", "d"])
    monkeypatch.setattr(sw, "read_manifest", lambda _: pytest.fail("a fed printer read a manifest"))
    for status in ("skipped", "complete", "failed"):
        printer.add(RunOutcome(tmp_path / status, status))
        printer.update()
    assert printer.counts() == {"complete": 2, "failed": 1, "running": 0, "finished_now": 2}
    monkeypatch.undo()
    seen = []
    real = sw.run_one
    monkeypatch.setattr(sw, "run_one", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    out = sw._run_job(["seed=0", *SMALL], str(tmp_path), True)
    assert seen[0].result is not None and out.status == "complete" and out.result is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_lean_launcher_release_ends_the_idle_workers() -> None:
    # joblib keeps its loky workers for reuse (for minutes); after a sweep's last batch the sweeper asks the
    # launcher to end them, so that the parent does not wait at exit while each finalizes its interpreter
    from joblib import Parallel, delayed

    from hydra_plugins.crossstrait_sim_sweeper.lean_launcher import LeanJoblibLauncher

    pids = set(Parallel(n_jobs=2, backend="loky")(delayed(os.getpid)() for _ in range(4)))
    assert pids and os.getpid() not in pids and all(_alive(p) for p in pids)  # idle, kept for the next call
    LeanJoblibLauncher.release()
    assert not any(_alive(p) for p in pids)
    LeanJoblibLauncher.release()  # nothing left to end: a no-op
    assert Parallel(n_jobs=2, backend="loky")(delayed(abs)(-i) for i in range(3)) == [0, 1, 2]  # a new pool starts


def test_submitit_runs_several_runs_a_task_with_the_same_tables(joblib_sweep: Path, tmp_path: Path) -> None:
    # runs_per_task=3 on 4 runs: two tasks (3 + 1), each a fresh process as on Slurm, the same runs and tables
    sub = tmp_path / "batched"
    args = ["--multirun", "hydra/launcher=crossstrait_submitit_local", "hydra.launcher.runs_per_task=3"]
    r = cli(
        [*args, "scenario=baseline,measures31", "seed=0,1", *SMALL, f"hydra.sweep.dir={sub}"], tmp_path, timeout=600
    )
    assert r.returncode == 0, r.stderr
    assert "4 runs in 2 tasks" in r.stdout + r.stderr
    tasks = [d for d in (sub / ".submitit").iterdir() if d.is_dir() and d.name != "%j"]  # one folder per task
    assert len(tasks) == 2
    assert set(statuses(sub).values()) == {"complete"} and len(statuses(sub)) == 4
    t_job = gather(joblib_sweep).table
    pd.testing.assert_frame_equal(sorted_table(gather(sub).table), sorted_table(t_job[t_job.seed.isin([0, 1])]))


@pytest.mark.parametrize("value", ["0", "-2"])
def test_bad_runs_per_task_is_one_line_and_makes_no_folder(tmp_path: Path, value: str) -> None:
    sweep = tmp_path / "never" / "made"
    args = ["--multirun", "hydra/launcher=crossstrait_submitit_local", f"hydra.launcher.runs_per_task={value}"]
    r = cli([*args, "seed=0,1", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path, timeout=120)
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert lines == [
        f"crossstrait-sim: config error: hydra.launcher.runs_per_task={value}: allowed is a whole number >= 1"
    ]
    assert not (tmp_path / "never").exists()
