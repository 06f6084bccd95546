"""The vectorized model: initial population and the quarterly step.

``VectorizedModel.step`` is the brief's quarter, phase by phase:

1. ``policy_levels``     - instrument levels at t (schedule + Taiwan's response rule)
2. ``labour_market``     - skilled wages and employment chances by sector x region
3. ``market``            - demand, market shares and revenue (every region, for choices)
4. ``costs_and_profit``  - wages, compliance, inspections, fines, subsidies, profit
5. ``investment``        - R&D -> capability, abatement, automation, capacity
6. ``location_review``   - firms' multinomial-logit location choice; R&D centres
7. ``exit_and_entry``    - loss and enforcement exits; Poisson entry
8. ``professionals``     - review, logit choice of region, demography
9. ``record``            - indicators of the quarter

Every phase works on whole arrays; there is no Python loop over agents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossstrait_sim import kernels as K
from crossstrait_sim.parameters import CN_O, FOREIGN_O, TW_O, Params
from crossstrait_sim.results import Recorder
from crossstrait_sim.state import Firms, Professionals, apportion
from crossstrait_sim.streams import make_streams


@dataclass
class Labour:
    """Labour-market state of a quarter, arrays of shape (S, R)."""

    wage: np.ndarray  # USD m per person-quarter (firms' cost of a skilled worker)
    employment: np.ndarray  # employment chance of a Taiwanese professional
    fill: np.ndarray  # skilled supply / demand relative to the start, capped at 1
    supply_tw: np.ndarray  # Taiwanese professionals (persons)


@dataclass
class Quarter:
    """What the phases of one quarter pass to each other (alive firms only)."""

    ix: np.ndarray  # slot indices of alive firms
    s: np.ndarray
    r: np.ndarray
    o: np.ndarray
    w: np.ndarray
    size: np.ndarray
    revenue: np.ndarray  # (n, R) revenue per real firm in each region
    margin: np.ndarray  # (n, R) expected profit / capacity in each region
    rd: np.ndarray  # R&D spend at the current location
    sub_rate: np.ndarray  # subsidy per unit R&D at the current location
    mic_elig: np.ndarray  # MIC2025 eligibility at the current location (0-1)
    profit: np.ndarray  # realised profit at the current location
    shut: np.ndarray  # shutdown orders


class VectorizedModel:
    """The model as whole-population array operations.

    Args:
        params: validated parameters (see :func:`crossstrait_sim.parameters.build_params`).
    """

    def __init__(self, params: Params) -> None:
        self.p = params
        self.t = 0
        self.rng = make_streams(params.seed)
        self.S, self.R, self.O = len(params.sectors), len(params.regions), len(params.origins)
        self.iTW, self.iCN = params.region_index("TW"), params.region_index("CN")
        self.iSEA = params.region_index("SEA")
        self.firms = self._init_firms()
        self.prof = self._init_professionals()
        self.retention_extra = 0.0
        self.recorder = Recorder(params)
        self.agent_steps = 0
        self._calibrate_labour_market()
        self.out: dict[str, np.ndarray | float] = {}

    # ------------------------------------------------------------------ init
    def _init_firms(self) -> Firms:
        p, rng = self.p, self.rng["init_firms"]
        n_cell = np.where(p.firm_counts > 0, np.maximum(1, np.rint(p.firm_counts * p.scale)), 0).astype(np.int64)
        n = int(n_cell.sum())
        f = Firms.allocate(int(np.ceil(n * p.population.capacity_headroom)))
        sector_w = p.demand0 / p.demand0.sum()  # firms split over sectors like demand (assumed)
        o_list, r_list, s_list, w_list = [], [], [], []
        for o in range(self.O):  # loops over the config table's cells, not agents
            for r in range(self.R):
                k = int(n_cell[o, r])
                if k == 0:
                    continue
                per_s = apportion(k, sector_w)
                s_list.append(np.repeat(np.arange(self.S), per_s))
                o_list.append(np.full(k, o))
                r_list.append(np.full(k, r))
                w_list.append(np.full(k, p.firm_counts[o, r] / k))
        sl = slice(0, n)
        f.alive[sl] = True
        f.origin[sl] = np.concatenate(o_list)
        f.region[sl] = np.concatenate(r_list)
        f.sector[sl] = np.concatenate(s_list)
        f.weight[sl] = np.concatenate(w_list)
        sig = p.population.firm_size_sigma
        raw = p.size_mean[f.origin[sl]] * np.exp(sig * rng.standard_normal(n) - sig**2 / 2)
        # capacity of each sector sums to its 2010Q1 demand (market clears at the start)
        tot = K.group_sum(f.sector[sl], raw * f.weight[sl], self.S)
        f.size[sl] = raw * (p.demand0 / tot)[f.sector[sl]]
        f.log_cap[sl] = np.log(p.capability0[f.sector[sl], f.origin[sl]])
        enf0 = p.schedule.enforcement[0]
        b = p.behaviour.abatement
        f.abatement[sl] = K.abatement_target(
            p.pollution[f.sector[sl]], enf0[f.region[sl]], b.compliance_rate, b.cost, b.emission_limit
        )
        f.pilot[sl] = rng.random(n) < p.pilot_share[f.region[sl]]
        f.age[sl] = rng.integers(0, 80, n)
        # initial foreign R&D centres in Taiwan: a random subset of foreign firms
        foreign = np.flatnonzero(f.origin[sl] == FOREIGN_O)
        if len(foreign) and p.population.rd_centres_tw > 0:
            k = min(len(foreign), int(np.rint(p.population.rd_centres_tw / f.weight[foreign].mean())))
            f.rd_centre[rng.permutation(foreign)[:k]] = True
        # mean size of one real firm by (sector, origin), used for entrants
        cnt = K.group_sum(f.sector[sl] * self.O + f.origin[sl], f.weight[sl], self.S * self.O)
        tot = K.group_sum(f.sector[sl] * self.O + f.origin[sl], f.weight[sl] * f.size[sl], self.S * self.O)
        self.entrant_size = np.where(cnt > 0, tot / np.maximum(cnt, 1e-12), 0.0).reshape(self.S, self.O)
        agents_o = np.array([n_cell[o].sum() for o in range(self.O)])
        self.entrant_weight = np.where(agents_o > 0, p.firm_counts.sum(axis=1) / np.maximum(agents_o, 1), 1.0)
        return f

    def _init_professionals(self) -> Professionals:
        p, rng = self.p, self.rng["init_professionals"]
        total = p.prof_counts.sum()
        n = max(1, int(np.rint(total * p.scale)))
        self.prof_weight = total / n
        per_r = apportion(n, p.prof_counts)
        pr = Professionals.allocate(int(np.ceil(n * p.population.capacity_headroom)))
        regions, sectors = [], []
        for r in range(self.R):  # loop over table cells, not agents
            per_s = apportion(int(per_r[r]), p.prof_share)
            regions.append(np.full(per_r[r], r))
            sectors.append(np.repeat(np.arange(self.S), per_s))
        sl = slice(0, n)
        pr.alive[sl] = True
        pr.region[sl] = np.concatenate(regions)
        pr.sector[sl] = np.concatenate(sectors)
        pr.stage[sl] = K.choose(np.broadcast_to(p.stage_shares, (n, 3)), rng.random(n))
        pr.time_abroad[sl] = np.where(pr.region[sl] != self.iTW, rng.integers(0, 40, n), 0)
        self.prof_agents0 = n
        return pr

    def _labour_demand(self, m31: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Skilled-labour demand (all and for Taiwanese) and Taiwanese supply by (S, R)."""
        p, f, pr = self.p, self.firms, self.prof
        a = f.alive
        s, r, o = f.sector[a], f.region[a], f.origin[a]
        need = f.weight[a] * p.talent_intensity[s] * f.size[a]
        cell = s * self.R + r
        n = self.S * self.R
        d_all = K.group_sum(cell, need, n)
        hire = p.hire_weight[o, r] * (1.0 + m31 * p.policy.measures31.job_access * ((o == CN_O) & (r == self.iCN)))
        d_tw = K.group_sum(cell, need * hire, n)
        # staff of foreign R&D centres in Taiwan, Taiwanese by assumption
        staff = f.weight[a] * f.rd_centre[a] * p.behaviour.rd_centres.staff
        centre = K.group_sum(s * self.R + self.iTW, staff, n)
        a2 = pr.alive
        supply = K.group_sum(pr.sector[a2] * self.R + pr.region[a2], np.full(a2.sum(), self.prof_weight), n)
        return (
            (d_all + centre).reshape(self.S, self.R),
            (d_tw + centre).reshape(self.S, self.R),
            supply.reshape(self.S, self.R),
        )

    def _calibrate_labour_market(self) -> None:
        """Anchor the labour market at the start (documented in docs/ODD.md, Initialization).

        Local (non-modelled) skilled supply fills whatever firms need beyond the
        employed Taiwanese; the Taiwanese hiring scale makes the 2010Q1 employment
        chance equal ``employment_rate0`` in every cell; wages start at their base.
        """
        e0 = self.p.behaviour.professionals.employment_rate0
        d_all, d_tw, s_tw = self._labour_demand(0.0)
        self.local_supply0 = np.maximum(d_all - e0 * s_tw, 0.0)
        self.hire_scale = np.where(d_tw > 0, e0 * s_tw / np.where(d_tw > 0, d_tw, 1.0), 1.0)
        s_all = self.local_supply0 + s_tw
        self.tight0 = np.where((d_all > 0) & (s_all > 0), d_all / np.where(s_all > 0, s_all, 1.0), 1.0)
        self.fill0 = np.where((d_all > 0) & (s_all > 0), s_all / np.where(d_all > 0, d_all, 1.0), 1.0)
        self.supply_tw0 = s_tw

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one quarter."""
        lv = self.policy_levels()
        lab = self.labour_market(lv)
        q = self.market(lv, lab)
        self.costs_and_profit(lv, lab, q)
        self.investment(lv, lab, q)
        self.location_review(lv, q)
        self.rd_centres(lv, lab)
        self.exit_and_entry(lv, q)
        self.professionals(lv, lab)
        self.record(lv, q)
        self.agent_steps += int(self.firms.alive.sum() + self.prof.alive.sum())
        self.t += 1

    def run(self) -> VectorizedModel:
        """Run every quarter of the horizon."""
        for _ in range(self.p.n_quarters):
            self.step()
        return self

    # 1. policy levels --------------------------------------------------------
    def policy_levels(self) -> dict[str, float | np.ndarray]:
        """Instrument levels at t; Taiwan's retention adds its response-rule increment."""
        sc, t = self.p.schedule, self.t
        lv = {k: getattr(sc, k)[t] for k in sc.__dataclass_fields__ if k not in ("demand",)}
        lv["demand"] = sc.demand[t]
        lv["retention_total"] = float(sc.retention[t] + self.retention_extra * sc.retention_on[t])
        lv["export_demand_cut"] = float(sc.pandemic[t] * self.p.policy.pandemic.export_demand_cut)
        return lv

    # 2. labour market --------------------------------------------------------
    def labour_market(self, lv: dict) -> Labour:
        """Wages rise with skilled demand / supply; employment chance follows Taiwanese demand."""
        p, t = self.p, self.t
        b = p.behaviour.professionals
        d_all, d_tw, s_tw = self._labour_demand(float(lv["m31"]))
        s_all = self.local_supply0 * p.schedule.supply_factor[t][None, :] + s_tw
        tight = np.where(s_all > 0, d_all / np.where(s_all > 0, s_all, 1.0), self.tight0)
        base = p.base_wage[None, :] * p.wage_mult[:, None] * p.schedule.wage_factor[t][None, :]
        wage = K.wage_level(base, tight / self.tight0, b.wage_elasticity)
        emp = K.employment_chance(d_tw, s_tw, self.hire_scale)
        fill_now = np.where(d_all > 0, s_all / np.where(d_all > 0, d_all, 1.0), self.fill0)
        fill = np.minimum(1.0, fill_now / self.fill0)
        return Labour(wage=wage, employment=emp, fill=fill, supply_tw=s_tw)

    # 3. market ---------------------------------------------------------------
    def market(self, lv: dict, lab: Labour) -> Quarter:
        """Revenue of every alive firm in every region (current denominators)."""
        p, f, t = self.p, self.firms, self.t
        ix = np.flatnonzero(f.alive)
        s, r, o = f.sector[ix].astype(np.intp), f.region[ix].astype(np.intp), f.origin[ix].astype(np.intp)
        w, size = f.weight[ix], f.size[ix]
        n, R = len(ix), self.R
        rows = np.arange(n)
        bh = p.behaviour
        enf = lv["enforcement"][None, :]
        pol = p.pollution[s][:, None]
        abat = f.abatement[ix]
        fixed = p.fixed_cost_rate[s][:, None] * p.schedule.fixed_factor[t][None, :]
        fixed = fixed * (1.0 - bh.automation.labour_saving * f.automation[ix])[:, None]
        wagebill = p.talent_intensity[s][:, None] * lab.wage[s, :]
        compl = K.compliance_cost(pol, enf, abat[:, None], 1.0, bh.abatement.compliance_rate)
        abat_c = K.abatement_cost(p.pollution[s], abat, 1.0, bh.abatement.cost)[:, None]
        is_cn = np.arange(R)[None, :] == self.iCN
        carbon = lv["carbon_price"] * p.carbon_intensity[s][:, None] / 1e6 * is_cn
        var_cost = p.material_share[s][:, None] + carbon  # per unit revenue
        uc = K.unit_cost(var_cost, fixed, wagebill, compl + abat_c)
        tw_sea = (o == TW_O)[:, None] & (np.arange(R)[None, :] == self.iSEA)
        access = p.policy.tw_new_southbound.access * lv["nsp"] * tw_sea
        z = K.competitiveness(f.log_cap[ix][:, None], uc, access, bh.market.eta)
        att = size[:, None] * np.exp(z / bh.market.sigma)
        # eligibility for the CN procurement / concession market (31 measures items 4-6)
        elig_cn = np.where(o == CN_O, 1.0, np.where(o == TW_O, p.policy.measures31.procurement_access * lv["m31"], 0.0))
        elig = is_cn * elig_cn[:, None]
        price = 1.0 - p.export_share[s][:, None] * (lv["tariff"] + lv["export_demand_cut"]) * is_cn
        att_cur, elig_cur = att[rows, r], elig[rows, r]
        den_w = K.group_sum(s, w * att_cur, self.S)
        den_p = K.group_sum(s, w * att_cur * elig_cur, self.S)
        dem = lv["demand"]
        d_proc = dem * p.proc_share * (1.0 + lv["healthy"] * p.health_market + lv["green_boost"] * p.green_market)
        d_world = dem * (1.0 - p.proc_share)
        rev = (
            np.where(den_w[s] > 0, d_world[s] / np.where(den_w[s] > 0, den_w[s], 1.0), 0.0)[:, None] * att * price
            + np.where(den_p[s] > 0, d_proc[s] / np.where(den_p[s] > 0, den_p[s], 1.0), 0.0)[:, None] * att * elig
        )
        # subsidies: MIC2025 for priority sectors in pilot cities (CN firms; TW firms under equal treatment)
        pilot = np.where(r == self.iCN, f.pilot[ix], 0.0)
        pilot_prob = np.where(r[:, None] == np.arange(R)[None, :], pilot[:, None], p.pilot_share[None, :])
        origin_ok = np.where(o == CN_O, 1.0, np.where(o == TW_O, lv["equal_treatment"], 0.0))
        mic_elig = is_cn * p.mic_priority[s][:, None] * pilot_prob * origin_ok[:, None]
        is_tw = np.arange(R)[None, :] == self.iTW
        sub_rate = lv["mic_rate"] * mic_elig + p.policy.tw_base.rd_tax_credit * is_tw
        rd = p.rd_intensity[s][:, None] * rev
        nsp_sub = p.policy.tw_new_southbound.invest_subsidy * lv["nsp"] * tw_sea * rev
        breach = K.non_compliant(pol, abat[:, None], enf, bh.abatement.emission_limit)
        exp_fine = bh.abatement.inspection_rate * enf * bh.abatement.fine_rate * breach
        profit = (
            rev * (1.0 - var_cost - p.rd_intensity[s][:, None])
            - size[:, None] * (fixed + wagebill + compl + abat_c + exp_fine)
            + rd * sub_rate
            + nsp_sub
        )
        margin = profit / size[:, None]
        self.out.update(
            cost_compliance=(compl + abat_c)[rows, r] * size * w,
            nsp_sub=nsp_sub[rows, r] * w,
            rev_cur=rev[rows, r],
            exp_fine=exp_fine[rows, r] * size,
            mic_spend=rd[rows, r] * lv["mic_rate"] * mic_elig[rows, r] * w,
            tw_credit_spend=rd[rows, r] * p.policy.tw_base.rd_tax_credit * is_tw[0, r] * w,
            emissions=p.pollution[s] * (1.0 - abat) * size * w,
        )
        return Quarter(
            ix=ix, s=s, r=r, o=o, w=w, size=size, revenue=rev, margin=margin,
            rd=rd[rows, r], sub_rate=sub_rate[rows, r], mic_elig=mic_elig[rows, r],
            profit=profit[rows, r], shut=np.zeros(n, dtype=bool),
        )

    # 4. costs, inspections and profit ----------------------------------------
    def costs_and_profit(self, lv: dict, lab: Labour, q: Quarter) -> None:
        """Random inspections replace expected fines by actual fines and shutdown orders."""
        p, f = self.p, self.firms
        b = p.behaviour.abatement
        cap = f.capacity
        rng = self.rng["inspection"]
        u_insp, u_shut = rng.random(cap)[q.ix], rng.random(cap)[q.ix]
        enf = lv["enforcement"][q.r]
        breach = K.non_compliant(p.pollution[q.s], f.abatement[q.ix], enf, b.emission_limit)
        fined, shut = K.inspections(u_insp, u_shut, np.minimum(1.0, b.inspection_rate * enf), breach, b.shutdown_prob)
        fines = b.fine_rate * q.size * fined
        q.profit = q.profit + self.out["exp_fine"] - fines
        q.profit = q.profit + p.schedule.rd_hub_subsidy[self.t] * f.rd_centre[q.ix]
        q.shut = shut
        self.out["fines"] = fines * q.w

    # 5. investment -----------------------------------------------------------
    def investment(self, lv: dict, lab: Labour, q: Quarter) -> None:
        """R&D raises capability; abatement follows enforcement; automation; capacity."""
        p, f, t = self.p, self.firms, self.t
        bh = p.behaviour
        ix, s, r, o, w = q.ix, q.s, q.r, q.o, q.w
        # capability: R&D (plus subsidy) per unit capacity, talent fill, catch-up to the frontier
        lc = f.log_cap[ix]
        key = s * self.O + o
        cnt = K.group_sum(key, w * q.size, self.S * self.O)
        mean_lc = np.where(cnt > 0, K.group_sum(key, w * q.size * lc, self.S * self.O) / np.maximum(cnt, 1e-12), -np.inf)
        frontier = mean_lc.reshape(self.S, self.O).max(axis=1)
        cut = lv["export_cut"] * p.export_controlled[s] * (o == CN_O)
        x = q.rd * (1.0 + q.sub_rate) / q.size
        f.log_cap[ix] = lc + K.capability_growth(
            x, lab.fill[s, r], frontier[s] - lc, bh.capability.theta, bh.capability.alpha,
            bh.capability.talent_weight, bh.capability.catch_up, cut,
        )
        # abatement moves toward its target under current enforcement
        target = K.abatement_target(
            p.pollution[s], lv["enforcement"][r], bh.abatement.compliance_rate, bh.abatement.cost,
            bh.abatement.emission_limit,
        )
        f.abatement[ix] += bh.abatement.adjust_speed * (target - f.abatement[ix])
        # automation: the alternative to relocation when fixed (labour) costs rise
        pressure = np.maximum(0.0, p.schedule.fixed_factor[t][r] / p.schedule.fixed_factor[0][r] - 1.0)
        boost = 1.0 + p.policy.mic2025.automation_boost * lv["mic_level"] * q.mic_elig
        d_auto = np.minimum(1.0, bh.automation.rate * pressure * boost) * (1.0 - f.automation[ix])
        f.automation[ix] += d_auto
        q.profit = q.profit - bh.automation.cost * d_auto * q.size
        # capacity grows with the margin above target, shrinks below it
        margin = q.profit / q.size
        fb = bh.firms
        dlog = np.clip(fb.size_adjust * (margin - fb.target_margin), -fb.size_adjust_max, fb.size_adjust_max)
        new_size = q.size * np.exp(dlog)
        f.size[ix] = new_size
        abroad_tw = (o == TW_O) & (r != self.iTW)
        invest = fb.capital_per_capacity * np.maximum(new_size - q.size, 0.0) * w * abroad_tw
        self.out["outward"] = K.group_sum(r, invest, self.R)
        self.out["automation_spend"] = bh.automation.cost * d_auto * q.size * w
        f.age[ix] += 1

    # 6. location review and R&D centres -------------------------------------
    def location_review(self, lv: dict, q: Quarter) -> None:
        """A share of firms compare expected margins by region (multinomial logit)."""
        p, f = self.p, self.firms
        fb = p.behaviour.firms
        cap = f.capacity
        rng = self.rng["firm_location"]
        u_rev, u_choice, u_pilot = rng.random(cap), rng.random(cap), rng.random(cap)
        rev_mask = u_rev[q.ix] < fb.review_rate
        k = np.flatnonzero(rev_mask)
        self.out["relocations"] = np.zeros((self.S, self.R, self.O))
        if len(k) == 0:
            return
        o, r = q.o[k], q.r[k]
        R = self.R
        move = np.full((len(k), R), fb.move_cost + lv["pandemic"] * p.policy.pandemic.firm_move_cost_add)
        nsp_cut = p.policy.tw_new_southbound.move_cost_cut * lv["nsp"]
        move[:, self.iSEA] -= (o == TW_O) * nsp_cut * fb.move_cost
        stay = r[:, None] == np.arange(R)[None, :]
        util = fb.beta_profit * q.margin[k] + p.home_bias[o] - move * ~stay
        util = np.where(p.firms_allowed[None, :], util, -np.inf)
        new_r = K.choose(K.logit_probabilities(util), u_choice[q.ix[k]])
        movers = new_r != r
        slots = q.ix[k][movers]
        dest = new_r[movers]
        f.region[slots] = dest
        f.pilot[slots] = u_pilot[slots] < p.pilot_share[dest]
        size, w = q.size[k][movers], q.w[k][movers]
        q.profit[k[movers]] -= fb.relocation_cost_share * size
        tw_abroad = (o[movers] == TW_O) & (dest != self.iTW)
        self.out["outward"] = self.out["outward"] + K.group_sum(
            dest, fb.capital_per_capacity * size * w * tw_abroad, self.R
        )
        cell = (q.s[k][movers] * self.R + dest) * self.O + o[movers]
        self.out["relocations"] = K.group_sum(cell, w, self.S * self.R * self.O).reshape(self.S, self.R, self.O)

    def rd_centres(self, lv: dict, lab: Labour) -> None:
        """Foreign firms open (logit of incentive, TW talent pool, 31-measures access) or close R&D centres in TW."""
        p, f = self.p, self.firms
        b = p.behaviour.rd_centres
        u = self.rng["rd_centres"].random(f.capacity)
        foreign = f.alive & (f.origin == FOREIGN_O)
        pool = lab.supply_tw[:, self.iTW].sum() / self.supply_tw0[:, self.iTW].sum()
        logit = b.intercept + lv["rd_hub"] + b.pool_weight * np.log(max(pool, 1e-9)) + b.access_weight * lv["m31"]
        p_open = b.review_rate * float(K.logistic(logit))
        close = foreign & f.rd_centre & (u < b.close_rate)
        open_ = foreign & ~f.rd_centre & (u < p_open)
        f.rd_centre[close] = False
        f.rd_centre[open_] = True

    # 7. exit and entry ------------------------------------------------------
    def exit_and_entry(self, lv: dict, q: Quarter) -> None:
        """Exit after ``loss_quarters`` losses or a shutdown order; Poisson entry by profitability."""
        p, f = self.p, self.firms
        fb = p.behaviour.firms
        ix = q.ix
        f.profit[ix] = q.profit
        f.loss_streak[ix] = np.where(q.profit < 0, f.loss_streak[ix] + 1, 0)
        exit_enf = q.shut
        exit_loss = ~exit_enf & (f.loss_streak[ix] >= fb.loss_quarters)
        r_now = f.region[ix].astype(np.intp)
        cell = q.s * self.R + r_now
        self.out["exits_loss"] = K.group_sum(cell[exit_loss], q.w[exit_loss], self.S * self.R).reshape(self.S, self.R)
        self.out["exits_enf"] = K.group_sum(cell[exit_enf], q.w[exit_enf], self.S * self.R).reshape(self.S, self.R)
        dead = ix[exit_enf | exit_loss]
        f.alive[dead] = False
        f.rd_centre[dead] = False

        # entry: mean per (sector, region, origin) rises with what incumbents of that
        # origin and sector would earn in that region (their expected margin there)
        S, R, O = self.S, self.R, self.O
        key = q.s * O + q.o
        wsz = q.w * q.size
        den = K.group_sum(key, wsz, S * O)
        mbar = np.stack([K.group_sum(key, wsz * q.margin[:, j], S * O) for j in range(R)], axis=1)
        mbar = (mbar / np.where(den > 0, den, 1.0)[:, None]).reshape(S, O, R).transpose(0, 2, 1)  # (S, R, O)
        alive = f.alive
        n_agents = np.bincount(
            (f.sector[alive].astype(np.intp) * R + f.region[alive]) * O + f.origin[alive], minlength=S * R * O
        ).reshape(S, R, O)
        allowed = ((p.firm_counts.T > 0) & p.firms_allowed[:, None])[None, :, :] & (den.reshape(S, O) > 0)[:, None, :]
        gap = np.clip(fb.entry_beta * (mbar - fb.target_margin), -10.0, 3.0)
        lam = fb.entry_rate * np.maximum(n_agents, fb.entry_floor) * np.exp(gap) * allowed
        counts = self.rng["firm_entry"].poisson(lam)
        self.out["entries"] = counts * self.entrant_weight[None, None, :]
        total = int(counts.sum())
        if total == 0:
            return
        cells = np.repeat(np.arange(S * R * O), counts.ravel())
        es, er, eo = cells // (R * O), (cells // O) % R, cells % O
        slots = f.free_slots(total)
        rng = self.rng["firm_entry_attrs"]
        sig = p.population.firm_size_sigma
        size = self.entrant_size[es, eo] * np.exp(sig * rng.standard_normal(total) - sig**2 / 2)
        mlc = K.group_sum(key, wsz * f.log_cap[ix], S * O) / np.where(den > 0, den, 1.0)
        b = p.behaviour.abatement
        f.alive[slots] = True
        f.origin[slots], f.region[slots], f.sector[slots] = eo, er, es
        f.weight[slots] = self.entrant_weight[eo]
        f.size[slots] = size
        f.log_cap[slots] = mlc.reshape(S, O)[es, eo]
        f.abatement[slots] = K.abatement_target(
            p.pollution[es], lv["enforcement"][er], b.compliance_rate, b.cost, b.emission_limit
        )
        f.automation[slots] = 0.0
        f.pilot[slots] = rng.random(total) < p.pilot_share[er]
        f.age[slots] = 0
        f.loss_streak[slots] = 0
        f.rd_centre[slots] = False
        f.profit[slots] = 0.0
        tw_abroad = (eo == TW_O) & (er != self.iTW)
        self.out["outward"] = self.out["outward"] + K.group_sum(
            er, fb.capital_per_capacity * size * f.weight[slots] * tw_abroad, R
        )

    # 8. professionals -------------------------------------------------------
    def professionals(self, lv: dict, lab: Labour) -> None:
        """Review and logit choice of region; promotion, retirement and entry."""
        p, pr = self.p, self.prof
        b = p.behaviour.professionals
        R, wgt = self.R, self.prof_weight
        # utility of working in each region, by sector of skill: (S, R)
        wage = lab.wage * p.expat_premium[None, :] * lab.employment
        base = b.beta_wage * np.log(wage) + p.amenity[None, :]
        base[:, self.iCN] += p.policy.measures31.individual_utility * lv["m31"]
        base[:, self.iTW] += lv["retention_total"]
        mc = b.move_cost + lv["pandemic"] * p.policy.pandemic.move_cost_add
        util = base[:, None, :] - mc * (1.0 - np.eye(R))[None, :, :]  # (S, from, to)
        prob = K.logit_probabilities(util)
        cap = pr.capacity
        rng = self.rng["prof_choice"]
        u_rev, u_choice = rng.random(cap), rng.random(cap)
        k = np.flatnonzero(pr.alive & (u_rev < b.review_rate))
        s, r_old = pr.sector[k].astype(np.intp), pr.region[k].astype(np.intp)
        r_new = K.choose(prob[s, r_old], u_choice[k])
        pr.region[k] = r_new
        out_m = (r_old == self.iTW) & (r_new != self.iTW)
        ret_m = (r_old != self.iTW) & (r_new == self.iTW)
        self.out["outflow"] = np.bincount(r_new[out_m], minlength=R) * wgt
        self.out["return"] = np.bincount(r_old[ret_m], minlength=R) * wgt
        a = pr.alive
        pr.time_abroad[a] = np.where(pr.region[a] != self.iTW, pr.time_abroad[a] + 1, 0)
        # Taiwan's response rule: raise retention while the outflow to CN is above threshold
        tr = p.policy.tw_retention
        supply_tw = lab.supply_tw[:, self.iTW].sum()
        rate = self.out["outflow"][self.iCN] / max(supply_tw, 1e-9)
        if p.schedule.retention_on[self.t] > 0 and rate > tr.response_threshold:
            self.retention_extra = min(tr.response_max, self.retention_extra + tr.response_step)
        self.out["retention_spend"] = tr.cost_usd_k / 1000.0 * lv["retention_total"] * supply_tw
        # demography
        rng = self.rng["prof_demography"]
        u_ret, u_prom = rng.random(cap), rng.random(cap)
        retire = pr.alive & (pr.stage == 2) & (u_ret < b.retire_rate)
        promote = pr.alive & (pr.stage < 2) & (u_prom < b.promote_rate)
        pr.alive[retire] = False
        pr.stage[promote] += 1
        n_new = int(self.rng["prof_entry"].poisson(b.entry_rate * self.prof_agents0))
        self.out["prof_retire"] = retire.sum() * wgt
        self.out["prof_entry"] = n_new * wgt
        if n_new:
            slots = pr.free_slots(n_new)
            u = self.rng["prof_entry_attrs"].random(n_new)
            pr.alive[slots] = True
            pr.sector[slots] = K.choose(np.broadcast_to(p.prof_share, (n_new, self.S)), u)
            pr.region[slots] = self.iTW
            pr.stage[slots] = 0
            pr.time_abroad[slots] = 0

    # 9. record --------------------------------------------------------------
    def record(self, lv: dict, q: Quarter) -> None:
        """Write the quarter's indicators into the preallocated results."""
        self.recorder.record(self, lv, q)
