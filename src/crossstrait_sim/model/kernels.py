"""Pure, vectorized functions of arrays and scalars: the model's mechanisms.

Each kernel states one rule of MODEL_BRIEF "Suggested forms" for a whole
population at once. They have no state and draw no random numbers: uniforms
are passed in, so the Mesa engine and the tests can call them per agent.
"""

from __future__ import annotations

import numpy as np

from crossstrait_sim.model import fast


def group_sum(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum ``values`` by integer group ``index`` into an array of length ``n`` (in index order)."""
    index = np.asarray(index)
    if index.dtype.kind in "iu" and fast.use(index.size, small=True):
        return fast.group_sum(index, np.asarray(values, dtype=np.float64), n)
    return np.bincount(index, weights=values, minlength=n)[:n]


def group_sums(index: np.ndarray, values: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """:func:`group_sum` of each array in ``values`` by the same ``index``: shape (len(values), n)."""
    index = np.asarray(index)
    if index.dtype.kind in "iu" and fast.use(index.size, small=True):
        return fast.group_sums(index, tuple(np.ascontiguousarray(v, dtype=np.float64) for v in values), n)
    return np.stack([np.bincount(index, weights=v, minlength=n)[:n] for v in values])


def competitiveness(log_cap: np.ndarray, unit_cost: np.ndarray, access: np.ndarray, eta: float) -> np.ndarray:
    """Z = log(capability) - eta * log(unit cost) + access (MODEL_BRIEF, market share)."""
    return log_cap - eta * np.log(unit_cost) + access


def unit_cost(
    material: np.ndarray,
    fixed: np.ndarray,
    wage_bill: np.ndarray,
    compliance: np.ndarray,
) -> np.ndarray:
    """Cost per unit capacity: materials, fixed costs, skilled wages and compliance."""
    return material + fixed + wage_bill + compliance


def market_revenue(
    demand: np.ndarray,
    attraction: np.ndarray,
    group: np.ndarray,
    denom: np.ndarray,
) -> np.ndarray:
    """Revenue per real firm: demand of its group x its attraction / the group's total attraction.

    ``attraction`` is size x eligibility x exp(z / sigma) of one real firm;
    ``denom`` is the group total over all real firms. Empty groups earn nothing.
    """
    d = denom[group]
    safe = np.where(d > 0, d, 1.0)
    return np.where(d > 0, demand[group] * attraction / safe, 0.0)


def compliance_cost(
    pollution: np.ndarray, enforcement: np.ndarray, abatement: np.ndarray, size: np.ndarray, rate: float
) -> np.ndarray:
    """Compliance cost = rate x pollution x enforcement x (1 - abatement) x size (MODEL_BRIEF)."""
    return rate * pollution * enforcement * (1.0 - abatement) * size


def abatement_cost(pollution: np.ndarray, abatement: np.ndarray, size: np.ndarray, cost: float) -> np.ndarray:
    """Quarterly cost of holding an abatement level: cost x pollution x a^2 / 2 x size."""
    return cost * pollution * abatement**2 / 2.0 * size


def non_compliant(pollution: np.ndarray, abatement: np.ndarray, enforcement: np.ndarray, limit: float) -> np.ndarray:
    """A plant breaks the standard when pollution x (1 - abatement) x enforcement > limit."""
    return pollution * (1.0 - abatement) * enforcement > limit


def abatement_target(
    pollution: np.ndarray, enforcement: np.ndarray, compliance_rate: float, cost: float, limit: float
) -> np.ndarray:
    """Abatement a firm aims at: the cost-minimising level, raised to what the standard requires.

    Minimising rate x P x E x (1 - a) + cost x P x a^2 / 2 gives a* = E x rate / cost;
    the standard needs a >= 1 - limit / (P x E) (with a small safety margin of 5%).
    """
    a_star = enforcement * compliance_rate / cost
    pe = pollution * enforcement
    required = np.where(pe > 0, 1.0 - 0.95 * limit / np.where(pe > 0, pe, 1.0), 0.0)
    return np.clip(np.maximum(a_star, required), 0.0, 1.0)


def inspections(
    u_inspect: np.ndarray,
    u_shutdown: np.ndarray,
    inspect_prob: np.ndarray,
    breach: np.ndarray,
    shutdown_prob: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Random inspections: return (fined, shut down) masks.

    A plant is inspected with probability ``inspect_prob`` (iota x enforcement);
    an inspected plant in breach is fined, and ordered to stop with ``shutdown_prob``.
    """
    fined = (u_inspect < inspect_prob) & breach
    shut = fined & (u_shutdown < shutdown_prob)
    return fined, shut


def limit_orders(
    u_shutdown: np.ndarray, fined: np.ndarray, shut: np.ndarray, shutdown_prob: float, limit_prob: float
) -> np.ndarray:
    """Production-limit orders: a fined plant not ordered to stop is ordered to limit output with ``limit_prob``.

    ``u_shutdown`` is the shutdown draw of :func:`inspections`; given no shutdown it is uniform on
    [shutdown_prob, 1), and its position there is uniform again: the limit draw.
    """
    rest = 1.0 - shutdown_prob
    w = (u_shutdown - shutdown_prob) / (rest if rest > 0 else 1.0)
    return fined & ~shut & (w < limit_prob)


def capability_growth(
    rd_intensity: np.ndarray,
    fill: np.ndarray,
    gap: np.ndarray,
    theta: float,
    alpha: float,
    talent_weight: float,
    catch_up: float,
    cut: np.ndarray,
    spill: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Growth of log capability in a quarter.

    theta x (R&D / size)^alpha x skill^talent_weight + catch_up x (frontier - log cap) + spill,
    the whole scaled by (1 - cut) for firms under export controls. ``skill`` is the talent fill
    times the know-how gain of the Taiwanese staff; ``spill`` the R&D-centre spillover.
    """
    own = theta * np.power(np.maximum(rd_intensity, 0.0), alpha) * np.power(fill, talent_weight)
    return (own + catch_up * np.maximum(gap, 0.0) + spill) * (1.0 - cut)


def logit_probabilities(utility: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities along the last axis (-inf = not available)."""
    m = np.max(utility, axis=-1, keepdims=True)
    e = np.exp(utility - m)
    return e / e.sum(axis=-1, keepdims=True)


def choose(prob: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw: the first alternative whose cumulative probability exceeds ``u``.

    With ``u`` uniform on [0, 1) this is an exact draw from ``prob`` (equivalent in
    law to the argmax of utility plus Gumbel noise, i.e. a multinomial logit).
    """
    cdf = np.cumsum(prob, axis=-1)
    k = (u[..., None] >= cdf).sum(axis=-1)
    return np.minimum(k, prob.shape[-1] - 1)


def choose_grouped(prob: np.ndarray, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Like :func:`choose` when every agent of a group faces the same probabilities.

    ``prob`` is (G, A) by group; ``group`` (n,) holds each agent's row. The loop runs over
    the A alternatives (a handful), never over agents.
    """
    cdf = np.cumsum(prob, axis=-1)
    k = np.zeros(len(group), dtype=np.intp)
    for a in range(prob.shape[-1] - 1):
        k += u >= cdf[group, a]
    return k


def logistic(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def wage_level(base: np.ndarray, tightness_rel: np.ndarray, elasticity: float) -> np.ndarray:
    """Skilled wage rises with labour demand / supply relative to the start: base x tight^elasticity."""
    return base * np.power(np.maximum(tightness_rel, 1e-9), elasticity)


def employment_chance(demand: np.ndarray, supply: np.ndarray, scale: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Harris-Todaro employment chance of a Taiwanese professional: min(1, scale x demand / supply)."""
    p = np.where(supply > 0, scale * demand / np.where(supply > 0, supply, 1.0), np.where(demand > 0, 1.0, 0.0))
    return np.clip(p, floor, 1.0)
