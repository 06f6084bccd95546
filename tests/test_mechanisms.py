"""Each mechanism's direction and size on a small model: the same state and the same
random draws (a deep copy of the model), with one policy lever changed."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from crossstrait_sim.config.parameters import CN_O, FOREIGN_O, TW_O
from tests.conftest import make_model


def _opening(m, **levels):
    """The quarter's opening: policy levels (with overrides), alive firms, labour market, market."""
    lv = m.policy_levels()
    lv.update(levels)
    q = m.alive_firms()
    lab = m.labour_market(lv, q)
    m.market(lv, lab, q)
    return lv, q, lab


@pytest.fixture(scope="module")
def model():
    return make_model("scale=0.005")


def _polluting(m):
    return m.p.pollution == m.p.pollution.max()


def test_enforcement_raises_compliance_cost_and_enforcement_exits(model):
    iCN = model.iCN
    low, high = copy.deepcopy(model), copy.deepcopy(model)
    enf_low = low.policy_levels()["enforcement"].copy()
    enf_high = enf_low.copy()
    enf_high[iCN] = 1.0
    lv_l, q_l, _ = _opening(low, enforcement=enf_low)
    lv_h, q_h, _ = _opening(high, enforcement=enf_high)
    pol_cn = _polluting(model)[q_l.s] & (q_l.r == iCN)
    assert pol_cn.sum() > 10
    cost_l, cost_h = low.out["cost_compliance"], high.out["cost_compliance"]
    assert (cost_h[pol_cn] > cost_l[pol_cn]).all()
    elsewhere = q_l.r != iCN
    assert np.array_equal(cost_h[elsewhere], cost_l[elsewhere])
    low.costs_and_profit(lv_l, q_l)
    high.costs_and_profit(lv_h, q_h)
    # same uniforms: every shutdown under weak enforcement is also one under strict enforcement
    assert q_h.shut.sum() > q_l.shut.sum()
    assert (q_h.shut[pol_cn].sum()) == q_h.shut.sum()  # only polluting plants in CN breach


def test_equal_treatment_draws_taiwanese_firms_to_the_mainland():
    # the sign of the mechanism, at the prior location-logit values: at the fitted ones
    # (firms' move_cost 9.5, beta_profit 2.9; docs/VALIDATION.md) relocation is practically off
    m = make_model("scale=0.005", "behaviour.firms.review_rate=1.0", "calibration=none")
    off, on = copy.deepcopy(m), copy.deepcopy(m)
    lv0, q0, lab0 = _opening(off, m31=0.0, equal_treatment=0.0)
    lv1, q1, lab1 = _opening(on, m31=1.0, equal_treatment=1.0)
    tw = np.flatnonzero(q0.o == TW_O)
    m0, m1 = off.margins(lv0, q0, tw), on.margins(lv1, q1, tw)
    # expected margin in CN rises (procurement access, MIC2025 eligibility); elsewhere unchanged
    assert (m1[:, m.iCN] >= m0[:, m.iCN]).all() and (m1[:, m.iCN] > m0[:, m.iCN]).any()
    assert np.allclose(m1[:, m.iTW], m0[:, m.iTW])
    for mm, lv, q, lab in ((off, lv0, q0, lab0), (on, lv1, q1, lab1)):
        mm.costs_and_profit(lv, q)
        mm.investment(lv, lab, q)
        mm.location_review(lv, lab, q)
    in_cn = lambda mm: int(((mm.firms.origin == TW_O) & (mm.firms.region == m.iCN) & mm.firms.alive).sum())  # noqa: E731
    assert in_cn(on) > in_cn(off)


def test_higher_mainland_pay_raises_outflow_and_retention_lowers_it(model):
    base, richer, retained = copy.deepcopy(model), copy.deepcopy(model), copy.deepcopy(model)
    outflow = {}
    for name, mm, extra in (
        ("base", base, {}),
        ("richer", richer, {}),
        ("retained", retained, {"retention_total": 0.5}),
    ):
        lv, _, lab = _opening(mm, **extra)
        if name == "richer":
            lab.prof_wage[:, mm.iCN] *= 1.5  # a higher mainland wage premium
        mm.professionals(lv, lab)
        outflow[name] = mm.out["outflow"][mm.iCN]
    assert outflow["richer"] > outflow["base"] > outflow["retained"]


def test_mic2025_subsidies_speed_up_capability_growth_of_eligible_firms_only(model):
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    grow = {}
    for name, mm, rate in (("off", off, 0.0), ("on", on, 0.3)):
        lv, q, lab = _opening(mm, mic_rate=rate, mic_level=rate / 0.3)
        before = mm.firms.log_cap[q.ix].copy()
        mm.costs_and_profit(lv, q)
        mm.investment(lv, lab, q)
        grow[name] = mm.firms.log_cap[q.ix] - before
        elig = q.mic_elig > 0 if name == "on" else None
    assert elig.sum() > 0
    assert (grow["on"][elig] > grow["off"][elig]).all()
    assert np.array_equal(grow["on"][~elig], grow["off"][~elig])


def test_tariffs_cut_profit_of_plants_in_the_mainland_only(model):
    free, tariff = copy.deepcopy(model), copy.deepcopy(model)
    _, q0, _ = _opening(free, tariff=0.0)
    _, q1, _ = _opening(tariff, tariff=0.25)
    in_cn = q0.r == model.iCN
    assert (q1.profit[in_cn] < q0.profit[in_cn]).all()
    assert np.array_equal(q1.profit[~in_cn], q0.profit[~in_cn])


def test_new_southbound_raises_taiwanese_margins_in_sea(model):
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    lv0, q0, _ = _opening(off, nsp=0.0)
    lv1, q1, _ = _opening(on, nsp=1.0)
    tw = np.flatnonzero(q0.o == TW_O)
    cn = np.flatnonzero(q0.o == CN_O)
    assert (on.margins(lv1, q1, tw)[:, model.iSEA] > off.margins(lv0, q0, tw)[:, model.iSEA]).all()
    # others gain nothing: their margins in SEA can only fall (more Taiwanese competition there)
    assert (on.margins(lv1, q1, cn)[:, model.iSEA] <= off.margins(lv0, q0, cn)[:, model.iSEA]).all()


def test_rd_hub_incentive_opens_more_foreign_rd_centres():
    m = make_model("scale=0.02", "behaviour.rd_centres.review_rate=1.0")
    off, on = copy.deepcopy(m), copy.deepcopy(m)
    for mm, hub in ((off, 0.0), (on, 3.0)):
        lv, _, lab = _opening(mm, rd_hub=hub)
        mm.rd_centres(lv, lab)
    assert on.out["rd_centres"] > off.out["rd_centres"]
    assert not (on.firms.rd_centre & (on.firms.origin != FOREIGN_O)).any()


def test_firms_exit_after_the_configured_run_of_losses(model):
    m = copy.deepcopy(model)
    lv, q, lab = _opening(m)
    m.costs_and_profit(lv, q)
    m.investment(lv, lab, q)
    m.location_review(lv, lab, q)
    k = m.p.behaviour.firms.loss_quarters
    m.firms.loss_streak[q.ix] = k - 1
    q.profit[:] = 1.0
    q.profit[:5] = -1.0  # five firms make their k-th loss
    q.shut[:] = False
    m.exit_and_entry(lv, q)
    # the five slots are freed (an entrant may take a freed slot: then it is a new firm, age 0)
    gone = q.ix[:5]
    assert (~m.firms.alive[gone] | (m.firms.age[gone] == 0)).all()
    assert m.firms.alive[q.ix[5:]].all() and (m.firms.age[q.ix[5:]] > 0).all()
    assert m.out["exits_loss"].sum() == pytest.approx(q.w[:5].sum())


def _capability_growth(m, **levels):
    lv, q, lab = _opening(m, **levels)
    before = m.firms.log_cap[q.ix].copy()
    m.costs_and_profit(lv, q)
    m.investment(lv, lab, q)
    return q, lab, m.firms.log_cap[q.ix] - before


def test_taiwanese_staff_carry_knowhow_into_mainland_firms(model):
    """Issue 9, point 1: a non-Taiwanese firm's capability growth rises with the Taiwanese it employs.

    Same state and draws, know-how premium off and on. Could fail if the Taiwanese share of the
    cells' staff were zero, if the lead were not positive, or if the gain reached Taiwanese firms.
    """
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    off.p.behaviour.capability.knowhow_premium = 0.0
    q, lab, g_off = _capability_growth(off)
    _, _, g_on = _capability_growth(on)
    share = lab.tw_share[q.s, q.r, q.o]
    hires = (q.o != TW_O) & (share > 0)
    assert hires.sum() > 10
    assert (g_on[hires] > g_off[hires]).all()
    assert np.array_equal(g_on[q.o == TW_O], g_off[q.o == TW_O])  # their own know-how is in their capability
    # diminishing returns: the gain per unit of share falls as the share rises
    gain = on.knowhow(q, lab)
    cells = (gain > 0) & (lab.tw_share > 0)
    per_share = gain[cells] / lab.tw_share[cells]
    order = np.argsort(lab.tw_share[cells])
    assert per_share[order][0] >= per_share[order][-1]


def test_31_measures_hiring_access_raises_mainland_firms_knowhow(model):
    """More hiring of Taiwanese by mainland firms (the 31 measures' job access) raises their know-how gain."""
    base, m31 = copy.deepcopy(model), copy.deepcopy(model)
    q0, lab0, _ = _capability_growth(base, m31=0.0)
    q1, lab1, _ = _capability_growth(m31, m31=1.0)
    g0, g1 = base.knowhow(q0, lab0), m31.knowhow(q1, lab1)
    assert g1[:, model.iCN, CN_O].sum() > g0[:, model.iCN, CN_O].sum() > 0


def test_rd_centres_spill_over_to_taiwanese_firms_in_taiwan_only(model):
    """Issue 9, point 2: more foreign R&D centres in a sector raise Taiwanese firms' growth in Taiwan there.

    Could fail if centres did not enter the spillover, or if it reached firms outside Taiwan or of
    another origin.
    """
    _, q, _ = _opening(copy.deepcopy(model))
    no_change = model.spillover(q)
    assert np.allclose(no_change, 0.0)  # at the start, centres equal their 2010 count
    q.rd_centre = q.rd_centre | (q.o == FOREIGN_O)  # every foreign firm opens one
    more = model.spillover(q)
    tw_tw = more[:, model.iTW, TW_O]
    assert (tw_tw > 0).any()
    mask = np.ones_like(more, dtype=bool)
    mask[:, model.iTW, TW_O] = False
    assert np.array_equal(more[mask], np.zeros(mask.sum()))
