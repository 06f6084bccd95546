"""The frozen, typed parameters of a run, built and checked from the config.

:func:`build_params` turns a composed config into :class:`Params`: the sector and
region tables as numpy arrays, the behaviour settings as typed dataclasses, and
every policy instrument as a per-quarter schedule (:class:`Schedule`). All value
checks happen here, before any simulation, and raise :class:`ConfigError` with
one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf

from crossstrait_sim.config.quarters import quarter_ordinal, quarter_range
from crossstrait_sim.config.schema import (
    BehaviourConfig,
    Instrument,
    PolicyConfig,
    PopulationConfig,
    SimConfig,
)
from crossstrait_sim.errors import ConfigError

ORIGINS: tuple[str, ...] = ("TW", "CN", "FOREIGN")
"""Firm origins: Taiwanese-funded, mainland, foreign (US, Japan, Europe)."""
REQUIRED_REGIONS: tuple[str, ...] = ("TW", "CN", "SEA", "ROW")
TW_O, CN_O, FOREIGN_O = 0, 1, 2
ENGINES: tuple[str, ...] = ("vectorized", "mesa")
"""Engines that run the step loop: whole-array numpy phases, or one Mesa agent per firm and professional."""

F64 = np.ndarray


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
    retention: F64  # Taiwan's base retention utility (utils)
    retention_on: F64  # 0/1: retention policy (and its response rule) active
    rd_hub: F64  # foreign R&D-centre incentive (log-odds)
    rd_hub_subsidy: F64  # USD m per centre-quarter
    nsp: F64  # New Southbound ramp level 0-1
    tariff: F64  # price cut on CN-plant world-market sales (share, before export share)
    export_cut: F64  # cut in capability growth of CN firms in export-controlled sectors
    pandemic: F64  # 0/1
    wage_factor: F64  # (T, R) base-wage growth factor
    fixed_factor: F64  # (T, R) fixed-cost index
    supply_factor: F64  # (T, R) local skilled-supply growth factor
    demand: F64  # (T, S) sector demand, USD m per quarter


@dataclass(frozen=True)
class Params:
    """Everything a model run needs, typed and validated. Built by :func:`build_params`."""

    scenario: str
    seed: int
    scale: float
    engine: str
    threads: int
    quarters: tuple[str, ...]
    sectors: tuple[str, ...]
    regions: tuple[str, ...]
    origins: tuple[str, ...]
    # sector table (length S)
    demand0: F64
    proc_share: F64
    export_share: F64
    pollution: F64
    carbon_intensity: F64
    talent_intensity: F64
    wage_mult: F64
    rd_intensity: F64
    material_share: F64
    fixed_cost_rate: F64
    mic_priority: np.ndarray
    five_plus_two: np.ndarray
    export_controlled: np.ndarray
    green_market: np.ndarray
    health_market: np.ndarray
    capability0: F64  # (S, O)
    prof_share: F64
    # region table (length R)
    firms_allowed: np.ndarray
    base_wage: F64  # USD m per person-quarter
    enforcement0: F64
    expat_premium: F64
    pilot_share: F64
    # population and behaviour
    firm_counts: F64  # (O, R) real firms at the start
    prof_counts: F64  # (R,) real professionals at the start
    size_mean: F64  # (O,)
    stage_shares: F64  # stationary career-stage mix implied by promote_rate and retire_rate
    population: PopulationConfig
    hire_weight: F64  # (O, R)
    stage_wage: F64
    behaviour: BehaviourConfig
    policy: PolicyConfig
    schedule: Schedule

    @property
    def n_quarters(self) -> int:
        """Number of simulated quarters."""
        return len(self.quarters)

    def region_index(self, name: str) -> int:
        """Index of a region by name."""
        return self.regions.index(name)


# ----------------------------------------------------------------------------
# Unknown-key check: Hydra accepts `+bogus=1` even with a structured schema.


def check_known_keys(cfg: Any, schema: type = SimConfig, path: str = "") -> None:
    """Raise :class:`ConfigError` for any key the schema does not declare."""
    if not isinstance(cfg, DictConfig):
        return
    allowed = {f.name: f for f in dataclasses.fields(schema)}
    for key in cfg.keys():
        full = f"{path}{key}"
        if key not in allowed:
            raise ConfigError(f"unknown config key '{full}': allowed keys here are {', '.join(sorted(allowed))}")
        ftype = allowed[key].type
        sub = _dataclass_of(ftype)
        node = cfg._get_node(key)
        if sub is not None:
            check_known_keys(node, sub, f"{full}.")
        elif _dict_value_dataclass(ftype) is not None and isinstance(node, DictConfig):
            inner = _dict_value_dataclass(ftype)
            for k2 in node.keys():
                check_known_keys(node._get_node(k2), inner, f"{full}.{k2}.")


def _resolve_type(t: Any) -> Any:
    if isinstance(t, str):
        import crossstrait_sim.config.schema as schema_mod

        return eval(t, vars(schema_mod))
    return t


def _dataclass_of(t: Any) -> type | None:
    t = _resolve_type(t)
    return t if dataclasses.is_dataclass(t) else None


def _dict_value_dataclass(t: Any) -> type | None:
    t = _resolve_type(t)
    args = getattr(t, "__args__", None)
    if getattr(t, "__origin__", None) is dict and args and dataclasses.is_dataclass(args[1]):
        return args[1]
    return None


# ----------------------------------------------------------------------------
# Bounds on seed, horizon, scale and memory: what the model's forms and the machine allow

SEED_LIMIT = 2**63
"""Seeds must fit in 63 bits: they are written as int64 in the results table and the manifest."""
HORIZON = ("1990Q1", "2050Q4")
"""Earliest start and latest end. Demand, wages, fixed costs and skilled supply grow at trend rates
fitted to the 2000s-2010s and compounded every quarter; past 2050 (80 quarters beyond the data)
they are extrapolations the model's sources do not support, and far beyond it they overflow
(``end=2500Q4`` makes Poisson entry rates too large to draw). Before 1990 there are no data."""
MIN_AGENTS_PER_CELL = 1.0
"""The smallest useful scale puts this many professional agents (on average) in every (region,
sector) cell that holds professionals; below it some cells hold no agents and their indicators
are zero by construction, not by behaviour."""
# memory of the vectorized engine, bytes: fixed part and per array slot (agents plus head-room),
# fitted to peak RSS measured at scale 0.01, 0.1, 0.3 and 1 (114-538 MB; see docs/ODD.md)
MEM_BASE = 150e6
MEM_PER_FIRM_SLOT = 200.0
MEM_PER_PROF_SLOT = 60.0
MEM_PER_MESA_AGENT = 1500.0  # assumed: a Mesa agent object with its attributes and registry entries


def check_horizon(start: str, end: str) -> None:
    """Raise :class:`ConfigError` if the horizon leaves :data:`HORIZON`."""
    lo, hi = (quarter_ordinal(q) for q in HORIZON)
    if quarter_ordinal(start, "start") < lo:
        raise ConfigError(f"start={start!r}: must be {HORIZON[0]} or later (no data or initial state before it)")
    if quarter_ordinal(end, "end") > hi:
        raise ConfigError(
            f"end={end!r}: must be {HORIZON[1]} or earlier (trend growth rates are not valid that far out; docs/ODD.md)"
        )


def smallest_useful_scale(sectors: Any, professionals: Any, regions: tuple[str, ...]) -> tuple[float, str]:
    """The scale below which some (region, sector) cell of professionals holds no agent, and that cell."""
    best, cell = math.inf, ""
    for r in regions:
        for s, sc in sectors.items():
            n = float(professionals[r]) * float(sc.prof_share)
            if 0 < n < best:
                best, cell = n, f"{r} x {s}: {n:,.0f} professionals"
    return (MIN_AGENTS_PER_CELL / best if math.isfinite(best) else 0.0), cell


def check_scale(scale: float, sectors: Any, professionals: Any, regions: tuple[str, ...]) -> None:
    """Refuse a scale at which some cell of the initial population holds no agents."""
    lo, cell = smallest_useful_scale(sectors, professionals, regions)
    if scale < lo:
        raise ConfigError(
            f"scale={scale!r}: below the smallest useful scale {lo:.3g} (the smallest cell, {cell}, "
            f"would hold no agent)"
        )


def estimate_memory(c: SimConfig, firm_counts: np.ndarray) -> float:
    """Estimated peak memory of a run in bytes, from the scale and the initial population."""
    firm_agents = float(np.where(firm_counts > 0, np.maximum(1, np.rint(firm_counts * c.scale)), 0).sum())
    prof_agents = max(1.0, float(np.rint(sum(float(v) for v in c.population.professionals.values()) * c.scale)))
    firm_slots = firm_agents * c.population.firm_slots
    prof_slots = prof_agents * c.population.professional_slots
    est = MEM_BASE + MEM_PER_FIRM_SLOT * firm_slots + MEM_PER_PROF_SLOT * prof_slots
    if c.engine.name == "mesa":
        est += MEM_PER_MESA_AGENT * (firm_slots + prof_slots)
    return est


def available_memory() -> float | None:
    """Memory available to a new run (``MemAvailable`` of /proc/meminfo), bytes; ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(c: SimConfig, firm_counts: np.ndarray) -> None:
    """Refuse, before allocating, a run whose estimated memory exceeds what the machine has available."""
    est = estimate_memory(c, firm_counts)
    avail = available_memory()
    if avail is not None and est > avail:
        raise ConfigError(
            f"scale={c.scale!r}: the run needs about {est / 1e9:.1f} GB (estimate) but {avail / 1e9:.1f} GB "
            f"is available; lower scale"
        )


# ----------------------------------------------------------------------------
# Value checks


def _check_range(key: str, value: float, lo: float | None, hi: float | None, what: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(f"{key}={value!r}: must be a finite number ({what})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ConfigError(f"{key}={value!r}: must be in [{lo_s}, {hi_s}] ({what})")


SHARE = (0.0, 1.0, "a share")
NONNEG = (0.0, None, "non-negative")
POS = (1e-12, None, "positive")
ANY = (None, None, "any real number")

_POLICY_RANGES: dict[str, tuple[float | None, float | None, str]] = {
    "rd_subsidy_rate": SHARE,
    "automation_boost": NONNEG,
    "level_cn": SHARE,
    "green_demand_boost": NONNEG,
    "price_usd_t": NONNEG,
    "pass_through": SHARE,
    "procurement_access": SHARE,
    "individual_utility": ANY,
    "job_access": NONNEG,
    "demand_boost": NONNEG,
    "rd_tax_credit": SHARE,
    "utility": ANY,
    "cost_usd_k": NONNEG,
    "response_threshold": SHARE,
    "response_step": NONNEG,
    "response_max": NONNEG,
    "incentive": ANY,
    "subsidy_usd_m": NONNEG,
    "access": ANY,
    "move_cost_cut": SHARE,
    "invest_subsidy": SHARE,
    "rate": SHARE,
    "growth_cut": SHARE,
    "growth_cut_widened": SHARE,
    "move_cost_add": NONNEG,
    "firm_move_cost_add": NONNEG,
    "export_demand_cut": SHARE,
    "ramp_quarters": NONNEG,
}

_SECTOR_RANGES = {
    "demand_usd_bn": POS,
    "demand_growth": (-0.5, 0.5, "a quarterly growth rate"),
    "cn_procurement_share": SHARE,
    "export_share": SHARE,
    "pollution": NONNEG,
    "carbon_intensity": NONNEG,
    "talent_intensity": NONNEG,
    "wage_mult": POS,
    "rd_intensity": SHARE,
    "material_share": SHARE,
    "fixed_cost_rate": NONNEG,
    "prof_share": SHARE,
}

_REGION_RANGES = {
    "wage_usd_k": POS,
    "wage_growth": (-0.5, 0.5, "a quarterly growth rate"),
    "fixed_cost_index": POS,
    "fixed_cost_growth": (-0.5, 0.5, "a quarterly growth rate"),
    "local_supply_growth": (-0.5, 0.5, "a quarterly growth rate"),
    "enforcement0": SHARE,
    "expat_premium": POS,
    "pilot_share": SHARE,
}

_BEHAVIOUR_RANGES = {
    "market.sigma": POS,
    "market.eta": NONNEG,
    "firms.review_rate": SHARE,
    "firms.beta_profit": NONNEG,
    "firms.move_cost": NONNEG,
    "firms.relocation_cost_share": NONNEG,
    "firms.demand_shock_sigma": (0.0, 2.0, "log-points"),
    "firms.loss_quarters": (1, None, "a positive number of quarters"),
    "firms.size_adjust": NONNEG,
    "firms.size_adjust_max": (0.0, 1.0, "log-points per quarter"),
    "firms.target_margin": (-1.0, 1.0, "a margin"),
    "firms.entry_rate": SHARE,
    "firms.entry_beta": NONNEG,
    "firms.entry_floor": NONNEG,
    "firms.capital_per_capacity": NONNEG,
    "capability.theta": NONNEG,
    "capability.alpha": (0.0, 1.0, "an elasticity in [0, 1] (diminishing returns)"),
    "capability.catch_up": SHARE,
    "capability.talent_weight": NONNEG,
    "abatement.cost": POS,
    "abatement.compliance_rate": NONNEG,
    "abatement.adjust_speed": SHARE,
    "abatement.inspection_rate": SHARE,
    "abatement.emission_limit": POS,
    "abatement.fine_rate": NONNEG,
    "abatement.shutdown_prob": SHARE,
    "automation.rate": SHARE,
    "automation.labour_saving": SHARE,
    "automation.cost": NONNEG,
    "rd_centres.review_rate": SHARE,
    "rd_centres.intercept": ANY,
    "rd_centres.pool_weight": ANY,
    "rd_centres.access_weight": ANY,
    "rd_centres.close_rate": SHARE,
    "rd_centres.staff": NONNEG,
    "professionals.review_rate": SHARE,
    "professionals.beta_wage": NONNEG,
    "professionals.move_cost": NONNEG,
    "professionals.wage_elasticity": NONNEG,
    "professionals.employment_rate0": (1e-6, 1.0, "a share above 0"),
    "professionals.entry_rate": SHARE,
    "professionals.promote_rate": SHARE,
    "professionals.retire_rate": SHARE,
}


def _ramp(t_ord: np.ndarray, start: int, ramp: int) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 over ``ramp`` quarters (1 at start if ramp=0)."""
    if ramp <= 0:
        return (t_ord >= start).astype(np.float64)
    return np.clip((t_ord - start + 1) / ramp, 0.0, 1.0)


def _instrument_level(key: str, ins: Instrument, t_ord: np.ndarray, horizon: tuple[int, int]) -> np.ndarray:
    start = quarter_ordinal(ins.start, f"{key}.start")
    if ins.enabled and not (horizon[0] <= start <= horizon[1]):
        raise ConfigError(
            f"{key}.start={ins.start!r}: must lie inside the horizon "
            f"{_label(horizon[0])}..{_label(horizon[1])} when the instrument is enabled"
        )
    if not ins.enabled:
        return np.zeros(t_ord.shape)
    return _ramp(t_ord, start, int(ins.ramp_quarters))


def _label(o: int) -> str:
    return f"{o // 4}Q{o % 4 + 1}"


def _table_matrix(key: str, table: Any, rows: tuple[str, ...], cols: tuple[str, ...], rng: tuple) -> np.ndarray:
    out = np.zeros((len(rows), len(cols)))
    if set(table.keys()) != set(rows):
        raise ConfigError(f"{key}: rows {sorted(table.keys())} must be exactly {sorted(rows)}")
    for i, r in enumerate(rows):
        row = table[r]
        if set(row.keys()) != set(cols):
            raise ConfigError(f"{key}.{r}: columns {sorted(row.keys())} must be exactly {sorted(cols)}")
        for j, c in enumerate(cols):
            _check_range(f"{key}.{r}.{c}", row[c], *rng)
            out[i, j] = float(row[c])
    return out


def to_typed(cfg: DictConfig) -> SimConfig:
    """Check unknown keys and convert the composed config to the typed schema object."""
    check_known_keys(cfg)
    try:
        obj = OmegaConf.to_object(cfg)
    except Exception as exc:  # omegaconf raises several types; report one clear line
        raise ConfigError(f"config could not be read against the schema: {exc}".splitlines()[0]) from None
    if not isinstance(obj, SimConfig):
        raise ConfigError("config root does not follow the SimConfig schema (is 'crossstrait_schema' in defaults?)")
    return obj


def build_params(cfg: DictConfig | SimConfig) -> Params:
    """Validate the config and build :class:`Params`. Raises :class:`ConfigError`."""
    c = to_typed(cfg) if isinstance(cfg, (DictConfig, ListConfig)) else cfg

    _check_range("scale", c.scale, 1e-12, 10.0, "agents per real unit, 0 < scale <= 10")
    if c.engine.name not in ENGINES:
        raise ConfigError(f"engine.name={c.engine.name!r}: allowed engines are {', '.join(map(repr, ENGINES))}")
    if c.engine.threads not in (1, 2):
        raise ConfigError(f"engine.threads={c.engine.threads!r}: allowed values are 1 and 2")
    if c.engine.name == "mesa" and c.engine.threads != 1:
        raise ConfigError(f"engine.threads={c.engine.threads!r}: the mesa engine runs in one thread (use 1)")
    if not isinstance(c.seed, int) or isinstance(c.seed, bool) or not 0 <= c.seed < SEED_LIMIT:
        raise ConfigError(f"seed={c.seed!r}: must be an integer with 0 <= seed < 2^63 (9223372036854775808)")
    check_horizon(c.start, c.end)
    quarters = tuple(quarter_range(c.start, c.end))
    t0 = quarter_ordinal(c.start, "start")
    t_ord = np.arange(t0, t0 + len(quarters))
    horizon = (t0, t0 + len(quarters) - 1)
    for q in c.output.summary_quarters:
        quarter_ordinal(q, "output.summary_quarters")  # well-formed; quarters outside the horizon are skipped

    # --- sectors
    sectors = tuple(c.sectors.keys())
    if not sectors:
        raise ConfigError("sectors: the sector table is empty; at least one sector is needed")
    for s, sc in c.sectors.items():
        for k, rng in _SECTOR_RANGES.items():
            _check_range(f"sectors.{s}.{k}", getattr(sc, k), *rng)
        if set(sc.capability0) != set(ORIGINS):
            raise ConfigError(f"sectors.{s}.capability0: keys {sorted(sc.capability0)} must be exactly {list(ORIGINS)}")
        for o, v in sc.capability0.items():
            _check_range(f"sectors.{s}.capability0.{o}", v, 1e-6, None, "a positive capability index")
        if sc.material_share + sc.rd_intensity >= 1.0:
            raise ConfigError(
                f"sectors.{s}: material_share + rd_intensity = {sc.material_share + sc.rd_intensity:g} must be < 1"
            )
    prof_share = np.array([c.sectors[s].prof_share for s in sectors])
    if abs(prof_share.sum() - 1.0) > 1e-6:
        raise ConfigError(f"sectors.*.prof_share: must sum to 1 over sectors, got {prof_share.sum():g}")

    # --- regions
    regions = tuple(c.regions.keys())
    missing = [r for r in REQUIRED_REGIONS if r not in regions]
    if missing:
        raise ConfigError(f"regions: missing {missing}; the table must contain {list(REQUIRED_REGIONS)}")
    for r, rc in c.regions.items():
        for k, rng in _REGION_RANGES.items():
            _check_range(f"regions.{r}.{k}", getattr(rc, k), *rng)

    # --- population
    pop = c.population
    firm_counts = _table_matrix("population.firms", pop.firms, ORIGINS, regions, NONNEG)
    for o_i, o in enumerate(ORIGINS):
        for r_i, r in enumerate(regions):
            if firm_counts[o_i, r_i] > 0 and not c.regions[r].firms_allowed:
                raise ConfigError(
                    f"population.firms.{o}.{r}={firm_counts[o_i, r_i]:g}: region {r} has firms_allowed=false"
                )
    if set(pop.professionals) != set(regions):
        raise ConfigError(
            f"population.professionals: keys {sorted(pop.professionals)} must be exactly {sorted(regions)}"
        )
    prof_counts = np.array([float(pop.professionals[r]) for r in regions])
    for r, v in zip(regions, prof_counts, strict=True):
        _check_range(f"population.professionals.{r}", v, *NONNEG)
    if prof_counts.sum() <= 0 or firm_counts.sum() <= 0:
        raise ConfigError("population: firm and professional counts must not all be zero")
    _check_range("population.firm_size_sigma", pop.firm_size_sigma, 0.0, 5.0, "log-points")
    _check_range("population.capability_sigma", pop.capability_sigma, 0.0, 3.0, "log-points")
    _check_range("population.rd_centres_tw", pop.rd_centres_tw, *NONNEG)
    _check_range("population.firm_slots", pop.firm_slots, 1.0, 100.0, "slots per initial agent")
    _check_range("population.professional_slots", pop.professional_slots, 1.0, 100.0, "slots per initial agent")
    if set(pop.size_mean_by_origin) != set(ORIGINS):
        raise ConfigError(f"population.size_mean_by_origin: keys must be exactly {list(ORIGINS)}")
    size_mean = np.array([pop.size_mean_by_origin[o] for o in ORIGINS], dtype=float)
    for o, v in zip(ORIGINS, size_mean, strict=True):
        _check_range(f"population.size_mean_by_origin.{o}", v, *POS)

    check_scale(c.scale, c.sectors, c.population.professionals, regions)
    check_memory(c, firm_counts)

    # --- behaviour
    b = c.behaviour
    for path, rng in _BEHAVIOUR_RANGES.items():
        grp, key = path.split(".")
        _check_range(f"behaviour.{path}", getattr(getattr(b, grp), key), *rng)
    hire_weight = _table_matrix(
        "behaviour.professionals.hire_weight", b.professionals.hire_weight, ORIGINS, regions, SHARE
    )
    stage_wage = np.asarray(b.professionals.stage_wage, dtype=float)
    if stage_wage.shape != (3,) or np.any(stage_wage <= 0):
        raise ConfigError(
            f"behaviour.professionals.stage_wage={list(b.professionals.stage_wage)}: must be 3 positive multipliers"
        )

    # career stages: the stationary mix of the promotion and retirement rates (each stage's
    # inflow equals its outflow: early and mid last 1 / promote_rate, senior 1 / retire_rate)
    pb = b.professionals
    if pb.promote_rate <= 0 or pb.retire_rate <= 0:
        raise ConfigError(
            f"behaviour.professionals.promote_rate={pb.promote_rate!r}, "
            f"retire_rate={pb.retire_rate!r}: both must be > 0"
        )
    stage_shares = np.array([1 / pb.promote_rate, 1 / pb.promote_rate, 1 / pb.retire_rate])
    stage_shares /= stage_shares.sum()

    # --- policy
    p = c.policy
    for name in (f.name for f in dataclasses.fields(PolicyConfig)):
        ins = getattr(p, name)
        for f in dataclasses.fields(ins):
            v = getattr(ins, f.name)
            if f.name in _POLICY_RANGES:
                _check_range(f"policy.{name}.{f.name}", v, *_POLICY_RANGES[f.name])
    sched = _build_schedule(c, regions, sectors, t_ord, horizon)

    def sec(attr: str, dtype: Any = float) -> np.ndarray:
        return np.array([getattr(c.sectors[s], attr) for s in sectors], dtype=dtype)

    def reg(attr: str, dtype: Any = float) -> np.ndarray:
        return np.array([getattr(c.regions[r], attr) for r in regions], dtype=dtype)

    return Params(
        scenario=c.scenario,
        seed=int(c.seed),
        scale=float(c.scale),
        engine=str(c.engine.name),
        threads=int(c.engine.threads),
        quarters=quarters,
        sectors=sectors,
        regions=regions,
        origins=ORIGINS,
        demand0=sec("demand_usd_bn") * 1000.0,
        proc_share=sec("cn_procurement_share"),
        export_share=sec("export_share"),
        pollution=sec("pollution"),
        carbon_intensity=sec("carbon_intensity"),
        talent_intensity=sec("talent_intensity"),
        wage_mult=sec("wage_mult"),
        rd_intensity=sec("rd_intensity"),
        material_share=sec("material_share"),
        fixed_cost_rate=sec("fixed_cost_rate"),
        mic_priority=sec("mic2025_priority", bool),
        five_plus_two=sec("five_plus_two", bool),
        export_controlled=sec("export_controlled", bool),
        green_market=sec("green_market", bool),
        health_market=sec("health_market", bool),
        capability0=np.array([[c.sectors[s].capability0[o] for o in ORIGINS] for s in sectors]),
        prof_share=prof_share,
        firms_allowed=reg("firms_allowed", bool),
        base_wage=reg("wage_usd_k") / 4.0 / 1000.0,
        enforcement0=reg("enforcement0"),
        expat_premium=reg("expat_premium"),
        pilot_share=reg("pilot_share"),
        firm_counts=firm_counts,
        prof_counts=prof_counts,
        size_mean=size_mean,
        stage_shares=stage_shares,
        population=pop,
        hire_weight=hire_weight,
        stage_wage=stage_wage,
        behaviour=b,
        policy=p,
        schedule=sched,
    )


def _build_schedule(
    c: SimConfig, regions: tuple[str, ...], sectors: tuple[str, ...], t_ord: np.ndarray, horizon: tuple[int, int]
) -> Schedule:
    p = c.policy
    tq = t_ord - t_ord[0]
    lvl = {
        name: _instrument_level(f"policy.{name}", getattr(p, name), t_ord, horizon)
        for name in (f.name for f in dataclasses.fields(PolicyConfig))
        if name != "tw_base"
    }
    icn = regions.index("CN")
    enf0 = np.array([c.regions[r].enforcement0 for r in regions])
    enforcement = np.tile(enf0, (len(t_ord), 1))
    enforcement[:, icn] = enf0[icn] + (p.enforcement.level_cn - enf0[icn]) * lvl["enforcement"]
    enforcement = np.clip(enforcement, 0.0, 1.0)

    ec = p.export_controls
    widened = quarter_ordinal(ec.widened, "policy.export_controls.widened")
    export_cut = np.zeros(len(t_ord))
    if ec.enabled:
        if widened < quarter_ordinal(ec.start, "policy.export_controls.start"):
            raise ConfigError(f"policy.export_controls.widened={ec.widened!r}: must not be before start={ec.start!r}")
        export_cut = np.where(t_ord >= widened, ec.growth_cut_widened, ec.growth_cut * lvl["export_controls"])
    pan = p.pandemic
    pan_end = quarter_ordinal(pan.end, "policy.pandemic.end")
    pandemic = np.zeros(len(t_ord))
    if pan.enabled:
        if pan_end < quarter_ordinal(pan.start, "policy.pandemic.start"):
            raise ConfigError(f"policy.pandemic.end={pan.end!r}: must not be before start={pan.start!r}")
        pandemic = lvl["pandemic"] * (t_ord <= pan_end)

    def growth(attr: str) -> np.ndarray:
        g = np.array([getattr(c.regions[r], attr) for r in regions])
        return (1.0 + g)[None, :] ** tq[:, None]

    dg = np.array([c.sectors[s].demand_growth for s in sectors])
    d0 = np.array([c.sectors[s].demand_usd_bn for s in sectors]) * 1000.0
    fixed0 = np.array([c.regions[r].fixed_cost_index for r in regions])
    m31 = lvl["measures31"]
    return Schedule(
        mic_rate=p.mic2025.rd_subsidy_rate * lvl["mic2025"],
        mic_level=lvl["mic2025"],
        enforcement=enforcement,
        carbon_price=p.carbon_market.price_usd_t * p.carbon_market.pass_through * lvl["carbon_market"],
        m31=m31,
        equal_treatment=m31 * float(p.measures31.equal_treatment),
        healthy=p.healthy_china.demand_boost * lvl["healthy_china"],
        green_boost=p.enforcement.green_demand_boost * (enforcement[:, icn] - enf0[icn]),
        retention=p.tw_retention.utility * lvl["tw_retention"],
        retention_on=(lvl["tw_retention"] > 0).astype(np.float64),
        rd_hub=p.tw_rd_hub.incentive * lvl["tw_rd_hub"],
        rd_hub_subsidy=p.tw_rd_hub.subsidy_usd_m * lvl["tw_rd_hub"],
        nsp=lvl["tw_new_southbound"],
        tariff=p.tariffs.rate * lvl["tariffs"],
        export_cut=export_cut,
        pandemic=pandemic,
        wage_factor=growth("wage_growth"),
        fixed_factor=fixed0[None, :] * growth("fixed_cost_growth"),
        supply_factor=growth("local_supply_growth"),
        demand=d0[None, :] * (1.0 + dg)[None, :] ** tq[:, None],
    )


# ----------------------------------------------------------------------------
# Policy events: the dated starts of the enabled instruments (figures and manifests)

EVENT_LABELS: dict[str, str] = {
    "mic2025": "MIC2025",
    "healthy_china": "Healthy China",
    "enforcement": "Enforcement",
    "carbon_market": "Carbon market",
    "measures31": "31 measures",
    "tw_retention": "TW retain talent",
    "tw_rd_hub": "TW R&D hub",
    "tw_new_southbound": "New Southbound",
    "tariffs": "US tariffs",
    "export_controls": "Export controls",
    "pandemic": "Pandemic",
}


def policy_events(params: Params) -> list[tuple[float, str]]:
    """(decimal year, label) of every enabled instrument's start (and export-control widening)."""
    events = []
    for name, label in EVENT_LABELS.items():
        ins = getattr(params.policy, name)
        if ins.enabled:
            events.append((quarter_ordinal(ins.start) / 4.0, label))
    ec = params.policy.export_controls
    if ec.enabled:
        events.append((quarter_ordinal(ec.widened) / 4.0, "Export controls widened"))
    return sorted(events)
