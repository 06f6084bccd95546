"""Each mechanism's direction and size on a small model: the same state and the same
random draws (a deep copy of the model), with one policy lever changed.

Each test's docstring says what would make it fail. A comparison with a side on which the
mechanism cannot act by construction (weak enforcement when every plant starts within the
emission limit) decides nothing, so the state is set up for the mechanism to act on both sides.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from crossstrait_sim.config.parameters import CN_O, FOREIGN_O, TW_O
from tests.conftest import make_model, opening


@pytest.fixture(scope="module")
def model():
    return make_model("scale=0.005")


def _polluting(m):
    return m.p.pollution == m.p.pollution.max()


def test_enforcement_shuts_more_breaching_plants_under_the_same_draws():
    """Strict against weak enforcement in CN, on plants whose abatement is spread over [0, 1).

    The model starts every plant at 95% of the emission limit, so under weak enforcement none
    breaches and a comparison with it is decided before the model runs. Here the polluting
    plants in CN get abatement levels spread evenly, so some breach under both enforcement
    levels and some under neither; every inspected plant is fined (inspection rate 1) and half
    of them are stopped, to have enough shutdowns to count.

    Could fail if: enforcement does not enter the breach test (pollution x (1 - abatement) x
    enforcement > limit) or the inspection probability; a compliant plant is fined or shut; a
    plant shut under weak enforcement is not shut under strict (the two levels do not share
    their draws); the shutdown share of breaching plants is not inspection rate x enforcement x
    shutdown probability (within 4 binomial standard deviations); compliance costs of polluting
    plants in CN do not rise with enforcement, or those of plants elsewhere change.
    """
    m = make_model("scale=0.01", "behaviour.abatement.inspection_rate=1.0", "behaviour.abatement.shutdown_prob=0.5")
    iCN, b = m.iCN, m.p.behaviour.abatement
    f = m.firms
    target = f.alive & (f.region == iCN) & _polluting(m)[f.sector]
    f.abatement[target] = np.random.default_rng(2017).random(int(target.sum()))
    low, high = copy.deepcopy(m), copy.deepcopy(m)
    enf_low = low.policy_levels()["enforcement"].copy()
    enf_high = enf_low.copy()
    enf_high[iCN] = 1.0
    runs = {}
    for name, mm, enf in (("low", low, enf_low), ("high", high, enf_high)):
        lv, q, _ = opening(mm, enforcement=enf)
        cost = mm.out["cost_compliance"].copy()
        mm.costs_and_profit(lv, q)
        breach = m.p.pollution[q.s] * (1.0 - q.abatement) * enf[q.r] > b.emission_limit
        p_shut = np.minimum(1.0, b.inspection_rate * enf[q.r]) * b.shutdown_prob
        runs[name] = (q, cost, breach, q.shut.copy(), mm.out["fines"] > 0, p_shut)
    (q, cost_l, breach_l, shut_l, fined_l, p_l), (_, cost_h, breach_h, shut_h, fined_h, p_h) = runs["low"], runs["high"]
    pol_cn = target[q.ix]
    # the population does what it is built for: breaches under both levels, and compliance too
    assert 0 < breach_l.sum() < breach_h.sum() < pol_cn.sum(), (breach_l.sum(), breach_h.sum(), pol_cn.sum())
    assert not (shut_l & ~breach_l).any() and not (shut_h & ~breach_h).any()
    assert not (fined_l & ~breach_l).any() and not (fined_h & ~breach_h).any()
    # same uniforms: every shutdown under weak enforcement is one under strict enforcement too
    assert not (shut_l & ~shut_h).any()
    assert 0 < shut_l.sum() < shut_h.sum(), (shut_l.sum(), shut_h.sum())
    for shut, breach, p_shut in ((shut_l, breach_l, p_l), (shut_h, breach_h, p_h)):
        expected = p_shut[breach].sum()
        sd = np.sqrt((p_shut[breach] * (1 - p_shut[breach])).sum())
        assert abs(shut.sum() - expected) < 4 * sd, (int(shut.sum()), expected, sd)
    abated = pol_cn & (q.abatement < 1.0)
    assert (cost_h[abated] > cost_l[abated]).all()
    elsewhere = q.r != iCN
    assert np.array_equal(cost_h[elsewhere], cost_l[elsewhere])


def test_equal_treatment_draws_taiwanese_firms_to_the_mainland():
    """The 31 measures' firm items (procurement access, MIC2025 eligibility) against none.

    Could fail if: they do not raise Taiwanese firms' expected margin in CN, they change it in
    TW, or the location choice does not follow the margin (with the same draws, no firm leaves
    CN and at least one more picks it).
    """
    # the sign of the mechanism, at the prior location-logit values: at the fitted ones
    # (firms' move_cost 9.5, beta_profit 2.9; docs/VALIDATION.md) relocation is practically off
    m = make_model("scale=0.005", "behaviour.firms.review_rate=1.0", "calibration=none")
    off, on = copy.deepcopy(m), copy.deepcopy(m)
    lv0, q0, lab0 = opening(off, m31=0.0, equal_treatment=0.0)
    lv1, q1, lab1 = opening(on, m31=1.0, equal_treatment=1.0)
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
    """Outflow to CN with the same draws: mainland pay x 1.5, and a retention top-up of USD 20 k in TW.

    Could fail if: pay does not enter the professionals' choice with a positive weight, or
    Taiwan's retention terms do not enter the utility of working in TW.
    """
    base, richer, retained = copy.deepcopy(model), copy.deepcopy(model), copy.deepcopy(model)
    outflow = {}
    for name, mm, extra in (
        ("base", base, {}),
        ("richer", richer, {}),
        ("retained", retained, {"retention_total": 20.0}),
    ):
        lv, _, lab = opening(mm, **extra)
        if name == "richer":
            lab.prof_wage[:, mm.iCN] *= 1.5  # a higher mainland wage premium
        mm.professionals(lv, lab)
        outflow[name] = mm.out["outflow"][mm.iCN]
    assert outflow["richer"] > outflow["base"] > outflow["retained"]


def test_mic2025_subsidies_speed_up_capability_growth_of_eligible_firms_only(model):
    """One quarter of capability growth with the MIC2025 subsidy rate at 0.3 against 0.

    Could fail if: the subsidy does not raise the growth of every eligible firm (a MIC2025
    priority sector, a site in a CN pilot city, mainland origin or equal treatment), or it
    changes the growth of any other firm.
    """
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    grow = {}
    for name, mm, rate in (("off", off, 0.0), ("on", on, 0.3)):
        lv, q, lab = opening(mm, mic_rate=rate, mic_level=rate / 0.3)
        before = mm.firms.log_cap[q.ix].copy()
        mm.costs_and_profit(lv, q)
        mm.investment(lv, lab, q)
        grow[name] = mm.firms.log_cap[q.ix] - before
        elig = q.mic_elig > 0 if name == "on" else None
    assert elig.sum() > 0
    assert (grow["on"][elig] > grow["off"][elig]).all()
    assert np.array_equal(grow["on"][~elig], grow["off"][~elig])


def test_tariffs_cut_profit_of_plants_in_the_mainland_only(model):
    """The quarter's expected profit with a 25% tariff against none.

    Could fail if: the tariff leaves the profit of some plant in CN unchanged (every sector
    exports a share), or changes the profit of a plant elsewhere (it cuts the price CN plants
    get on the world market, not the market shares, so plants elsewhere keep their revenue).
    """
    free, tariff = copy.deepcopy(model), copy.deepcopy(model)
    _, q0, _ = opening(free, tariff=0.0)
    _, q1, _ = opening(tariff, tariff=0.25)
    in_cn = q0.r == model.iCN
    assert (q1.profit[in_cn] < q0.profit[in_cn]).all()
    assert np.array_equal(q1.profit[~in_cn], q0.profit[~in_cn])


def test_new_southbound_raises_taiwanese_margins_in_sea(model):
    """Expected margins in SEA with the New Southbound policy fully on against off.

    Could fail if: the access bonus and support do not raise every Taiwanese firm's margin in
    SEA, or they raise a mainland firm's margin there (more Taiwanese competition can only lower it).
    """
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    lv0, q0, _ = opening(off, nsp=0.0)
    lv1, q1, _ = opening(on, nsp=1.0)
    tw = np.flatnonzero(q0.o == TW_O)
    cn = np.flatnonzero(q0.o == CN_O)
    assert (on.margins(lv1, q1, tw)[:, model.iSEA] > off.margins(lv0, q0, tw)[:, model.iSEA]).all()
    # others gain nothing: their margins in SEA can only fall (more Taiwanese competition there)
    assert (on.margins(lv1, q1, cn)[:, model.iSEA] <= off.margins(lv0, q0, cn)[:, model.iSEA]).all()


def test_rd_hub_incentive_opens_more_foreign_rd_centres():
    """R&D-centre openings in one quarter with the hub's incentive at 3 log-odds against 0.

    Could fail if: the incentive does not raise the odds of opening, or a firm that is not
    foreign gets a centre.
    """
    m = make_model("scale=0.02", "behaviour.rd_centres.review_rate=1.0")
    off, on = copy.deepcopy(m), copy.deepcopy(m)
    for mm, hub in ((off, 0.0), (on, 3.0)):
        lv, _, lab = opening(mm, rd_hub=hub)
        mm.rd_centres(lv, lab)
    assert on.out["rd_centres"] > off.out["rd_centres"]
    assert (on.firms.rd_centre[on.firms.origin != FOREIGN_O] == 0).all()


def test_firms_exit_after_the_configured_run_of_losses(model):
    """Five firms make their ``loss_quarters``-th loss in a row; every other firm a profit.

    Could fail if: a firm exits before its run of losses or stays after it, or the exits are
    not counted at the firms' weight.
    """
    m = copy.deepcopy(model)
    lv, q, lab = opening(m)
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
    lv, q, lab = opening(m, **levels)
    before = m.firms.log_cap[q.ix].copy()
    m.costs_and_profit(lv, q)
    m.investment(lv, lab, q)
    return q, lab, m.firms.log_cap[q.ix] - before


def test_taiwanese_staff_carry_knowhow_into_mainland_firms(model):
    """Issue 9, point 1: a non-Taiwanese firm's capability growth rises with the Taiwanese it employs.

    Same state and draws, know-how premium off and on. Could fail if the Taiwanese share of the
    cells' staff were zero, if the lead were not positive, or if the gain reached Taiwanese firms
    or firms of an origin ahead of Taiwan's in the sector.
    """
    off, on = copy.deepcopy(model), copy.deepcopy(model)
    off.p.behaviour.capability.knowhow_premium = 0.0
    q, lab, g_off = _capability_growth(off)
    _, _, g_on = _capability_growth(on)
    share = lab.tw_share[q.s, q.r, q.o]
    lead = q.mean_log_cap[q.s, TW_O] - q.mean_log_cap[q.s, q.o]
    hires = (q.o != TW_O) & (share > 0) & (lead > 0)
    assert hires.sum() > 10 and (q.o[hires] == CN_O).any()
    assert (g_on[hires] > g_off[hires]).all()
    ahead = (q.o != TW_O) & (lead <= 0)
    assert np.array_equal(g_on[ahead], g_off[ahead])
    assert np.array_equal(g_on[q.o == TW_O], g_off[q.o == TW_O])  # their own know-how is in their capability
    # diminishing returns: the gain per unit of share falls as the share rises
    gain = on.knowhow(q, lab)
    cells = (gain > 0) & (lab.tw_share > 0)
    per_share = gain[cells] / lab.tw_share[cells]
    order = np.argsort(lab.tw_share[cells])
    assert per_share[order][0] >= per_share[order][-1]


def test_knowhow_flows_only_to_origins_behind_taiwan(model):
    """The lead is measured against the receiving firm's origin (eighth session; ODD 7.5 and 7.11).

    A foreign origin ahead of Taiwan's in a sector gains nothing from the Taiwanese it employs; one
    behind gains premium x its own gap x share / (share + half), and mainland firms theirs. Fails with
    the old form (lead = TW - CN for every receiving origin), which gave foreign firms the mainland's gap.
    """
    m = copy.deepcopy(model)
    m.p.behaviour.capability.knowhow_premium = 3.0
    _, q, lab = opening(m)
    m.capability_frontier(q)  # fills q.mean_log_cap
    mlc = q.mean_log_cap.copy()
    mlc[:, TW_O], mlc[:, CN_O] = 0.0, -0.5
    mlc[0, FOREIGN_O] = 0.3  # ahead of Taiwan's firms in sector 0
    mlc[1:, FOREIGN_O] = -0.2  # behind in the others
    q.mean_log_cap = mlc
    lab.tw_share = np.full((m.S, m.R, m.O), 0.2)
    gain = m.knowhow(q, lab)
    cb = m.p.behaviour.capability
    f = 0.2 / (0.2 + cb.knowhow_half)
    assert np.array_equal(gain[0, :, FOREIGN_O], np.zeros(m.R))
    np.testing.assert_allclose(gain[1:, :, FOREIGN_O], 3.0 * 0.2 * f)
    np.testing.assert_allclose(gain[:, :, CN_O], 3.0 * 0.5 * f)
    assert np.array_equal(gain[:, :, TW_O], np.zeros((m.S, m.R)))


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
    _, q, _ = opening(copy.deepcopy(model))
    no_change = model.spillover(q)
    assert np.allclose(no_change, 0.0)  # at the start, centres equal their 2010 count
    q.rd_centre = np.where(q.o == FOREIGN_O, 1.0, q.rd_centre)  # every foreign firm opens one
    more = model.spillover(q)
    tw_tw = more[:, model.iTW, TW_O]
    assert (tw_tw > 0).any()
    mask = np.ones_like(more, dtype=bool)
    mask[:, model.iTW, TW_O] = False
    assert np.array_equal(more[mask], np.zeros(mask.sum()))


def test_money_levers_enter_pay_priced_by_the_wage_weight(model):
    """Issue 9, point 4: a money lever moves utility by beta_wage x log(1 + money / pay), no free utils.

    Could fail if a lever were added as utility, or ignored the coverage or the wage weight.
    """
    _, _, lab = opening(copy.deepcopy(model))
    b = model.p.behaviour.professionals
    u0 = model.prof_utility(lab, 0.0, 0.0, 0.0)
    u1 = model.prof_utility(lab, 1.0, 10.0, 0.0)
    m31, ret = model.p.policy.measures31, model.p.policy.tw_retention
    pay = lab.prof_wage * lab.employment
    want_cn = b.beta_wage * np.log1p(m31.individual_usd_k / 4000.0 / pay[:, model.iCN])
    want_tw = b.beta_wage * np.log1p(ret.coverage * 10.0 / 4000.0 / pay[:, model.iTW])
    np.testing.assert_allclose((u1 - u0)[:, 0, model.iCN], want_cn, rtol=1e-9)
    np.testing.assert_allclose((u1 - u0)[:, 0, model.iTW], want_tw, rtol=1e-9)
    others = [r for r in range(model.R) if r not in (model.iCN, model.iTW)]
    assert np.array_equal(u1[:, :, others], u0[:, :, others])


def test_taiwan_response_rule_rises_above_the_pre_policy_outflow_and_comes_back_down(model):
    """The rule's threshold is a margin over the pre-policy outflow, and the top-up can fall again."""
    m = copy.deepcopy(model)
    tr = m.p.policy.tw_retention
    lv, _, lab = opening(m)
    sched = m.p.schedule
    m.outflow_rates, m.pre_policy_rate, m.retention_extra = [0.001] * 4, None, 0.0
    on = sched.retention_on.copy()
    object.__setattr__(sched, "retention_on", np.ones_like(on))
    supply = lab.supply_tw[:, m.iTW].sum()
    try:
        m.out["outflow"], m.out["return"] = np.zeros(m.R), np.zeros(m.R)
        m.out["outflow"][m.iCN] = 0.002 * supply  # twice the pre-policy rate: above the margin
        m.taiwan_response(lv, lab)
        assert m.pre_policy_rate == 0.001 and m.retention_extra == tr.response_step_usd_k
        m.out["outflow"][m.iCN] = 0.0005 * supply  # below: back down
        m.taiwan_response(lv, lab)
        assert m.retention_extra == 0.0
    finally:
        object.__setattr__(sched, "retention_on", on)


def test_regions_pull_grows_like_a_pay_rise_until_its_end_and_then_holds():
    """The pull beyond pay: beta_wage x log(1 + pull_growth) a year on the destination, to pull_growth_end.

    Could fail if the pull entered as free utility (not priced by the wage weight), acted on other
    regions, kept growing after its end, or started above zero (the 2010 steady state).
    """
    m = make_model(
        "regions.ROW.pull_growth=0.05",
        "regions.SEA.pull_growth=0.0",
        "regions.CN.pull_growth=0.0",
        "end=2021Q4",
        "behaviour.professionals.pull_growth_end=2014Q4",
    )
    pull = m.p.schedule.pull
    iROW = m.p.regions.index("ROW")
    years = np.minimum(np.arange(pull.shape[0]), 19) / 4.0  # 2010Q1 + 19 quarters = 2014Q4
    np.testing.assert_allclose(pull[:, iROW], years * np.log(1.05), rtol=1e-12)
    assert pull[0].max() == 0.0 and np.all(pull[:, [r for r in range(m.R) if r != iROW]] == 0.0)
    _, _, lab = opening(copy.deepcopy(m))
    b = m.p.behaviour.professionals
    u0 = m.prof_utility(lab, 0.0, 0.0, 0.0)
    m.t = 12
    u1 = m.prof_utility(lab, 0.0, 0.0, 0.0)
    np.testing.assert_allclose((u1 - u0)[:, 0, iROW], b.beta_wage * 3.0 * np.log(1.05), rtol=1e-9)
    others = [r for r in range(m.R) if r != iROW]
    assert np.array_equal(u1[:, :, others], u0[:, :, others])


def test_a_growing_pull_draws_taiwanese_to_the_region():
    """Same seed and draws: a 5%-a-year pull on ROW over 2010-2019 raises the Taiwanese there by 2019.

    Could fail if the pull did not reach the professionals' choice, or the reviews did not follow it.
    """
    from crossstrait_sim import run

    def row_2019(g: float) -> float:
        t = run(
            ["scenario=history", "end=2019Q4", "scale=0.003", "output.plot=false", f"regions.ROW.pull_growth={g}"]
        ).table
        x = t[(t.indicator == "talent_stock") & (t.region == "ROW") & (t.quarter == "2019Q4")]
        return float(x.value.sum())

    low, high = row_2019(0.0), row_2019(0.05)
    # 5% a year for 10 years is about +0.49 log pay: at the default wage weight well over +10% in ROW
    assert high > 1.1 * low, (low, high)
