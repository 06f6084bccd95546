"""Enforcement as the paper describes it (§參), and MIC2025 pilot zones (§貳 Table 1).

Production limits cap what a plant may sell, inspections lead to fines, stops and limits, the
Kunshan order names plants of its zone, MIC2025 eligibility follows the named pilot zones, and the
2018 counts are compared with the ministry's. Each test's docstring says what would make it fail.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from crossstrait_sim import run
from crossstrait_sim.evidence.enforcement import compare_2018, data_2018
from crossstrait_sim.model import kernels as K
from tests.conftest import make_model, make_params, opening


def test_a_production_limit_caps_sales_and_competitors_take_the_demand():
    """Half the polluting plants in CN under a limit order against none, same state and draws.

    Could fail if: the cap does not reach the market split (limited plants sell as much as before),
    cuts a plant's sales below the cap share (it cuts attraction, and the sector's total attraction
    falls with it), does not pass the demand to unlimited competitors in the sector (its total sales
    stay equal to its demand), touches other
    sectors, or leaves the limited plants' emissions uncut.
    """
    m = make_model("scale=0.01")
    f = m.firms
    pol = m.p.pollution == m.p.pollution.max()
    cand = np.flatnonzero(f.alive & (f.region == m.iCN) & pol[f.sector])
    free, limited = copy.deepcopy(m), copy.deepcopy(m)
    limited.firms.limit_left[cand[::2]] = 2
    (_, q0, _), (_, q1, _) = opening(free), opening(limited)
    cap = m.p.behaviour.abatement.limit_output_cap
    on = np.isin(q0.ix, cand[::2])
    same_sector = pol[q0.s] & ~on
    ratio = q1.revenue / q0.revenue
    assert on.sum() > 10
    assert (ratio[on] >= cap - 1e-12).all() and (ratio[on] < 1.0).all()
    assert (ratio[same_sector] > 1.0).all()
    # the sector's demand is all sold: what the limited plants lose, the others gain
    assert (q1.w * q1.revenue)[pol[q0.s]].sum() == pytest.approx((q0.w * q0.revenue)[pol[q0.s]].sum(), rel=1e-9)
    assert np.array_equal(q1.revenue[~pol[q0.s]], q0.revenue[~pol[q0.s]])
    e0, e1 = free.out["emissions"], limited.out["emissions"]
    assert np.allclose(e1[on], cap * e0[on]) and np.array_equal(e1[~on], e0[~on])


def test_inspections_lead_to_fines_stops_and_limit_orders_that_bind_for_their_quarters():
    """Every plant inspected; polluting plants in CN with abatement spread over [0, 1) under strict enforcement.

    Could fail if: a plant not fined gets a limit order, a stopped plant gets one too, the share of
    fined-not-stopped plants ordered is not ``limit_prob`` (within 4 binomial standard deviations),
    an order does not last ``limit_quarters``, or an earlier order does not run down by a quarter.
    """
    m = make_model(
        "scale=0.01",
        "behaviour.abatement.inspection_rate=1.0",
        "behaviour.abatement.shutdown_prob=0.2",
        "behaviour.abatement.limit_prob=0.5",
        "behaviour.abatement.limit_quarters=3",
    )
    f, b = m.firms, m.p.behaviour.abatement
    target = f.alive & (f.region == m.iCN) & (m.p.pollution == m.p.pollution.max())[f.sector]
    f.abatement[target] = np.random.default_rng(2018).random(int(target.sum()))
    old = np.flatnonzero(f.alive & ~target)[:50]
    f.limit_left[old] = 2
    enf = m.policy_levels()["enforcement"].copy()
    enf[m.iCN] = 1.0
    lv, q, _ = opening(m, enforcement=enf)
    m.costs_and_profit(lv, q)
    fined = m.out["fined_n"] > 0
    ordered = m.out["limits"] > 0
    assert fined.sum() > 50
    assert not (ordered & ~fined).any() and not (ordered & q.shut).any()
    pool = fined & ~q.shut
    sd = np.sqrt(pool.sum() * b.limit_prob * (1 - b.limit_prob))
    assert abs(ordered.sum() - b.limit_prob * pool.sum()) < 4 * sd, (int(ordered.sum()), int(pool.sum()))
    assert (f.limit_left[q.ix[ordered]] == 3).all()
    rest = np.isin(q.ix, old) & ~ordered
    assert (f.limit_left[q.ix[rest]] == 1).all()


def test_the_kunshan_order_names_polluting_plants_of_its_zone_only_when_enforcement_is_on():
    """The area order in its first quarter: who is named, and how many real plants.

    Could fail if: a named plant is outside the zone, outside CN or of a sector below the order's
    pollution threshold; the real plants named stray from ``area_firms`` by more than 4 binomial
    standard deviations; or the order is in force without enforcement (baseline) or outside its quarters.
    """
    p = make_params("scenario=enforcement", "scale=0.05", "end=2018Q4")
    e = p.policy.enforcement
    t0 = p.quarters.index(e.area_start)
    assert p.schedule.area_limit.sum() == e.area_quarters and p.schedule.area_limit[t0] == 1
    assert p.schedule.area_limit_new.sum() == 1 and p.schedule.area_limit_new[t0] == 1
    assert make_params("scenario=baseline", "end=2018Q4").schedule.area_limit.sum() == 0
    m = make_model("scenario=enforcement", "scale=0.05", "end=2018Q4")
    for _ in range(t0):
        m.step()
    q = m.alive_firms()
    named = m.area_named(q)
    assert named.any()
    assert (q.zone[named] == p.area_zone).all() and (q.r[named] == m.iCN).all()
    assert (p.pollution[q.s[named]] >= e.area_min_pollution).all()
    target = (q.zone == p.area_zone) & (p.pollution[q.s] >= e.area_min_pollution) & (q.r == m.iCN)
    share = e.area_firms / q.w[target].sum()
    sd = np.sqrt((q.w[target] ** 2 * share * (1 - share)).sum())
    assert abs(q.w[named].sum() - e.area_firms) < 4 * sd, (q.w[named].sum(), sd)


def test_sites_fall_in_zones_by_origin_and_only_pilot_zones_get_mic2025():
    """Zones of the initial CN sites, and MIC2025 eligibility with one pilot zone left (Kunshan).

    Could fail if: the share of an origin's CN sites in a zone strays from its declared share by
    more than 4 binomial standard deviations, a site outside CN has a zone or a pilot flag, the
    pilot flag does not follow the zone, or a plant outside the pilot zones is eligible for MIC2025.
    """
    m = make_model("scale=0.05", "policy.mic2025.pilot_zones=[kunshan]")
    f, p = m.firms, m.p
    a = f.alive
    cn = a & (f.region == m.iCN)
    assert (f.zone[a & ~cn] == -1).all() and not f.pilot[a & ~cn].any()
    for o in range(len(p.origins)):
        sites = cn & (f.origin == o)
        n = sites.sum()
        for z, share in enumerate(p.zone_share[o]):
            k = (f.zone[sites] == z).sum()
            assert abs(k - n * share) <= 4 * np.sqrt(n * share * (1 - share)) + 1, (o, z, k, n, share)
    assert np.array_equal(f.pilot[cn], f.zone[cn] == p.area_zone)  # kunshan is the only pilot zone
    _, q, _ = opening(m, mic_rate=0.3, mic_level=1.0)
    assert (q.mic_elig > 0).any() and not (q.mic_elig[~q.pilot] > 0).any()


def test_limit_orders_kernel_takes_the_draw_above_the_shutdown_share():
    """Could fail if the limit draw reused the shutdown region or ignored ``limit_prob``."""
    u = (np.arange(10_000) + 0.5) / 10_000
    fined = np.ones_like(u, dtype=bool)
    shut = u < 0.2
    lim = K.limit_orders(u, fined, shut, 0.2, 0.25)
    assert not (lim & shut).any()
    assert lim.sum() == pytest.approx(0.8 * 0.25 * 10_000, abs=2)
    assert (u[lim] < 0.2 + 0.8 * 0.25).all()


def test_the_2018_comparison_reads_the_data_and_reports_model_over_data():
    """The 2018 comparison table on one narrative run (docs/ODD.md and the ablation study report it).

    Could fail if: the data file's January-November figures are misread; an indicator is counted in
    agents instead of real plants (off by 1 / scale = 100); or the model's penalty decisions, fines or
    limit-and-stop cases are not within a factor of 20 of the ministry's counts (the model covers
    the modelled sectors' plants only, so it is not expected to match them).
    """
    d = data_2018()
    assert d == {"penalty_decisions": 166_210.0, "fines_rmb_bn": pytest.approx(13.597), "limit_or_stop_cases": 6196.0}
    table = compare_2018([run(["scenario=narrative", "seed=0"]).table]).set_index("figure (Jan-Nov 2018, CN)")
    ratio = table["model / data"]
    assert np.allclose(ratio.dropna(), (table.model_mean / table.data).dropna())
    for key in ("penalty_decisions", "fines_rmb_bn", "limit_or_stop_cases"):
        assert 0.05 < ratio[key] < 20, (key, ratio[key])
    assert table.loc["inspections", "model_mean"] > table.loc["penalty_decisions", "model_mean"]
