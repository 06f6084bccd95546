"""Taiwan's talent levers in money (issue 9 point 3) and the policy money they and the others cost.

Each comparison runs the same seed with and without one lever (common random numbers), so a
difference is the lever's, not the draws'. Each test's docstring says what would make it fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossstrait_sim.evidence.policy_money import mic2025_check, pilot_range_usd_bn
from crossstrait_sim.model.programmes import TwProgrammes
from crossstrait_sim.model.results import INSTRUMENTS
from crossstrait_sim.simulation.run import simulate
from tests.conftest import make_params

SHORT = ("scale=0.005", "end=2022Q4", "output.plot=false")


def _table(*overrides: str):
    return simulate(make_params(*SHORT, *overrides))[0]


def _value(t, indicator: str, quarter: str, **labels) -> float:
    sel = t[(t.indicator == indicator) & (t.quarter == quarter)]
    for k, v in labels.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (indicator, quarter, labels, len(sel))
    return float(sel.value.iloc[0])


def _total(t, **labels) -> float:
    """Sum of an indicator's rows over every quarter (``labels`` select the indicator and its labels)."""
    sel = t
    for k, v in labels.items():
        sel = sel[sel[k] == v]
    return float(sel.value.sum())


@pytest.fixture(scope="module")
def runs():
    return {
        name: _table(f"scenario={name}")
        for name in ("narrative", "tw_attract_talent", "tw_cultivate_talent", "tw_combined")
    }


def test_policy_spend_is_paid_by_the_right_government_from_the_start(runs):
    """Fails if a Taiwanese lever costs nothing once on, costs something before its start or when
    off, or is booked to the mainland (and the reverse for MIC2025)."""
    narr, comb = runs["narrative"], runs["tw_combined"]
    for ins in INSTRUMENTS:
        payer, other = ("CN", "TW") if ins in ("mic2025", "measures31_individual") else ("TW", "CN")
        assert _value(comb, "policy_spend", "2022Q4", instrument=ins, region=other) == 0.0
        if ins.startswith("tw_") and ins != "tw_rd_credit":
            assert _value(comb, "policy_spend", "2022Q4", instrument=ins, region=payer) > 0.0, ins
            assert _value(narr, "policy_spend", "2022Q4", instrument=ins, region=payer) == 0.0, ins
            assert _value(comb, "policy_spend", "2015Q4", instrument=ins, region=payer) == 0.0, ins
    # subsidy_spend is policy_spend less the 31 measures' money equivalent, by payer
    t = comb[(comb.indicator == "policy_spend") & (comb.quarter == "2022Q4") & (comb.instrument != "all")]
    by_payer = t[t.instrument != "measures31_individual"].groupby("region").value.sum()
    for r in ("CN", "TW"):
        assert _value(comb, "subsidy_spend", "2022Q4", region=r) == pytest.approx(by_payer[r], rel=1e-12)


def test_cultivate_spends_its_budget_and_adds_supply_after_the_training_lag():
    """The programme's state alone: fails if trainees graduate before ``duration_quarters``, if the
    budget is not spent, or if graduates are not completion x additionality of the intake."""
    p = make_params()
    c = p.policy.tw_cultivate
    prog = TwProgrammes.start(p)
    intake = c.budget_usd_m / (c.cost_usd_k / 1000.0) / c.duration_quarters
    for _ in range(c.duration_quarters):
        prog.update(p, 0.0, 1.0, 40_000.0, 0.0)
        assert prog.extra_supply() == 0.0
        assert prog.spend_cultivate == pytest.approx(c.budget_usd_m / 4.0)
    for k in range(1, 4):
        prog.update(p, 0.0, 1.0, 40_000.0, 0.0)
        assert prog.trained == pytest.approx(k * intake * c.completion * c.additionality)


def test_cultivate_lowers_taiwans_skilled_pay(runs):
    """More skilled supply in Taiwan at the same demand: fails if the graduates never reach the
    labour market (Taiwan's pay would be equal) or raise pay."""
    q = "2022Q4"
    assert _value(runs["tw_cultivate_talent"], "wage", q, region="TW") < _value(
        runs["narrative"], "wage", q, region="TW"
    )


def test_attract_brings_taiwanese_back_and_adds_foreign_professionals(runs):
    """Fails if the supplement does not reach returnees' choices (returns from the mainland and
    Taiwanese in Taiwan would not rise) or if foreign professionals do not add to supply (the
    stock's pay effect: Taiwan's pay would not fall)."""
    a, n = runs["tw_attract_talent"], runs["narrative"]
    # returns from the mainland summed over every quarter (identical before the start, common random
    # numbers): a flow of two quarters is a few agents at this scale, within seed noise either way
    sel = {"indicator": "talent_return", "region": "CN"}
    returns = _total(a, **sel) - _total(n, **sel)
    assert returns > 0
    assert _value(a, "talent_stock", "2022Q4", region="TW") > _value(n, "talent_stock", "2022Q4", region="TW")
    # the pay effect (about -0.15% by 2022) is smaller than what firm dynamics move Taiwan's pay at scale 0.005
    # in one seed (seed 0 there: +0.4% since the entry floor became a number of real firms), so it is held at
    # the default scale, where seeds 0-3 all give -60 to -70 USD a year
    wa, wn = (
        _value(
            simulate(make_params(f"scenario={s}", "end=2022Q4", "output.plot=false"))[0], "wage", "2022Q4", region="TW"
        )
        for s in ("tw_attract_talent", "narrative")
    )
    assert wa < wn


def test_mic2025_money_matches_the_pilot_projects():
    """The subsidy rate's evidence (327 projects x RMB 30-50 m, 2015-2017): fails if a change to
    eligibility, pilot cities or R&D moves the model's MIC2025 money out of that range."""
    tables = [simulate(make_params("scenario=narrative", "end=2018Q4", f"seed={s}"))[0] for s in (0, 1)]
    check = mic2025_check(pd.concat(tables, ignore_index=True))
    lo, hi = pilot_range_usd_bn()
    assert 1.4 < lo < hi < 2.6
    assert check.within, check.line()
    assert np.isfinite(check.model_usd_bn)
