"""The frozen, typed parameters of a run, built and checked from the config.

:func:`build_params` turns a composed config into :class:`Params`: the sector and region tables as
numpy arrays, the behaviour settings as typed dataclasses, and every policy instrument as a
per-quarter schedule (:class:`~crossstrait_sim.config.schedule.Schedule`). It runs in named steps:
every value against the range declared beside its schema field (:mod:`~crossstrait_sim.config.checks`),
then one step per config group (run settings, sectors, regions, population, behaviour, schedule),
with the bounds of this module (seed, horizon, scale, memory) in between. All checks happen before
any simulation and raise :class:`ConfigError` with one line naming the key, the value and what is
allowed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf

from crossstrait_sim.config.checks import check_known_keys, check_range, check_values
from crossstrait_sim.config.quarters import quarter_ordinal, quarter_range
from crossstrait_sim.config.schedule import Schedule, build_schedule
from crossstrait_sim.config.schema import BehaviourConfig, PolicyConfig, PopulationConfig, SimConfig
from crossstrait_sim.errors import ConfigError

__all__ = [
    "ENGINES",
    "EVENT_LABELS",
    "HORIZON",
    "ORIGINS",
    "REQUIRED_REGIONS",
    "SEED_LIMIT",
    "Params",
    "Schedule",
    "available_memory",
    "build_params",
    "check_horizon",
    "check_known_keys",
    "check_memory",
    "check_range",
    "check_scale",
    "estimate_memory",
    "policy_events",
    "smallest_useful_scale",
    "to_typed",
]

ORIGINS: tuple[str, ...] = ("TW", "CN", "FOREIGN")
"""Firm origins: Taiwanese-funded, mainland, foreign (US, Japan, Europe)."""
REQUIRED_REGIONS: tuple[str, ...] = ("TW", "CN", "SEA", "ROW")
TW_O, CN_O, FOREIGN_O = 0, 1, 2
ENGINES: tuple[str, ...] = ("vectorized", "mesa")
"""Engines that run the step loop: whole-array numpy phases, or one Mesa agent per firm and professional."""

F64 = np.ndarray


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
    # zones of the mainland (population.cn_zones, then "other"): length Z
    zone_share: F64  # (O, Z) share of each origin's CN sites in each zone (rows sum to 1)
    zone_pilot: np.ndarray  # (Z,) bool: a MIC2025 pilot city or cluster (policy.mic2025.pilot_zones)
    pilot_share: F64  # (O, R) chance that a new site of the origin in the region is in a pilot zone
    area_zone: int  # index of the zone under the area production-limit order (policy.enforcement.area_zone)
    # population and behaviour
    firm_counts: F64  # (O, R) real firms at the start
    prof_counts: F64  # (R,) real professionals at the start
    size_mean: F64  # (O,)
    stage_shares: F64  # stationary career-stage mix implied by promote_rate and retire_rate
    population: PopulationConfig
    hire_weight: F64  # (O, R)
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
    """Validate the config and build :class:`Params`. Raises :class:`ConfigError`.

    Every value is first checked against the range declared beside its schema field
    (:func:`~crossstrait_sim.config.checks.check_values`); then one step per config group checks
    what ties its values together and builds its arrays.
    """
    c = to_typed(cfg) if isinstance(cfg, (DictConfig, ListConfig)) else cfg
    check_values(c)
    run = _run_settings(c)
    sectors = _sector_table(c)
    regions = _region_table(c)
    population = _population(c, regions["regions"])
    check_scale(c.scale, c.sectors, c.population.professionals, regions["regions"])
    check_memory(c, population["firm_counts"])
    behaviour = _behaviour(c, regions["regions"])
    zones = _zones(c, regions["regions"])
    schedule = build_schedule(c, regions["regions"], sectors["sectors"], run["quarters"])
    return Params(
        **run,
        **sectors,
        **regions,
        **population,
        **behaviour,
        **zones,
        origins=ORIGINS,
        policy=c.policy,
        schedule=schedule,
    )


def _run_settings(c: SimConfig) -> dict[str, Any]:
    """Scenario, seed, scale, engine and horizon: the settings of the run itself."""
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
    for q in c.output.summary_quarters:
        quarter_ordinal(q, "output.summary_quarters")  # well-formed; quarters outside the horizon are skipped
    return {
        "scenario": c.scenario,
        "seed": int(c.seed),
        "scale": float(c.scale),
        "engine": str(c.engine.name),
        "threads": int(c.engine.threads),
        "quarters": quarters,
    }


def _column(table: Any, rows: tuple[str, ...], attr: str, dtype: Any = float) -> np.ndarray:
    """One column of the sector or region table, in row order."""
    return np.array([getattr(table[r], attr) for r in rows], dtype=dtype)


def _sector_table(c: SimConfig) -> dict[str, Any]:
    """The sector table as arrays (length S), after the checks that tie its columns together."""
    sectors = tuple(c.sectors.keys())
    if not sectors:
        raise ConfigError("sectors: the sector table is empty; at least one sector is needed")
    for s, sc in c.sectors.items():
        if set(sc.capability0) != set(ORIGINS):
            raise ConfigError(f"sectors.{s}.capability0: keys {sorted(sc.capability0)} must be exactly {list(ORIGINS)}")
        if sc.material_share + sc.rd_intensity >= 1.0:
            raise ConfigError(
                f"sectors.{s}: material_share + rd_intensity = {sc.material_share + sc.rd_intensity:g} must be < 1"
            )
    prof_share = _column(c.sectors, sectors, "prof_share")
    if abs(prof_share.sum() - 1.0) > 1e-6:
        raise ConfigError(f"sectors.*.prof_share: must sum to 1 over sectors, got {prof_share.sum():g}")

    def sec(attr: str, dtype: Any = float) -> np.ndarray:
        return _column(c.sectors, sectors, attr, dtype)

    return {
        "sectors": sectors,
        "demand0": sec("demand_usd_bn") * 1000.0,
        "proc_share": sec("cn_procurement_share"),
        "export_share": sec("export_share"),
        "pollution": sec("pollution"),
        "carbon_intensity": sec("carbon_intensity"),
        "talent_intensity": sec("talent_intensity"),
        "wage_mult": sec("wage_mult"),
        "rd_intensity": sec("rd_intensity"),
        "material_share": sec("material_share"),
        "fixed_cost_rate": sec("fixed_cost_rate"),
        "mic_priority": sec("mic2025_priority", bool),
        "export_controlled": sec("export_controlled", bool),
        "green_market": sec("green_market", bool),
        "health_market": sec("health_market", bool),
        "capability0": np.array([[c.sectors[s].capability0[o] for o in ORIGINS] for s in sectors]),
        "prof_share": prof_share,
    }


def _region_table(c: SimConfig) -> dict[str, Any]:
    """The region table as arrays (length R); the model needs the regions of :data:`REQUIRED_REGIONS`."""
    regions = tuple(c.regions.keys())
    missing = [r for r in REQUIRED_REGIONS if r not in regions]
    if missing:
        raise ConfigError(f"regions: missing {missing}; the table must contain {list(REQUIRED_REGIONS)}")
    return {
        "regions": regions,
        "firms_allowed": _column(c.regions, regions, "firms_allowed", bool),
        "base_wage": _column(c.regions, regions, "wage_usd_k") / 4.0 / 1000.0,
        "enforcement0": _column(c.regions, regions, "enforcement0"),
        "expat_premium": _column(c.regions, regions, "expat_premium"),
    }


OTHER_ZONE = "other"
"""The zone of every CN site outside the named zones of ``population.cn_zones``."""


def _zones(c: SimConfig, regions: tuple[str, ...]) -> dict[str, Any]:
    """Zones of the mainland: each origin's site shares, MIC2025 pilot zones, the area order's zone.

    The named zones of ``population.cn_zones`` and the rest of CN (``other``); a new CN site of origin
    o lies in zone z with chance ``zone_share[o, z]``, so ``pilot_share[o, CN]`` is the sum over pilot zones.
    """
    table = c.population.cn_zones
    names = tuple(table.keys())
    if OTHER_ZONE in names:
        raise ConfigError(f"population.cn_zones.{OTHER_ZONE}: reserved name (the rest of CN); rename the zone")
    for z in names:
        if set(table[z]) != set(ORIGINS):
            raise ConfigError(f"population.cn_zones.{z}: keys {sorted(table[z])} must be exactly {list(ORIGINS)}")
    named = np.array([[float(table[z][o]) for z in names] for o in ORIGINS]).reshape(len(ORIGINS), len(names))
    total = named.sum(axis=1)
    for o_i, o in enumerate(ORIGINS):
        if total[o_i] > 1.0 + 1e-9:
            raise ConfigError(f"population.cn_zones.*.{o}: shares sum to {total[o_i]:g}; must be at most 1")
    zones = (*names, OTHER_ZONE)
    share = np.concatenate([named, np.maximum(0.0, 1.0 - total)[:, None]], axis=1)
    for key, z in [("policy.mic2025.pilot_zones", z) for z in c.policy.mic2025.pilot_zones] + [
        ("policy.enforcement.area_zone", c.policy.enforcement.area_zone)
    ]:
        if z not in zones:
            raise ConfigError(f"{key}: zone {z!r} is not in population.cn_zones; allowed: {', '.join(zones)}")
    pilot = np.array([z in c.policy.mic2025.pilot_zones for z in zones])
    pilot_share = np.zeros((len(ORIGINS), len(regions)))
    pilot_share[:, regions.index("CN")] = share[:, pilot].sum(axis=1)
    return {
        "zone_share": share,
        "zone_pilot": pilot,
        "pilot_share": pilot_share,
        "area_zone": zones.index(c.policy.enforcement.area_zone),
    }


def _matrix(key: str, table: Any, rows: tuple[str, ...], cols: tuple[str, ...]) -> np.ndarray:
    """A mapping of mappings (origin -> region -> value) as a matrix, with exactly these rows and columns."""
    if set(table.keys()) != set(rows):
        raise ConfigError(f"{key}: rows {sorted(table.keys())} must be exactly {sorted(rows)}")
    for r in rows:
        if set(table[r].keys()) != set(cols):
            raise ConfigError(f"{key}.{r}: columns {sorted(table[r].keys())} must be exactly {sorted(cols)}")
    return np.array([[float(table[r][col]) for col in cols] for r in rows]).reshape(len(rows), len(cols))


def _population(c: SimConfig, regions: tuple[str, ...]) -> dict[str, Any]:
    """The initial population in real units: firms by origin and region, professionals by region."""
    pop = c.population
    firm_counts = _matrix("population.firms", pop.firms, ORIGINS, regions)
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
    if prof_counts.sum() <= 0 or firm_counts.sum() <= 0:
        raise ConfigError("population: firm and professional counts must not all be zero")
    if set(pop.size_mean_by_origin) != set(ORIGINS):
        raise ConfigError(f"population.size_mean_by_origin: keys must be exactly {list(ORIGINS)}")
    size_mean = np.array([pop.size_mean_by_origin[o] for o in ORIGINS], dtype=float)
    return {"firm_counts": firm_counts, "prof_counts": prof_counts, "size_mean": size_mean, "population": pop}


def _behaviour(c: SimConfig, regions: tuple[str, ...]) -> dict[str, Any]:
    """Behaviour settings, with the hiring matrix and the stationary career-stage mix."""
    b = c.behaviour
    pb = b.professionals
    hire_weight = _matrix("behaviour.professionals.hire_weight", pb.hire_weight, ORIGINS, regions)
    # career stages: the stationary mix of the promotion and retirement rates (each stage's
    # inflow equals its outflow: early and mid last 1 / promote_rate, senior 1 / retire_rate)
    if pb.promote_rate <= 0 or pb.retire_rate <= 0:
        raise ConfigError(
            f"behaviour.professionals.promote_rate={pb.promote_rate!r}, "
            f"retire_rate={pb.retire_rate!r}: both must be > 0"
        )
    stage_shares = np.array([1 / pb.promote_rate, 1 / pb.promote_rate, 1 / pb.retire_rate])
    stage_shares /= stage_shares.sum()
    return {"hire_weight": hire_weight, "stage_shares": stage_shares, "behaviour": b}


# ----------------------------------------------------------------------------
# Policy events: the dated starts of the enabled instruments (figures and manifests)

EVENT_LABELS: dict[str, str] = {
    "mic2025": "MIC2025",
    "healthy_china": "Healthy China",
    "enforcement": "Enforcement",
    "carbon_market": "Carbon market",
    "measures31": "31 measures",
    "tw_attract": "TW attract talent",
    "tw_cultivate": "TW cultivate talent",
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
