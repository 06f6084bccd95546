"""Policy and shock levels per quarter: every instrument of the config as a :class:`Schedule`.

An instrument is off (level 0) before its ``start``, then ramps linearly to 1 over
``ramp_quarters``; :func:`build_schedule` multiplies each level by its instrument's size, and adds
the trend paths of demand, wages, fixed costs and skilled supply, so the model reads levels
directly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from crossstrait_sim.config.quarters import quarter_ordinal
from crossstrait_sim.config.schema import ExportControls, Instrument, Pandemic, PolicyConfig, SimConfig
from crossstrait_sim.errors import ConfigError

F64 = np.ndarray

LATEST_START = "2050Q4"
"""The latest start an enabled instrument may have: the model's latest end (``parameters.HORIZON``)."""


@dataclass(frozen=True)
class Schedule:
    """Policy and shock levels per quarter (arrays of length T, or T x R).

    Levels are already multiplied by their instrument's size, so the model reads
    them directly; each is zero where the instrument is off.
    """

    mic_rate: F64  # MIC2025 subsidy per unit R&D (share)
    mic_level: F64  # MIC2025 ramp level 0-1
    enforcement: F64  # (T, R) enforcement intensity 0-1
    carbon_price: F64  # USD per t CO2 passed into CN energy costs
    m31: F64  # 31 measures ramp level 0-1
    equal_treatment: F64  # 0-1: m31 level where equal treatment is on
    healthy: F64  # extra CN health demand (share)
    green_boost: F64  # extra CN green demand (share)
    retention: F64  # Taiwan's retention top-up, USD thousand per covered professional-year (ramped)
    retention_on: F64  # 0/1: retention policy (and its response rule) active
    attract: F64  # Taiwan's supplement for professionals coming to TW, USD thousand per person-year (ramped)
    cultivate: F64  # Taiwan's training programme ramp level 0-1
    rd_hub: F64  # foreign R&D-centre incentive (log-odds)
    rd_hub_subsidy: F64  # USD m per centre-quarter
    nsp: F64  # New Southbound ramp level 0-1
    tariff: F64  # price cut on CN-plant world-market sales (share, before export share)
    export_cut: F64  # cut in capability growth of CN firms in export-controlled sectors
    pandemic: F64  # 0/1
    area_limit: F64  # 0/1: the area production-limit order is in force (enforcement enabled)
    area_limit_new: F64  # 0/1: its first quarter (its plants count as new production-limit cases)
    wage_factor: F64  # (T, R) base-wage growth factor
    fixed_factor: F64  # (T, R) fixed-cost index
    supply_factor: F64  # (T, R) local skilled-supply growth factor
    pull: F64  # (T, R) regions' pull beyond pay, log pay equivalent (0 at the start)
    demand: F64  # (T, S) sector demand, USD m per quarter


def _ramp(t_ord: np.ndarray, start: int, ramp: int) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 over ``ramp`` quarters (1 at start if ramp=0)."""
    if ramp <= 0:
        return (t_ord >= start).astype(np.float64)
    return np.clip((t_ord - start + 1) / ramp, 0.0, 1.0)


def _label(o: int) -> str:
    return f"{o // 4}Q{o % 4 + 1}"


def instrument_level(key: str, ins: Instrument, t_ord: np.ndarray, horizon: tuple[int, int]) -> np.ndarray:
    """Ramp level 0-1 of one instrument per quarter.

    An enabled instrument must not start before the run's first quarter (its earlier quarters
    would be missing). It may start after the run's last quarter, up to the model's latest end
    (:data:`LATEST_START`): a run that stops before a dated event simply never reaches it, as a
    fit of ``history`` to 2019Q4 never reaches the 2020 pandemic. The level is then zero
    throughout, the same as the instrument switched off.
    """
    start = quarter_ordinal(ins.start, f"{key}.start")
    latest = quarter_ordinal(LATEST_START)
    if ins.enabled and not (horizon[0] <= start <= latest):
        raise ConfigError(
            f"{key}.start={ins.start!r}: must lie inside the horizon "
            f"{_label(horizon[0])}..{_label(horizon[1])} when the instrument is enabled "
            f"(or after it, up to {LATEST_START}, where it never acts)"
        )
    if not ins.enabled:
        return np.zeros(t_ord.shape)
    return _ramp(t_ord, start, int(ins.ramp_quarters))


def _levels(p: PolicyConfig, t_ord: np.ndarray, horizon: tuple[int, int]) -> dict[str, np.ndarray]:
    """Ramp levels of every dated instrument (all but ``tw_base``, which is always on)."""
    return {
        name: instrument_level(f"policy.{name}", getattr(p, name), t_ord, horizon)
        for name in (f.name for f in dataclasses.fields(PolicyConfig))
        if name != "tw_base"
    }


def _export_cut(ec: ExportControls, t_ord: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The capability-growth cut of export controls: the first round ramps in, the widening replaces it."""
    widened = quarter_ordinal(ec.widened, "policy.export_controls.widened")
    if not ec.enabled:
        return np.zeros(len(t_ord))
    if widened < quarter_ordinal(ec.start, "policy.export_controls.start"):
        raise ConfigError(f"policy.export_controls.widened={ec.widened!r}: must not be before start={ec.start!r}")
    return np.where(t_ord >= widened, ec.growth_cut_widened, ec.growth_cut * level)


def _pandemic(pan: Pandemic, t_ord: np.ndarray, level: np.ndarray) -> np.ndarray:
    """1 from the pandemic's start to its end (inclusive) when enabled, else 0."""
    pan_end = quarter_ordinal(pan.end, "policy.pandemic.end")
    if not pan.enabled:
        return np.zeros(len(t_ord))
    if pan_end < quarter_ordinal(pan.start, "policy.pandemic.start"):
        raise ConfigError(f"policy.pandemic.end={pan.end!r}: must not be before start={pan.start!r}")
    return level * (t_ord <= pan_end)


def _area_limit(p: PolicyConfig, t_ord: np.ndarray) -> np.ndarray:
    """1 in the quarters of the area production-limit order (from ``area_start``, ``area_quarters`` long).

    Zero throughout when enforcement is not enabled: the order is part of the "Beautiful China" step.
    """
    e = p.enforcement
    if not e.enabled:
        return np.zeros(len(t_ord))
    start = quarter_ordinal(e.area_start, "policy.enforcement.area_start")
    return ((t_ord >= start) & (t_ord < start + int(e.area_quarters))).astype(np.float64)


def _trends(c: SimConfig, regions: tuple[str, ...], sectors: tuple[str, ...], tq: np.ndarray) -> dict[str, F64]:
    """Trend paths compounded every quarter from the start: wages, fixed costs, skilled supply, demand."""

    def growth(attr: str) -> np.ndarray:
        g = np.array([getattr(c.regions[r], attr) for r in regions])
        return (1.0 + g)[None, :] ** tq[:, None]

    def converging(attr: str) -> np.ndarray:
        """exp(log-growth to t): Taiwan's rate plus the region's excess over it, decaying at cost_convergence.

        log X_r(t) / X_r(0) = g_TW t + (g_r - g_TW) (1 - exp(-k_r t)) / k_r   (k_r = 0: constant growth).
        """
        g = np.log1p(np.array([getattr(c.regions[r], attr) for r in regions]))
        g_tw = g[regions.index("TW")]
        k = np.array([c.regions[r].cost_convergence for r in regions])
        t = tq[:, None].astype(float)
        safe = np.where(k > 0, k, 1.0)
        excess = np.where(k > 0, (1.0 - np.exp(-safe[None, :] * t)) / safe[None, :], t)
        return np.exp(g_tw * t + (g - g_tw)[None, :] * excess)

    dg = np.array([c.sectors[s].demand_growth for s in sectors])
    d0 = np.array([c.sectors[s].demand_usd_bn for s in sectors]) * 1000.0
    fixed0 = np.array([c.regions[r].fixed_cost_index for r in regions])
    return {
        "wage_factor": converging("wage_growth"),
        "fixed_factor": fixed0[None, :] * converging("fixed_cost_growth"),
        "supply_factor": growth("local_supply_growth"),
        "pull": _pull(c, regions, tq),
        "demand": d0[None, :] * (1.0 + dg)[None, :] ** tq[:, None],
    }


def _pull(c: SimConfig, regions: tuple[str, ...], tq: np.ndarray) -> F64:
    """Regions' pull beyond pay, in log pay: log(1 + pull_growth) x years, held after ``pull_growth_end``."""
    t0 = quarter_ordinal(c.start, "start")
    end = quarter_ordinal(c.behaviour.professionals.pull_growth_end, "behaviour.professionals.pull_growth_end")
    g = np.log1p(np.array([c.regions[r].pull_growth for r in regions]))
    years = np.clip(np.minimum(tq, end - t0), 0, None).astype(float) / 4.0
    return years[:, None] * g[None, :]


def build_schedule(
    c: SimConfig, regions: tuple[str, ...], sectors: tuple[str, ...], quarters: tuple[str, ...]
) -> Schedule:
    """Every instrument's level per quarter of the horizon, times its size, and the trend paths."""
    p = c.policy
    t0 = quarter_ordinal(c.start, "start")
    t_ord = np.arange(t0, t0 + len(quarters))
    lvl = _levels(p, t_ord, (t0, t0 + len(quarters) - 1))
    icn = regions.index("CN")
    enf0 = np.array([c.regions[r].enforcement0 for r in regions])
    enforcement = np.tile(enf0, (len(t_ord), 1))
    enforcement[:, icn] = enf0[icn] + (p.enforcement.level_cn - enf0[icn]) * lvl["enforcement"]
    enforcement = np.clip(enforcement, 0.0, 1.0)
    export_cut = _export_cut(p.export_controls, t_ord, lvl["export_controls"])
    pandemic = _pandemic(p.pandemic, t_ord, lvl["pandemic"])
    m31 = lvl["measures31"]
    area_limit = _area_limit(p, t_ord)
    return Schedule(
        mic_rate=p.mic2025.rd_subsidy_rate * lvl["mic2025"],
        mic_level=lvl["mic2025"],
        enforcement=enforcement,
        carbon_price=p.carbon_market.price_usd_t * p.carbon_market.pass_through * lvl["carbon_market"],
        m31=m31,
        equal_treatment=m31 * float(p.measures31.equal_treatment),
        healthy=p.healthy_china.demand_boost * lvl["healthy_china"],
        green_boost=p.enforcement.green_demand_boost * (enforcement[:, icn] - enf0[icn]),
        retention=p.tw_retention.topup_usd_k * lvl["tw_retention"],
        retention_on=(lvl["tw_retention"] > 0).astype(np.float64),
        attract=p.tw_attract.bonus_usd_k * lvl["tw_attract"],
        cultivate=lvl["tw_cultivate"],
        rd_hub=p.tw_rd_hub.incentive * lvl["tw_rd_hub"],
        rd_hub_subsidy=p.tw_rd_hub.subsidy_usd_m * lvl["tw_rd_hub"],
        nsp=lvl["tw_new_southbound"],
        tariff=p.tariffs.rate * lvl["tariffs"],
        export_cut=export_cut,
        pandemic=pandemic,
        area_limit=area_limit,
        area_limit_new=area_limit * (np.concatenate([[0.0], area_limit[:-1]]) == 0),
        **_trends(c, regions, sectors, t_ord - t_ord[0]),
    )
