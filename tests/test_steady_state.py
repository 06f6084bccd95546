"""The initial calibration (``model.steady_state``): what it solves and what it must not absorb."""

from __future__ import annotations

import numpy as np

from crossstrait_sim.model import kernels as K
from tests.conftest import make_model, opening


def _sector_margins(m) -> np.ndarray:
    _, q, _ = opening(m)
    wsz = q.w * q.size
    return K.group_sum(q.s, wsz * q.margin, m.S) / K.group_sum(q.s, wsz, m.S)


def test_sectors_start_at_the_target_margin_with_the_firms_own_capabilities():
    m = make_model()
    target = m.p.behaviour.firms.target_margin
    np.testing.assert_allclose(_sector_margins(m), target, atol=1e-6)
    assert m.calibration["sector_max_margin_gap"] < 1e-6


def test_site_productivity_does_not_absorb_the_capability_draws_of_a_cells_agents():
    """Sites are solved for the cell's expected firm (issue 9, point 9).

    The same seed draws the same sizes whatever ``capability_sigma`` is (sizes come first from the
    stream), so with and without capability dispersion the sites must agree; a site fitted to
    the sampled agents would differ by about their capability draws in the cells of 1-2 agents.
    """
    with_draws = make_model("population.capability_sigma=0.3")
    without = make_model("population.capability_sigma=0")
    a = with_draws.firms.alive
    assert np.ptp(with_draws.firms.log_cap[a] - without.firms.log_cap[a]) > 0.5  # the draws differ
    np.testing.assert_allclose(with_draws.site, without.site, atol=1e-6)


def test_the_firms_own_capabilities_survive_the_calibration():
    m = make_model("population.capability_sigma=0.3")
    f = m.firms
    a = f.alive
    dev = f.log_cap[a] - np.log(m.p.capability0[f.sector[a], f.origin[a]])
    assert 0.2 < dev.std() < 0.4
