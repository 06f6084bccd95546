"""Structured config schema: the types of every config key.

Hydra merges the YAML files in ``conf/`` onto these dataclasses, so a misspelled
key or a value of the wrong type fails at start with Hydra's own message. The
values themselves, with their units and sources, live in the YAML files (every
field here is ``MISSING`` unless it is a switch); ``docs/ODD.md`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class Instrument:
    """A dated policy or shock: on from ``start``, at full level after a ramp."""

    enabled: bool = False
    start: str = MISSING
    ramp_quarters: int = 0


@dataclass
class Mic2025(Instrument):
    rd_subsidy_rate: float = MISSING
    automation_boost: float = MISSING


@dataclass
class Enforcement(Instrument):
    level_cn: float = MISSING
    green_demand_boost: float = MISSING


@dataclass
class CarbonMarket(Instrument):
    price_usd_t: float = MISSING
    pass_through: float = MISSING


@dataclass
class Measures31(Instrument):
    equal_treatment: bool = True
    procurement_access: float = MISSING
    individual_utility: float = MISSING
    job_access: float = MISSING


@dataclass
class HealthyChina(Instrument):
    demand_boost: float = MISSING


@dataclass
class TwBase:
    rd_tax_credit: float = MISSING


@dataclass
class TwRetention(Instrument):
    utility: float = MISSING
    cost_usd_k: float = MISSING
    response_threshold: float = MISSING
    response_step: float = MISSING
    response_max: float = MISSING


@dataclass
class TwRdHub(Instrument):
    incentive: float = MISSING
    subsidy_usd_m: float = MISSING


@dataclass
class TwNewSouthbound(Instrument):
    access: float = MISSING
    move_cost_cut: float = MISSING
    invest_subsidy: float = MISSING


@dataclass
class Tariffs(Instrument):
    rate: float = MISSING


@dataclass
class ExportControls(Instrument):
    widened: str = MISSING
    growth_cut: float = MISSING
    growth_cut_widened: float = MISSING


@dataclass
class Pandemic(Instrument):
    end: str = MISSING
    move_cost_add: float = MISSING
    firm_move_cost_add: float = MISSING
    export_demand_cut: float = MISSING


@dataclass
class PolicyConfig:
    mic2025: Mic2025 = field(default_factory=Mic2025)
    enforcement: Enforcement = field(default_factory=Enforcement)
    carbon_market: CarbonMarket = field(default_factory=CarbonMarket)
    measures31: Measures31 = field(default_factory=Measures31)
    healthy_china: HealthyChina = field(default_factory=HealthyChina)
    tw_base: TwBase = field(default_factory=TwBase)
    tw_retention: TwRetention = field(default_factory=TwRetention)
    tw_rd_hub: TwRdHub = field(default_factory=TwRdHub)
    tw_new_southbound: TwNewSouthbound = field(default_factory=TwNewSouthbound)
    tariffs: Tariffs = field(default_factory=Tariffs)
    export_controls: ExportControls = field(default_factory=ExportControls)
    pandemic: Pandemic = field(default_factory=Pandemic)


@dataclass
class SectorConfig:
    label: str = MISSING
    demand_usd_bn: float = MISSING
    demand_growth: float = MISSING
    cn_procurement_share: float = MISSING
    export_share: float = MISSING
    pollution: float = MISSING
    carbon_intensity: float = MISSING
    talent_intensity: float = MISSING
    wage_mult: float = MISSING
    rd_intensity: float = MISSING
    material_share: float = MISSING
    fixed_cost_rate: float = MISSING
    mic2025_priority: bool = MISSING
    five_plus_two: bool = MISSING
    export_controlled: bool = MISSING
    green_market: bool = MISSING
    health_market: bool = MISSING
    capability0: dict[str, float] = MISSING
    prof_share: float = MISSING


@dataclass
class RegionConfig:
    label: str = MISSING
    firms_allowed: bool = MISSING
    wage_usd_k: float = MISSING
    wage_growth: float = MISSING
    fixed_cost_index: float = MISSING
    fixed_cost_growth: float = MISSING
    local_supply_growth: float = MISSING
    enforcement0: float = MISSING
    expat_premium: float = MISSING
    pilot_share: float = MISSING


@dataclass
class PopulationConfig:
    firms: dict[str, dict[str, Any]] = MISSING
    professionals: dict[str, float] = MISSING
    firm_size_sigma: float = MISSING
    size_mean_by_origin: dict[str, float] = MISSING
    capability_sigma: float = MISSING
    rd_centres_tw: float = MISSING
    firm_slots: float = MISSING
    professional_slots: float = MISSING


@dataclass
class MarketConfig:
    sigma: float = MISSING
    eta: float = MISSING


@dataclass
class FirmBehaviour:
    review_rate: float = MISSING
    beta_profit: float = MISSING
    move_cost: float = MISSING
    relocation_cost_share: float = MISSING
    demand_shock_sigma: float = MISSING
    loss_quarters: int = MISSING
    size_adjust: float = MISSING
    size_adjust_max: float = MISSING
    target_margin: float = MISSING
    entry_rate: float = MISSING
    entry_beta: float = MISSING
    entry_floor: float = MISSING
    capital_per_capacity: float = MISSING


@dataclass
class CapabilityConfig:
    theta: float = MISSING
    alpha: float = MISSING
    catch_up: float = MISSING
    talent_weight: float = MISSING


@dataclass
class AbatementConfig:
    cost: float = MISSING
    compliance_rate: float = MISSING
    adjust_speed: float = MISSING
    inspection_rate: float = MISSING
    emission_limit: float = MISSING
    fine_rate: float = MISSING
    shutdown_prob: float = MISSING


@dataclass
class AutomationConfig:
    rate: float = MISSING
    labour_saving: float = MISSING
    cost: float = MISSING


@dataclass
class RdCentreConfig:
    review_rate: float = MISSING
    intercept: float = MISSING
    pool_weight: float = MISSING
    access_weight: float = MISSING
    close_rate: float = MISSING
    staff: float = MISSING


@dataclass
class ProfessionalBehaviour:
    review_rate: float = MISSING
    beta_wage: float = MISSING
    move_cost: float = MISSING
    wage_elasticity: float = MISSING
    employment_rate0: float = MISSING
    hire_weight: dict[str, dict[str, Any]] = MISSING
    entry_rate: float = MISSING
    promote_rate: float = MISSING
    retire_rate: float = MISSING
    stage_wage: list[float] = MISSING


@dataclass
class BehaviourConfig:
    market: MarketConfig = field(default_factory=MarketConfig)
    firms: FirmBehaviour = field(default_factory=FirmBehaviour)
    capability: CapabilityConfig = field(default_factory=CapabilityConfig)
    abatement: AbatementConfig = field(default_factory=AbatementConfig)
    automation: AutomationConfig = field(default_factory=AutomationConfig)
    rd_centres: RdCentreConfig = field(default_factory=RdCentreConfig)
    professionals: ProfessionalBehaviour = field(default_factory=ProfessionalBehaviour)


@dataclass
class EngineConfig:
    name: str = "vectorized"
    threads: int = 2


@dataclass
class OutputConfig:
    plot: bool = True
    summary_quarters: list[str] = field(default_factory=lambda: ["2015Q4", "2020Q4", "2030Q4"])


@dataclass
class SimConfig:
    """The whole run: scenario, seed, scale, horizon and every model table."""

    scenario: str = MISSING
    seed: int = 0
    overwrite: bool = False
    scale: float = MISSING
    start: str = MISSING
    end: str = MISSING
    output: OutputConfig = field(default_factory=OutputConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    sectors: dict[str, SectorConfig] = MISSING
    regions: dict[str, RegionConfig] = MISSING
    population: PopulationConfig = field(default_factory=PopulationConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="crossstrait_schema", node=SimConfig)
