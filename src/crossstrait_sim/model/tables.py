"""The aggregate tables both engines share: labour market, market, cost tables by cell.

:class:`CellTables` computes policy levels, the labour market, professionals' utilities and
cost tables by cell (sector, region, origin) from arrays. These are aggregates and policy
schedules, not agent decisions, so the vectorized model (:mod:`crossstrait_sim.model.vectorized`)
and the Mesa engine (:mod:`crossstrait_sim.mesa_engine.model`) inherit the same code, and the
results recorder and the initial steady state read the quarter's tables (:class:`Quarter`)
without depending on either engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from crossstrait_sim.config.parameters import CN_O, TW_O, Params
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.programmes import TwProgrammes
from crossstrait_sim.model.streams import entrant_uids, keyed_uniforms


def poisson_ppf(q: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``scipy.stats.poisson.ppf(q, mu)``, the same numbers without its per-call argument handling.

    The same special functions in the same order as scipy's ``poisson_gen._ppf`` and ``rv_discrete.ppf``
    (q = 0 gives -1, q = 1 gives inf, mu < 0 or nan arguments give nan); ``tests/test_fast.py`` holds it
    equal to scipy's. scipy's wrapper cost 0.25 ms a call, about a fifteenth of a default quarter.
    """
    q, mu = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(mu, dtype=np.float64))
    out = np.full(q.shape, np.nan)
    ok = mu >= 0
    out[ok & (q == 0)] = -1.0
    out[ok & (q == 1)] = np.inf
    inner = ok & (q > 0) & (q < 1)
    if inner.any():
        qq, mm = q[inner], mu[inner]
        vals = np.ceil(special.pdtrik(qq, mm))
        vals1 = np.maximum(vals - 1, 0)
        out[inner] = np.where(special.pdtr(vals1, mm) >= qq, vals1, vals)
    return out


@dataclass
class Labour:
    """Labour-market state of a quarter, arrays of shape (S, R)."""

    wage: np.ndarray  # USD m per person-quarter (firms' cost of a skilled worker)
    prof_wage: np.ndarray  # USD m per person-quarter earned by a Taiwanese professional
    employment: np.ndarray  # employment chance of a Taiwanese professional
    fill: np.ndarray  # skilled supply / demand relative to the start, capped at 1
    supply_tw: np.ndarray  # Taiwanese professionals (persons)
    tw_share: np.ndarray | None = None  # (S, R, O) Taiwanese share of each cell's skilled staff
    tw_staff: np.ndarray | None = None  # (S, R, O) Taiwanese professionals employed by each cell (persons)


@dataclass
class Market:
    """Market context of a quarter.

    Tables by cell (sector, region, origin), raveled, and revenue per unit of attraction
    by sector. Firms read their row of a table with their cell index.
    """

    fixed: np.ndarray  # fixed cost per unit capacity, before automation
    wage: np.ndarray  # skilled wage bill per unit capacity
    compl: np.ndarray  # compliance cost per unit capacity per unit unabated pollution
    abate: np.ndarray  # abatement cost per unit capacity per unit abatement squared
    var: np.ndarray  # materials, energy and carbon per unit revenue
    var_wage: np.ndarray  # var + wage: the part of unit cost that is the same for every firm of a cell
    keep0: np.ndarray  # 1 - var - R&D intensity + New Southbound support (share of revenue kept before subsidies)
    price: np.ndarray  # world-market price factor (tariffs, pandemic) of plants in the region
    shift: np.ndarray  # site productivity + New Southbound access, in competitiveness units
    elig: np.ndarray  # eligibility for the CN procurement market (0-1)
    mic: np.ndarray  # MIC2025 eligibility before the pilot-city condition (0-1)
    credit: np.ndarray  # Taiwan's R&D tax credit rate where it applies
    rd: np.ndarray  # R&D intensity
    nsp: np.ndarray  # New Southbound support per unit revenue
    fine: np.ndarray  # expected fine per unit capacity of a plant in breach
    breach_at: np.ndarray  # unabated share above which a plant is in breach
    pilot_share: np.ndarray  # chance that a new site of the cell's origin in its region is in a pilot zone
    per_att_world: np.ndarray  # (S,) world demand / total attraction
    per_att_proc: np.ndarray  # (S,) CN procurement demand / total eligible attraction


@dataclass
class Econ:
    """Economics of some firms at some candidate regions (arrays of one shape)."""

    att: np.ndarray  # attraction: capacity x exp(z / sigma)
    elig: np.ndarray  # eligibility for the CN procurement market (0-1)
    price: np.ndarray
    keep: np.ndarray  # share of revenue left after variable costs, net R&D and revenue subsidies
    cost_cap: np.ndarray  # costs per unit capacity (fixed, wages, compliance, abatement, expected fines)
    compl_cap: np.ndarray  # compliance + abatement cost per unit capacity
    exp_fine_cap: np.ndarray  # expected fines per unit capacity
    sub_rate: np.ndarray  # subsidy per unit R&D
    mic_elig: np.ndarray  # MIC2025 eligibility (0-1)
    nsp_rate: np.ndarray  # New Southbound support per unit revenue


@dataclass
class Quarter:
    """Alive firms at the start of the quarter and what the phases pass on."""

    ix: np.ndarray  # slot indices of alive firms
    s: np.ndarray
    r: np.ndarray
    o: np.ndarray
    cell: np.ndarray  # (sector x R + region) x O + origin
    w: np.ndarray
    size: np.ndarray
    log_cap: np.ndarray
    abatement: np.ndarray
    automation: np.ndarray
    pilot: np.ndarray
    rd_centre: np.ndarray  # share of the agent's firms running an R&D centre in Taiwan (start of the quarter)
    zone: np.ndarray  # zone of a CN site (-1 outside CN)
    limit_left: np.ndarray  # quarters left of a production-limit order
    uid: np.ndarray  # identities (key the firms' draws)
    cap: np.ndarray | None = None  # share of capacity the plant may sell at its site this quarter (production limits)
    market: Market | None = None
    revenue: np.ndarray | None = None
    margin: np.ndarray | None = None  # expected profit / capacity at the current location
    rd: np.ndarray | None = None
    sub_rate: np.ndarray | None = None
    mic_elig: np.ndarray | None = None
    profit: np.ndarray | None = None  # realised profit
    shut: np.ndarray | None = None  # shutdown orders
    mean_log_cap: np.ndarray | None = None  # (S, O) capacity-weighted mean log capability
    cell_now: np.ndarray | None = None  # cell after the location review
    cap_so: np.ndarray | None = None  # (S, O) capacity of real firms


class CellTables:
    """Model-level tables shared by both engines.

    Policy levels, the labour market, the professionals' utilities and the cost tables by
    cell (sector, region, origin).

    These are aggregates and policy schedules, not agent decisions, so the vectorized
    engine and the Mesa engine (:mod:`crossstrait_sim.mesa_engine.model`) compute them with the
    same code. A subclass provides ``p``, ``t``, ``S``, ``R``, ``O``, ``iTW``, ``iCN``,
    ``iSEA``, ``retention_extra``, ``outflow_rates``, ``pre_policy_rate``, ``talent`` and the calibrated
    constants set by
    :func:`crossstrait_sim.model.steady_state.calibrate_start` (``site``, ``amenity``,
    ``local_supply0``, ``tight0``, ``fill0``, ``hire_scale``, ``open_tw``).
    """

    p: Params
    fkeys: dict[str, np.uint64]  # the firm mechanisms' keys (streams.firm_keys)
    tw_prog: TwProgrammes  # Taiwan's attract and cultivate programmes (model.programmes)

    # ------------------------------------------------------------ firms' random draws
    def firm_draw(self, name: str, uids: np.ndarray) -> np.ndarray:
        """This quarter's uniform of mechanism ``name`` for each firm identity in ``uids``."""
        return keyed_uniforms(self.fkeys[name], uids, self.t)

    def entry_counts(self, lam: np.ndarray) -> np.ndarray:
        """Poisson entry counts per cell, each from its own keyed uniform (inverse CDF)."""
        u = keyed_uniforms(self.fkeys["firm_entry"], np.arange(lam.size), self.t).reshape(lam.shape)
        counts = poisson_ppf(u, np.where(lam > 0, lam, 1.0))
        return np.where(lam > 0, counts, 0).astype(np.int64)

    def entrant_draws(self, counts: np.ndarray) -> tuple[np.ndarray, ...]:
        """Entrants' cells, identities, two standard normals (size, capability) and a uniform (zone of a CN site)."""
        flat = counts.ravel()
        cells = np.repeat(np.arange(flat.size), flat)
        uids = entrant_uids(self.t, cells, flat)
        z_size = special.ndtri(keyed_uniforms(self.fkeys["entrant_size"], uids, self.t))
        z_cap = special.ndtri(keyed_uniforms(self.fkeys["entrant_capability"], uids, self.t))
        u_pilot = keyed_uniforms(self.fkeys["entrant_pilot"], uids, self.t)
        return cells, uids, z_size, z_cap, u_pilot

    t: int

    # ------------------------------------------------------------ sites and production limits
    def site_zone(self, o: np.ndarray, r: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Zone and pilot status of new sites of origins ``o`` in regions ``r``, from uniforms ``u``.

        A CN site lies in zone z with the origin's share ``zone_share[o, z]`` (inverse CDF over the
        zone table, ``other`` last); it is a MIC2025 pilot site if the zone is a pilot zone. Sites
        outside CN have zone -1 and are never pilot sites.
        """
        p = self.p
        o = np.asarray(o, dtype=np.intp)
        in_cn = np.asarray(r) == self.iCN
        z = K.choose_grouped(p.zone_share, o, np.asarray(u))
        return np.where(in_cn, z, -1).astype(np.int8), in_cn & p.zone_pilot[z]

    def area_named(self, q: Quarter) -> np.ndarray:
        """Plants named in the area production-limit order (in its zone, of a target sector).

        Each such plant is named with chance ``area_firms`` / (real such plants), capped at 1, by a
        uniform fixed per plant (keyed by its identity, not the quarter): the same plants all episode.
        """
        p = self.p
        e = p.policy.enforcement
        target = (q.r == self.iCN) & (q.zone == p.area_zone) & (p.pollution[q.s] >= e.area_min_pollution)
        n_real = float(q.w[target].sum())
        share = min(1.0, e.area_firms / n_real) if n_real > 0 else 0.0
        return target & (keyed_uniforms(self.fkeys["area_order"], q.uid, 0) < share)

    def output_caps(self, lv: dict, q: Quarter) -> np.ndarray:
        """Share of capacity each plant may sell at its site: ``limit_output_cap`` under a limit order, else 1.

        Under an order after an inspection (``limit_left`` > 0) or named in the area order while it is
        in force. Keeps the area order's new cases (real plants, its first quarter) in ``out["area_new"]``.
        """
        limited = q.limit_left > 0
        area = self.area_named(q) if lv["area_limit"] > 0 else np.zeros(len(q.ix), dtype=bool)
        self.out["area_new"] = area * q.w * lv["area_limit_new"]
        return np.where(limited | area, self.p.behaviour.abatement.limit_output_cap, 1.0)

    def staff_per_capacity(self) -> np.ndarray:
        """Skilled staff per unit capacity by sector (S,): talent intensity less labour-augmenting technical change."""
        g = self.p.behaviour.firms.staff_productivity_growth
        return self.p.talent_intensity * (1.0 + g) ** (-self.t)

    def _labour_demand(self, q: Quarter, m31: float) -> tuple[np.ndarray, np.ndarray]:
        """Skilled-labour demand by (S, R): all skilled staff, and the part hired among Taiwanese.

        Also keeps the cells' demand (S, R, O) and its Taiwanese part in ``self.need3``, ``self.need3_tw``.
        """
        p = self.p
        S, R, O = self.S, self.R, self.O
        cell3 = (q.s * R + q.r) * O + q.o
        need = K.group_sum(cell3, q.w * q.size, S * R * O).reshape(S, R, O) * self.staff_per_capacity()[:, None, None]
        hire = np.broadcast_to(p.hire_weight.T, (S, R, O)).copy()  # Taiwanese share of hires by origin x region
        hire[:, self.iCN, CN_O] *= 1.0 + m31 * p.policy.measures31.job_access
        # staff of foreign R&D centres in Taiwan, Taiwanese by assumption
        centres = K.group_sum(q.s, q.w * q.rd_centre, S) * p.behaviour.rd_centres.staff
        d_all, d_tw = need.sum(axis=2), (need * hire).sum(axis=2)
        self.need3, self.need3_tw = need, need * hire
        d_all[:, self.iTW] += centres
        d_tw[:, self.iTW] += centres
        return d_all, d_tw

    def taiwanese_staff(self, d_tw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Taiwanese professionals employed by each cell (S, R, O) and their share of its skilled staff.

        The Taiwanese working in (sector, region) are spread over the origins in proportion to
        each origin's hiring of Taiwanese, and over the jobs outside the modelled firms
        (``open_tw``), which take their share (foreign R&D centres' staff in Taiwan are left out).
        """
        jobs = d_tw + self.open_tw
        share_of_tw = self.need3_tw / np.where(jobs > 0, jobs, 1.0)[:, :, None]
        staff = self.talent[:, :, None] * share_of_tw
        tw_share = np.minimum(1.0, staff / np.where(self.need3 > 0, self.need3, 1.0))
        return staff, np.where(self.need3 > 0, tw_share, 0.0)

    def prof_wage(self, local: np.ndarray, t: int) -> np.ndarray:
        """Pay of a Taiwanese professional by (S, R).

        Abroad: the larger of the local skilled wage and an expatriate package: the local base
        x ``expat_premium`` at the start, indexed to Taiwan's actual skilled pay in the sector
        (``local[:, TW]`` over its base), so a package keeps its premium over pay at home.
        """
        p = self.p
        expat = local[:, self.iTW, None] * (p.base_wage * p.expat_premium / p.base_wage[self.iTW])[None, :]
        out = np.maximum(local, expat)
        out[:, self.iTW] = local[:, self.iTW]
        return out

    def prof_utility(
        self, lab: Labour, m31: float, retention: float, pandemic: float, attract: float = 0.0
    ) -> np.ndarray:
        """Utility of working in each region, by sector and current region: (S, from, to)."""
        p = self.p
        b = p.behaviour.professionals
        # money levers enter the expected pay inside the log, priced by the fitted wage weight:
        # the 31 measures' individual items in CN, Taiwan's retention top-up (x coverage) in TW,
        # and Taiwan's supplement for those who come back to TW from abroad (attract)
        # (USD thousand per person-year -> USD m per person-quarter: / 4000)
        extra = np.zeros(self.R)
        extra[self.iCN] = p.policy.measures31.individual_usd_k * m31 / 4000.0
        extra[self.iTW] = p.policy.tw_retention.coverage * retention / 4000.0
        pay = lab.prof_wage * lab.employment + extra[None, :]
        # each region's pull beyond pay and jobs grows like a pay rise (regions' pull_growth), priced alike
        base = b.beta_wage * (np.log(pay) + p.schedule.pull[self.t][None, :]) + self.amenity[None, :]
        mc = b.move_cost + pandemic * p.policy.pandemic.move_cost_add
        u = base[:, None, :] - mc * (1.0 - np.eye(self.R))[None, :, :]
        if attract > 0:
            pull_tw = p.schedule.pull[self.t][self.iTW]
            back = b.beta_wage * (np.log(pay[:, self.iTW] + attract / 4000.0) + pull_tw) + self.amenity[self.iTW] - mc
            u[:, np.arange(self.R) != self.iTW, self.iTW] = back[:, None]
        return u

    # 1. policy levels --------------------------------------------------------
    def policy_levels(self) -> dict:
        """Instrument levels at t; Taiwan's retention adds its response-rule increment."""
        sc, t = self.p.schedule, self.t
        lv = {k: getattr(sc, k)[t] for k in sc.__dataclass_fields__}
        lv["retention_total"] = float(sc.retention[t] + self.retention_extra * sc.retention_on[t])
        lv["export_demand_cut"] = float(sc.pandemic[t] * self.p.policy.pandemic.export_demand_cut)
        return lv

    # 2. labour market --------------------------------------------------------
    def labour_market(self, lv: dict, q: Quarter) -> Labour:
        """Wages rise with skilled demand / supply; employment chance follows Taiwanese demand."""
        p, t = self.p, self.t
        b = p.behaviour.professionals
        d_all, d_tw = self._labour_demand(q, float(lv["m31"]))
        s_tw = self.talent
        s_all = self.local_supply0 * p.schedule.supply_factor[t][None, :] + s_tw
        # Taiwan's attract and cultivate programmes add to its skilled supply, spread over sectors
        # like Taiwan's skilled demand
        d_twn = d_all[:, self.iTW]
        s_all[:, self.iTW] += self.tw_prog.extra_supply() * d_twn / max(d_twn.sum(), 1e-300)
        tight = np.where(s_all > 0, d_all / np.where(s_all > 0, s_all, 1.0), self.tight0)
        base = p.base_wage[None, :] * p.wage_mult[:, None] * p.schedule.wage_factor[t][None, :]
        wage = K.wage_level(base, tight / self.tight0, b.wage_elasticity)
        # Taiwanese jobs: the modelled firms' hiring plus the jobs outside them (their 2010 number)
        emp = K.employment_chance(d_tw + self.open_tw, s_tw, self.hire_scale)
        fill_now = np.where(d_all > 0, s_all / np.where(d_all > 0, d_all, 1.0), self.fill0)
        fill = np.minimum(1.0, fill_now / self.fill0)
        tw_staff, tw_share = self.taiwanese_staff(d_tw)
        # skilled pay by region, USD per person-year: the sectors' wages weighted by their skilled demand
        self.out["wage"] = (wage * d_all).sum(axis=0) / np.maximum(d_all.sum(axis=0), 1e-300) * 4e6
        self.out["tw_staff"] = tw_staff
        return Labour(
            wage=wage,
            prof_wage=self.prof_wage(wage, t),
            employment=emp,
            fill=fill,
            supply_tw=s_tw,
            tw_share=tw_share,
            tw_staff=tw_staff,
        )

    def cost_tables(self, lv: dict, lab: Labour) -> Market:
        """Cell tables of the quarter; demand per unit attraction is filled in by ``market``."""
        p, t, bh = self.p, self.t, self.p.behaviour
        S, R, O = self.S, self.R, self.O
        shape = (S, R, O)
        reg = np.arange(R)
        is_cn, is_tw = (reg == self.iCN)[None, :, None], (reg == self.iTW)[None, :, None]
        tw_sea = ((reg == self.iSEA)[:, None] & (np.arange(O) == TW_O)[None, :])[None, :, :]
        enf = lv["enforcement"][None, :, None]
        pol = p.pollution[:, None, None]
        pe = pol * enf

        def cells(x: np.ndarray | float) -> np.ndarray:
            out = np.empty(shape, dtype=np.result_type(x))
            out[...] = x  # broadcast
            return out.ravel()

        limit = bh.abatement.emission_limit
        var = cells(
            p.material_share[:, None, None] + lv["carbon_price"] * p.carbon_intensity[:, None, None] / 1e6 * is_cn
        )
        wage = cells((self.staff_per_capacity()[:, None] * lab.wage)[:, :, None])
        rd = cells(p.rd_intensity[:, None, None])
        nsp = cells(p.policy.tw_new_southbound.invest_subsidy * lv["nsp"] * tw_sea)
        return Market(
            fixed=cells(p.fixed_cost_rate[:, None, None] * p.schedule.fixed_factor[t][None, :, None]),
            wage=wage,
            compl=cells(bh.abatement.compliance_rate * pe),
            abate=cells(bh.abatement.cost * pol / 2.0),
            var=var,
            var_wage=var + wage,
            keep0=1.0 - var - rd + nsp,
            price=cells(1.0 - p.export_share[:, None, None] * (lv["tariff"] + lv["export_demand_cut"]) * is_cn),
            shift=cells(self.site + p.policy.tw_new_southbound.access * lv["nsp"] * tw_sea),
            # CN procurement / concession market: CN firms; TW firms under the 31 measures (items 4-6)
            elig=cells(is_cn * np.array([p.policy.measures31.procurement_access * lv["m31"], 1.0, 0.0])[None, None, :]),
            # MIC2025: priority sector in CN, CN origin or TW origin under equal treatment (x pilot city)
            mic=cells(
                is_cn * p.mic_priority[:, None, None] * np.array([lv["equal_treatment"], 1.0, 0.0])[None, None, :]
            ),
            credit=cells(p.policy.tw_base.rd_tax_credit * is_tw),
            rd=rd,
            nsp=nsp,
            fine=cells(bh.abatement.inspection_rate * bh.abatement.fine_rate * enf),
            breach_at=cells(np.where(pe > 0, limit / np.where(pe > 0, pe, 1.0), np.inf)),
            pilot_share=cells(p.pilot_share.T[None, :, :]),
            per_att_world=np.zeros(S),
            per_att_proc=np.zeros(S),
        )

    def split_demand(
        self, lv: dict, mk: Market, s: np.ndarray, w: np.ndarray, att: np.ndarray, elig: np.ndarray
    ) -> None:
        """Demand per unit of attraction by sector, world market and CN procurement (``mk.per_att_*``).

        ``s``, ``w``, ``att`` and ``elig`` are the firms' sector, weight, attraction and procurement
        eligibility, in slot order (the sums run in that order in both engines).
        """
        p = self.p
        wa = w * att
        den_w, den_p = K.group_sums(s, (wa, wa * elig), self.S)
        dem = lv["demand"]
        d_proc = dem * p.proc_share * (1.0 + lv["healthy"] * p.health_market + lv["green_boost"] * p.green_market)
        d_world = dem * (1.0 - p.proc_share)
        mk.per_att_world = np.where(den_w > 0, d_world / np.where(den_w > 0, den_w, 1.0), 0.0)
        mk.per_att_proc = np.where(den_p > 0, d_proc / np.where(den_p > 0, den_p, 1.0), 0.0)

    # ------------------------------------------------------ stage aggregates
    def capability_frontier(self, q: Quarter) -> np.ndarray:
        """Sector frontier of log capability (S,).

        Also keeps the capacity-weighted mean log capability by (sector, origin) of the quarter's
        firms in ``q.mean_log_cap`` and their capacity in ``q.cap_so`` (for entrants and the record).
        """
        S, O = self.S, self.O
        key = q.s * O + q.o
        wsz = q.w * q.size
        cnt, lc = K.group_sums(key, (wsz, wsz * q.log_cap), S * O)
        mean_lc = (lc / np.maximum(cnt, 1e-300)).reshape(S, O)
        present = cnt.reshape(S, O) > 0
        frontier = np.where(present, mean_lc, -np.inf).max(axis=1)
        # an origin with no firms in a sector (possible at tiny scales) enters at the sector's
        # frontier, less its starting capability gap to the leading origin
        cap0 = np.log(self.p.capability0)
        absent = np.where(np.isfinite(frontier)[:, None], frontier[:, None] + cap0 - cap0.max(axis=1)[:, None], cap0)
        q.mean_log_cap, q.cap_so = np.where(present, mean_lc, absent), cnt.reshape(S, O)  # for entrants and record
        return frontier

    def knowhow(self, q: Quarter, lab: Labour) -> np.ndarray:
        """Know-how gain of each cell's skilled staff (S, R, O), from the Taiwanese it employs.

        A Taiwanese professional carries extra know-how into a non-Taiwanese firm in proportion to
        Taiwanese firms' capability lead over the firm's own origin in the sector (capacity-weighted
        mean log capability, TW-origin minus the receiving origin, at least 0), with diminishing
        returns in the Taiwanese share of the firm's staff: premium x lead x share / (share + half).
        Until the eighth session the lead was TW minus CN for every receiving origin, so foreign
        firms ahead of Taiwan's still gained, and in extreme parameter sets ran away (ODD 7.11).
        """
        cb = self.p.behaviour.capability
        mlc = q.mean_log_cap  # (S, O)
        lead = np.maximum(0.0, mlc[:, TW_O, None] - mlc)  # (S, O): Taiwan's lead over each origin
        share = lab.tw_share
        gain = cb.knowhow_premium * lead[:, None, :] * share / (share + cb.knowhow_half)
        gain[:, :, TW_O] = 0.0  # Taiwanese firms' own know-how is already in their capability
        return gain

    def rd_centres_by_sector(self, q: Quarter) -> np.ndarray:
        """Foreign R&D centres in Taiwan by sector (real centres), from the quarter's opening state."""
        return K.group_sum(q.s, q.w * q.rd_centre, self.S)

    def spillover(self, q: Quarter) -> np.ndarray:
        """Extra capability growth of Taiwanese firms in Taiwan (S, R, O) from foreign R&D centres in their sector.

        spillover x log((centres + 1) / (centres at the start + 1)) by sector (one real centre added to
        both so a sector without centres is defined); zero for other cells.
        """
        c = self.rd_centres_by_sector(q)
        gain = np.zeros((self.S, self.R, self.O))
        gain[:, self.iTW, TW_O] = self.p.behaviour.capability.spillover * np.log((c + 1.0) / (self.centres0 + 1.0))
        return gain

    def investment_tables(
        self, lv: dict, lab: Labour, q: Quarter
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Investment cell tables (sector, region, origin), raveled.

        Skilled-staff factor (fill x (1 + know-how)), export-control cut of capability growth,
        abatement target, fixed-cost pressure toward automation, spillover growth.
        """
        p, t, bh = self.p, self.t, self.p.behaviour
        S, R, O = self.S, self.R, self.O
        shape = (S, R, O)
        fill_c = (lab.fill[:, :, None] * (1.0 + self.knowhow(q, lab))).ravel()
        cut_c = np.broadcast_to(
            lv["export_cut"] * p.export_controlled[:, None, None] * (np.arange(O) == CN_O)[None, None, :], shape
        ).ravel()
        target_c = np.broadcast_to(
            K.abatement_target(
                p.pollution[:, None],
                lv["enforcement"][None, :],
                bh.abatement.compliance_rate,
                bh.abatement.cost,
                bh.abatement.emission_limit,
            )[:, :, None],
            shape,
        ).ravel()
        ff = p.schedule.fixed_factor
        pressure_c = np.broadcast_to(np.maximum(0.0, ff[t] / ff[0] - 1.0)[None, :, None], shape).ravel()
        return fill_c, cut_c, target_c, pressure_c, self.spillover(q).ravel()

    def prof_entry_mean(self) -> float:
        """Mean number of new professional agents this quarter: the 2010 rate, growing at ``entry_growth``."""
        b = self.p.behaviour.professionals
        return b.entry_rate * self.prof_agents0 * (1.0 + b.entry_growth) ** self.t

    def rd_centre_open_prob(self, lv: dict, lab: Labour) -> float:
        """Quarterly chance that a foreign firm without one opens an R&D centre in Taiwan.

        Review rate x logistic(intercept + R&D-hub incentive + pool weight x log TW talent pool
        + 31-measures access).
        """
        b = self.p.behaviour.rd_centres
        pool = lab.supply_tw[:, self.iTW].sum() / self.supply_tw0[:, self.iTW].sum()
        logit = b.intercept + lv["rd_hub"] + b.pool_weight * np.log(max(pool, 1e-9)) + b.access_weight * lv["m31"]
        return b.review_rate * float(K.logistic(logit))

    def entry_means(self, q: Quarter, firm_agents: np.ndarray) -> np.ndarray:
        """Poisson means of entrant agents by (sector, region, origin).

        They rise with the capacity-weighted margin of the cell's incumbents at the start of the
        quarter (of the (sector, region) if the cell is empty). ``firm_agents`` counts agents by
        cell after this quarter's moves and exits.
        """
        p, fb = self.p, self.p.behaviour.firms
        S, R, O = self.S, self.R, self.O
        n_cells = S * R * O
        wsz = q.w * q.size
        cap3, m3 = K.group_sums(q.cell, (wsz, wsz * q.margin), n_cells).reshape(2, S, R, O)
        cap2, m2 = cap3.sum(axis=2), m3.sum(axis=2)
        m_sr = np.where(cap2 > 0, m2 / np.where(cap2 > 0, cap2, 1.0), fb.target_margin)
        mbar = np.where(cap3 > 0, m3 / np.where(cap3 > 0, cap3, 1.0), m_sr[:, :, None])
        n_agents = firm_agents.reshape(S, R, O)
        allowed = ((p.firm_counts.T > 0) & p.firms_allowed[:, None])[None, :, :]
        gap = np.clip(fb.entry_beta * (mbar - fb.target_margin), -10.0, 3.0)
        # the floor is in real firms, so a sparse cell draws the same real entry at every scale
        floor = fb.entry_floor_firms / self.entrant_weight[None, None, :]
        return fb.entry_rate * np.maximum(n_agents, floor) * np.exp(gap) * allowed

    def prof_choice_probabilities(self, lv: dict, lab: Labour) -> np.ndarray:
        """Logit probabilities of each region for a professional, by sector and current region: (S, from, to)."""
        return K.logit_probabilities(
            self.prof_utility(lab, lv["m31"], lv["retention_total"], lv["pandemic"], float(lv["attract"]))
        )

    def taiwan_response(self, lv: dict, lab: Labour) -> None:
        """Taiwan's response rule, the quarter's retention spending, and the attract and cultivate programmes.

        The rule compares the quarter's outflow rate to CN (``out["outflow"]`` / professionals in TW)
        with ``response_margin`` x its mean over the 4 quarters before the policy started: above, the
        top-up rises by ``response_step_usd_k`` (up to ``response_max_usd_k``); below, it falls back
        by the same step (not below 0). Spend = coverage x top-up x professionals in TW.
        """
        p = self.p
        tr = p.policy.tw_retention
        supply_tw = lab.supply_tw[:, self.iTW].sum()
        rate = self.out["outflow"][self.iCN] / max(supply_tw, 1e-9)
        on = p.schedule.retention_on[self.t] > 0
        if not on:
            self.outflow_rates = [*self.outflow_rates[-3:], rate]  # the last 4 quarters before the policy
        else:
            if self.pre_policy_rate is None:
                self.pre_policy_rate = float(np.mean(self.outflow_rates)) if self.outflow_rates else rate
            step = (
                tr.response_step_usd_k if rate > tr.response_margin * self.pre_policy_rate else -tr.response_step_usd_k
            )
            self.retention_extra = min(tr.response_max_usd_k, max(0.0, self.retention_extra + step))
        self.out["retention_spend"] = tr.coverage * lv["retention_total"] / 4000.0 * supply_tw
        self.tw_prog.update(
            p, float(lv["attract"]), float(lv["cultivate"]), float(self.out["wage"][self.iTW]), self.out["return"].sum()
        )
