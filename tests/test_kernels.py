"""Each kernel's direction and size on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest

from crossstrait_sim.model import kernels as K


def test_compliance_cost_scales_with_enforcement_and_unabated_pollution():
    pol, size = np.array([2.0, 2.0, 0.0]), np.ones(3)
    low = K.compliance_cost(pol, 0.25, np.array([0.4, 0.9, 0.0]), size, 0.03)
    high = K.compliance_cost(pol, 1.0, np.array([0.4, 0.9, 0.0]), size, 0.03)
    assert high[0] == pytest.approx(4 * low[0])  # linear in enforcement
    assert low[1] < low[0]  # more abatement, less cost
    assert high[2] == 0.0  # no pollution, no cost
    assert high[0] == pytest.approx(0.03 * 2.0 * 1.0 * 0.6)


def test_abatement_target_meets_the_standard_and_rises_with_enforcement():
    pol = np.array([2.0, 2.0, 0.1])
    enf = np.array([0.25, 1.0, 1.0])
    a = K.abatement_target(pol, enf, 0.03, 0.06, 0.3)
    assert a[1] > a[0]
    assert not K.non_compliant(pol, a, enf, 0.3).any()  # the target complies
    assert a[2] == pytest.approx(0.5)  # clean sector: the cost-minimising level E * rate / cost


def test_inspections_fine_only_breaches_and_shut_down_a_share():
    n = 10_000
    u = (np.arange(n) + 0.5) / n  # an exact grid of uniforms
    breach = np.ones(n, dtype=bool)
    fined, shut = K.inspections(u, u / 0.2, np.full(n, 0.2), breach, 0.25)
    assert fined.mean() == pytest.approx(0.2, abs=1e-3)
    assert shut.mean() == pytest.approx(0.05, abs=1e-3)
    fined2, shut2 = K.inspections(u, u / 0.2, np.full(n, 0.2), ~breach, 0.25)
    assert not fined2.any() and not shut2.any()


def test_market_shares_follow_capability_and_cost():
    z = K.competitiveness(np.log(np.array([1.0, 2.0, 1.0])), np.array([1.0, 1.0, 0.5]), 0.0, 1.5)
    att = np.exp(z)
    rev = K.market_revenue(np.array([100.0]), att, np.zeros(3, dtype=int), np.array([att.sum()]))
    assert rev.sum() == pytest.approx(100.0)
    assert rev[1] == pytest.approx(2 * rev[0])  # twice the capability, twice the share
    assert rev[2] == pytest.approx(0.5**-1.5 * rev[0])  # half the cost, 2^1.5 the share


def test_market_revenue_is_zero_for_empty_groups():
    rev = K.market_revenue(np.array([10.0, 5.0]), np.array([1.0]), np.array([1]), np.array([0.0, 0.0]))
    assert rev[0] == 0.0


def test_choose_draws_logit_probabilities_exactly_on_a_grid():
    prob = K.logit_probabilities(np.array([[0.0, np.log(3.0), -np.inf]]))
    assert prob[0] == pytest.approx([0.25, 0.75, 0.0])
    n = 4000
    u = (np.arange(n) + 0.5) / n
    k = K.choose(np.repeat(prob, n, axis=0), u)
    assert np.bincount(k, minlength=3) / n == pytest.approx([0.25, 0.75, 0.0])
    kg = K.choose_grouped(prob, np.zeros(n, dtype=int), u)
    assert np.array_equal(k, kg)


def test_capability_growth_rises_with_rd_and_falls_with_export_controls():
    x = np.array([0.05, 0.05 * 1.3, 0.05])
    cut = np.array([0.0, 0.0, 0.5])
    g = K.capability_growth(x, np.ones(3), np.zeros(3), 0.035, 0.5, 1.0, 0.01, cut)
    assert g[1] > g[0]  # a subsidy adds to R&D intensity
    assert g[1] / g[0] == pytest.approx(1.3**0.5)
    assert g[2] == pytest.approx(0.5 * g[0])
    gap = K.capability_growth(np.zeros(2), np.ones(2), np.array([0.0, 0.5]), 0.0, 0.5, 1.0, 0.01, np.zeros(2))
    assert gap[1] == pytest.approx(0.005) and gap[0] == 0.0


def test_wages_and_employment_respond_to_tightness():
    assert K.wage_level(np.array([1.0]), np.array([1.21]), 0.5)[0] == pytest.approx(1.1)
    p = K.employment_chance(np.array([50.0, 200.0, 10.0]), np.array([100.0, 100.0, 0.0]), np.array([1.0, 1.0, 1.0]))
    assert p[0] == pytest.approx(0.5) and p[1] == 1.0 and p[2] == 1.0
