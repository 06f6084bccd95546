"""The vectorized model: initial population and the quarterly step.

``VectorizedModel.step`` is the brief's quarter, phase by phase:

1. ``policy_levels``     - instrument levels at t (schedule + Taiwan's response rule)
2. ``labour_market``     - skilled wages and employment chances by sector x region
3. ``market``            - demand, market shares, revenue and expected profit
4. ``costs_and_profit``  - demand shocks, random inspections, fines and shutdowns
5. ``investment``        - R&D -> capability, abatement, automation, capacity
6. ``location_review``   - firms' multinomial-logit location choice
7. ``rd_centres``        - foreign firms open or close R&D centres in Taiwan
8. ``exit_and_entry``    - loss and enforcement exits; Poisson entry
9. ``professionals``     - review, logit choice of region, demography
10. ``record``           - indicators of the quarter

Every phase works on whole arrays; there is no Python loop over agents. Within a
phase, every decision reads the state as it was before the phase.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from crossstrait_sim.config.parameters import FOREIGN_O, TW_O, Params
from crossstrait_sim.model import fast
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.programmes import TwProgrammes
from crossstrait_sim.model.results import Recorder
from crossstrait_sim.model.state import Firms, Professionals, apportion
from crossstrait_sim.model.steady_state import calibrate_start
from crossstrait_sim.model.streams import firm_keys, make_streams
from crossstrait_sim.model.tables import CellTables, Econ, Labour, Market, Quarter

PER_FIRM_OUT = (
    "area_new", "k1", "exp_fine", "cost_compliance", "nsp_sub", "mic_spend", "tw_credit_spend", "emissions",
    "inspected", "fined_n", "limits", "fines",
)  # fmt: skip
"""Entries of ``VectorizedModel.out`` with a value per alive firm: written and read within a quarter."""


def _attraction(uc: np.ndarray, lc: np.ndarray, sc: np.ndarray, eta: float, sigma: float) -> np.ndarray:
    """Attraction ``sc x exp(Z / sigma)``, Z = ``K.competitiveness(lc, uc, 0.0, eta)``, in ``uc``'s buffer.

    The operations of :meth:`VectorizedModel.evaluate`, one for one (the same numbers); ``uc`` (unit
    cost) is overwritten. In place because at scale 1 every temporary row is 11 MB, and the market
    phase sets a run's peak memory.
    """
    z = np.log(uc, out=uc)
    z *= eta
    np.subtract(lc, z, out=z)
    z += 0.0
    z *= 1.0 / sigma
    return np.multiply(sc, np.exp(z, out=z), out=z)


class VectorizedModel(CellTables):
    """The model as whole-population array operations.

    Args:
        params: validated parameters (see :func:`crossstrait_sim.config.parameters.build_params`).
        log_events: keep every discrete event (relocation, exit, entry, migration, retirement,
            promotion, R&D centre opening or closing) in ``events``; the engine-equivalence test
            compares them with the Mesa engine's. Off by default (it costs memory, not results).
    """

    def __init__(self, params: Params, log_events: bool = False) -> None:
        self.p = params
        self.events: list[tuple[int, str, np.ndarray, np.ndarray]] | None = [] if log_events else None
        self.t = 0
        self.rng = make_streams(params.seed)
        self.fkeys = firm_keys(params.seed)
        self.S, self.R, self.O = len(params.sectors), len(params.regions), len(params.origins)
        self.iTW, self.iCN = params.region_index("TW"), params.region_index("CN")
        self.iSEA = params.region_index("SEA")
        self.firms = self._init_firms()
        self.prof = self._init_professionals()
        self.retention_extra = 0.0  # USD thousand per covered professional-year, from the response rule
        self.outflow_rates: list[float] = []  # outflow rate to CN, last 4 quarters before retention
        self.pre_policy_rate: float | None = None
        self.tw_prog = TwProgrammes.start(params)  # Taiwan's attract and cultivate programmes
        self._pool: ThreadPoolExecutor | None = None
        self.recorder = Recorder(params)
        self.agent_steps = 0
        self.out: dict[str, np.ndarray | float] = {}
        self.firm_agents, self.firm_count = self.count_firms()  # by cell, updated incrementally
        self.talent_count = self.count_professionals()  # agents by (S, R), updated incrementally
        self.talent = self.talent_count * self.prof_weight  # persons by (S, R)
        f = self.firms
        self.centres0 = K.group_sum(f.sector[f.alive].astype(np.intp), (f.weight * f.rd_centre)[f.alive], self.S)
        calibrate_start(self)

    # ------------------------------------------------------------------ init
    def _init_firms(self) -> Firms:
        p, rng = self.p, self.rng["init_firms"]
        n_cell = np.where(p.firm_counts > 0, np.maximum(1, np.rint(p.firm_counts * p.scale)), 0).astype(np.int64)
        n = int(n_cell.sum())
        f = Firms.allocate(int(np.ceil(n * p.population.firm_slots)))
        sector_w = p.demand0 / p.demand0.sum()  # firms split over sectors like demand (assumed)
        o_list, r_list, s_list, w_list = [], [], [], []
        for o in range(self.O):  # loops over the config table's cells, not agents
            for r in range(self.R):
                k = int(n_cell[o, r])
                if k == 0:
                    continue
                s_list.append(np.repeat(np.arange(self.S), apportion(k, sector_w)))
                o_list.append(np.full(k, o))
                r_list.append(np.full(k, r))
                w_list.append(np.full(k, p.firm_counts[o, r] / k))
        sl = slice(0, n)
        f.alive[sl] = True
        f.uid[sl] = np.arange(1, n + 1, dtype=np.uint64)
        f.origin[sl] = np.concatenate(o_list)
        f.region[sl] = np.concatenate(r_list)
        f.sector[sl] = np.concatenate(s_list)
        f.weight[sl] = np.concatenate(w_list)
        sig = p.population.firm_size_sigma
        raw = p.size_mean[f.origin[sl]] * np.exp(sig * rng.standard_normal(n) - sig**2 / 2)
        # capacity of each sector starts at its demand; steady_state rescales it to the target margin
        tot = K.group_sum(f.sector[sl], raw * f.weight[sl], self.S)
        f.size[sl] = raw * (p.demand0 / tot)[f.sector[sl]]
        f.log_cap[sl] = np.log(p.capability0[f.sector[sl], f.origin[sl]]) + (
            p.population.capability_sigma * rng.standard_normal(n)
        )
        b = p.behaviour.abatement
        f.abatement[sl] = K.abatement_target(
            p.pollution[f.sector[sl]],
            p.schedule.enforcement[0][f.region[sl]],
            b.compliance_rate,
            b.cost,
            b.emission_limit,
        )
        f.zone[sl], f.pilot[sl] = self.site_zone(f.origin[sl], f.region[sl], rng.random(n))
        f.age[sl] = rng.integers(0, 80, n)
        # initial foreign R&D centres in Taiwan: the same share of every foreign firm agent's firms
        # (a share, not a lottery over agents: 300 centres are 3 agents at scale 0.01)
        foreign = np.flatnonzero(f.origin[sl] == FOREIGN_O)
        if len(foreign) and p.population.rd_centres_tw > 0:
            f.rd_centre[foreign] = min(1.0, p.population.rd_centres_tw / f.weight[foreign].sum())
        agents_o = n_cell.sum(axis=1)
        self.entrant_weight = np.where(agents_o > 0, p.firm_counts.sum(axis=1) / np.maximum(agents_o, 1), 1.0)
        return f

    def _init_professionals(self) -> Professionals:
        p, rng = self.p, self.rng["init_professionals"]
        total = p.prof_counts.sum()
        n = max(1, int(np.rint(total * p.scale)))
        self.prof_weight = total / n
        per_r = apportion(n, p.prof_counts)
        pr = Professionals.allocate(int(np.ceil(n * p.population.professional_slots)))
        regions, sectors = [], []
        for r in range(self.R):  # loop over table cells, not agents
            regions.append(np.full(per_r[r], r))
            sectors.append(np.repeat(np.arange(self.S), apportion(int(per_r[r]), p.prof_share)))
        sl = slice(0, n)
        pr.alive[sl] = True
        pr.region[sl] = np.concatenate(regions)
        pr.sector[sl] = np.concatenate(sectors)
        pr.stage[sl] = K.choose(np.broadcast_to(p.stage_shares, (n, 3)), rng.random(n))
        # this draw set a state no phase read (left_tw, removed); it stays so that the stream's later
        # draws (steady_state's stage assignment) and so the results are unchanged
        rng.integers(0, 40, n)
        self.prof_agents0 = n
        return pr

    # ------------------------------------------------------------ aggregates
    def count_firms(self) -> tuple[np.ndarray, np.ndarray]:
        """Firm agents and real firms by cell (sector, region, origin), counted from the arrays.

        The step keeps ``firm_agents`` and ``firm_count`` up to date incrementally.
        """
        f = self.firms
        a = f.alive
        cell = (f.sector[a].astype(np.intp) * self.R + f.region[a]) * self.O + f.origin[a]
        n = self.S * self.R * self.O
        return np.bincount(cell, minlength=n), K.group_sum(cell, f.weight[a], n)

    def count_professionals(self) -> np.ndarray:
        """Agents by (sector, region), counted from the arrays (the step keeps ``talent_count`` up to date)."""
        pr = self.prof
        a = pr.alive
        cnt = np.bincount(pr.sector[a].astype(np.intp) * self.R + pr.region[a], minlength=self.S * self.R)
        return cnt.reshape(self.S, self.R)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one quarter.

        Professionals read only the quarter's opening labour market and firms never read
        what professionals do within the quarter, so with ``engine.threads=2`` the
        professionals' phase runs beside the firms' phases (numpy releases the GIL).
        Each phase has its own random streams and state: results are identical either way.
        """
        lv = self.policy_levels()
        q = self.alive_firms()
        lab = self.labour_market(lv, q)
        n_prof = int(self.talent_count.sum())
        pending = self._pool.submit(self.professionals, lv, lab) if self._pool is not None else None
        self.market(lv, lab, q)
        self.costs_and_profit(lv, q)
        self.investment(lv, lab, q)
        self.location_review(lv, lab, q)
        self.rd_centres(lv, lab)
        self.exit_and_entry(lv, q)
        if pending is None:
            self.professionals(lv, lab)
        else:
            pending.result()
        self.record(lv, q)
        for key in PER_FIRM_OUT:  # recorded: free them now, not when the next quarter replaces them
            self.out.pop(key, None)
        self.agent_steps += len(q.ix) + n_prof
        self.t += 1

    def run(self) -> VectorizedModel:
        """Run every quarter of the horizon."""
        threads = self.p.threads
        self._pool = ThreadPoolExecutor(max_workers=1) if threads > 1 else None
        try:
            for _ in range(self.p.n_quarters):
                self.step()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = None
        return self

    # 3. market ---------------------------------------------------------------
    def alive_firms(self) -> Quarter:
        """Gather the alive firms' state at the start of the quarter."""
        f = self.firms
        if fast.use(f.capacity):
            ix = fast.alive_rows(f.alive)
            s, r, o, cell = fast.gather_cells(ix, f.sector, f.region, f.origin, self.R, self.O)
        else:
            ix = np.flatnonzero(f.alive)
            s, r, o = f.sector[ix].astype(np.intp), f.region[ix].astype(np.intp), f.origin[ix].astype(np.intp)
            cell = (s * self.R + r) * self.O + o
        return Quarter(
            ix=ix,
            s=s,
            r=r,
            o=o,
            cell=cell,
            w=f.weight[ix],
            size=f.size[ix],
            log_cap=f.log_cap[ix],
            abatement=f.abatement[ix],
            automation=f.automation[ix],
            pilot=f.pilot[ix],
            rd_centre=f.rd_centre[ix],
            zone=f.zone[ix],
            limit_left=f.limit_left[ix],
            uid=f.uid[ix],
        )

    def evaluate(self, lv: dict, q: Quarter, mk: Market, j: np.ndarray | None, rc: np.ndarray) -> Econ:
        """Economics of alive-firm rows ``j`` (``None``: all) if located in regions ``rc``.

        ``rc`` is (m,) for one region per firm, or (R, 1) for every region (results (R, m):
        regions along the first axis keep the long axis contiguous, which numpy runs fast).

        Expected values: fines at their expected rate; a site in CN is in a pilot zone
        with the origin's ``pilot_share`` unless it is the firm's current site. A production limit
        (``q.cap``) cuts the attraction at the current site only.
        """
        bh = self.p.behaviour
        two = rc.ndim == 2

        def col(a: np.ndarray) -> np.ndarray:
            b = a if j is None else a[j]
            return b[None, :] if two else b

        c = (col(q.s) * self.R + rc) * self.O + col(q.o)  # cell index
        auto, abat = col(q.automation), col(q.abatement)
        unabated = 1.0 - abat
        fixed = mk.fixed[c] * (1.0 - bh.automation.labour_saving * auto)
        compl_cap = mk.compl[c] * unabated + mk.abate[c] * (abat * abat)
        uc = K.unit_cost(mk.var_wage[c], fixed, 0.0, compl_cap)
        z = K.competitiveness(col(q.log_cap) + mk.shift[c], uc, 0.0, bh.market.eta)
        cap = col(q.cap) if not two else np.where(rc == col(q.r), col(q.cap), 1.0)
        att = col(q.size) * cap * np.exp(z * (1.0 / bh.market.sigma))
        pilot = col(q.pilot) if not two else np.where(rc == col(q.r), col(q.pilot), mk.pilot_share[c])
        mic = mk.mic[c] * pilot
        sub_rate = lv["mic_rate"] * mic + mk.credit[c]
        exp_fine = mk.fine[c] * (unabated > mk.breach_at[c])
        return Econ(
            att=att,
            elig=mk.elig[c],
            price=mk.price[c],
            keep=mk.keep0[c] + mk.rd[c] * sub_rate,
            cost_cap=fixed + mk.wage[c] + compl_cap + exp_fine,
            compl_cap=compl_cap,
            exp_fine_cap=exp_fine,
            sub_rate=sub_rate,
            mic_elig=mic,
            nsp_rate=mk.nsp[c],
        )

    def _market_fast(self, lv: dict, q: Quarter, mk: Market) -> Quarter:
        """:meth:`market` with compiled kernels around numpy's log and exp: the same numbers."""
        p = self.p
        bh = p.behaviour
        tab = np.stack([getattr(mk, name) for name in fast.COST_ROWS])
        uc, x = fast.cell_costs(
            q.cell, q.automation, q.abatement, q.log_cap, q.pilot, tab, bh.automation.labour_saving, lv["mic_rate"]
        )
        att = _attraction(uc, x[0], q.size * q.cap, bh.market.eta, bh.market.sigma)
        self.split_demand(lv, mk, q.s, q.w, att, x[7])
        k = np.array([lv["mic_rate"], p.policy.tw_base.rd_tax_credit], dtype=np.float64)
        y = fast.market_outcomes(
            q.s, q.r, q.w, q.size, q.cap, q.abatement, x, att, mk.per_att_world, mk.per_att_proc, p.rd_intensity,
            p.pollution, k, self.iTW,
        )  # fmt: skip
        q.market, q.revenue, q.profit, q.margin, q.rd = mk, y[0], y[1], y[2], y[3]
        q.sub_rate, q.mic_elig = x[5].copy(), x[6].copy()  # copies: the rest of x can be freed
        self.out.update(
            k1=x[1].copy(), exp_fine=y[4], cost_compliance=y[5], nsp_sub=y[6], mic_spend=y[7], tw_credit_spend=y[8],
            emissions=y[9],
        )  # fmt: skip
        return q

    def revenue(self, q: Quarter, mk: Market, j: np.ndarray | None, e: Econ) -> np.ndarray:
        """Revenue per real firm: its share of world demand (at its price) and of CN procurement."""
        s = q.s if j is None else q.s[j]
        if e.att.ndim == 2:
            s = s[None, :]
        return e.att * (mk.per_att_world[s] * e.price + mk.per_att_proc[s] * e.elig)

    def margins(self, lv: dict, q: Quarter, j: np.ndarray) -> np.ndarray:
        """Expected profit per unit capacity of rows ``j`` in every region: (m, R)."""
        rc = np.arange(self.R)[:, None]
        e = self.evaluate(lv, q, q.market, j, rc)
        rev = self.revenue(q, q.market, j, e)
        return ((rev * e.keep) / q.size[j][None, :] - e.cost_cap).T

    def market(self, lv: dict, lab: Labour, q: Quarter) -> Quarter:
        """Market shares by a logit of competitiveness; revenue and expected profit at the current site."""
        p = self.p
        mk = self.cost_tables(lv, lab)
        q.cap = self.output_caps(lv, q)
        if fast.use(len(q.ix)):
            return self._market_fast(lv, q, mk)
        e = self.evaluate(lv, q, mk, None, q.r)
        self.split_demand(lv, mk, q.s, q.w, e.att, e.elig)
        rev = self.revenue(q, mk, None, e)
        q.market, q.revenue = mk, rev
        q.profit = rev * e.keep - q.size * e.cost_cap
        q.margin = q.profit / q.size
        q.rd = p.rd_intensity[q.s] * rev
        q.sub_rate, q.mic_elig = e.sub_rate, e.mic_elig
        self.out.update(
            k1=e.keep,
            exp_fine=e.exp_fine_cap * q.size,
            cost_compliance=e.compl_cap * q.size * q.w,
            nsp_sub=e.nsp_rate * rev * q.w,
            mic_spend=q.rd * lv["mic_rate"] * e.mic_elig * q.w,
            tw_credit_spend=q.rd * p.policy.tw_base.rd_tax_credit * (q.r == self.iTW) * q.w,
            emissions=p.pollution[q.s] * (1.0 - q.abatement) * (q.size * q.cap) * q.w,
        )
        return q

    # 4. shocks, inspections and realised profit -------------------------------
    def costs_and_profit(self, lv: dict, q: Quarter) -> None:
        """A transitory demand shock; random inspections replace expected fines by fines and shutdowns."""
        p, f = self.p, self.firms
        b = p.behaviour.abatement
        sig = p.behaviour.firms.demand_shock_sigma
        if fast.use(len(q.ix)):
            keys = np.array([self.fkeys["inspection"], self.fkeys["firm_shock"]], dtype=np.uint64)
            k = np.array(
                [
                    b.emission_limit,
                    b.inspection_rate,
                    b.shutdown_prob,
                    b.limit_prob,
                    b.fine_rate,
                    2.0 * np.sqrt(3.0) * sig,
                ]
            )
            q.profit, f.limit_left[q.ix], q.shut, rows = fast.inspections_and_profit(
                q.uid, keys, np.uint64(self.t + 1), q.s, q.r, q.w, q.size, q.abatement, q.revenue, q.profit,
                self.out["k1"], self.out["exp_fine"], self.out["area_new"], q.limit_left, p.pollution,
                np.asarray(lv["enforcement"], dtype=np.float64), k, int(b.limit_quarters),
            )  # fmt: skip
            self.out.update(inspected=rows[0], fined_n=rows[1], limits=rows[2], fines=rows[3])
        else:
            self._costs_and_profit_numpy(lv, q)
        hub = p.schedule.rd_hub_subsidy[self.t]
        if hub > 0:
            q.profit = q.profit + hub * f.rd_centre[q.ix]

    def _costs_and_profit_numpy(self, lv: dict, q: Quarter) -> None:
        """The numpy path of :meth:`costs_and_profit` (small populations, or ``fast.ENABLED = False``)."""
        p, f = self.p, self.firms
        b = p.behaviour.abatement
        u = self.firm_draw("inspection", f.uid[q.ix])
        enf = lv["enforcement"][q.r]
        breach = K.non_compliant(p.pollution[q.s], q.abatement, enf, b.emission_limit)
        p_insp = np.minimum(1.0, b.inspection_rate * enf)
        # one uniform: inspected if u < p_insp; then u / p_insp is uniform again for the shutdown draw,
        # and its position above shutdown_prob for the production-limit draw
        u_shut = u / np.where(p_insp > 0, p_insp, 1.0)
        fined, shut = K.inspections(u, u_shut, p_insp, breach, b.shutdown_prob)
        limit = K.limit_orders(u_shut, fined, shut, b.shutdown_prob, b.limit_prob)
        f.limit_left[q.ix] = np.where(limit, b.limit_quarters, np.maximum(q.limit_left - 1, 0))
        self.out["inspected"] = (u < p_insp) * q.w
        self.out["fined_n"] = fined * q.w
        self.out["limits"] = limit * q.w + self.out["area_new"]
        fines = b.fine_rate * q.size * fined
        # transitory demand shock: uniform with mean 0 and standard deviation sigma
        sig = p.behaviour.firms.demand_shock_sigma
        shock = (2.0 * np.sqrt(3.0) * sig) * (self.firm_draw("firm_shock", f.uid[q.ix]) - 0.5)
        q.profit = q.profit + shock * q.revenue * self.out["k1"] + self.out["exp_fine"] - fines
        q.shut = shut
        self.out["fines"] = fines * q.w

    # 5. investment -----------------------------------------------------------
    def investment(self, lv: dict, lab: Labour, q: Quarter) -> None:
        """R&D raises capability; abatement follows enforcement; automation; capacity."""
        p, f = self.p, self.firms
        bh = p.behaviour
        ix, r, o, w = q.ix, q.r, q.o, q.w
        # capability: R&D (plus subsidy) per unit capacity, talent fill, catch-up to the frontier
        frontier = self.capability_frontier(q)
        fill_c, cut_c, target_c, pressure_c, spill_c = self.investment_tables(lv, lab, q)
        x = q.rd * (1.0 + q.sub_rate) / q.size
        if fast.use(len(ix)):
            new_size = self._invest_fast(lv, q, frontier, x, (fill_c, cut_c, target_c, pressure_c, spill_c))
        else:
            new_size = self._invest_numpy(lv, q, frontier, x, (fill_c, cut_c, target_c, pressure_c, spill_c))
        f.size[ix] = new_size
        abroad_tw = (o == TW_O) & (r != self.iTW)
        invest = bh.firms.capital_per_capacity * np.maximum(new_size - q.size, 0.0) * w * abroad_tw
        self.out["outward"] = K.group_sum(r, invest, self.R)
        f.age[ix] += 1

    def _invest_fast(self, lv: dict, q: Quarter, frontier: np.ndarray, x: np.ndarray, tables: tuple) -> np.ndarray:
        """Capability, abatement, automation and capacity of ``investment`` with a compiled kernel; the new capacity."""
        f, bh = self.firms, self.p.behaviour
        fill_c, cut_c, target_c, pressure_c, spill_c = tables
        px = np.power(np.maximum(x, 0.0), bh.capability.alpha)
        tab = np.stack([np.power(fill_c, bh.capability.talent_weight), cut_c, target_c, pressure_c, spill_c])
        fb = bh.firms
        k = np.array(
            [
                bh.capability.theta,
                bh.capability.catch_up,
                bh.abatement.adjust_speed,
                self.p.policy.mic2025.automation_boost * lv["mic_level"],
                bh.automation.rate,
                bh.automation.cost,
                fb.size_adjust,
                fb.target_margin,
                fb.size_adjust_max,
            ],
            dtype=np.float64,
        )
        q.profit = q.profit.copy()
        lc, ab, au, dlog = fast.capability_and_costs(
            q.cell, q.s, q.log_cap, q.abatement, q.automation, q.mic_elig, q.size, q.profit, px, tab, frontier, k
        )
        f.log_cap[q.ix], f.abatement[q.ix], f.automation[q.ix] = lc, ab, au
        return q.size * np.exp(dlog)

    def _invest_numpy(self, lv: dict, q: Quarter, frontier: np.ndarray, x: np.ndarray, tables: tuple) -> np.ndarray:
        """The numpy path of :meth:`_invest_fast` (small populations, or ``fast.ENABLED = False``)."""
        p, f = self.p, self.firms
        bh = p.behaviour
        ix, s, c = q.ix, q.s, q.cell
        fill_c, cut_c, target_c, pressure_c, spill_c = tables
        f.log_cap[ix] = q.log_cap + K.capability_growth(
            x,
            fill_c[c],
            frontier[s] - q.log_cap,
            bh.capability.theta,
            bh.capability.alpha,
            bh.capability.talent_weight,
            bh.capability.catch_up,
            cut_c[c],
            spill_c[c],
        )
        # abatement moves toward its target under current enforcement
        f.abatement[ix] = q.abatement + bh.abatement.adjust_speed * (target_c[c] - q.abatement)
        # automation: the alternative to relocation when fixed (labour) costs rise
        boost = 1.0 + p.policy.mic2025.automation_boost * lv["mic_level"] * q.mic_elig
        d_auto = np.minimum(1.0, bh.automation.rate * pressure_c[c] * boost) * (1.0 - q.automation)
        f.automation[ix] = q.automation + d_auto
        q.profit = q.profit - bh.automation.cost * d_auto * q.size
        # capacity grows with the margin above target, shrinks below it
        fb = bh.firms
        dlog = np.clip(fb.size_adjust * (q.profit / q.size - fb.target_margin), -fb.size_adjust_max, fb.size_adjust_max)
        new_size = q.size * np.exp(dlog)
        return new_size

    # 6. location review -------------------------------------------------------
    def location_review(self, lv: dict, lab: Labour, q: Quarter) -> None:
        """A share of firms compare expected margins by region and choose by multinomial logit."""
        p, f = self.p, self.firms
        fb = p.behaviour.firms
        uq = self.firm_draw("firm_location", f.uid[q.ix])
        k = np.flatnonzero(uq < fb.review_rate)
        self.out["relocations"] = np.zeros((self.S, self.R, self.O))
        q.cell_now = q.cell
        if len(k) == 0:
            return
        o, r = q.o[k], q.r[k]
        R = self.R
        move = np.full((len(k), R), fb.move_cost + lv["pandemic"] * p.policy.pandemic.firm_move_cost_add)
        move[:, self.iSEA] -= (o == TW_O) * p.policy.tw_new_southbound.move_cost_cut * lv["nsp"] * fb.move_cost
        if fast.use(len(q.ix)):
            util = self._location_utility_fast(lv, q, k, move)
        else:
            stay = r[:, None] == np.arange(R)[None, :]
            util = fb.beta_profit * self.margins(lv, q, k) + self.firm_asc[o] - move * ~stay
        # one uniform per firm: u < review_rate reviews; v = u / review_rate is uniform given a
        # review and picks the region; v's position inside the chosen region's probability
        # interval is uniform again and decides whether the new site is in a pilot city
        prob = K.logit_probabilities(util)
        v = uq[k] / fb.review_rate
        new_r = K.choose(prob, v)
        cdf = np.cumsum(prob, axis=1)
        rows = np.arange(len(k))
        lower = cdf[rows, new_r] - prob[rows, new_r]
        v_pilot = (v - lower) / np.maximum(prob[rows, new_r], 1e-300)
        movers = new_r != r
        slots = q.ix[k][movers]
        dest = new_r[movers]
        f.region[slots] = dest
        f.zone[slots], f.pilot[slots] = self.site_zone(o[movers], dest, v_pilot[movers])
        f.limit_left[slots] = 0  # an order binds the plant it was made for, not the firm's new site
        self.log("relocation", slots, dest)
        rows_m = k[movers]
        old_cell = q.cell[rows_m]
        new_cell = (q.s[rows_m] * R + dest) * self.O + q.o[rows_m]
        q.cell_now = q.cell.copy()
        q.cell_now[rows_m] = new_cell
        n_cells = self.S * R * self.O
        self.firm_agents += np.bincount(new_cell, minlength=n_cells) - np.bincount(old_cell, minlength=n_cells)
        self.firm_count += K.group_sum(new_cell, q.w[rows_m], n_cells) - K.group_sum(old_cell, q.w[rows_m], n_cells)
        size, w = q.size[k][movers], q.w[k][movers]
        q.profit[k[movers]] -= fb.relocation_cost_share * size
        tw_abroad = (o[movers] == TW_O) & (dest != self.iTW)
        self.out["outward"] = self.out["outward"] + K.group_sum(
            dest, fb.capital_per_capacity * size * w * tw_abroad, self.R
        )
        cell = (q.s[k][movers] * self.R + dest) * self.O + o[movers]
        self.out["relocations"] = K.group_sum(cell, w, self.S * self.R * self.O).reshape(self.S, self.R, self.O)

    def _location_utility_fast(self, lv: dict, q: Quarter, k: np.ndarray, move: np.ndarray) -> np.ndarray:
        """:meth:`location_review`'s utilities with compiled kernels around numpy's log and exp: the same numbers."""
        bh, mk = self.p.behaviour, q.market
        tab = np.stack([getattr(mk, name) for name in fast.COST_ROWS])
        e = fast.site_costs(
            k, q.s, q.r, q.o, q.automation, q.abatement, q.log_cap, q.size, q.cap, q.pilot, tab, mk.pilot_share,
            bh.automation.labour_saving, lv["mic_rate"], self.R, self.O,
        )  # fmt: skip
        att = _attraction(e[0], e[1], e[2], bh.market.eta, bh.market.sigma)
        return fast.site_utility(
            k, q.s, q.r, q.o, q.size, e, att, mk.per_att_world, mk.per_att_proc, self.firm_asc, move,
            bh.firms.beta_profit,
        )  # fmt: skip

    # 7. R&D centres -----------------------------------------------------------
    def rd_centres(self, lv: dict, lab: Labour) -> None:
        """Foreign firms open (logit of incentive, TW talent pool, 31-measures access) or close R&D centres.

        Each foreign firm agent's share of firms with a centre moves at its expected rate:
        share' = share x (1 - close_rate) + (1 - share) x p_open (no draws; see ODD, R&D centres).
        """
        f = self.firms
        close = self.p.behaviour.rd_centres.close_rate
        foreign = np.flatnonzero(f.alive & (f.origin == FOREIGN_O))
        p_open = self.rd_centre_open_prob(lv, lab)
        s = f.rd_centre[foreign]
        f.rd_centre[foreign] = s * (1.0 - close) + (1.0 - s) * p_open
        a = f.alive
        self.out["rd_centres"] = (f.weight[a] * f.rd_centre[a]).sum()

    # 8. exit and entry ------------------------------------------------------
    def exit_and_entry(self, lv: dict, q: Quarter) -> None:
        """Exit after ``loss_quarters`` losses or a shutdown order; Poisson entry by profitability."""
        p, f = self.p, self.firms
        fb = p.behaviour.firms
        S, R, O = self.S, self.R, self.O
        ix = q.ix
        n_cells = S * R * O
        streak = np.where(q.profit < 0, f.loss_streak[ix] + 1, 0)
        f.loss_streak[ix] = streak
        exit_enf = q.shut
        exit_loss = ~exit_enf & (streak >= fb.loss_quarters)
        sr_now = q.cell_now // O  # sector x R + region after relocation
        self.out["exits_loss"] = K.group_sum(sr_now[exit_loss], q.w[exit_loss], S * R).reshape(S, R)
        self.out["exits_enf"] = K.group_sum(sr_now[exit_enf], q.w[exit_enf], S * R).reshape(S, R)
        gone = np.flatnonzero(exit_enf | exit_loss)
        dead = ix[gone]
        self.log("exit_loss", ix[exit_loss])
        self.log("exit_enforcement", ix[exit_enf])
        f.alive[dead] = False
        f.rd_centre[dead] = 0.0
        self.firm_agents -= np.bincount(q.cell_now[gone], minlength=n_cells)
        self.firm_count -= K.group_sum(q.cell_now[gone], q.w[gone], n_cells)

        # entry per (sector, region, origin): mean rises with recent profitability there
        # (capacity-weighted margin of the cell's incumbents; of the (sector, region) if the cell is empty)
        lam = self.entry_means(q, self.firm_agents)
        counts = self.entry_counts(lam)
        self.out["entries"] = counts * self.entrant_weight[None, None, :]
        self.firm_agents += counts.ravel()
        self.firm_count += self.out["entries"].ravel()
        total = int(counts.sum())
        if total == 0:
            return
        cells, uids, z_size, z_cap, u_pilot = self.entrant_draws(counts)
        es, er, eo = cells // (R * O), (cells // O) % R, cells % O
        slots = f.free_slots(total)
        sig = p.population.firm_size_sigma
        size = self.entrant_size[es, eo] * np.exp(sig * z_size - sig**2 / 2)
        mlc = q.mean_log_cap
        b = p.behaviour.abatement
        f.alive[slots] = True
        f.uid[slots] = uids
        f.origin[slots], f.region[slots], f.sector[slots] = eo, er, es
        f.weight[slots] = self.entrant_weight[eo]
        f.size[slots] = size
        f.log_cap[slots] = mlc[es, eo] + p.population.capability_sigma * z_cap
        f.abatement[slots] = K.abatement_target(
            p.pollution[es], lv["enforcement"][er], b.compliance_rate, b.cost, b.emission_limit
        )
        f.automation[slots] = 0.0
        f.zone[slots], f.pilot[slots] = self.site_zone(eo, er, u_pilot)
        f.limit_left[slots] = 0
        f.age[slots] = 0
        f.loss_streak[slots] = 0
        f.rd_centre[slots] = 0.0
        self.log("firm_entry", slots, cells)
        tw_abroad = (eo == TW_O) & (er != self.iTW)
        self.out["outward"] = self.out["outward"] + K.group_sum(
            er, fb.capital_per_capacity * size * f.weight[slots] * tw_abroad, R
        )

    # 9. professionals -------------------------------------------------------
    def professionals(self, lv: dict, lab: Labour) -> None:
        """Review and logit choice of region; Taiwan's response rule; promotion, retirement and entry."""
        p, pr = self.p, self.prof
        b = p.behaviour.professionals
        R, wgt = self.R, self.prof_weight
        S = self.S
        prob = self.prof_choice_probabilities(lv, lab)
        # one uniform per professional and quarter: [0, h) reviews where to work, [h, h + rate)
        # retires (seniors) or is promoted (others); the events are disjoint within a quarter
        u = self.rng["prof_choice"].random(pr.capacity, dtype=np.float32)
        h = np.float32(b.review_rate)
        k, retire, promote = self.prof_events(u, h)
        r_old, r_new, n_out, n_back = self.migrate(prob, k, u, h)
        self.log("migration", k[r_new != r_old], r_new[r_new != r_old])
        self.out["outflow"] = n_out * wgt
        self.out["return"] = n_back * wgt
        count = self.talent_count
        self.taiwan_response(lv, lab)
        # demography: seniors retire, others are promoted (drawn above)
        pr.alive[retire] = False
        pr.stage[promote] += 1
        self.log("retirement", retire)
        self.log("promotion", promote)
        count -= np.bincount(pr.sector[retire].astype(np.intp) * R + pr.region[retire], minlength=S * R).reshape(S, R)
        n_new = int(self.rng["prof_entry"].poisson(self.prof_entry_mean()))
        self.out["prof_retire"] = len(retire) * wgt
        self.out["prof_entry"] = n_new * wgt
        if n_new:
            slots = pr.free_slots(n_new)
            pr.alive[slots] = True
            pr.sector[slots] = K.choose_grouped(
                p.prof_share[None, :], np.zeros(n_new, dtype=np.intp), self.rng["prof_entry_attrs"].random(n_new)
            )
            pr.region[slots] = self.iTW
            pr.stage[slots] = 0
            self.log("prof_entry", slots, pr.sector[slots])
            count[:, self.iTW] += np.bincount(pr.sector[slots], minlength=S)
        self.talent = count * wgt

    def migrate(
        self, prob: np.ndarray, k: np.ndarray, u: np.ndarray, h: np.float32
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Professionals ``k`` choose a region by logit (``prob`` by sector and current region) with ``u / h``.

        Moves them, keeps ``talent_count`` up to date, and returns their old and new regions and the
        agents who left Taiwan by destination and who came back by origin.
        """
        pr, S, R, iTW = self.prof, self.S, self.R, self.iTW
        cdf = np.cumsum(prob.reshape(S * R, R), axis=-1)
        if fast.use(len(k)):
            return fast.migrate(k, u, h, pr.sector, pr.region, cdf, R, iTW, self.talent_count)
        s, r_old = pr.sector[k].astype(np.intp), pr.region[k].astype(np.intp)
        # u / h is uniform on [0, 1) given a review: the choice draw
        r_new = K.choose_grouped(prob.reshape(S * R, R), s * R + r_old, u[k] / h)
        pr.region[k] = r_new
        out_m = (r_old == iTW) & (r_new != iTW)
        ret_m = (r_old != iTW) & (r_new == iTW)
        count = self.talent_count
        count -= np.bincount(s * R + r_old, minlength=S * R).reshape(S, R)
        count += np.bincount(s * R + r_new, minlength=S * R).reshape(S, R)
        return r_old, r_new, np.bincount(r_new[out_m], minlength=R), np.bincount(r_old[ret_m], minlength=R)

    def prof_events(self, u: np.ndarray, h: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slots that review where to work, retire and are promoted this quarter, from one uniform each.

        [0, h) reviews; [h, h + rate) retires (seniors) or is promoted (others): disjoint events.
        """
        pr, b = self.prof, self.p.behaviour.professionals
        retire_rate, promote_rate = np.float32(b.retire_rate), np.float32(b.promote_rate)
        hit_below = h + np.float32(max(b.retire_rate, b.promote_rate))
        if fast.use(len(u)):
            return fast.prof_events_all(pr.alive, u, hit_below, pr.stage, h, retire_rate, promote_rate)
        hit = np.flatnonzero((u < hit_below) & pr.alive)
        uh = u[hit]
        cand, ud = hit[uh >= h], uh[uh >= h] - h
        senior = pr.stage[cand] == 2
        return hit[uh < h], cand[senior & (ud < retire_rate)], cand[~senior & (ud < promote_rate)]

    def log(self, kind: str, slots: np.ndarray, detail: np.ndarray | int = 0) -> None:
        """Keep this quarter's events of one kind if ``log_events`` is on.

        Each event is an agent slot and one integer detail (destination region, cell, sector).
        """
        if self.events is not None and len(slots):
            self.events.append((self.t, kind, np.asarray(slots).copy(), np.broadcast_to(detail, len(slots)).copy()))

    # 10. record -------------------------------------------------------------
    def record(self, lv: dict, q: Quarter) -> None:
        """Write the quarter's indicators into the preallocated results."""
        self.recorder.record(self, lv, q)
