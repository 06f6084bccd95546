"""The Mesa engine: the same model as :class:`crossstrait_sim.model.vectorized.VectorizedModel`, agent by agent.

``MesaModel.step`` is MODEL_BRIEF "One step", stage by stage. Each stage draws its
uniforms for every slot from the stage's own stream (exactly the arrays the vectorized
core draws), then lets every agent act by a method named after the behaviour
(:mod:`crossstrait_sim.mesa_engine.agents`), in random order: every decision within a stage
reads the state as it was before the stage, so the order does not change results.

Shared with the vectorized engine, and said so here:

- the initial population and the initial calibration (:mod:`crossstrait_sim.model.steady_state`):
  the Mesa agents are built from the arrays of a freshly initialised ``VectorizedModel``;
- model-level tables and aggregates (:class:`crossstrait_sim.model.vectorized.CellTables`): policy
  levels, the labour market, cost tables, demand per unit attraction, the capability
  frontier, entry means, the professionals' choice probabilities, Taiwan's response rule;
- the recording code (:class:`crossstrait_sim.model.results.Recorder`), fed with the same arrays.

Aggregates are summed over agents in slot order, the order the vectorized core uses, so
both engines give the same numbers to the last bit wherever the arithmetic is the same.

Inspecting one agent: every agent keeps ``history``, a list of (quarter, event, detail) for
its discrete events; :meth:`MesaModel.follow` adds its full state every quarter.
"""

from __future__ import annotations

import logging
from typing import Any

import mesa
import numpy as np

from crossstrait_sim.config.parameters import TW_O, Params
from crossstrait_sim.mesa_engine.agents import FirmAgent, ProfessionalAgent
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.programmes import TwProgrammes
from crossstrait_sim.model.results import Recorder
from crossstrait_sim.model.state import Firms, Professionals, declared_state
from crossstrait_sim.model.streams import STREAM_KEYS
from crossstrait_sim.model.tables import CellTables, Labour, Market, Quarter
from crossstrait_sim.model.vectorized import VectorizedModel

TIE_TOLERANCE = 1e-12
"""Relative distance below which a decision is reported as taken on a rounding edge (``near_ties``)."""

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs a line per step at INFO


class MesaModel(mesa.Model, CellTables):
    """The model as Mesa agents.

    Args:
        params: validated parameters (see :func:`crossstrait_sim.config.parameters.build_params`).
        log_events: keep every discrete event as ``(quarter, kind, slot, detail)`` in ``events``
            (the engine-equivalence test compares them with the vectorized engine's).
    """

    def __init__(self, params: Params, log_events: bool = False) -> None:
        # the agents' activation order comes from its own stream; it never changes results
        super().__init__(
            rng=np.random.default_rng(np.random.SeedSequence(params.seed, spawn_key=(STREAM_KEYS["mesa_activation"],)))
        )
        core = VectorizedModel(params)  # initial population and calibration, shared with the vectorized engine
        self.p, self.t = params, 0
        self.S, self.R, self.O = core.S, core.R, core.O
        self.iTW, self.iCN, self.iSEA = core.iTW, core.iCN, core.iSEA
        self.streams = core.rng  # the per-mechanism streams, after the initialisation draws
        self.fkeys = core.fkeys  # the firm mechanisms' keys: firms' draws are keyed by identity, not slot
        for name in (
            "site",
            "firm_asc",
            "amenity",
            "local_supply0",
            "hire_scale",
            "open_tw",
            "tight0",
            "fill0",
            "supply_tw0",
            "centres0",
            "entrant_size",
            "entrant_weight",
            "prof_weight",
            "prof_agents0",
            "talent",
            "calibration",
        ):
            setattr(self, name, getattr(core, name))
        self.retention_extra = 0.0  # USD thousand per covered professional-year, from the response rule
        self.outflow_rates: list[float] = []  # outflow rate to CN, last 4 quarters before retention
        self.pre_policy_rate: float | None = None
        self.tw_prog = TwProgrammes.start(params)  # Taiwan's attract and cultivate programmes
        self.recorder = Recorder(params)
        self.out: dict[str, Any] = {}
        self.agent_steps = 0
        self.events: list[tuple[int, str, int, Any]] | None = [] if log_events else None
        self.near_ties: list[tuple[int, str, float]] = []
        self.followed: list[FirmAgent | ProfessionalAgent] = []
        b = params.behaviour.professionals
        self.h_review = np.float32(b.review_rate)
        self.h_any = self.h_review + np.float32(max(b.retire_rate, b.promote_rate))
        self.firm_slots: list[FirmAgent | None] = [None] * core.firms.capacity
        self.prof_slots: list[ProfessionalAgent | None] = [None] * core.prof.capacity
        f, pr = core.firms, core.prof
        ix = np.flatnonzero(f.alive)
        # every declared state attribute (state.Firms / state.Professionals) but the slot's alive flag
        FirmAgent.create_agents(self, len(ix), slot=ix, **{k: getattr(f, k)[ix] for k in declared_state(Firms)})
        jx = np.flatnonzero(pr.alive)
        ProfessionalAgent.create_agents(
            self, len(jx), slot=jx, **{k: getattr(pr, k)[jx] for k in declared_state(Professionals)}
        )

    # ------------------------------------------------------------ agents
    @property
    def firms(self) -> mesa.agent.AgentSet:
        """All live firm agents."""
        return self.agents_by_type[FirmAgent]

    @property
    def professionals_set(self) -> mesa.agent.AgentSet:
        """All working professional agents."""
        return self.agents_by_type[ProfessionalAgent]

    def firms_in_slot_order(self) -> list[FirmAgent]:
        """Live firms ordered by slot: the order every sum over firms runs in."""
        return [a for a in self.firm_slots if a is not None]

    def uid_by_slot(self) -> np.ndarray:
        """Each slot's firm identity (0 for an empty slot): firms read their keyed draws by slot."""
        return np.array([0 if a is None else a.uid for a in self.firm_slots], dtype=np.uint64)

    @staticmethod
    def lowest_free_slots(slots: list, k: int) -> list[int]:
        """The ``k`` lowest free slots, growing the table as ``state.AgentArrays.free_slots`` does."""
        free = [i for i, a in enumerate(slots) if a is None]
        if len(free) < k:
            extra = max(k - len(free), len(slots) // 4)
            slots.extend([None] * extra)
            free = [i for i, a in enumerate(slots) if a is None]
        return free[:k]

    def gather(self, agents: list, attr: str, dtype: type = np.float64) -> np.ndarray:
        """One attribute of ``agents`` as an array, in their order."""
        return np.fromiter((getattr(a, attr) for a in agents), dtype=dtype, count=len(agents))

    def cells_of(self, agents: list[FirmAgent], region_attr: str = "region") -> np.ndarray:
        """(sector, region, origin) cell index of each firm."""
        s, o = self.gather(agents, "sector", np.intp), self.gather(agents, "origin", np.intp)
        return (s * self.R + self.gather(agents, region_attr, np.intp)) * self.O + o

    # ------------------------------------------------- inspection and checks
    def log_event(self, kind: str, slot: int, detail: Any) -> None:
        """Keep an event in ``events`` if the model logs them."""
        if self.events is not None:
            self.events.append((self.t, kind, slot, detail))

    def watch_tie(self, what: str, x: Any, threshold: Any, scale: float = 1.0) -> None:
        """Record a decision taken within ``TIE_TOLERANCE`` of its threshold.

        Both engines compute the same numbers, but a last-bit difference in a value compared on such an
        edge could flip a decision; ``near_ties`` lets the equivalence test report it instead of failing
        silently.
        """
        xs = float(x)
        for thr in threshold.tolist() if isinstance(threshold, np.ndarray) else (float(threshold),):
            if abs(xs - thr) <= TIE_TOLERANCE * max(abs(thr), scale):
                self.near_ties.append((self.t, what, xs - thr))

    def follow(self, agent: FirmAgent | ProfessionalAgent) -> None:
        """Add the agent's full state to its ``history`` at the end of every quarter."""
        self.followed.append(agent)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one quarter (MODEL_BRIEF "One step", 1-8)."""
        self.lv = self.policy_levels()
        cohort = self.open_quarter()
        lab = self.labour_market(self.lv, self.q)
        n_prof = len(self.professionals_set)
        self.market(lab)
        self.costs_and_profit()
        self.investment(lab)
        self.location_review()
        self.rd_centres(lab)
        self.exit_and_entry()
        self.professionals(lab)
        self.record()
        self.agent_steps += len(cohort) + n_prof
        self.t += 1

    def run(self) -> MesaModel:
        """Run every quarter of the horizon."""
        for _ in range(self.p.n_quarters):
            self.step()
        return self

    def open_quarter(self) -> list[FirmAgent]:
        """Firms remember their opening state; ``q`` holds it as arrays in slot order for the aggregates."""
        cohort = self.firms_in_slot_order()
        for a in cohort:
            a.open_quarter()
            a.moved_to, a.exit_cause, a.relocation_investment = None, None, 0.0
        g = self.gather
        s, r, o = g(cohort, "sector", np.intp), g(cohort, "region", np.intp), g(cohort, "origin", np.intp)
        self.cohort = cohort
        self.q = Quarter(
            ix=g(cohort, "slot", np.intp),
            s=s,
            r=r,
            o=o,
            cell=(s * self.R + r) * self.O + o,
            w=g(cohort, "weight"),
            size=g(cohort, "size"),
            log_cap=g(cohort, "log_cap"),
            abatement=g(cohort, "abatement"),
            automation=g(cohort, "automation"),
            pilot=g(cohort, "pilot", bool),
            rd_centre=g(cohort, "rd_centre"),
            zone=g(cohort, "zone", np.int8),
            limit_left=g(cohort, "limit_left", np.int8),
            uid=g(cohort, "uid", np.uint64),
        )
        return cohort

    # 2. market -------------------------------------------------------------
    def market(self, lab: Labour) -> None:
        """Firms compute their attraction; the model splits each sector's demand; firms book sales."""
        mk: Market = self.cost_tables(self.lv, lab)
        self.q.cap = self.output_caps(self.lv, self.q)
        for a, cap in zip(self.cohort, self.q.cap, strict=True):
            a.q_cap = cap
        self.firms.shuffle_do("compete", mk)
        c = self.cohort
        att = np.fromiter((a.econ["att"] for a in c), np.float64, len(c))
        elig = np.fromiter((a.econ["elig"] for a in c), np.float64, len(c))
        self.split_demand(self.lv, mk, self.q.s, self.q.w, att, elig)
        self.market_tables = mk
        self.firms.shuffle_do("book_sales", mk)
        self.q.revenue, self.q.margin = self.gather(c, "revenue"), self.gather(c, "margin")

    # 3. costs and profit ---------------------------------------------------
    def costs_and_profit(self) -> None:
        """Demand shocks, then random inspections with fines and shutdown orders."""
        u_inspect = self.firm_draw("inspection", self.uid_by_slot())
        u_shock = self.firm_draw("firm_shock", self.uid_by_slot())
        self.firms.shuffle_do("face_demand_shock", u_shock)
        self.firms.shuffle_do("undergo_inspection", u_inspect)

    # 4. investment ---------------------------------------------------------
    def investment(self, lab: Labour) -> None:
        """Firms invest in R&D, abatement, automation and capacity; Taiwanese expansion abroad is outward investment."""
        frontier = self.capability_frontier(self.q)
        self.firms.shuffle_do("invest", self.investment_tables(self.lv, lab, self.q), frontier)
        self.out["outward"] = K.group_sum(self.q.r, self.gather(self.cohort, "expansion_investment"), self.R)

    # 5. location review ----------------------------------------------------
    def location_review(self) -> None:
        """A share of firms review their location; movers' relocations are counted by destination cell."""
        u = self.firm_draw("firm_location", self.uid_by_slot())
        self.firms.shuffle_do("review_location", u)
        movers = [a for a in self.cohort if a.moved_to is not None]
        w = self.gather(movers, "weight")
        dest = self.gather(movers, "moved_to", np.intp)
        n_cells = self.S * self.R * self.O
        self.out["outward"] = self.out["outward"] + K.group_sum(
            dest, self.gather(movers, "relocation_investment"), self.R
        )
        self.out["relocations"] = K.group_sum(self.cells_of(movers), w, n_cells).reshape(self.S, self.R, self.O)

    # 6. R&D centres --------------------------------------------------------
    def rd_centres(self, lab: Labour) -> None:
        """Foreign firms open or close R&D centres in Taiwan."""
        self.firms.shuffle_do("review_rd_centre", self.rd_centre_open_prob(self.lv, lab))
        self.out["rd_centres"] = (self.gather(self.cohort, "weight") * self.gather(self.cohort, "rd_centre")).sum()

    # 7. exit and entry -----------------------------------------------------
    def exit_and_entry(self) -> None:
        """Exits by loss streak or shutdown order; entrants by (sector, region, origin) as Poisson draws."""
        p, S, R, n_o = self.p, self.S, self.R, self.O
        self.firms.shuffle_do("consider_exit")
        for cause, key in (("exit_loss", "exits_loss"), ("exit_enforcement", "exits_enf")):
            gone = [a for a in self.cohort if a.exit_cause == cause]
            sr = self.cells_of(gone) // n_o  # sector x R + region, after relocation
            self.out[key] = K.group_sum(sr, self.gather(gone, "weight"), S * R).reshape(S, R)
        firm_agents = np.bincount(self.cells_of(self.firms_in_slot_order()), minlength=S * R * n_o)
        counts = self.entry_counts(self.entry_means(self.q, firm_agents))
        self.out["entries"] = counts * self.entrant_weight[None, None, :]
        total = int(counts.sum())
        if total == 0:
            return
        # entrants' attributes, one row per entrant in cell order, keyed by the entrant's identity
        cells, uids, z_size, z_cap, u_pilot = self.entrant_draws(counts)
        es, er, eo = cells // (R * n_o), (cells // n_o) % R, cells % n_o
        slots = self.lowest_free_slots(self.firm_slots, total)
        sig = p.population.firm_size_sigma
        size = self.entrant_size[es, eo] * np.exp(sig * z_size - sig**2 / 2)
        log_cap = self.q.mean_log_cap[es, eo] + p.population.capability_sigma * z_cap
        b = p.behaviour.abatement
        abatement = K.abatement_target(
            p.pollution[es], self.lv["enforcement"][er], b.compliance_rate, b.cost, b.emission_limit
        )
        zone, pilot = self.site_zone(eo, er, u_pilot)
        weight = self.entrant_weight[eo]
        entrants = FirmAgent.create_agents(
            self,
            total,
            slot=slots,
            uid=uids,
            origin=eo,
            sector=es,
            region=er,
            weight=weight,
            size=size,
            log_cap=log_cap,
            abatement=abatement,
            automation=0.0,
            pilot=pilot,
            age=0,
            loss_streak=0,
            rd_centre=0.0,
            zone=zone,
            limit_left=0,
        )
        for a, c in zip(entrants, cells, strict=True):  # AgentSet keeps creation order
            a.note("firm_entry", int(c))
        tw_abroad = (eo == TW_O) & (er != self.iTW)
        self.out["outward"] = self.out["outward"] + K.group_sum(
            er, p.behaviour.firms.capital_per_capacity * size * weight * tw_abroad, R
        )

    # 8. professionals ------------------------------------------------------
    def professionals(self, lab: Labour) -> None:
        """Professionals review where to work; Taiwan's response rule; careers; new professionals."""
        p, S, R, wgt = self.p, self.S, self.R, self.prof_weight
        cdf = np.cumsum(self.prof_choice_probabilities(self.lv, lab).reshape(S * R, R), axis=-1)
        u = self.streams["prof_choice"].random(len(self.prof_slots), dtype=np.float32)
        self.moves: list[tuple[int, int, int]] = []
        self.professionals_set.shuffle_do("review_workplace", u, cdf)
        outflow, ret = np.zeros(R, dtype=np.int64), np.zeros(R, dtype=np.int64)
        for _, old_r, new_r in self.moves:
            if old_r == self.iTW:
                outflow[new_r] += 1
            elif new_r == self.iTW:
                ret[old_r] += 1
        self.out["outflow"], self.out["return"] = outflow * wgt, ret * wgt
        self.taiwan_response(self.lv, lab)
        self.retired: list[tuple[int, int]] = []
        self.professionals_set.shuffle_do("advance_career", u)
        n_new = int(self.streams["prof_entry"].poisson(self.prof_entry_mean()))
        self.out["prof_retire"] = len(self.retired) * wgt
        self.out["prof_entry"] = n_new * wgt
        if n_new:
            slots = self.lowest_free_slots(self.prof_slots, n_new)
            sector = K.choose_grouped(
                p.prof_share[None, :], np.zeros(n_new, dtype=np.intp), self.streams["prof_entry_attrs"].random(n_new)
            )
            new = ProfessionalAgent.create_agents(self, n_new, slot=slots, sector=sector, region=self.iTW, stage=0)
            for a in new:
                a.note("prof_entry", a.sector)
        count = np.bincount(
            np.fromiter((a.sector * R + a.region for a in self.professionals_set), np.intp), minlength=S * R
        )
        self.talent = count.reshape(S, R) * wgt

    # 9. record -------------------------------------------------------------
    def record(self) -> None:
        """Indicators of the quarter, through the same Recorder as the vectorized engine."""
        c, g = self.cohort, self.gather
        w = self.q.w
        self.out.update(
            cost_compliance=g(c, "compliance_spend"),
            nsp_sub=g(c, "nsp_subsidy"),
            mic_spend=g(c, "mic_spend"),
            tw_credit_spend=g(c, "tw_credit_spend"),
            emissions=g(c, "emissions"),
            fines=g(c, "fines") * w,
            inspected=g(c, "inspected") * w,
            fined_n=g(c, "fined_flag") * w,
            limits=g(c, "limit_order") * w + self.out["area_new"],
        )
        live = self.firms_in_slot_order()
        self.firm_count = K.group_sum(self.cells_of(live), g(live, "weight"), self.S * self.R * self.O)
        self.recorder.record(self, self.lv, self.q)
        for a in self.followed:
            table = self.firm_slots if isinstance(a, FirmAgent) else self.prof_slots
            if table[a.slot] is a:  # still alive
                a.history.append((self.t, "state", a.state()))
