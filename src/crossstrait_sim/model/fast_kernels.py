"""The compiled kernels (numba) behind :mod:`crossstrait_sim.model.fast`; imported on first use.

Only exact operations run here (+, -, *, /, comparisons, integer hashing), each in the order the
numpy expression it replaces evaluates it, so the results are the numpy path's to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_JIT = {"cache": True, "nogil": True}

_M1, _M2, _GOLD = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)
_INV53 = 1.0 / 9007199254740992.0


@njit(**_JIT)
def group_sum(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """``np.bincount(index, weights=values, minlength=n)[:n]``: the same sums in the same (agent) order."""
    out = np.zeros(n)
    for i in range(index.size):
        g = index[i]
        if g < 0:
            raise ValueError("group_sum: negative group index")
        if g < n:
            out[g] += values[i]
    return out


@njit(**_JIT)
def group_count(index: np.ndarray, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """``np.bincount(index, minlength=n)[:n]``."""
    out = np.zeros(n, dtype=np.int64)
    for i in range(index.size):
        g = index[i]
        if g < 0:
            raise ValueError("group_count: negative group index")
        if g < n:
            out[g] += 1
    return out


@njit(**_JIT)
def _mix(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(**_JIT)
def _keyed(key: np.uint64, kt: np.uint64, uid: np.uint64) -> float:  # pragma: no cover - compiled
    """One keyed uniform: ``kt`` is ``_mix((t + 1) * _M2 + key)``."""
    z = _mix(uid * _GOLD + key) ^ kt
    z = _mix(z + _GOLD)
    return np.float64(z >> _S11) * _INV53


@njit(**_JIT)
def keyed_uniforms(key: np.uint64, ids: np.ndarray, t1: np.uint64) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`crossstrait_sim.model.streams.keyed_uniforms` with ``t1 = t + 1``: the same hash, per id."""
    out = np.empty(ids.size)
    kt = _mix(t1 * _M2 + key)
    for i in range(ids.size):
        out[i] = _keyed(key, kt, np.uint64(ids[i]))
    return out


@njit(**_JIT)
def group_sums(index: np.ndarray, values: tuple, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`group_sum` of each array in ``values`` (one pass over ``index``): shape (len(values), n)."""
    k = len(values)
    out = np.zeros((k, n))
    for i in range(index.size):
        g = index[i]
        if g < 0:
            raise ValueError("group_sums: negative group index")
        if g < n:
            for c in range(k):
                out[c, g] += values[c][i]
    return out


@njit(**_JIT)
def inspections_and_profit(
    uid: np.ndarray,
    keys: np.ndarray,
    t1: np.uint64,
    s: np.ndarray,
    r: np.ndarray,
    w: np.ndarray,
    size: np.ndarray,
    abat: np.ndarray,
    revenue: np.ndarray,
    profit: np.ndarray,
    k1: np.ndarray,
    exp_fine: np.ndarray,
    area_new: np.ndarray,
    limit_left: np.ndarray,
    pollution: np.ndarray,
    enf: np.ndarray,
    k: np.ndarray,
    limit_quarters: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``VectorizedModel.costs_and_profit`` per firm (before the R&D-hub subsidy), with its two keyed draws.

    ``keys``: the inspection and demand-shock stream keys; ``k``: emission limit, inspection rate,
    shutdown probability, limit probability, fine rate, shock scale (2 sqrt(3) sigma). Returns the
    profit, the production-limit quarters left, the shutdown mask, and rows inspected, fined, limit
    orders (real plants) and fines (USD m).
    """
    n = uid.size
    limit, rate, p_shut, p_limit, fine_rate, scale = k[0], k[1], k[2], k[3], k[4], k[5]
    kt_i, kt_s = _mix(t1 * _M2 + keys[0]), _mix(t1 * _M2 + keys[1])
    rest = 1.0 - p_shut
    rest = rest if rest > 0 else 1.0
    new_profit = np.empty(n)
    left = np.empty(n, dtype=limit_left.dtype)
    shut_out = np.empty(n, dtype=np.bool_)
    rows = np.empty((4, n))
    for i in range(n):
        e = enf[r[i]]
        u = _keyed(keys[0], kt_i, uid[i])
        breach = pollution[s[i]] * (1.0 - abat[i]) * e > limit
        x = rate * e
        p_insp = 1.0 if x > 1.0 else x
        u_shut = u / (p_insp if p_insp > 0 else 1.0)
        inspected = u < p_insp
        fined = inspected and breach
        shut = fined and u_shut < p_shut
        order = fined and not shut and (u_shut - p_shut) / rest < p_limit
        if order:
            left[i] = limit_quarters
        else:
            left[i] = max(limit_left[i] - 1, 0)
        fines = fine_rate * size[i] * (1.0 if fined else 0.0)
        rows[0, i] = (1.0 if inspected else 0.0) * w[i]
        rows[1, i] = (1.0 if fined else 0.0) * w[i]
        rows[2, i] = (1.0 if order else 0.0) * w[i] + area_new[i]
        rows[3, i] = fines * w[i]
        shock = scale * (_keyed(keys[1], kt_s, uid[i]) - 0.5)
        new_profit[i] = profit[i] + shock * revenue[i] * k1[i] + exp_fine[i] - fines
        shut_out[i] = shut
    return new_profit, left, shut_out, rows


@njit(**_JIT)
def prof_events(
    hit: np.ndarray, u: np.ndarray, stage: np.ndarray, h: np.float32, retire: np.float32, promote: np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Split the professionals with an event this quarter (slots ``hit``, alive with ``u < h + rate``).

    Returns the slots that review where to work (``u < h``), retire (seniors with
    ``h <= u < h + retire``) and are promoted (others with ``h <= u < h + promote``), each in slot order.
    """
    n = hit.size
    review = np.empty(n, dtype=np.int64)
    gone = np.empty(n, dtype=np.int64)
    up = np.empty(n, dtype=np.int64)
    a = b = c = 0
    for m in range(n):
        i = hit[m]
        x = u[i]
        if x < h:
            review[a] = i
            a += 1
            continue
        d = x - h
        if stage[i] == 2:
            if d < retire:
                gone[b] = i
                b += 1
        elif d < promote:
            up[c] = i
            c += 1
    return review[:a], gone[:b], up[:c]


@njit(**_JIT)
def prof_events_all(
    alive: np.ndarray,
    u: np.ndarray,
    hit_below: np.float32,
    stage: np.ndarray,
    h: np.float32,
    retire: np.float32,
    promote: np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`prof_events` over every slot: the hits are the alive slots with ``u < hit_below``."""
    n = 0
    for i in range(u.size):
        if u[i] < hit_below and alive[i]:
            n += 1
    hit = np.empty(n, dtype=np.int64)
    j = 0
    for i in range(u.size):
        if u[i] < hit_below and alive[i]:
            hit[j] = i
            j += 1
    return prof_events(hit, u, stage, h, retire, promote)


@njit(**_JIT)
def _site(
    tab: np.ndarray, j: int, auto: float, abat: float, pilot: float, saving: float, mic_rate: float
) -> tuple[float, float, float, float, float, float, float]:  # pragma: no cover - compiled
    """A firm's site economics in cell ``j`` (``tab`` rows as ``COST_ROWS``), as ``VectorizedModel.evaluate``.

    ``pilot``: 1 or 0 at the firm's own site, the cell's pilot share elsewhere. Returns unit cost,
    keep, cost_cap, compl_cap, exp_fine_cap, sub_rate, mic_elig.
    """
    unabated = 1.0 - abat
    fixed = tab[0, j] * (1.0 - saving * auto)
    compl_cap = tab[1, j] * unabated + tab[2, j] * (abat * abat)
    uc = ((tab[3, j] + fixed) + 0.0) + compl_cap
    mic = tab[4, j] * pilot
    sub_rate = mic_rate * mic + tab[5, j]
    exp_fine = tab[6, j] * (1.0 if unabated > tab[7, j] else 0.0)
    keep = tab[9, j] + tab[10, j] * sub_rate
    cost_cap = ((fixed + tab[11, j]) + compl_cap) + exp_fine
    return uc, keep, cost_cap, compl_cap, exp_fine, sub_rate, mic


@njit(**_JIT)
def cell_costs(
    c: np.ndarray,
    auto: np.ndarray,
    abat: np.ndarray,
    log_cap: np.ndarray,
    pilot: np.ndarray,
    tab: np.ndarray,
    saving: float,
    mic_rate: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Per firm at its current site: everything in ``VectorizedModel.evaluate`` before the log and exp.

    ``tab`` stacks the market's cell tables as rows (see ``COST_ROWS``). Returns ``uc`` (unit cost,
    for the log), and ``out`` of shape (10, n): capability + site shift, keep, cost_cap, compl_cap,
    exp_fine_cap, sub_rate, mic_elig, elig, price, nsp_rate.
    """
    n = c.size
    uc = np.empty(n)
    out = np.empty((10, n))
    for i in range(n):
        j = c[i]
        uc[i], keep, cost_cap, compl_cap, exp_fine, sub_rate, mic = _site(
            tab, j, auto[i], abat[i], 1.0 if pilot[i] else 0.0, saving, mic_rate
        )
        out[0, i] = log_cap[i] + tab[8, j]
        out[1, i] = keep
        out[2, i] = cost_cap
        out[3, i] = compl_cap
        out[4, i] = exp_fine
        out[5, i] = sub_rate
        out[6, i] = mic
        out[7, i] = tab[12, j]
        out[8, i] = tab[13, j]
        out[9, i] = tab[14, j]
    return uc, out


@njit(**_JIT)
def site_costs(
    k: np.ndarray,
    s: np.ndarray,
    r: np.ndarray,
    o: np.ndarray,
    auto: np.ndarray,
    abat: np.ndarray,
    log_cap: np.ndarray,
    size: np.ndarray,
    cap: np.ndarray,
    pilot: np.ndarray,
    tab: np.ndarray,
    pilot_share: np.ndarray,
    saving: float,
    mic_rate: float,
    n_r: int,
    n_o: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """``VectorizedModel.evaluate`` of alive-firm rows ``k`` in every region, before the log and exp.

    As :func:`cell_costs`, with a site other than the firm's own at no production limit and in a
    pilot city with the cell's ``pilot_share``. Returns (7, R, m): unit cost, capability + site shift,
    capacity x output cap, keep, cost_cap, price, elig.
    """
    m = k.size
    out = np.empty((7, n_r, m))
    for a in range(n_r):
        for i in range(m):
            j = k[i]
            c = (s[j] * n_r + a) * n_o + o[j]
            here = a == r[j]
            pil = (1.0 if pilot[j] else 0.0) if here else pilot_share[c]
            uc, keep, cost_cap, _, _, _, _ = _site(tab, c, auto[j], abat[j], pil, saving, mic_rate)
            out[0, a, i] = uc
            out[1, a, i] = log_cap[j] + tab[8, c]
            out[2, a, i] = size[j] * (cap[j] if here else 1.0)
            out[3, a, i] = keep
            out[4, a, i] = cost_cap
            out[5, a, i] = tab[13, c]
            out[6, a, i] = tab[12, c]
    return out


@njit(**_JIT)
def site_utility(
    k: np.ndarray,
    s: np.ndarray,
    r: np.ndarray,
    o: np.ndarray,
    size: np.ndarray,
    econ: np.ndarray,
    att: np.ndarray,
    per_world: np.ndarray,
    per_proc: np.ndarray,
    asc: np.ndarray,
    move: np.ndarray,
    beta: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """Location utilities (m, R) of rows ``k``: beta x expected margin + the origin's constant - moving cost.

    ``econ`` as :func:`site_costs` returns it, ``att`` the attraction (R, m) computed from it.
    """
    n_r, m = att.shape
    util = np.empty((m, n_r))
    for i in range(m):
        j = k[i]
        sj = s[j]
        for a in range(n_r):
            rev = att[a, i] * (per_world[sj] * econ[5, a, i] + per_proc[sj] * econ[6, a, i])
            margin = (rev * econ[3, a, i]) / size[j] - econ[4, a, i]
            util[i, a] = beta * margin + asc[o[j], a] - move[i, a] * (0.0 if a == r[j] else 1.0)
    return util


COST_ROWS = (
    "fixed",
    "compl",
    "abate",
    "var_wage",
    "mic",
    "credit",
    "fine",
    "breach_at",
    "shift",
    "keep0",
    "rd",
    "wage",
    "elig",
    "price",
    "nsp",
)
"""The rows of ``tab`` in :func:`cell_costs`: Market fields, in this order."""


@njit(**_JIT)
def capability_and_costs(
    c: np.ndarray,
    s: np.ndarray,
    log_cap: np.ndarray,
    abat: np.ndarray,
    auto: np.ndarray,
    mic_elig: np.ndarray,
    size: np.ndarray,
    profit: np.ndarray,
    px: np.ndarray,
    tab: np.ndarray,
    frontier: np.ndarray,
    k: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``VectorizedModel.investment`` between its power and exp calls: new capability, abatement, automation.

    ``px`` is (R&D x (1 + subsidy) / size)^alpha; ``tab`` rows by cell: fill^talent_weight, cut, abatement
    target, fixed-cost pressure, spillover; ``k`` the scalars theta, catch_up, adjust_speed, automation
    boost x MIC level, automation rate, automation cost, size_adjust, target_margin, size_adjust_max.
    Returns log capability, abatement, automation and dlog (the capacity change before its exp);
    ``profit`` is updated in place (automation cost).
    """
    n = c.size
    lc_new, ab_new, au_new, dlog = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    theta, catch_up, speed, boost_k, rate, cost, adj, target, adj_max = (
        k[0],
        k[1],
        k[2],
        k[3],
        k[4],
        k[5],
        k[6],
        k[7],
        k[8],
    )
    for i in range(n):
        j = c[i]
        gap = frontier[s[i]] - log_cap[i]
        own = theta * px[i] * tab[0, j]
        lc_new[i] = log_cap[i] + ((own + catch_up * max(gap, 0.0)) + tab[4, j]) * (1.0 - tab[1, j])
        ab_new[i] = abat[i] + speed * (tab[2, j] - abat[i])
        boost = 1.0 + boost_k * mic_elig[i]
        d_auto = min(1.0, rate * tab[3, j] * boost) * (1.0 - auto[i])
        au_new[i] = auto[i] + d_auto
        p = profit[i] - cost * d_auto * size[i]
        profit[i] = p
        dlog[i] = min(max(adj * (p / size[i] - target), -adj_max), adj_max)
    return lc_new, ab_new, au_new, dlog


@njit(**_JIT)
def migrate(
    k: np.ndarray,
    u: np.ndarray,
    h: np.float32,
    sector: np.ndarray,
    region: np.ndarray,
    cdf: np.ndarray,
    n_r: int,
    home: int,
    count: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The professionals' reviews: each slot in ``k`` picks a region with the uniform ``u / h``.

    ``cdf`` (sector x from, to) holds the cumulative choice probabilities. Moves them in ``region``,
    updates ``count`` (sector, region) in place, and returns the old and new regions and the moves
    out of ``home`` by destination and back to it by origin (agents).
    """
    n_alt = cdf.shape[1]
    r_old = np.empty(k.size, dtype=np.intp)
    r_new = np.empty(k.size, dtype=np.intp)
    out = np.zeros(n_r, dtype=np.int64)
    back = np.zeros(n_r, dtype=np.int64)
    for i in range(k.size):
        j = k[i]
        s, ro = np.intp(sector[j]), np.intp(region[j])
        g = s * n_r + ro
        x = np.float64(u[j] / h)
        rn = 0
        for a in range(n_alt - 1):
            if x >= cdf[g, a]:
                rn += 1
        region[j] = rn
        r_old[i], r_new[i] = ro, rn
        count[s, ro] -= 1
        count[s, rn] += 1
        if ro == home and rn != home:
            out[rn] += 1
        elif ro != home and rn == home:
            back[ro] += 1
    return r_old, r_new, out, back


@njit(**_JIT)
def alive_rows(alive: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``np.flatnonzero(alive)``."""
    n = 0
    for i in range(alive.size):
        n += alive[i]
    ix = np.empty(n, dtype=np.intp)
    j = 0
    for i in range(alive.size):
        if alive[i]:
            ix[j] = i
            j += 1
    return ix


@njit(**_JIT)
def gather_cells(
    ix: np.ndarray, sector: np.ndarray, region: np.ndarray, origin: np.ndarray, n_r: int, n_o: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Sector, region, origin (as intp) of slots ``ix`` and their cell (sector x R + region) x O + origin."""
    n = ix.size
    s, r, o, c = np.empty(n, np.intp), np.empty(n, np.intp), np.empty(n, np.intp), np.empty(n, np.intp)
    for i in range(n):
        j = ix[i]
        s[i], r[i], o[i] = sector[j], region[j], origin[j]
        c[i] = (s[i] * n_r + r[i]) * n_o + o[i]
    return s, r, o, c


@njit(**_JIT)
def market_outcomes(
    s: np.ndarray,
    r: np.ndarray,
    w: np.ndarray,
    size: np.ndarray,
    cap: np.ndarray,
    abat: np.ndarray,
    econ: np.ndarray,
    att: np.ndarray,
    per_world: np.ndarray,
    per_proc: np.ndarray,
    rd_int: np.ndarray,
    pollution: np.ndarray,
    k: np.ndarray,
    home: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """``VectorizedModel.market`` after the demand split, per firm.

    ``econ`` rows as :func:`cell_costs` returns them (keep 1, cost_cap 2, compl_cap 3, exp_fine_cap 4,
    mic_elig 6, elig 7, price 8) plus nsp_rate as row 9; ``k`` the MIC2025 rate and Taiwan's R&D credit.
    Returns rows: revenue, profit, margin, R&D, expected fines, compliance cost, New Southbound support,
    MIC2025 spend, TW R&D credit spend, emissions (the spending rows in real firms, x weight); ``cap`` is
    the share of capacity a plant may sell under a production limit.
    """
    n = s.size
    out = np.empty((10, n))
    mic_rate, credit = k[0], k[1]
    for i in range(n):
        j = s[i]
        rev = att[i] * (per_world[j] * econ[8, i] + per_proc[j] * econ[7, i])
        profit = rev * econ[1, i] - size[i] * econ[2, i]
        rd = rd_int[j] * rev
        out[0, i] = rev
        out[1, i] = profit
        out[2, i] = profit / size[i]
        out[3, i] = rd
        out[4, i] = econ[4, i] * size[i]
        out[5, i] = econ[3, i] * size[i] * w[i]
        out[6, i] = econ[9, i] * rev * w[i]
        out[7, i] = rd * mic_rate * econ[6, i] * w[i]
        out[8, i] = rd * credit * (1.0 if r[i] == home else 0.0) * w[i]
        out[9, i] = pollution[j] * (1.0 - abat[i]) * (size[i] * cap[i]) * w[i]
    return out
