"""Initial-state calibration: make the first quarter a steady state of the model.

Nothing here is fitted to data after the start: these are the standard
base-year calibrations of an equilibrium model, solved from the initial
population and the rules themselves (docs/ODD.md, Initialization):

1. Site productivity per (sector, region, origin) equalises the margins of the
   cells within each sector (it stands for everything that made the 2010
   industry map an equilibrium: supply chains, infrastructure, networks). It is
   solved for the cell's expected firm, each firm at its (sector, origin)
   capability level, not for the cell's sampled agents: at small scales a cell
   holds 1-2 agents, and a site fitted to their capability draws would cancel
   them and pass that cancellation on to every entrant and mover (issue 9,
   point 9; the scale study measured the bias it caused).
2. Capacity is scaled so that each sector earns the target margin (the rest
   point of the capacity rule), first with the expected capabilities while the
   sites are solved, then again, sites fixed, with the firms' own capabilities.
3. Firms' location constants by origin make the 2010 location shares
   stationary under the location logit (alternative-specific constants
   calibrated to base-year shares).
4. The labour market is anchored: local skilled supply, Taiwanese hiring scale,
   tightness and fill rates at their 2010 values.
5. Professionals' amenities by region (Taiwan = 0) make the 2010 distribution
   of Taiwanese professionals stationary under their choice rule and demography.
"""

from __future__ import annotations

import numpy as np

from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.tables import CellTables, Labour, Quarter


def calibrate_start(m: CellTables) -> None:
    """Run every initial calibration on a freshly initialised model, in order."""
    p = m.p
    S, R, O = m.S, m.R, m.O
    m.site = np.zeros((S, R, O))
    m.firm_asc = np.zeros((O, R))
    m.amenity = np.zeros(R)
    m.local_supply0 = np.zeros((S, R))
    m.hire_scale = np.ones((S, R))
    m.open_tw = np.zeros((S, R))
    m.tight0 = np.ones((S, R))
    m.fill0 = np.ones((S, R))
    m.supply_tw0 = m.talent.copy()
    lv = m.policy_levels()
    base = p.base_wage[None, :] * p.wage_mult[:, None] * p.schedule.wage_factor[0][None, :]
    lab0 = Labour(
        wage=base,
        prof_wage=m.prof_wage(base, 0),
        employment=np.full((S, R), p.behaviour.professionals.employment_rate0),
        fill=np.ones((S, R)),
        supply_tw=m.talent,
    )
    q = _sites_and_capacity(m, lv, lab0)
    _firm_location_constants(m, lv, q)
    _spread_loss_streaks(m, q)
    _labour_market(m)
    _amenities(m, lab0)
    f = m.firms
    a = f.alive
    key = f.sector[a].astype(np.intp) * O + f.origin[a]
    cnt = K.group_sum(key, f.weight[a], S * O)
    tot = K.group_sum(key, f.weight[a] * f.size[a], S * O)
    # mean capacity of one real firm by (sector, origin); an entrant's expected capacity is entrant_size_ratio of it
    per_firm = (tot / np.maximum(cnt, 1e-300)).reshape(S, O)
    cnt = cnt.reshape(S, O)
    # a (sector, origin) without firms at the start (possible at tiny scales) uses the sector's
    # mean over origins, or the overall mean if the sector has no firm at all
    sector_mean = tot.reshape(S, O).sum(axis=1) / np.maximum(cnt.sum(axis=1), 1e-300)
    overall = tot.sum() / cnt.sum()
    fallback = np.where(cnt.sum(axis=1) > 0, sector_mean, overall)[:, None]
    m.entrant_size = np.where(cnt > 0, per_firm, fallback) * p.behaviour.firms.entrant_size_ratio


def _sites_and_capacity(m: CellTables, lv: dict, lab: Labour) -> Quarter:
    """Steps 1 and 2: site productivity equalises the expected firm's margins; capacity sets sector margins.

    The sites are solved with every firm's log capability at its (sector, origin) level (the
    level ``_init_firms`` draws around), so a site does not absorb the capability draws of the
    few agents a small-scale cell holds. Then the firms' own capabilities are restored and the
    sectors' capacity alone is rescaled, sites fixed, so each sector earns the target margin.
    """
    p, f = m.p, m.firms
    a = np.flatnonzero(f.alive)
    own = f.log_cap[a].copy()
    f.log_cap[a] = np.log(p.capability0[f.sector[a], f.origin[a]])
    it_site, gap_cell, _ = _solve(m, lv, lab, sites=True)
    f.log_cap[a] = own
    it_cap, _, gap_sec = _solve(m, lv, lab, sites=False)
    m.calibration = {
        "site_iterations": it_site,
        "site_max_margin_gap": gap_cell,
        "capacity_iterations": it_cap,
        "sector_max_margin_gap": gap_sec,
    }
    return m.market(lv, lab, m.alive_firms())


def _solve(
    m: CellTables, lv: dict, lab: Labour, sites: bool, iters: int = 300, tol: float = 1e-7
) -> tuple[int, float, float]:
    """Iterate sites (if ``sites``) and sector capacity to equal cell margins and the target margin.

    Returns the iterations used and the largest cell and sector margin gaps left (the cell gap
    is the one solved for only when ``sites``).
    """
    p, f = m.p, m.firms
    S, R, O = m.S, m.R, m.O
    target = p.behaviour.firms.target_margin
    it = 0
    for it in range(iters):  # noqa: B007 - the count is reported below
        q = m.market(lv, lab, m.alive_firms())
        cell = (q.s * R + q.r) * O + q.o
        wsz = q.w * q.size
        cap = K.group_sum(cell, wsz, S * R * O)
        m_cell = (K.group_sum(cell, wsz * q.margin, S * R * O) / np.where(cap > 0, cap, 1.0)).reshape(S, R, O)
        m_sec = K.group_sum(q.s, wsz * q.margin, S) / K.group_sum(q.s, wsz, S)
        present = (cap > 0).reshape(S, R, O)
        gap_cell = np.where(present, m_sec[:, None, None] - m_cell, 0.0)
        gap_sec = m_sec - target
        if (not sites or np.abs(gap_cell).max() < tol) and np.abs(gap_sec).max() < tol:
            break
        if sites:
            m.site += np.clip(2.5 * gap_cell, -0.5, 0.5)
        f.size[q.ix] *= np.exp(np.clip(2.0 * gap_sec, -0.3, 0.3))[q.s]
    if sites:
        # cells without firms (counterfactual sites): capacity-weighted mean over the (sector, region)
        cap = cap.reshape(S, R, O)
        tot = cap.sum(axis=2)
        mean_sr = (m.site * cap).sum(axis=2) / np.where(tot > 0, tot, 1.0)
        m.site = np.where(present, m.site, mean_sr[:, :, None])
    return it + 1, float(np.abs(gap_cell).max()) if sites else 0.0, float(np.abs(gap_sec).max())


def _firm_location_constants(m: CellTables, lv: dict, q: Quarter, iters: int = 400) -> None:
    """Step 3: constants by origin x region so that 2010 location shares are stationary."""
    p = m.p
    fb = p.behaviour.firms
    R, O = m.R, m.O
    allowed = (p.firm_counts > 0) & p.firms_allowed[None, :]
    margins = m.margins(lv, q, np.arange(len(q.ix)))  # (n, R)
    wsz = q.w * q.size
    stay = np.eye(R, dtype=bool)
    for o in range(O):
        ok = allowed[o]
        if ok.sum() <= 1:
            m.firm_asc[o] = np.where(ok, 0.0, -np.inf)
            continue
        sel = q.o == o
        w_r = K.group_sum(q.r[sel], wsz[sel], R)
        # mean margin in each destination of origin-o firms now in each region: (from, to)
        mm = np.stack([K.group_sum(q.r[sel], wsz[sel] * margins[sel, j], R) for j in range(R)], axis=1)
        mm = mm / np.where(w_r > 0, w_r, 1.0)[:, None]
        target = p.firm_counts[o] / p.firm_counts[o].sum()
        asc = np.where(ok, 0.0, -np.inf)
        # the loop's constants, computed once
        bmm, mc = fb.beta_profit * mm, fb.move_cost * ~stay
        tgt, lo = np.where(ok, target, 1.0), np.where(ok, 0.0, -np.inf)
        # One quarter moves the distribution to (1 - h) target + h target @ choice, so it is stationary
        # exactly when the reviewers' choices reproduce it: target @ choice = target, whatever h. The
        # update solves that directly (until the eighth session it scaled the step by h through the
        # one-quarter transition, and stopped after 400 iterations 1e-4 short of stationary).
        it = 0
        while it < iters:
            it += 1
            util = bmm + asc[None, :] - mc
            util_max = np.max(util, axis=-1, keepdims=True)  # K.logit_probabilities, inlined
            e = np.exp(util - util_max)
            dest = target @ (e / e.sum(axis=-1, keepdims=True))  # where reviewers from the target go
            upd = np.log(tgt / np.where(ok, np.maximum(dest, 1e-300), 1.0))
            upd[~ok] = 0.0
            asc = asc + upd + lo
            asc = asc - asc[ok].max() + lo
            if np.abs(upd).max() < 1e-12:
                break
        m.calibration[f"location_iterations_{p.origins[o]}"] = it
        m.calibration[f"location_max_gap_{p.origins[o]}"] = float(np.abs(upd).max())
        m.firm_asc[o] = asc


def _spread_loss_streaks(m: CellTables, q: Quarter) -> None:
    """Spread the loss streaks of firms losing money at the start.

    They have been losing for a while; spreading keeps their exits from all falling in one quarter.
    """
    k = m.p.behaviour.firms.loss_quarters
    streak = m.rng["init_firms"].integers(0, k, len(q.ix))
    m.firms.loss_streak[q.ix] = np.where(q.margin < 0, streak, 0)


def _labour_market(m: CellTables) -> None:
    """Step 4: anchor the labour market.

    Local supply fills what firms need beyond the employed Taiwanese; abroad, ``open_market_share``
    of the Taiwanese jobs lie outside the modelled firms (``open_tw``, kept at this number); the
    Taiwanese hiring scale makes the 2010 employment chance ``employment_rate0`` in every cell.
    """
    b = m.p.behaviour.professionals
    e0, share = b.employment_rate0, b.open_market_share
    d_all, d_tw = m._labour_demand(m.alive_firms(), 0.0)
    s_tw = m.talent
    m.local_supply0 = np.maximum(d_all - e0 * s_tw, 0.0)
    m.open_tw = d_tw * (share / (1.0 - share))
    m.open_tw[:, m.iTW] = 0.0
    jobs = d_tw + m.open_tw
    m.hire_scale = np.where(jobs > 0, e0 * s_tw / np.where(jobs > 0, jobs, 1.0), 1.0)
    s_all = m.local_supply0 + s_tw
    both = (d_all > 0) & (s_all > 0)
    m.tight0 = np.where(both, d_all / np.where(s_all > 0, s_all, 1.0), 1.0)
    m.fill0 = np.where(both, s_all / np.where(d_all > 0, d_all, 1.0), 1.0)


def _amenities(m: CellTables, lab: Labour, iters: int = 1000) -> None:
    """Step 5: amenity by region (TW = 0) so that the 2010 distribution of professionals is stationary.

    The chain is solved jointly over (region, career stage) for each sector: reviews move people
    between regions, promotions and retirements move them between stages, entrants arrive in
    Taiwan at the early stage. Then every (sector, region) cell gets the stationary stage mix,
    so that no region ages or rejuvenates by construction.
    """
    p = m.p
    b = p.behaviour.professionals
    S, R = m.S, m.R
    x0 = m.talent
    target = x0.sum(axis=0) / x0.sum()
    ok = target > 0
    # the rest point lies start_gap_abroad above the 2010 stocks abroad (0: the 2010 distribution is stationary)
    if b.start_gap_abroad > 0:
        target = np.where(np.arange(R) == m.iTW, target, target * (1.0 + b.start_gap_abroad))
        target = target / target.sum()
    entry = b.entry_rate * x0.sum() * p.prof_share  # persons per quarter, by sector
    m.amenity = np.where(ok, 0.0, -np.inf)
    y = np.zeros((S, R, 3))
    for _ in range(iters):
        prob = K.logit_probabilities(m.prof_utility(lab, 0.0, 0.0, 0.0))  # (S, from, to)
        y = stationary_region_stage(prob, b.review_rate, b.promote_rate, b.retire_rate, entry, m.iTW)
        tot = y.sum(axis=(0, 2))
        tot = tot / tot.sum()
        upd = np.where(ok, np.log(np.where(ok, target, 1.0) / np.where(ok, np.maximum(tot, 1e-300), 1.0)), 0.0)
        upd -= upd[m.iTW]
        m.amenity = np.where(ok, m.amenity + upd, -np.inf)
        if np.abs(upd).max() < 1e-12:
            break
    _assign_stages(m, y)


def stationary_region_stage(
    prob: np.ndarray, review: float, promote: float, retire: float, entry: np.ndarray, home: int
) -> np.ndarray:
    """Stationary persons by (sector, region, stage) of the professionals' quarterly chain.

    One uniform per person and quarter makes the events disjoint: a review (probability
    ``review``) moves by ``prob[s, r, :]``; a promotion (``promote``, stages 0-1) or a
    retirement (``retire``, stage 2) changes the stage; entrants (``entry[s]`` per quarter)
    arrive in region ``home`` at stage 0. Solves y = y T + inflow for each sector.
    """
    S, R, _ = prob.shape
    n = R * 3
    out = np.zeros((S, R, 3))
    for s in range(S):  # sectors: a handful of 12 x 12 systems
        T = np.zeros((n, n))
        for g in range(3):
            rows = np.arange(R) * 3 + g
            event = promote if g < 2 else retire
            T[np.ix_(rows, rows)] += review * prob[s]
            T[rows, rows] += 1.0 - review - event
            if g < 2:
                T[rows, rows + 1] += promote
        inflow = np.zeros(n)
        inflow[home * 3] = entry[s]
        out[s] = np.linalg.solve((np.eye(n) - T).T, inflow).reshape(R, 3)
    return out


def _assign_stages(m: CellTables, y: np.ndarray) -> None:
    """Give every (sector, region) cell of professionals its stationary career-stage mix."""
    from crossstrait_sim.model.state import apportion

    pr = m.prof
    rng = m.rng["init_professionals"]
    alive = np.flatnonzero(pr.alive)
    cell = pr.sector[alive].astype(np.intp) * m.R + pr.region[alive]
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(m.S * m.R + 1))
    for c in range(m.S * m.R):  # table cells, not agents
        members = alive[order[bounds[c] : bounds[c + 1]]]
        if len(members) == 0:
            continue
        counts = apportion(len(members), y.reshape(m.S * m.R, 3)[c])
        pr.stage[rng.permutation(members)] = np.repeat(np.arange(3), counts)
