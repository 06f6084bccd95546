"""Agents of the Mesa engine: one Python object per firm and per professional.

Every behaviour of MODEL_BRIEF "One step" is a method named after it, written for one
agent. The model (:mod:`crossstrait_sim.mesa_engine.model`) draws each stage's uniforms for
all slots at once and hands the whole array to every agent; the agent in slot ``i``
reads row ``i``. That is how both engines make the same decisions for the same seed.

Arithmetic note: each formula is written in the same order of operations as the
vectorized core, and transcendental functions are numpy's (``np.exp``, ``np.log``):
``math.exp`` differs from numpy's SIMD ``exp`` in the last bit for a few percent of
inputs, which would make the two engines drift apart by rounding. Professionals'
uniforms are float32, as in the vectorized core, and their arithmetic stays float32.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from crossstrait_sim.config.parameters import FOREIGN_O, TW_O
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.tables import Market

# The agents' model is the Mesa engine's MesaModel (a mesa.Model that is also a CellTables); it is
# typed as the Mesa base class here so that the agents do not import the model that imports them.
MesaModel = Any


class FirmAgent(mesa.Agent):
    """A firm (MODEL_BRIEF "Agents"): one agent stands for ``weight`` real firms.

    Args:
        model: the Mesa model.
        slot: index of the agent's row in the engine's tables (the order sums run in).
        uid: identity: keys the firm's own random draws.
        origin: 0 TW, 1 CN, 2 FOREIGN.
        sector: index into the sector table.
        region: index into the region table (where the plant is).
        weight: real firms the agent stands for.
        size: capacity, USD m revenue per quarter at average competitiveness.
        log_cap: log capability (technology level).
        abatement: share of pollution abated, 0-1.
        automation: automation level, 0-1.
        pilot: site in a MIC2025 pilot city or cluster.
        age: quarters since entry.
        loss_streak: consecutive loss quarters.
        rd_centre: share of the real firms (foreign) this agent stands for that run an R&D centre in Taiwan.
        zone: zone of a CN site (row of ``population.cn_zones``, then ``other``); -1 outside CN.
        limit_left: quarters left of a production-limit order.
    """

    model: MesaModel

    def __init__(
        self,
        model: MesaModel,
        slot: int,
        uid: int,
        origin: int,
        sector: int,
        region: int,
        weight: float,
        size: float,
        log_cap: float,
        abatement: float,
        automation: float,
        pilot: bool,
        age: int,
        loss_streak: int,
        rd_centre: float,
        zone: int = -1,
        limit_left: int = 0,
    ) -> None:
        super().__init__(model)
        self.slot = int(slot)
        self.uid = np.uint64(uid)
        self.origin, self.sector, self.region = int(origin), int(sector), int(region)
        self.weight = np.float64(weight)
        self.size, self.log_cap = np.float64(size), np.float64(log_cap)
        self.abatement, self.automation = np.float64(abatement), np.float64(automation)
        self.pilot, self.age, self.loss_streak = bool(pilot), int(age), int(loss_streak)
        self.rd_centre = float(rd_centre)
        self.zone, self.limit_left = int(zone), int(limit_left)
        self.history: list[tuple[int, str, object]] = []  # (quarter, event, detail): see ``note``
        model.firm_slots[self.slot] = self

    # ----------------------------------------------------------------- helpers
    def state(self) -> dict[str, object]:
        """The agent's state and this quarter's accounts, for inspection (``MesaModel.follow``)."""
        keys = (
            "region",
            "size",
            "log_cap",
            "abatement",
            "automation",
            "pilot",
            "age",
            "loss_streak",
            "rd_centre",
            "zone",
            "limit_left",
            "revenue",
            "profit",
        )
        return {k: getattr(self, k, None) for k in keys}

    def note(self, event: str, detail: object = None) -> None:
        """Keep a discrete event in the agent's own history (and the model's log if it keeps one)."""
        self.history.append((self.model.t, event, detail))
        self.model.log_event(event, self.slot, detail)

    def cell(self, region: int | None = None) -> int:
        """Index of the (sector, region, origin) cell, at the current region or at ``region``."""
        m = self.model
        r = self.region if region is None else region
        return (self.sector * m.R + r) * m.O + self.origin

    def open_quarter(self) -> None:
        """Remember the state at the start of the quarter.

        The market, the location review and entry read it, whatever the earlier stages of the
        quarter changed (MODEL_BRIEF "One step").
        """
        self.q_region, self.q_size, self.q_log_cap = self.region, self.size, self.log_cap
        self.q_abatement, self.q_automation, self.q_pilot = self.abatement, self.automation, self.pilot
        self.q_rd_centre = self.rd_centre
        self.q_limit_left = self.limit_left

    def economics(self, mk: Market, region: int) -> dict[str, np.float64]:
        """Costs, attraction and subsidies of this firm with its plant in ``region``.

        State at the start of the quarter (MODEL_BRIEF "Suggested forms": market share, profit, subsidies).

        A site in another region is in a pilot zone with the origin's pilot share there (expected
        value); fines enter at their expected rate. A production limit (``q_cap``, set by the model)
        cuts the attraction at the current site only.
        """
        m, bh = self.model, self.model.p.behaviour
        c = self.cell(region)
        abat = self.q_abatement
        unabated = 1.0 - abat
        fixed = mk.fixed[c] * (1.0 - bh.automation.labour_saving * self.q_automation)
        compl_cap = mk.compl[c] * unabated + mk.abate[c] * (abat * abat)
        unit_cost = K.unit_cost(mk.var_wage[c], fixed, 0.0, compl_cap)
        z = K.competitiveness(self.q_log_cap + mk.shift[c], unit_cost, 0.0, bh.market.eta)
        pilot = self.q_pilot if region == self.q_region else mk.pilot_share[c]
        mic = mk.mic[c] * pilot
        sub_rate = m.lv["mic_rate"] * mic + mk.credit[c]
        exp_fine = mk.fine[c] * (unabated > mk.breach_at[c])
        cap = self.q_cap if region == self.q_region else 1.0
        return {
            "att": self.q_size * cap * np.exp(z * (1.0 / bh.market.sigma)),
            "elig": mk.elig[c],
            "price": mk.price[c],
            "keep": mk.keep0[c] + mk.rd[c] * sub_rate,
            "cost_cap": fixed + mk.wage[c] + compl_cap + exp_fine,
            "compl_cap": compl_cap,
            "exp_fine_cap": exp_fine,
            "sub_rate": sub_rate,
            "mic_elig": mic,
            "nsp_rate": mk.nsp[c],
        }

    def sales(self, mk: Market, e: dict[str, np.float64]) -> np.float64:
        """Revenue of one real firm: its share of world demand (at its price) and of CN procurement."""
        return e["att"] * (mk.per_att_world[self.sector] * e["price"] + mk.per_att_proc[self.sector] * e["elig"])

    # ------------------------------------------------------------ 2. market
    def compete(self, mk: Market) -> None:
        """Compete for demand (MODEL_BRIEF "One step" 2, Market).

        Attraction = size x exp(z / sigma), with competitiveness z = log capability - eta x log unit
        cost + site and access terms; the model sums attraction by sector to split demand.
        """
        self.econ = self.economics(mk, self.region)

    def book_sales(self, mk: Market) -> None:
        """Book sales and expected profit (MODEL_BRIEF "One step" 2-3).

        Revenue = demand x own attraction / sector total; expected profit at the current site
        (costs, expected fines, subsidies); R&D spending.
        """
        p, lv, e = self.model.p, self.model.lv, self.econ
        self.revenue = self.sales(mk, e)
        self.profit = self.revenue * e["keep"] - self.q_size * e["cost_cap"]
        self.margin = self.profit / self.q_size
        self.rd = p.rd_intensity[self.sector] * self.revenue
        w = self.weight
        self.compliance_spend = e["compl_cap"] * self.q_size * w
        self.nsp_subsidy = e["nsp_rate"] * self.revenue * w
        self.mic_spend = self.rd * lv["mic_rate"] * e["mic_elig"] * w
        self.tw_credit_spend = self.rd * p.policy.tw_base.rd_tax_credit * (self.region == self.model.iTW) * w
        self.emissions = p.pollution[self.sector] * (1.0 - self.q_abatement) * (self.q_size * self.q_cap) * w

    # ------------------------------------------------ 3. costs and profit
    def face_demand_shock(self, u: np.ndarray) -> None:
        """Transitory demand shock (MODEL_BRIEF "Exit and entry": it spreads exits over time).

        Uniform with mean 0 and standard deviation ``demand_shock_sigma``.
        """
        sig = self.model.p.behaviour.firms.demand_shock_sigma
        shock = (2.0 * np.sqrt(3.0) * sig) * (u[self.slot] - 0.5)
        self.profit = self.profit + shock * self.revenue * self.econ["keep"]

    def undergo_inspection(self, u: np.ndarray) -> None:
        """Random inspection (MODEL_BRIEF "Suggested forms", enforcement; §參).

        Inspected with probability iota x enforcement; a plant in breach (pollution x (1 - abatement)
        x enforcement > limit) is fined, or with ``shutdown_prob`` ordered to stop; a fined plant not
        stopped is ordered with ``limit_prob`` to limit its output for ``limit_quarters`` (from the next
        quarter). Expected fines in profit are replaced by the actual fine.

        One uniform: inspected if u < p; then u / p is uniform again and decides the shutdown, and
        its position above ``shutdown_prob`` the production limit.
        """
        m = self.model
        b = m.p.behaviour.abatement
        enf = m.lv["enforcement"][self.region]
        breach = K.non_compliant(m.p.pollution[self.sector], self.abatement, enf, b.emission_limit)
        m.watch_tie("breach", m.p.pollution[self.sector] * (1.0 - self.abatement) * enf, b.emission_limit)
        p_insp = min(1.0, b.inspection_rate * enf)
        ui = u[self.slot]
        u_shut = ui / (p_insp if p_insp > 0 else 1.0)
        fined, shut = K.inspections(ui, u_shut, p_insp, breach, b.shutdown_prob)
        limit = bool(K.limit_orders(u_shut, fined, shut, b.shutdown_prob, b.limit_prob))
        self.limit_left = b.limit_quarters if limit else max(self.q_limit_left - 1, 0)
        self.inspected, self.fined_flag, self.limit_order = bool(ui < p_insp), bool(fined), limit
        self.fines = b.fine_rate * self.size * fined
        self.shutdown_order = bool(shut)
        self.profit = self.profit + self.econ["exp_fine_cap"] * self.size - self.fines
        hub = m.p.schedule.rd_hub_subsidy[m.t]
        if hub > 0:
            self.profit = self.profit + hub * self.rd_centre

    # ----------------------------------------------------------- 4. investment
    def invest(self, tables: tuple[np.ndarray, ...], frontier: np.ndarray) -> None:
        """MODEL_BRIEF "One step" 4 (Investment), in order: R&D, abatement, automation, capacity."""
        self.do_rd(tables[0], tables[1], frontier, tables[4])
        self.adjust_abatement(tables[2])
        self.automate(tables[3])
        self.adjust_capacity()
        self.age += 1

    def do_rd(self, fill: np.ndarray, cut: np.ndarray, frontier: np.ndarray, spill: np.ndarray) -> None:
        """R&D raises capability (MODEL_BRIEF "Suggested forms", capability; "Shocks"; issue 9).

        Growth theta x (R&D x (1 + subsidy) / size)^alpha x skill, where skill is the talent fill
        times the know-how gain of the cell's Taiwanese staff, plus catch-up toward the sector
        frontier and the R&D-centre spillover; export controls cut the growth of CN firms in
        controlled sectors.
        """
        cb, c = self.model.p.behaviour.capability, self.cell(self.q_region)
        x = self.rd * (1.0 + self.econ["sub_rate"]) / self.q_size
        self.log_cap = self.q_log_cap + K.capability_growth(
            x,
            fill[c],
            frontier[self.sector] - self.q_log_cap,
            cb.theta,
            cb.alpha,
            cb.talent_weight,
            cb.catch_up,
            cut[c],
            spill[c],
        )

    def adjust_abatement(self, target: np.ndarray) -> None:
        """Abatement moves toward the cost-minimising level under current enforcement (MODEL_BRIEF §參)."""
        speed = self.model.p.behaviour.abatement.adjust_speed
        self.abatement = self.q_abatement + speed * (target[self.cell(self.q_region)] - self.q_abatement)

    def automate(self, pressure: np.ndarray) -> None:
        """Automate against rising fixed (labour) costs (MODEL_BRIEF "One step" 4).

        The alternative to relocation; MIC2025 support raises it where the firm is eligible.
        """
        m = self.model
        p, ab = m.p, m.p.behaviour.automation
        boost = 1.0 + p.policy.mic2025.automation_boost * m.lv["mic_level"] * self.econ["mic_elig"]
        d_auto = np.minimum(1.0, ab.rate * pressure[self.cell(self.q_region)] * boost) * (1.0 - self.q_automation)
        self.automation = self.q_automation + d_auto
        self.profit = self.profit - ab.cost * d_auto * self.q_size

    def adjust_capacity(self) -> None:
        """Grow or shrink capacity with the margin above or below target (capped).

        Taiwanese firms' expansion abroad counts as outward investment (MODEL_BRIEF "What a run yields").
        """
        m = self.model
        fb = m.p.behaviour.firms
        dlog = np.clip(
            fb.size_adjust * (self.profit / self.q_size - fb.target_margin), -fb.size_adjust_max, fb.size_adjust_max
        )
        self.size = self.q_size * np.exp(dlog)
        abroad_tw = (self.origin == TW_O) & (self.q_region != m.iTW)
        self.expansion_investment = (
            fb.capital_per_capacity * np.maximum(self.size - self.q_size, 0.0) * self.weight * abroad_tw
        )

    # ------------------------------------------------------ 5. location review
    def expected_margins(self) -> np.ndarray:
        """Expected profit per unit capacity in every region (R,) (MODEL_BRIEF "Location review").

        Each with that region's costs, access and subsidies.
        """
        m, mk = self.model, self.model.market_tables
        out = np.empty(m.R)
        for r in range(m.R):  # a handful of candidate regions
            e = self.economics(mk, r)
            out[r] = (self.sales(mk, e) * e["keep"]) / self.q_size - e["cost_cap"]
        return out

    def review_location(self, u: np.ndarray) -> None:
        """Review the plant's location (MODEL_BRIEF "One step" 5).

        With probability ``h_firm`` the firm compares expected margins in TW, CN, SEA and ROW, net of
        a relocation cost, and picks a region by multinomial logit.

        One uniform: u < h reviews; v = u / h picks the region by inverse CDF; v's position inside the
        chosen region's probability interval is uniform again and decides whether the new site is in
        a pilot city. A move costs ``relocation_cost_share`` of capacity, booked as investment abroad.
        """
        m = self.model
        p, fb = m.p, m.p.behaviour.firms
        h = fb.review_rate
        if not u[self.slot] < h:
            return
        move = np.full(m.R, fb.move_cost + m.lv["pandemic"] * p.policy.pandemic.firm_move_cost_add)
        move[m.iSEA] -= (self.origin == TW_O) * p.policy.tw_new_southbound.move_cost_cut * m.lv["nsp"] * fb.move_cost
        stay = np.arange(m.R) == self.q_region
        util = fb.beta_profit * self.expected_margins() + m.firm_asc[self.origin] - move * ~stay
        prob = K.logit_probabilities(util)
        v = u[self.slot] / h
        new_r = int(K.choose(prob, np.asarray(v)))
        cdf = np.cumsum(prob)
        m.watch_tie("location choice", v, cdf[:-1])
        lower = cdf[new_r] - prob[new_r]
        v_pilot = (v - lower) / np.maximum(prob[new_r], 1e-300)
        if new_r == self.q_region:
            return
        self.region = new_r
        zone, pilot = m.site_zone(np.array([self.origin]), np.array([new_r]), np.array([v_pilot]))
        self.zone, self.pilot = int(zone[0]), bool(pilot[0])
        self.limit_left = 0  # an order binds the plant it was made for, not the firm's new site
        m.watch_tie("zone of the site", v_pilot, np.cumsum(p.zone_share[self.origin])[:-1])
        self.profit = self.profit - fb.relocation_cost_share * self.q_size
        self.moved_to = new_r
        tw_abroad = (self.origin == TW_O) & (new_r != m.iTW)
        self.relocation_investment = fb.capital_per_capacity * self.q_size * self.weight * tw_abroad
        self.note("relocation", new_r)

    # -------------------------------------------------------- 6. R&D centres
    def review_rd_centre(self, p_open: float) -> None:
        """Open or close R&D centres in Taiwan (MODEL_BRIEF §伍 and "Suggested forms").

        Of the real foreign firms this agent stands for, those without a centre open one with a
        logit chance (Taiwan's incentive, TW talent pool, 31-measures access; ``p_open`` from the
        model) and those with one close it at ``close_rate``: the agent's share of firms with a
        centre moves at that expected rate.
        """
        if self.origin != FOREIGN_O:
            return
        s = self.rd_centre
        self.rd_centre = s * (1.0 - self.model.p.behaviour.rd_centres.close_rate) + (1.0 - s) * p_open

    # ---------------------------------------------------------------- 7. exit
    def consider_exit(self) -> None:
        """Exit after a shutdown order or ``loss_quarters`` consecutive losses (MODEL_BRIEF "Exit and entry")."""
        m = self.model
        m.watch_tie("loss", self.profit, 0.0, scale=self.q_size)
        self.loss_streak = self.loss_streak + 1 if self.profit < 0 else 0
        if self.shutdown_order:
            self.exit_cause = "exit_enforcement"
        elif self.loss_streak >= m.p.behaviour.firms.loss_quarters:
            self.exit_cause = "exit_loss"
        else:
            return
        self.rd_centre = 0.0
        self.note(self.exit_cause)
        m.firm_slots[self.slot] = None
        self.remove()


class ProfessionalAgent(mesa.Agent):
    """A Taiwanese professional (MODEL_BRIEF "Agents").

    Every agent stands for the model's ``prof_weight`` real people.

    Args:
        model: the Mesa model.
        slot: index of the agent's row in every per-slot random draw.
        sector: sector of skill.
        region: region of work.
        stage: career stage, 0 early, 1 mid, 2 senior.
    """

    model: MesaModel

    def __init__(self, model: MesaModel, slot: int, sector: int, region: int, stage: int) -> None:
        super().__init__(model)
        self.slot = int(slot)
        self.sector, self.region, self.stage = int(sector), int(region), int(stage)
        self.history: list[tuple[int, str, object]] = []
        model.prof_slots[self.slot] = self

    def note(self, event: str, detail: object = None) -> None:
        """Keep a discrete event in the agent's own history (and the model's log if it keeps one)."""
        self.history.append((self.model.t, event, detail))
        self.model.log_event(event, self.slot, detail)

    def state(self) -> dict[str, object]:
        """The agent's state, for inspection (``MesaModel.follow``)."""
        return {"sector": self.sector, "region": self.region, "stage": self.stage}

    def review_workplace(self, u: np.ndarray, cdf: np.ndarray) -> None:
        """Review where to work (MODEL_BRIEF "One step" 7).

        With probability ``h_prof`` a professional picks TW, CN, SEA or ROW by a logit of utility (log
        expected wage x employment chance, amenity, the 31 measures' individual items, Taiwan's
        retention terms, moving cost). ``cdf`` is the cumulative choice probability by (sector,
        current region), computed by the model.

        One float32 uniform per professional and quarter: [0, h) reviews, and u / h is the choice draw.
        """
        m = self.model
        ui = u[self.slot]
        if not ui < m.h_review:
            return
        v = ui / m.h_review  # float32, as in the vectorized core
        row = cdf[self.sector * m.R + self.region]
        new_r = 0
        for a in range(m.R - 1):  # inverse CDF: count cumulative probabilities at or below v
            new_r += v >= row[a]
        m.watch_tie("workplace choice", v, row[:-1])
        old_r = self.region
        self.region = new_r
        if new_r == old_r:
            return
        self.note("migration", new_r)
        m.moves.append((self.sector, old_r, new_r))

    def advance_career(self, u: np.ndarray) -> None:
        """Retire (seniors) or be promoted (others) at constant rates (MODEL_BRIEF "Suggested forms").

        The same float32 uniform as the review: [h, h + rate) is the demography draw (the events are
        disjoint within a quarter).
        """
        m = self.model
        b = m.p.behaviour.professionals
        ui = u[self.slot]
        if ui < m.h_review or not ui < m.h_any:
            return
        ud = ui - m.h_review
        if self.stage == 2:
            if ud < np.float32(b.retire_rate):
                self.note("retirement")
                m.retired.append((self.sector, self.region))
                m.prof_slots[self.slot] = None
                self.remove()
        elif ud < np.float32(b.promote_rate):
            self.stage += 1
            self.note("promotion")
