"""The point calibration (SMM, 2010-2015): a tiny fit end to end, resume, and the committed report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from omegaconf import OmegaConf

from crossstrait_sim.config.compose import compose_config, conf_dir
from crossstrait_sim.evidence.calibrate import CalibrationError, calibrate, free_parameters, run_moments
from crossstrait_sim.evidence.moments import default_moments, distance

ROOT = Path(__file__).resolve().parents[1]


def _settings(tmp_path: Path, **extra):
    s = OmegaConf.load(conf_dir() / "calibrate" / "default.yaml")
    s.pop("defaults")
    s.pop("hydra")
    s.free = {k: s.free[k] for k in ("capital_per_capacity", "firm_move_cost")}
    s.model_overrides = [o for o in s.model_overrides if not o.startswith("scale=")] + ["scale=0.004"]
    s.seeds = [0]
    s.n_jobs = 1
    s.global_search.n_points = 3
    s.local_search.max_evals = 5
    s.checkpoint = str(tmp_path / "ck.jsonl")
    s.fitted_config = str(tmp_path / "fitted.yaml")
    s.quiet = True
    for k, v in extra.items():
        OmegaConf.update(s, k, v, merge=False)
    return s


def test_tiny_calibration_lowers_objective_and_resumes(tmp_path):
    s = _settings(tmp_path)
    res = calibrate(s, tmp_path / "out")
    assert res.objective < res.start_objective
    assert 1 + 3 <= res.evaluations <= 1 + 3 + 5 + 1
    # the fitted config: _global_ package, every leaf with a "unit | source | meaning" comment
    text = Path(s.fitted_config).read_text()
    assert text.startswith("# @package _global_")
    leaves = [ln for ln in text.splitlines() if ":" in ln and not ln.lstrip().startswith("#") and "#" in ln]
    assert len(leaves) == 2
    assert all(ln.split("#", 1)[1].count("|") == 2 and "fitted by crossstrait-sim-calibrate" in ln for ln in leaves)
    loaded = yaml.safe_load(text)
    assert loaded["behaviour"]["firms"]["capital_per_capacity"] == pytest.approx(res.fitted_values[0])
    rep = json.loads((tmp_path / "out" / "calibration_report.json").read_text())
    assert rep["objective"]["fitted"] == pytest.approx(res.objective)
    assert {p["key"] for p in rep["parameters"]} == {
        "behaviour.firms.capital_per_capacity",
        "behaviour.firms.move_cost",
    }
    assert all(p["lower"] <= p["fitted"] <= p["upper"] for p in rep["parameters"])
    # stopping and rerunning replays the checkpoint: nothing is simulated again
    again = calibrate(s, tmp_path / "out2")
    assert again.new_evaluations == 0
    assert again.objective == res.objective
    # a checkpoint of other settings is refused, not silently reused
    with pytest.raises(CalibrationError, match="other settings"):
        calibrate(_settings(tmp_path, seeds=[1]), tmp_path / "out3")


def test_free_parameter_checks(tmp_path):
    s = _settings(tmp_path)
    s.free.capital_per_capacity.lower = 20.0
    with pytest.raises(CalibrationError, match="must be below upper"):
        free_parameters(s)
    s = _settings(tmp_path)
    s.free.capital_per_capacity.key = "behaviour.firms.no_such_key"
    with pytest.raises(CalibrationError, match="does not exist"):
        calibrate(s, tmp_path)


def test_committed_report_is_reproduced_by_a_fresh_run():
    """docs/calibration_report.json's fitted moments and objective, recomputed from the committed fitted config."""
    rep = json.loads((ROOT / "docs" / "calibration_report.json").read_text())
    # the point fit's values on the prior config (the default calibration is now the posterior mean)
    fitted = [f"{p['key']}={p['fitted']!r}" for p in rep["parameters"]]
    overrides = [*rep["model_overrides"], *fitted]
    moments = default_moments()
    assert [m.key for m in moments] == [r["moment"] for r in rep["moments"]]
    rows = []
    for seed in rep["seeds"]:
        cfg = compose_config([*overrides, f"seed={seed}"])
        for p in rep["parameters"]:
            assert OmegaConf.select(cfg, p["key"]) == p["fitted"], p["key"]
        rows.append(run_moments(cfg, moments))
    mean = np.nanmean(np.asarray(rows), axis=0)
    np.testing.assert_allclose(mean, [r["model_fitted"] for r in rep["moments"]], rtol=1e-9)
    data = np.array([r["data"] for r in rep["moments"]])
    w = np.array([r["weight"] for r in rep["moments"]])
    assert distance(mean, data, w) == pytest.approx(rep["objective"]["fitted"], rel=1e-9)
    assert rep["objective"]["fitted"] < rep["objective"]["start"]
