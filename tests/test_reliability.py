"""Never lose a user's files; resume checks content; inputs are checked up front (issue 14)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crossstrait_sim.runner as runner_mod
import crossstrait_sim.simulation.run as simulation_mod
from crossstrait_sim.config import parameters
from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.errors import ConfigError, RunDirError
from crossstrait_sim.runner import run_config
from crossstrait_sim.study.manifest import read_manifest
from crossstrait_sim.study.rundir import check_writable, verify_files
from crossstrait_sim.study.sweep import ProgressPrinter, run_name, run_sweep

# short and small: the policies of the baseline start inside the horizon
TINY = ["scenario=baseline", "scale=0.002", "end=2016Q4", "output.summary_quarters=[2016Q4]", "output.plot=false"]


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("crossstrait-sim")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=tmp_path, env=env)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    d = tmp_path / "D"
    (d / "sub").mkdir(parents=True)
    (d / "important.txt").write_text("the user's own notes\n")
    (d / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return d


# --------------------------------------------------------------------------- never delete


def test_config_error_leaves_a_user_folder_untouched(tmp_path, user_folder):
    before = snapshot(user_folder)
    res = cli(tmp_path, "policy.tariffs.rate=2", f"hydra.run.dir={user_folder}")
    assert res.returncode == 2
    assert "policy.tariffs.rate" in one_line(res.stderr)
    assert snapshot(user_folder) == before


def test_config_error_with_the_current_folder_as_run_dir_deletes_nothing(tmp_path, user_folder):
    before = snapshot(tmp_path)
    res = cli(tmp_path, "policy.tariffs.rate=2", "hydra.run.dir=.")
    assert res.returncode == 2
    assert snapshot(tmp_path) == before


def test_a_good_run_refuses_a_folder_with_foreign_files(tmp_path, user_folder):
    before = snapshot(user_folder)
    res = cli(tmp_path, *TINY, f"hydra.run.dir={user_folder}")
    assert res.returncode == 2
    line = one_line(res.stderr)
    assert "important.txt" in line and "overwrite=true" in line
    assert snapshot(user_folder) == before
    # with overwrite=true it writes its own files beside them and touches none of theirs
    res = cli(tmp_path, *TINY, f"hydra.run.dir={user_folder}", "overwrite=true")
    assert res.returncode == 0, res.stderr
    after = snapshot(user_folder)
    assert {k: v for k, v in after.items() if k in before} == before
    assert (user_folder / "results.parquet").is_file()


def test_a_finished_sweep_is_never_a_run_folder(tmp_path):
    sweep = tmp_path / "sweep"
    run_sweep(sweep, {"seed": [0, 1]}, TINY, progress=False)
    before = snapshot(sweep)
    for args in (["policy.tariffs.rate=2"], TINY):
        res = cli(tmp_path, *args, f"hydra.run.dir={sweep}")
        assert res.returncode == 2, res.stderr
        one_line(res.stderr)
        assert snapshot(sweep) == before


def test_config_error_into_a_new_folder_leaves_nothing(tmp_path):
    res = cli(tmp_path, "seed=18446744073709551616", f"hydra.run.dir={tmp_path / 'a' / 'b'}")
    assert res.returncode == 2
    assert "seed" in one_line(res.stderr) and "2^63" in res.stderr
    assert not (tmp_path / "a").exists()


def test_earlier_results_are_kept_unless_overwrite(tmp_path):
    out = tmp_path / "run"
    assert cli(tmp_path, *TINY, "seed=1", f"hydra.run.dir={out}").returncode == 0
    first = (out / "results.parquet").read_bytes()
    res = cli(tmp_path, *TINY, "seed=2", f"hydra.run.dir={out}")
    assert res.returncode == 2 and "earlier run" in one_line(res.stderr)
    assert (out / "results.parquet").read_bytes() == first
    res = cli(tmp_path, *TINY, "seed=2", "overwrite=true", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    man = read_manifest(out)
    assert man["seed"] == 2 and man["status"] == "complete" and verify_files(out, man)
    assert (out / "results.parquet").read_bytes() != first


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("seed=abc", ["seed='abc'", "integer"]),
        ("seeed=3", ["seeed", "allowed keys"]),
        ("scenario=nope", ["scenario='nope'", "narrative"]),
        ("output.plot=maybe", ["output.plot", "true or false"]),
    ],
)
def test_type_errors_are_one_line_with_exit_code_2(tmp_path, override, words):
    res = cli(tmp_path, override, f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode == 2
    line = one_line(res.stderr)
    for w in words:
        assert w in line, line
    assert not (tmp_path / "r").exists()


def test_result_files_are_readable_by_others_under_the_default_umask(tmp_path):
    old = os.umask(0o022)
    try:
        run_config(compose_config(TINY), tmp_path / "run")
    finally:
        os.umask(old)
    for f in (tmp_path / "run").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f.name


def test_permission_problems_name_the_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(RunDirError, match="permission denied on folder"):
        check_writable(tmp_path / "new")
    (tmp_path / "file").write_text("x")
    monkeypatch.undo()
    res = cli(tmp_path, *TINY, f"hydra.run.dir={tmp_path / 'file' / 'run'}")
    assert res.returncode == 2
    assert str(tmp_path / "file") in one_line(res.stderr)


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("seed=9223372036854775808", ["seed", "2^63"]),
        ("end=2500Q4", ["end='2500Q4'", "2050Q4"]),
        ("scale=1e-9", ["scale=1e-09", "smallest useful scale"]),
    ],
)
def test_bounds_that_mean_something(override, words):
    with pytest.raises(ConfigError) as err:
        parameters.build_params(compose_config([override]))
    for w in words:
        assert w in str(err.value)


def test_a_run_too_big_for_the_machine_is_refused_with_the_estimate(monkeypatch):
    monkeypatch.setattr(parameters, "available_memory", lambda: 100e6)
    with pytest.raises(ConfigError, match=r"needs about 0\.\d GB \(estimate\)"):
        parameters.build_params(compose_config(["scale=0.01"]))


def test_the_largest_seed_runs_to_a_table():
    res = runner_mod.run(["seed=9223372036854775807", *TINY])
    assert (res.table.seed == 2**63 - 1).all()


# --------------------------------------------------------------------------- resume and identity


def test_resume_redoes_a_truncated_table(tmp_path):
    sweep = tmp_path / "sweep"
    grid = {"seed": [0, 1, 2]}
    assert set(run_sweep(sweep, grid, TINY, progress=False).status) == {"complete"}
    bad = sweep / run_name(["seed=1", *TINY]) / "results.parquet"
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    rep = run_sweep(sweep, grid, TINY, progress=False)
    assert dict(zip(rep.run, rep.status, strict=True))[bad.parent.name] == "complete"
    assert sorted(rep.status) == ["complete", "skipped", "skipped"]
    for d in sweep.iterdir():
        if d.is_dir():
            assert len(pd.read_parquet(d / "results.parquet")) > 0


def test_equal_overrides_spelled_differently_are_one_run():
    assert run_name(["scale=2e-3", "seed=3"]) == run_name(["seed=3", "scale=0.002"])
    assert run_name(["scale=1"]) == run_name(["scale=1.0"])
    assert run_name(["scale=0.002"]) != run_name(["scale=0.003"])


def test_sweep_totals_are_never_shrunk_and_progress_counts_this_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    run_sweep(sweep, {"seed": [0, 1, 2]}, TINY, progress=False)
    run_sweep(sweep, {"seed": [0]}, [*TINY[:1], "scale=2e-3", *TINY[2:]], progress=False)
    info = json.loads((sweep / "sweep.json").read_text())
    assert info["total"] == 3 and len(info["runs"]) == 3
    printer = ProgressPrinter(sweep, 1, names=[run_name(["seed=0", *TINY])])
    assert printer.line().startswith("sweep: 1/1 runs done")


# --------------------------------------------------------------------------- property


KEYS = {
    "seed": st.sampled_from(["0", "7", "9223372036854775807", "9223372036854775808", "-1", "abc", "1e30"]),
    "scale": st.sampled_from(["0.002", "2e-3", "0.003", "1e-9", "0", "-1", "x", "11"]),
    "end": st.sampled_from(["2016Q4", "2017Q2", "2500Q4", "2009Q4", "2016-12"]),
    "policy.tariffs.rate": st.sampled_from(["0.1", "2", "-0.5", "nan"]),
    "engine.threads": st.sampled_from(["1", "2", "3"]),
    "behaviour.professionals.review_rate": st.sampled_from(["0.05", "1.5", "-0.1"]),
    "+bogus": st.sampled_from(["1"]),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.dictionaries(st.sampled_from(sorted(KEYS)), st.just(None), max_size=4).flatmap(
        lambda d: st.fixed_dictionaries({k: KEYS[k] for k in d})
    ),
    foreign=st.booleans(),
)
def test_a_run_completes_or_fails_before_simulating_leaving_the_folder_as_it_was(
    tmp_path_factory, monkeypatch, chosen, foreign
):
    run_dir = tmp_path_factory.mktemp("prop") / "run"
    if foreign:
        run_dir.mkdir()
        (run_dir / "notes.txt").write_text("mine")
    before = snapshot(run_dir) if run_dir.exists() else None
    calls = []
    real = simulation_mod.simulate
    monkeypatch.setattr(simulation_mod, "simulate", lambda p: calls.append(1) or real(p))
    overrides = [*TINY[:1], "scale=0.002", "end=2016Q4", *TINY[3:]] + [f"{k}={v}" for k, v in chosen.items()]
    try:
        res = run_config(compose_config(overrides), run_dir)
    except (ConfigError, RunDirError) as exc:
        assert "\n" not in str(exc) and str(exc)
        assert calls == []
        assert (snapshot(run_dir) if run_dir.exists() else None) == before
        return
    assert calls == [1] and not foreign
    t = res.table
    assert len(t) > 0 and t.value.notna().all()
    man = read_manifest(run_dir)
    assert man["status"] == "complete" and verify_files(run_dir, man)
    assert pd.read_parquet(run_dir / "results.parquet").equals(t)
