"""The multirun's default sweeper (hydra_plugins.crossstrait_sim_sweeper, issue 12): found by Hydra, used by
`--multirun`, composes each set of group choices once, gives Hydra's configs, and stops on a bad override early.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.plugins import Plugins
from hydra.errors import HydraException
from hydra.plugins.sweeper import Sweeper
from hydra.types import RunMode
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from crossstrait_sim.config.compose import Composer, conf_dir
from crossstrait_sim.config.schema import register_configs
from crossstrait_sim.study.sweep import run_name
from hydra_plugins.crossstrait_sim_sweeper.compose_once_sweeper import (
    ComposeOnceLoader,
    ComposeOnceSweeper,
    LoadSweepConfig,
)
from tests.test_compose_once import _same_nodes

TARGET = "hydra_plugins.crossstrait_sim_sweeper.compose_once_sweeper.ComposeOnceSweeper"
TINY = ["scenario=baseline", "scale=0.002", "end=2011Q4", "output.summary_quarters=[2011Q4]", "output.plot=false"]
JOBS = [
    ["seed=0"],
    ["seed=1", "scale=2e-3"],
    ["scenario=measures31", "seed=1", "policy.measures31.start=2019Q1"],
    ["seed=2", "scenario=measures31"],
    ["mainland=[measures31,mic2025]", "taiwan=[rd_hub]", "seed=1", "overwrite=true"],
    ["+experiment=policy_comparison", "seed=4"],
    ["output.summary_quarters=[2012Q4,2014Q4]", "+bogus=1"],
]


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "crossstrait_sim.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)


@pytest.fixture
def hydra_loader():
    """Hydra's config loader and the master config of a multirun, as the sweeper gets them."""
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", ["hydra.sweep.dir=sw"], run_mode=RunMode.MULTIRUN)
        yield loader, master
    GlobalHydra.instance().clear()


def test_hydra_finds_the_sweeper_and_the_config_selects_it(hydra_loader):
    # Hydra's scan runs the plugin's module again: the class it lists is another object of the same name
    found = [f"{c.__module__}.{c.__name__}" for c in Plugins.instance().discover(Sweeper)]
    assert f"{ComposeOnceSweeper.__module__}.{ComposeOnceSweeper.__name__}" == TARGET and TARGET in found
    _, master = hydra_loader
    assert master.hydra.sweeper._target_ == TARGET
    assert master.hydra.runtime.choices["hydra/sweeper"] == "compose_once"


def test_the_launchers_configs_equal_hydras_node_by_node(hydra_loader):
    loader, master = hydra_loader
    composer = Composer(compose=LoadSweepConfig(loader, master), repository=loader.repository)
    fast = ComposeOnceLoader(loader, composer)
    for job in JOBS:
        cheap, full = fast.load_sweep_config(master, job), loader.load_sweep_config(master, job)
        _same_nodes(cheap, full)
        assert OmegaConf.to_yaml(cheap) == OmegaConf.to_yaml(full), job
    # one Hydra composition per distinct list of group choices, not one per run
    assert composer.full_composes == len(composer.bases) == 4  # (), scenario, mainland+taiwan, experiment


@pytest.mark.parametrize("bad", ["seed=abc", "seeed=3", "scenario=nope", "policy.tariffs.rate=[1"])
def test_a_bad_override_raises_hydras_own_error(hydra_loader, bad):
    loader, master = hydra_loader
    composer = Composer(compose=LoadSweepConfig(loader, master), repository=loader.repository)
    composer(["seed=1"])  # a base exists: the bad value goes down the cheap path first
    with pytest.raises((HydraException, OmegaConfBaseException)) as cheap:
        composer([bad, "seed=2"])
    with pytest.raises((HydraException, OmegaConfBaseException)) as full:
        loader.load_sweep_config(master, [bad, "seed=2"])
    assert type(cheap.value) is type(full.value) and str(cheap.value) == str(full.value)


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ("seed=0,1,abc", "config error: seed='abc': must be an integer"),
        ("scenario=baseline,nope", "config error: scenario='nope': no such option in config group 'scenario'"),
        ("seeed=1,2", "config error: unknown config key 'seeed'"),
    ],
)
def test_a_bad_override_stops_the_multirun_before_any_run(tmp_path, sweep, message):
    out = tmp_path / "sweep"
    r = cli(tmp_path, "--multirun", *TINY, sweep, f"hydra.sweep.dir={out}")
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in r.stderr, r.stderr
    # one error line; the progress line "sweep: 0/N runs done" may come first on a slow machine
    assert all(ln.startswith("sweep: 0/") for ln in lines[:-1]), r.stderr
    assert lines[-1].startswith(f"crossstrait-sim: {message}"), r.stderr
    # the check ran in the parent, before the launcher: no run folder, and it was this sweeper's check
    assert not [p for p in out.iterdir() if p.is_dir()]
    assert yaml.safe_load((out / "multirun.yaml").read_text())["hydra"]["sweeper"]["_target_"] == TARGET


def test_multirun_uses_the_sweeper_and_gives_hydras_runs(tmp_path):
    runs = {}
    variants = {  # the default (no override), Hydra's own sweeper, ours with the launcher composing in full
        "default": [],
        "basic": ["hydra/sweeper=basic"],
        "full_in_launcher": ["hydra.sweeper.launcher_compose_once=false"],
    }
    for name, over in variants.items():
        out = tmp_path / name
        args = ["--multirun", *TINY, "seed=0,1", "scenario=baseline,measures31", "hydra/launcher=basic"]
        r = cli(tmp_path, *args, *over, f"hydra.sweep.dir={out}")
        assert r.returncode == 0, r.stderr
        multirun = yaml.safe_load((out / "multirun.yaml").read_text())
        assert (multirun["hydra"]["sweeper"]["_target_"] == TARGET) == (name != "basic")
        runs[name] = {p.parent.name: p.read_bytes() for p in out.glob("*/results.parquet")}
    assert len(runs["basic"]) == 4
    assert run_name([*TINY, "seed=1", "scenario=measures31"]) in runs["basic"]
    # the same folders with bit-identical tables
    assert runs["default"] == runs["basic"] == runs["full_in_launcher"]


def test_sweeper_ends_the_launchers_idle_workers_after_the_last_batch(monkeypatch) -> None:
    from types import SimpleNamespace

    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    from hydra_plugins.crossstrait_sim_sweeper.compose_once_sweeper import ComposeOnceSweeper

    calls: list[str] = []

    def batches(self, arguments):  # BasicSweeper.sweep: every batch launched in turn
        calls.append("batches")
        if arguments == ["fail"]:
            raise RuntimeError("a batch failed")
        return ["returns"]

    monkeypatch.setattr(BasicSweeper, "sweep", batches)
    sweeper = ComposeOnceSweeper()
    sweeper.launcher = SimpleNamespace(release=lambda: calls.append("release"))  # the local launcher
    assert sweeper.sweep([]) == ["returns"]
    assert calls == ["batches", "release"]
    calls.clear()
    with pytest.raises(RuntimeError, match="a batch failed"):  # the workers are ended on a failure too
        sweeper.sweep(["fail"])
    assert calls == ["batches", "release"]
    calls.clear()
    sweeper.launcher = SimpleNamespace()  # basic, submitit: no workers of their own to end
    assert sweeper.sweep([]) == ["returns"] and calls == ["batches"]


def test_slurm_preset_is_the_batched_launcher(hydra_loader) -> None:
    # conf/hydra/launcher/slurm.yaml builds on the batched launcher: runs_per_task is a setting, the rest Hydra's
    from hydra.plugins.launcher import Launcher

    loader, _ = hydra_loader
    found = [f"{c.__module__}.{c.__name__}" for c in Plugins.instance().discover(Launcher)]
    target = "hydra_plugins.crossstrait_sim_sweeper.batched_submitit.BatchedSlurmLauncher"
    assert target in found
    cfg = loader.load_configuration(
        "config", ["hydra/launcher=slurm", "hydra.launcher.runs_per_task=16"], run_mode=RunMode.MULTIRUN
    )
    launcher = cfg.hydra.launcher
    assert launcher._target_ == target
    assert launcher.runs_per_task == 16 and launcher.timeout_min == 30 and launcher.cpus_per_task == 2
    with pytest.raises(HydraException, match="runs_per_task"):  # a whole number: the schema checks it
        loader.load_configuration(
            "config", ["hydra/launcher=slurm", "hydra.launcher.runs_per_task=many"], run_mode=RunMode.MULTIRUN
        )
