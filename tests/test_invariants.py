"""Invariants checked after every quarter of full-horizon runs."""

from __future__ import annotations

import numpy as np
import pytest

from crossstrait_sim.config.parameters import FOREIGN_O
from crossstrait_sim.model.results import BY_NAME
from crossstrait_sim.runner import run
from tests.conftest import make_model


@pytest.mark.parametrize("scenario", ["history", "tw_combined"])
def test_state_invariants_every_quarter(scenario):
    m = make_model("scale=0.004", f"scenario={scenario}", "end=2030Q4")
    f, pr = m.firms, m.prof
    people = int(pr.alive.sum())
    for _ in range(m.p.n_quarters):
        m.step()
        a = f.alive
        for name in ("size", "log_cap", "abatement", "automation", "weight"):
            assert np.isfinite(getattr(f, name)[a]).all(), name
        assert (f.size[a] > 0).all() and (f.weight[a] > 0).all()
        assert ((f.abatement[a] >= 0) & (f.abatement[a] <= 1)).all()
        assert ((f.automation[a] >= 0) & (f.automation[a] <= 1)).all()
        # every agent in exactly one region, and firms only where firms may be
        assert ((f.region[a] >= 0) & (f.region[a] < m.R)).all()
        assert m.p.firms_allowed[f.region[a]].all()
        assert ((pr.region[pr.alive] >= 0) & (pr.region[pr.alive] < m.R)).all()
        assert (f.rd_centre[~a] == 0).all()
        assert ((f.rd_centre[a] >= 0) & (f.rd_centre[a] <= 1)).all()
        assert (f.rd_centre[a & (f.origin != FOREIGN_O)] == 0).all()
        # incrementally kept counts equal a recount
        agents, count = m.count_firms()
        assert np.array_equal(agents, m.firm_agents)
        np.testing.assert_allclose(count, m.firm_count, rtol=1e-9, atol=1e-6)
        assert np.array_equal(m.count_professionals(), m.talent_count)
        # people are conserved apart from the entries and retirements the model counts
        entries = round(m.out["prof_entry"] / m.prof_weight)
        retired = round(m.out["prof_retire"] / m.prof_weight)
        now = int(pr.alive.sum())
        assert now == people + entries - retired
        people = now


def test_table_values_are_finite_non_negative_and_shares_bounded():
    df = run(["scenario=history", "seed=4", "scale=0.004"]).table
    assert np.isfinite(df.value).all()
    signed = {"capability_gap", "capability_gap_location", "capability"}  # log points: either sign
    for name, ind in BY_NAME.items():
        v = df.loc[df.indicator == name, "value"]
        if name not in signed and name != "tw_retention_topup":
            assert (v >= 0).all(), name
        if ind.unit == "share":
            assert (v <= 1 + 1e-12).all(), name
    # market shares of a sector sum to one
    ms = df[(df.indicator == "market_share")].groupby(["quarter", "sector"]).value.sum()
    np.testing.assert_allclose(ms.to_numpy(), 1.0, rtol=1e-12)
    # talent abroad = the stocks outside Taiwan
    st = df[(df.indicator == "talent_stock") & (df.region.isin(["CN", "SEA", "ROW"]))].groupby("quarter").value.sum()
    ab = df[df.indicator == "talent_abroad_total"].set_index("quarter").value
    np.testing.assert_allclose(st.to_numpy(), ab.loc[st.index].to_numpy(), rtol=1e-12)


def test_tiny_scales_run_without_nan():
    # near the smallest useful scale (about 1.4e-4) some (sector, origin) pairs have no firm at
    # the start; entrants there must still get a positive size and a finite capability
    for scale in ("0.00014", "0.0003"):
        df = run([f"scale={scale}", "scenario=history", "seed=1"]).table
        assert np.isfinite(df.value).all(), scale
