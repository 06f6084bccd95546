"""The main job: CLI and Python API write the documented outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from crossstrait_sim import run
from crossstrait_sim.model.results import COLUMNS, INDICATORS

REQUIRED = {
    "talent_in_cn",
    "talent_outflow",
    "talent_return",
    "talent_abroad_total",
    "talent_share_cn",
    "firms",
    "relocations",
    "exits_loss",
    "exits_enforcement",
    "tw_outward_investment",
    "tw_outward_investment_share_cn",
    "capability_gap",
    "market_share",
    "rd_centres_tw",
    "subsidy_spend",
    "compliance_spend",
    "emissions",
}


def test_cli_default_run_writes_table_plot_summary_and_config(tmp_path):
    exe = Path(sys.executable).with_name("crossstrait-sim")
    out = tmp_path / "run"
    res = subprocess.run(
        [str(exe), f"hydra.run.dir={out}", "seed=2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert res.returncode == 0, res.stderr
    for name in ("results.parquet", "summary.json", "talent_outflow.png", "resolved_config.yaml", "manifest.json"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp"))  # no temp files left behind
    df = pd.read_parquet(out / "results.parquet")
    assert list(df.columns) == COLUMNS
    assert REQUIRED <= set(df.indicator.unique())
    assert set(df.scenario.unique()) == {"narrative"}
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["indicators"]) == {"2015Q4", "2020Q4", "2030Q4"}
    assert "talent_in_cn" in res.stdout and "2030Q4" in res.stdout
    # the printed stock equals the table's
    t = df[(df.indicator == "talent_in_cn") & (df.sector == "all") & (df.quarter == "2020Q4")].value.iloc[0]
    assert summary["indicators"]["2020Q4"]["talent_in_cn"] == t
    assert (out / "talent_outflow.png").stat().st_size > 20_000


def test_python_api_returns_table_and_config():
    res = run(["scenario=measures31", "seed=1", "end=2020Q4"])
    assert res.config.scenario == "measures31" and res.config.seed == 1
    assert set(res.table.scenario) == {"measures31"}
    assert res.table.quarter.max() == "2020Q4"


def test_indicators_are_reported_at_real_world_size_whatever_the_scale():
    small = run(["scale=0.005", "scenario=baseline", "end=2015Q4"]).table
    big = run(["scale=0.02", "scenario=baseline", "end=2015Q4"]).table

    def pick(df):
        sel = (df.indicator == "talent_stock") & (df.region == "all") & (df.quarter == "2010Q1")
        return df[sel].value.iloc[0]

    assert abs(pick(small) / pick(big) - 1) < 0.01  # both near the 3.17 million reference population
    assert 3.0e6 < pick(big) < 3.4e6


def test_every_indicator_has_a_unit_and_kind():
    for ind in INDICATORS:
        assert ind.unit and ind.kind in {"stock", "flow", "ratio"}
