"""Bad input fails before any simulation, with one clear line naming key, value and what is allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException

from crossstrait_sim import run
from crossstrait_sim.errors import ConfigError


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("+bogus_key=1", ["bogus_key", "unknown config key"]),
        ("+policy.measures31.bogus=2", ["policy.measures31.bogus", "unknown"]),
        ("+sectors.semiconductors.colour=3", ["sectors.semiconductors.colour", "unknown"]),
        ("policy.mic2025.rd_subsidy_rate=1.5", ["policy.mic2025.rd_subsidy_rate", "1.5", "[0, 1]"]),
        ("behaviour.professionals.review_rate=-0.1", ["behaviour.professionals.review_rate", "-0.1"]),
        ("scale=0", ["scale", "0"]),
        ("population.professionals.CN=-5", ["population.professionals.CN", "-5"]),
        ("policy.measures31.start=2005Q1", ["policy.measures31.start", "2005Q1", "horizon"]),
        ("policy.measures31.start=2051Q1", ["policy.measures31.start", "2051Q1", "horizon"]),
        ("policy.measures31.start=2018-03", ["policy.measures31.start", "2018-03", "2018Q1"]),
        ("end=2009Q4", ["end", "2009Q4", "before"]),
        ("engine.threads=3", ["engine.threads", "3"]),
        ("sectors.health.prof_share=0.5", ["prof_share", "sum to 1"]),
        # ranges declared beside the schema field, on mappings and tables too (issue 8)
        ("sectors.semiconductors.capability0.CN=0", ["sectors.semiconductors.capability0.CN", "positive capability"]),
        ("population.firms.TW.SEA=-1", ["population.firms.TW.SEA", "-1", "non-negative"]),
        ("behaviour.professionals.hire_weight.TW.CN=1.5", ["hire_weight.TW.CN", "1.5", "[0, 1]"]),
        ("regions.CN.wage_growth=0.7", ["regions.CN.wage_growth", "0.7", "[-0.5, 0.5]", "quarterly growth"]),
        ("policy.tariffs.ramp_quarters=-1", ["policy.tariffs.ramp_quarters", "-1", "[0, inf]"]),
        ("behaviour.firms.loss_quarters=0", ["behaviour.firms.loss_quarters", "0", "[1, inf]"]),
        ("policy.measures31.individual_usd_k=nan", ["policy.measures31.individual_usd_k", "finite number"]),
        ("regions.ROW.pull_growth=0.5", ["regions.ROW.pull_growth", "0.5", "[-0.2, 0.2]"]),
        (
            "behaviour.professionals.pull_growth_end=2019-12",
            ["behaviour.professionals.pull_growth_end", "2019-12", "2018Q1"],
        ),
    ],
)
def test_value_errors_name_key_value_and_allowed(override, words):
    with pytest.raises(ConfigError) as err:
        run([override])
    msg = str(err.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("override", ["seeed=3", "seed=abc", "scenario=nope", "policy.mic2025.rd_subsidy_rate=high"])
def test_schema_errors_fail_at_composition(override):
    with pytest.raises(ConfigCompositionException):
        run([override])


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("crossstrait-sim")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(exe), f"hydra.run.dir={tmp_path / 'run'}", *args], capture_output=True, text=True, cwd=tmp_path, env=env
    )


def test_cli_config_error_is_one_line_and_leaves_no_output(tmp_path):
    res = _cli(tmp_path, "policy.tariffs.rate=2")
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "policy.tariffs.rate=2" in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_cli_unknown_key_fails_cleanly(tmp_path):
    res = _cli(tmp_path, "+bogus=1")
    assert res.returncode == 2
    assert "unknown config key 'bogus'" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_cli_schema_error_names_the_key(tmp_path):
    res = _cli(tmp_path, "seeed=3")
    assert res.returncode != 0
    assert "seeed" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("flags", [["--multirun", "--cfg", "job"], ["--resolve"]])
def test_cli_conflicting_hydra_flags_are_one_line(tmp_path, flags):
    res = _cli(tmp_path, *flags)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("crossstrait-sim: command line:"), res.stderr
    assert not (tmp_path / "run").exists()
