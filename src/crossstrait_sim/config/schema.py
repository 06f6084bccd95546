"""Structured config schema: every config key, declared once with its type, range, unit, source and meaning.

Hydra merges the YAML files in ``conf/`` onto these dataclasses, so a misspelled key or a value of
the wrong type fails at start with Hydra's own message. Each leaf is made by
:func:`~crossstrait_sim.config.declare.param`: beside its type it declares the values the model
accepts (``valid``, checked by :func:`~crossstrait_sim.config.checks.check_values` before any run),
its unit, its source and its meaning (the parameter table of docs/ODD.md is generated from them),
and, for an assumed number, the range it plausibly lies in (``plausible``; the uncertainty study
samples from it). The values themselves live in the YAML files (a leaf is ``MISSING`` here unless
it is a switch or a setting); their comments repeat unit, source and meaning for readers, and
tests/test_declarations.py holds them equal to these declarations.
"""

# ruff: noqa: RUF009  (param() returns dataclasses.field(...) with the declaration in its metadata)

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from crossstrait_sim.config.declare import ANY, GROWTH, NONNEG, POS, SHARE, Bounds, param


@dataclass
class Instrument:
    """A dated policy or shock: on from ``start``, at full level after a ramp.

    Every instrument declares these three fields again with its own source and meaning.
    """

    enabled: bool = False
    start: str = MISSING
    ramp_quarters: int = 0


@dataclass
class OutputConfig:
    """What a run writes besides its results table."""

    plot: bool = param(True, unit="bool", source="-", meaning="write talent_outflow.png beside the table")
    summary_quarters: list[str] = param(
        factory=lambda: ["2015Q4", "2020Q4", "2030Q4"],
        unit="quarters",
        source="issue 2",
        meaning=(
            "quarters reported in summary.json and the printed summary (those outside the horizon"
            " are skipped; none inside: the last quarter)"
        ),
    )


@dataclass
class Mic2025(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="Made in China 2025 smart-manufacturing subsidies")
    start: str = param(
        unit="quarter", source="paper §貳 (State Council, May 2015)", meaning="first quarter of the plan"
    )
    ramp_quarters: int = param(
        0,
        unit="quarters",
        source="paper §貳 (327 pilot projects over 2015-2017)",
        meaning="time to reach the full subsidy rate",
        valid=NONNEG,
    )
    rd_subsidy_rate: float = param(
        unit="share of R&D spend",
        source=(
            "paper §貳 (327 pilot projects x RMB 30-50 m, 2015-2017): set so that the model's MIC2025 money "
            "2015Q2-2017Q4 lies in that range (evidence/policy_money.py)"
        ),
        meaning="subsidy paid per unit of R&D for eligible firms",
        valid=SHARE,
        plausible=(0.12, 0.19),
    )
    automation_boost: float = param(
        unit="share",
        source="assumed",
        meaning="extra automation investment of eligible firms per unit subsidy rate",
        valid=NONNEG,
        plausible=(0.0, 1.0),
    )
    pilot_zones: list[str] = param(
        factory=lambda: ["kunshan", "sunan", "pearl_west", "zheng_luo_xin", "chang_zhu_tan", "pilot_cities"],
        unit="-",
        source="paper §貳 Table 1 (12 pilot cities and 4 city clusters, as of 2018Q1)",
        meaning=(
            "zones of population.cn_zones that are MIC2025 pilot cities or clusters: only sites there are "
            "eligible for MIC2025 subsidies"
        ),
    )


@dataclass
class Enforcement(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning='"Beautiful China" strict environmental enforcement')
    start: str = param(
        unit="quarter",
        source="paper §參 (19th Congress Oct 2017; Kunshan/Zhuhai limits end-2017)",
        meaning="enforcement steps up",
    )
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to reach the strict level", valid=NONNEG, plausible=(0, 6)
    )
    level_cn: float = param(
        unit="index 0-1",
        source="assumed; 2018 national fines RMB 13.6 bn Jan-Nov (data/inputs/china_environmental_fines_2018.csv)",
        meaning="CN enforcement intensity after the step (regions.CN.enforcement0 before)",
        valid=SHARE,
        plausible=(0.7, 1.0),
    )
    green_demand_boost: float = param(
        unit="share per unit enforcement",
        source="paper §參 (Internet+ green 2016; monitoring opened to private firms 2015); assumed size",
        meaning="extra CN green-services demand per unit rise in CN enforcement",
        valid=NONNEG,
        plausible=(0.2, 1.0),
    )
    area_zone: str = param(
        unit="-",
        source="paper §參 (Kunshan and Zhuhai limit orders, end-2017); inputs/kunshan_taiwanese_firms.csv",
        meaning="zone of population.cn_zones under an area production-limit order (Kunshan's Wusong River halt)",
    )
    area_start: str = param(
        unit="quarter",
        source="inputs/kunshan_taiwanese_firms.csv (halt order of 2017-12-24)",
        meaning="first quarter of the area order (it applies only when enforcement is enabled)",
    )
    area_quarters: int = param(
        unit="quarters",
        source="assumed (the order was softened to a 50% discharge cut within days; its end is not reported)",
        meaning="duration of the area order",
        valid=NONNEG,
        plausible=(1, 4),
    )
    area_firms: float = param(
        unit="firms",
        source="inputs/kunshan_taiwanese_firms.csv (270 firms named, about half Taiwanese)",
        meaning=(
            "real plants named in the order: each plant of the zone's polluting sectors is named with chance "
            "area_firms / (such plants in the zone), capped at 1, by a draw fixed per plant"
        ),
        valid=NONNEG,
    )
    area_min_pollution: float = param(
        unit="emission units per USD m capacity",
        source="paper §參 (water-polluting plants: PCB electroplating, furniture coatings); assumed threshold",
        meaning="sectors at least this polluting are the order's target",
        valid=NONNEG,
        plausible=(0.5, 2.0),
    )


@dataclass
class CarbonMarket(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="national carbon market (power sector first)")
    start: str = param(
        unit="quarter",
        source="paper §參 (announced Dec 2017); trading began 2021Q3 (data/inputs/china_carbon_market.csv)",
        meaning="first quarter with a carbon price",
    )
    ramp_quarters: int = param(
        0,
        unit="quarters",
        source="data/inputs/china_carbon_market.csv (online trading from 2021-07)",
        meaning="time to the full price",
        valid=NONNEG,
    )
    price_usd_t: float = param(
        unit="USD per t CO2",
        source="assumed (early national ETS prices of about RMB 40-60/t)",
        meaning="carbon price",
        valid=NONNEG,
        plausible=(5.0, 12.0),
    )
    pass_through: float = param(
        unit="share",
        source="assumed",
        meaning="share of power-sector carbon cost passed into manufacturers' energy costs in CN",
        valid=SHARE,
        plausible=(0.2, 0.8),
    )


@dataclass
class Measures31(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning='the mainland\'s "31 measures" toward Taiwan')
    start: str = param(unit="quarter", source="paper §貳.三 (28 Feb 2018)", meaning="first quarter in force")
    ramp_quarters: int = param(
        0,
        unit="quarters",
        source="assumed (local implementing rules followed during 2018)",
        meaning="time to full effect",
        valid=NONNEG,
        plausible=(2, 8),
    )
    equal_treatment: bool = param(
        True,
        unit="bool",
        source="paper §貳.三 item 1, 3",
        meaning="Taiwanese-funded firms in CN eligible for MIC2025 subsidies",
    )
    procurement_access: float = param(
        unit="share 0-1",
        source="paper §貳.三 items 4-6 (procurement, concessions, SOE reform); assumed level",
        meaning="Taiwanese firms in CN access to the CN procurement/concession market, relative to CN firms",
        valid=SHARE,
        plausible=(0.0, 1.0),
    )
    individual_usd_k: float = param(
        unit="USD thousand per person-year",
        source=(
            "assumed; inputs/measures31_uptake.csv: about 800 qualifications, 1,600 teachers, 72 Thousand "
            "Talents, 58 NSSF projects and 9,000 internships a year among about 400,000 Taiwanese in the "
            "mainland, i.e. realised transfers of order USD 0.1-0.2 k a person-year; access has option "
            "value beyond that"
        ),
        meaning=(
            "expected money equivalent of the individual items (jobs, qualifications, funds) for a Taiwanese "
            "professional working in CN; enters pay inside the log, so the fitted wage weight prices it"
        ),
        valid=NONNEG,
        plausible=(0.1, 5.0),
    )
    job_access: float = param(
        unit="share",
        source="data/inputs/measures31_list.csv (P-exam: 134 exams; P-teach: >1,600 teachers by 2019); assumed size",
        meaning="extra hiring of Taiwanese by CN-origin firms, relative to their pre-policy rate (1.0 doubles it)",
        valid=NONNEG,
        plausible=(0.5, 2.0),
    )


@dataclass
class HealthyChina(Instrument):
    enabled: bool = param(
        False, unit="bool", source="-", meaning='"Healthy China 2030" demand for health care (paper §肆)'
    )
    start: str = param(unit="quarter", source="paper §肆 (Oct 2016)", meaning="first quarter in force")
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(4, 12)
    )
    demand_boost: float = param(
        unit="share",
        source="assumed (life expectancy target 76 -> 79 by 2030)",
        meaning="extra CN health-sector demand at full effect",
        valid=NONNEG,
        plausible=(0.1, 0.5),
    )


@dataclass
class TwBase:
    rd_tax_credit: float = param(
        unit="share of R&D spend",
        source="Statute for Industrial Innovation Art. 10 (15% R&D credit)",
        meaning="Taiwan's incentive for R&D of firms located in TW, always on",
        valid=SHARE,
    )


@dataclass
class TwRetention(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="retain talent (留才)")
    start: str = param(
        unit="quarter", source="assumed (response after the 31 measures)", meaning="first quarter in force"
    )
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(2, 8)
    )
    topup_usd_k: float = param(
        unit="USD thousand per covered professional-year",
        source=(
            "assumed (Taiwan's 2018 countermeasures: pay and research-funding top-ups for researchers and engineers)"
        ),
        meaning="pay top-up for a covered professional working in TW",
        valid=NONNEG,
        plausible=(1.0, 15.0),
    )
    coverage: float = param(
        unit="share of professionals in TW",
        source="assumed (targets researchers, engineers and key talent)",
        meaning="share of Taiwan's skilled professionals eligible for the top-up",
        valid=SHARE,
        plausible=(0.05, 0.5),
    )
    response_margin: float = param(
        unit="ratio",
        source="assumed",
        meaning=(
            "the response rule steps the top-up up while the quarterly outflow rate to CN exceeds this multiple "
            "of its mean over the 4 quarters before the policy starts, and down while it is below"
        ),
        valid=Bounds(1.0, None, "a ratio of at least 1"),
        plausible=(1.0, 1.5),
    )
    response_step_usd_k: float = param(
        unit="USD thousand per covered professional-year, per quarter",
        source="assumed",
        meaning="change of the top-up per quarter under the response rule",
        valid=NONNEG,
        plausible=(0.1, 2.0),
    )
    response_max_usd_k: float = param(
        unit="USD thousand per covered professional-year",
        source="assumed",
        meaning="cap on the response rule's addition to the top-up",
        valid=NONNEG,
        plausible=(0.0, 15.0),
    )


@dataclass
class TwAttract(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="attract talent (攬才)")
    start: str = param(
        unit="quarter",
        source="Act for the Recruitment and Employment of Foreign Professionals (in force Feb 2018)",
        meaning="first quarter in force",
    )
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(2, 8)
    )
    bonus_usd_k: float = param(
        unit="USD thousand per person-year",
        source=(
            "assumed (the 2018 Act exempts half of salary above TWD 3 m from income tax for 3 years: "
            "about USD 2-5 k a year at the salaries it targets)"
        ),
        meaning=(
            "pay supplement for a professional who comes to work in TW (a Taiwanese returning from abroad, "
            "or a foreign professional) during their first eligible years; enters pay inside the log"
        ),
        valid=NONNEG,
        plausible=(1.0, 10.0),
    )
    eligible_years: float = param(
        unit="years",
        source="Act for the Recruitment and Employment of Foreign Professionals (3-year tax relief, 2018)",
        meaning="years after arrival during which the supplement is paid (sets the spend on returnees)",
        valid=POS,
    )
    foreign_stock: float = param(
        unit="persons",
        source="assumed (order of 30,000 foreign professionals with work permits in Taiwan in 2018)",
        meaning="foreign professionals working in TW before the policy (part of TW's local skilled supply)",
        valid=NONNEG,
        plausible=(20000.0, 45000.0),
    )
    foreign_elasticity: float = param(
        unit="elasticity",
        source=(
            "assumed; skilled migration follows earnings differences (Grogger and Hanson 2011, "
            "inputs/mechanism_parameters.csv) but no estimate for Taiwan exists"
        ),
        meaning="elasticity of the foreign professional stock in TW to their pay (TW skilled pay + supplement)",
        valid=NONNEG,
        plausible=(0.5, 3.0),
    )
    adjust_rate: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="share of the gap to the target foreign stock closed each quarter",
        valid=SHARE,
        plausible=(0.05, 0.25),
    )


@dataclass
class TwCultivate(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="cultivate talent (育才)")
    start: str = param(
        unit="quarter", source="assumed (response after the 31 measures)", meaning="first quarter in force"
    )
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(2, 8)
    )
    budget_usd_m: float = param(
        unit="USD m per year",
        source="assumed (order of Taiwan's industry-academia talent programmes)",
        meaning="yearly budget for training skilled professionals",
        valid=NONNEG,
        plausible=(20.0, 300.0),
    )
    cost_usd_k: float = param(
        unit="USD thousand per trainee-year",
        source="assumed (a graduate or industry-programme place in Taiwan: tuition, stipend and teaching)",
        meaning="cost of one trainee for one year; trainees in training = budget / cost",
        valid=POS,
        plausible=(10.0, 40.0),
    )
    duration_quarters: int = param(
        unit="quarters",
        source="assumed (a two-year master's or industry programme)",
        meaning="training time: graduates join TW's skilled supply this long after intake",
        valid=Bounds(1, None, "at least 1 quarter"),
        plausible=(4, 16),
    )
    completion: float = param(
        unit="share",
        source="assumed",
        meaning="share of trainees who complete and work in TW",
        valid=SHARE,
        plausible=(0.6, 0.95),
    )
    additionality: float = param(
        unit="share",
        source="assumed",
        meaning="share of graduates who would not have become skilled professionals without the programme",
        valid=SHARE,
        plausible=(0.2, 0.8),
    )


@dataclass
class TwRdHub(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="Asia-Pacific R&D centre (亞太研發中心)")
    start: str = param(unit="quarter", source="assumed", meaning="first quarter in force")
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(2, 8)
    )
    incentive: float = param(
        unit="utils",
        source="assumed",
        meaning="effect of Taiwan's incentive on a foreign firm's log-odds of opening an R&D centre in TW",
        valid=ANY,
        plausible=(0.5, 2.5),
    )
    subsidy_usd_m: float = param(
        unit="USD m per centre-quarter",
        source="assumed",
        meaning="Taiwan's subsidy per foreign R&D centre",
        valid=NONNEG,
        plausible=(0.25, 1.0),
    )


@dataclass
class TwNewSouthbound(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="New Southbound Policy (新南向)")
    start: str = param(unit="quarter", source="Executive Yuan, Sep 2016 launch", meaning="first quarter in force")
    ramp_quarters: int = param(
        0, unit="quarters", source="assumed", meaning="time to full effect", valid=NONNEG, plausible=(4, 12)
    )
    access: float = param(
        unit="competitiveness units",
        source="assumed",
        meaning="market-access bonus of TW-origin firms located in SEA",
        valid=ANY,
        plausible=(0.1, 0.5),
    )
    move_cost_cut: float = param(
        unit="share",
        source="assumed",
        meaning="cut in relocation cost to SEA for TW-origin firms",
        valid=SHARE,
        plausible=(0.1, 0.5),
    )
    invest_subsidy: float = param(
        unit="share of revenue",
        source="assumed",
        meaning="Taiwan's support for TW-origin firms in SEA",
        valid=SHARE,
        plausible=(0.01, 0.04),
    )


@dataclass
class Tariffs(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="US tariffs on mainland exports")
    start: str = param(unit="quarter", source="USTR Section 301, Jul 2018", meaning="first quarter of tariffs")
    ramp_quarters: int = param(
        0, unit="quarters", source="USTR lists 1-3 (2018Q3-2019Q2)", meaning="time to full coverage", valid=NONNEG
    )
    rate: float = param(
        unit="share of export price",
        source="assumed (25% duty on about half of exports to the US; US share of exports)",
        meaning="price cut on world-market sales of CN plants, times sector export share",
        valid=SHARE,
        plausible=(0.1, 0.25),
    )


@dataclass
class ExportControls(Instrument):
    enabled: bool = param(
        False, unit="bool", source="-", meaning="US export controls on advanced semiconductors and tools"
    )
    start: str = param(unit="quarter", source="Entity List (Huawei), May 2019", meaning="first round")
    ramp_quarters: int = param(0, unit="quarters", source="-", meaning="the first round applies at once", valid=NONNEG)
    widened: str = param(unit="quarter", source="BIS rules of Oct 2022", meaning="second, wider round")
    growth_cut: float = param(
        unit="share",
        source="assumed",
        meaning="cut in capability growth of CN-origin firms in export-controlled sectors after the first round",
        valid=SHARE,
        plausible=(0.1, 0.5),
    )
    growth_cut_widened: float = param(
        unit="share", source="assumed", meaning="the cut after the widening", valid=SHARE, plausible=(0.3, 0.9)
    )


@dataclass
class Pandemic(Instrument):
    enabled: bool = param(False, unit="bool", source="-", meaning="COVID-19 cross-border disruption")
    start: str = param(unit="quarter", source="-", meaning="first quarter of disruption")
    ramp_quarters: int = param(0, unit="quarters", source="-", meaning="the disruption starts at once", valid=NONNEG)
    end: str = param(unit="quarter", source="CN reopening Jan 2023", meaning="last quarter of disruption")
    move_cost_add: float = param(
        unit="utils",
        source="assumed",
        meaning="extra moving cost for professionals crossing borders",
        valid=NONNEG,
        plausible=(1.0, 4.0),
    )
    firm_move_cost_add: float = param(
        unit="utils", source="assumed", meaning="extra relocation cost for firms", valid=NONNEG, plausible=(0.5, 2.0)
    )
    export_demand_cut: float = param(
        unit="share",
        source="assumed",
        meaning="fall in world-market demand for CN-plant output",
        valid=SHARE,
        plausible=(0.02, 0.1),
    )


@dataclass
class PolicyConfig:
    """Every policy instrument and external shock (``conf/policy/default.yaml``), each switched off there."""

    mic2025: Mic2025 = field(default_factory=Mic2025)
    enforcement: Enforcement = field(default_factory=Enforcement)
    carbon_market: CarbonMarket = field(default_factory=CarbonMarket)
    measures31: Measures31 = field(default_factory=Measures31)
    healthy_china: HealthyChina = field(default_factory=HealthyChina)
    tw_base: TwBase = field(default_factory=TwBase)
    tw_retention: TwRetention = field(default_factory=TwRetention)
    tw_attract: TwAttract = field(default_factory=TwAttract)
    tw_cultivate: TwCultivate = field(default_factory=TwCultivate)
    tw_rd_hub: TwRdHub = field(default_factory=TwRdHub)
    tw_new_southbound: TwNewSouthbound = field(default_factory=TwNewSouthbound)
    tariffs: Tariffs = field(default_factory=Tariffs)
    export_controls: ExportControls = field(default_factory=ExportControls)
    pandemic: Pandemic = field(default_factory=Pandemic)


@dataclass
class SectorConfig:
    """One row of the sector table (``conf/sectors/default.yaml``); rows may cite their own sources."""

    demand_usd_bn: float = param(
        unit="USD bn per quarter",
        source="assumed",
        meaning="2010Q1 demand served by the modelled firms",
        valid=POS,
        plausible_factor=(0.5, 1.5),
    )
    demand_growth: float = param(
        unit="share per quarter", source="assumed", meaning="demand growth", valid=GROWTH, plausible=(0.0, 0.025)
    )
    cn_procurement_share: float = param(
        unit="share of demand",
        source="assumed",
        meaning="CN procurement / concession market (paper §貳.三 items 4-6)",
        valid=SHARE,
        plausible=(0.0, 0.3),
        rows={"green": "paper §參 (monitoring opened to private firms 2015; concessions item 4)"},
    )
    export_share: float = param(
        unit="share of output",
        source="assumed",
        meaning="exported share of CN-plant output (tariff exposure)",
        valid=SHARE,
        plausible=(0.1, 0.8),
    )
    pollution: float = param(
        unit="emission units per USD m capacity",
        source="assumed",
        meaning="pollution intensity",
        valid=NONNEG,
        plausible_factor=(0.5, 2.0),
        rows={"polluting": "paper §參 (PCB electroplating, furniture coatings)"},
    )
    carbon_intensity: float = param(
        unit="t CO2 per USD m revenue",
        source="assumed",
        meaning="carbon content of output, priced by the carbon market",
        valid=NONNEG,
        plausible_factor=(0.5, 1.5),
    )
    talent_intensity: float = param(
        unit="persons per USD m quarterly capacity",
        source="assumed",
        meaning="skilled staff per unit capacity",
        valid=NONNEG,
        plausible_factor=(0.67, 1.5),
    )
    wage_mult: float = param(
        unit="multiplier",
        source="assumed",
        meaning="sector's skilled wage relative to the region's base wage",
        valid=POS,
        plausible=(0.7, 1.5),
    )
    rd_intensity: float = param(
        unit="share of revenue", source="assumed", meaning="R&D spend", valid=SHARE, plausible=(0.005, 0.15)
    )
    material_share: float = param(
        unit="share of revenue", source="assumed", meaning="materials and energy", valid=SHARE, plausible=(0.3, 0.75)
    )
    fixed_cost_rate: float = param(
        unit="share of capacity at cost index 1",
        source="assumed",
        meaning="land, plant and unskilled labour",
        valid=NONNEG,
        plausible=(0.1, 0.3),
    )
    mic2025_priority: bool = param(unit="bool", source="paper §貳", meaning="MIC2025 priority sector")
    export_controlled: bool = param(
        unit="bool",
        source="-",
        meaning="hit by US export controls",
        rows={"semiconductors": "MODEL_BRIEF (2019Q2, 2022Q4)"},
    )
    green_market: bool = param(
        unit="bool",
        source="-",
        meaning="demand rises with CN enforcement",
        rows={"green": "paper §參 (Internet+ green, monitoring market)"},
    )
    health_market: bool = param(
        unit="bool", source="-", meaning="demand rises under Healthy China", rows={"health": "paper §肆"}
    )
    capability0: dict[str, float] = param(
        unit="index (TW-origin = 1)",
        source="assumed",
        meaning="starting capability by origin",
        valid=Bounds(1e-06, None, "a positive capability index"),
        plausible_factor=(0.8, 1.2),
        rows={
            "semiconductors": "paper §伍 (Taiwan leads, gap narrowing)",
            "health": "paper §肆 (Taiwan's care quality)",
        },
    )
    prof_share: float = param(
        unit="share",
        source="assumed",
        meaning="share of Taiwanese professionals with this sector's skill",
        valid=SHARE,
        plausible=(0.05, 0.35),
    )


@dataclass
class RegionConfig:
    """One row of the region table (``conf/regions/default.yaml``); rows may cite their own sources."""

    firms_allowed: bool = param(unit="bool", source="-", meaning="firms may locate here")
    wage_usd_k: float = param(
        unit="USD thousand per person-year",
        source="assumed",
        meaning="2010 base skilled wage",
        valid=POS,
        plausible_factor=(0.75, 1.33),
    )
    wage_growth: float = param(
        unit="share per quarter", source="assumed", meaning="base wage growth", valid=GROWTH, plausible=(0.0, 0.025)
    )
    fixed_cost_index: float = param(
        unit="index (TW = 1)",
        source="assumed",
        meaning="land, plant and unskilled-labour costs",
        valid=POS,
        plausible=(0.4, 1.6),
    )
    fixed_cost_growth: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="growth of the fixed-cost index",
        valid=GROWTH,
        plausible=(0.0, 0.03),
    )
    cost_convergence: float = param(
        unit="share per quarter",
        source="assumed",
        meaning=(
            "decay rate of the region's excess growth of base wage and fixed costs over Taiwan's: "
            "growth g_r(t) = g_TW + (g_r - g_TW) exp(-rate t), so the cost push converges"
        ),
        valid=SHARE,
        plausible=(0.0, 0.25),
    )
    local_supply_growth: float = param(
        unit="share per quarter",
        source="assumed",
        meaning=(
            "growth of skilled labour supply from outside the model (none in TW, whose supply is "
            "the modelled professionals)"
        ),
        valid=GROWTH,
        plausible=(0.0, 0.025),
        rows={"TW": "-"},
    )
    enforcement0: float = param(
        unit="index 0-1",
        source="assumed",
        meaning="environmental enforcement intensity (CN: before the 2017 step)",
        valid=SHARE,
        plausible=(0.1, 0.9),
    )
    pull_growth: float = param(
        unit="share per year (pay equivalent)",
        source="assumed (a prior of the posterior fit; see docs/ODD.md)",
        meaning=(
            "growth of the region's pull on Taiwanese professionals beyond pay and jobs (study, family, "
            "employers outside the model), as the pay rise that would give the same utility; it grows "
            "until behaviour.professionals.pull_growth_end and then holds"
        ),
        valid=Bounds(-0.2, 0.2, "a yearly growth rate in [-0.2, 0.2]"),
        plausible=(-0.04, 0.08),
        rows={
            "TW": "-",
            "CN": "assumed (the mainland count follows the modelled firms and pay; no pull beyond them)",
            "SEA": (
                "assumed (DGBAS: Taiwanese in SEA about 104k in 2010 to 113k in 2014, then flat; a prior of "
                "the posterior fit)"
            ),
            "ROW": (
                "assumed (DGBAS: Taiwanese outside the mainland and SEA about 150k in 2010, 186k in 2014, 221k "
                "in 2018, 4-5% a year; a prior of the posterior fit)"
            ),
        },
    )
    expat_premium: float = param(
        unit="multiplier",
        source="assumed",
        meaning=(
            "pay of a Taiwanese working here relative to the local skilled wage in 2010, indexed to "
            "Taiwan's actual skilled pay (see docs/ODD.md)"
        ),
        valid=POS,
        plausible=(1.0, 4.0),
        rows={"TW": "-", "ROW": "-"},
    )


@dataclass
class PopulationConfig:
    """The reference population at 2010Q1, in real units (``conf/population/default.yaml``)."""

    firms: dict[str, dict[str, Any]] = param(
        unit="firms",
        source="assumed",
        meaning=(
            "firms in the modelled sectors by origin (rows: TW Taiwanese-funded, CN mainland, "
            "FOREIGN US, Japan, Europe) and location (columns)"
        ),
        valid=NONNEG,
        plausible_factor=(0.5, 2.0),
        rows={
            "TW": (
                "MOFCOM for the CN column: cumulative approved Taiwan-funded projects interpolated to 2010Q1"
                " (66,028 mid-2005, 85,063 end-Sep 2011: about 80,500) x assumed survival 0.5 (about 3,050"
                " approvals a year 2005-2011 over an assumed exit rate of 7.5% a year gives about 40,700 active"
                " in a steady state; a project is not always a separate firm),"
                " data/observed/mainland_approved_taiwan_projects_cumulative.csv; TW, SEA, ROW: assumed"
            ),
            "CN": "assumed (order of industrial enterprises above designated size in these sectors)",
        },
    )
    cn_zones: dict[str, dict[str, Any]] = param(
        unit="share of the origin's sites in CN",
        source="assumed",
        meaning=(
            "named zones of the mainland (rows) and the share of each origin's (columns TW, CN, FOREIGN) "
            "sites in CN located there; the rest of CN is one more zone, 'other'"
        ),
        valid=SHARE,
        plausible_factor=(0.5, 1.5),
        rows={
            "kunshan": (
                "TW: inputs/kunshan_taiwanese_firms.csv (peak about 5,000 Taiwanese firms in Kunshan, against "
                "40,000-80,000 in the mainland: 0.06-0.125); CN, FOREIGN: assumed (Kunshan about 0.4% of "
                "China's GDP and about 1% of its industrial output, 2017)"
            ),
        },
    )
    professionals: dict[str, float] = param(
        unit="persons",
        source=(
            "abroad total 671,500 = DGBAS 662k (2009) and 681k (2011) interpolated to 2010; CN = "
            "62.2% of it (DGBAS mainland share 2011; the mainland incl. HK and Macau); SEA = "
            "15.5% (DGBAS 2014-2015: 113k of 726k, 111k of 724k); ROW = the rest (US 12.7% in "
            "2015, Japan, Europe, others), all data/observed/; TW: assumed skilled workforce of "
            "the modelled sectors"
        ),
        meaning=(
            "Taiwanese working by work location (the DGBAS count of Taiwanese working abroad, all"
            " of whom the model treats as professionals)"
        ),
        valid=NONNEG,
        plausible_factor=(0.8, 1.25),
    )
    firm_size_sigma: float = param(
        unit="log-points",
        source="assumed (firm sizes roughly lognormal)",
        meaning="dispersion of firm capacity",
        valid=Bounds(0.0, 5.0, "log-points"),
        plausible=(0.5, 1.5),
    )
    size_mean_by_origin: dict[str, float] = param(
        unit="relative",
        source="assumed",
        meaning="mean capacity of a firm by origin, relative to a TW firm",
        valid=POS,
        plausible_factor=(0.5, 2.0),
    )
    capability_sigma: float = param(
        unit="log-points",
        source="assumed (within-sector productivity dispersion, Syverson 2011 order)",
        meaning="firm-level dispersion of capability around its sector x origin level",
        valid=Bounds(0.0, 3.0, "log-points"),
        plausible=(0.05, 0.3),
    )
    rd_centres_tw: float = param(
        unit="centres",
        source="assumed (MOEA multinational R&D centre programme, about 2010)",
        meaning="foreign R&D centres in Taiwan at the start",
        valid=NONNEG,
        plausible=(150.0, 600.0),
    )
    firm_slots: float = param(
        unit="slots per initial firm agent",
        source="- (head-room, not a model parameter: firm numbers about double by 2030)",
        meaning=(
            "array head-room for firm entry; more is allocated if needed, at the cost of common "
            "random numbers from then on"
        ),
        valid=Bounds(1.0, 100.0, "slots per initial agent"),
    )
    professional_slots: float = param(
        unit="slots per initial professional agent",
        source="- (head-room, not a model parameter: entries about balance retirements)",
        meaning="array head-room for new professionals",
        valid=Bounds(1.0, 100.0, "slots per initial agent"),
    )


@dataclass
class MarketConfig:
    sigma: float = param(
        unit="competitiveness units",
        source="assumed",
        meaning="logit scale of market shares (lower = winner takes more)",
        valid=POS,
        plausible=(0.5, 2.0),
    )
    eta: float = param(
        unit="elasticity",
        source="assumed",
        meaning="weight of log unit cost in competitiveness",
        valid=NONNEG,
        plausible=(0.5, 3.0),
    )


@dataclass
class FirmBehaviour:
    staff_productivity_growth: float = param(
        unit="share per quarter",
        source=(
            "assumed (labour-augmenting technical change; Taiwan's manufacturing labour productivity "
            "grew about 3% a year in the 2010s)"
        ),
        meaning="decline of skilled staff needed per unit capacity",
        valid=GROWTH,
        plausible=(0.0, 0.01),
    )
    review_rate: float = param(
        unit="share per quarter",
        source="assumed (a location review every 5 years)",
        meaning="h_firm, probability a firm reviews its location",
        valid=SHARE,
        plausible=(0.025, 0.1),
    )
    beta_profit: float = param(
        unit="utils per unit margin",
        source=(
            "assumed; implies a location-choice elasticity to labour cost near -0.5 (Figueiredo "
            "et al. 2002, inputs/mechanism_parameters.csv)"
        ),
        meaning="weight of expected margin in the location logit",
        valid=NONNEG,
        plausible=(2.0, 30.0),
    )
    move_cost: float = param(
        unit="utils",
        source="assumed",
        meaning="relocation cost in the location logit",
        valid=NONNEG,
        plausible=(0.5, 10.0),
    )
    relocation_cost_share: float = param(
        unit="share of capacity",
        source="assumed",
        meaning="one-off cost of a move, booked as investment abroad",
        valid=NONNEG,
        plausible=(0.1, 0.5),
    )
    demand_shock_sigma: float = param(
        unit="log-points",
        source="assumed",
        meaning="transitory firm-level demand shock each quarter (spreads exits over time)",
        valid=Bounds(0.0, 2.0, "log-points"),
        plausible=(0.05, 0.2),
    )
    loss_quarters: int = param(
        unit="quarters",
        source="assumed",
        meaning="consecutive loss quarters before a loss exit",
        valid=Bounds(1, None, "a positive number of quarters"),
        plausible=(4, 12),
    )
    size_adjust: float = param(
        unit="log-points per unit margin gap",
        source="assumed",
        meaning="capacity growth per quarter per unit margin above the target",
        valid=NONNEG,
        plausible=(0.25, 1.0),
    )
    size_adjust_max: float = param(
        unit="log-points per quarter",
        source="assumed",
        meaning="cap on capacity growth or shrinkage per quarter",
        valid=Bounds(0.0, 1.0, "log-points per quarter"),
        plausible=(0.02, 0.08),
    )
    target_margin: float = param(
        unit="share of revenue",
        source="assumed",
        meaning="margin at which capacity neither grows nor shrinks",
        valid=Bounds(-1.0, 1.0, "a margin"),
        plausible=(0.02, 0.08),
    )
    entry_rate: float = param(
        unit="share per quarter",
        source="assumed (MOFCOM: 2,962 new Taiwan-funded projects in 2015 over ~45k active firms)",
        meaning="entrants per incumbent at the target margin",
        valid=SHARE,
        plausible=(0.006, 0.02),
    )
    entry_beta: float = param(
        unit="per unit margin",
        source="assumed",
        meaning="semi-elasticity of entry to the margin gap",
        valid=NONNEG,
        plausible=(5.0, 20.0),
    )
    entry_floor_firms: float = param(
        unit="firms",
        source="assumed (2 agents at scale 0.01, where the posterior was fitted, 4 at the default 0.02; in agents "
        "before the seventh session, which made a sparse cell's entry grow as the scale fell)",
        meaning="minimum incumbents (real firms) assumed in a cell when computing its entry rate; in agents it is "
        "this / the entrants' weight, so the same number of real firms at every scale",
        valid=NONNEG,
        plausible=(100.0, 400.0),
    )
    entrant_size_ratio: float = param(
        unit="share of the mean firm's capacity",
        source="assumed; entrants are usually smaller than incumbents (Dunne, Roberts & Samuelson 1988, RAND J. "
        "Econ. 19(4)); fitted in the posterior from approved investment (amounts) against MOFCOM project counts",
        meaning="an entrant's expected capacity relative to the mean 2010 firm of its (sector, origin)",
        valid=Bounds(1e-3, 1.0, "a share above 0, at most 1"),
        plausible=(0.1, 1.0),
    )
    capital_per_capacity: float = param(
        unit="USD m per USD m quarterly capacity",
        source="assumed; issue 5 fits it to approved-investment levels",
        meaning="investment needed per unit of new capacity",
        valid=NONNEG,
        plausible=(1.0, 20.0),
    )


@dataclass
class CapabilityConfig:
    theta: float = param(
        unit="log-points per quarter at R&D intensity 1",
        source="assumed",
        meaning="efficiency of R&D",
        valid=NONNEG,
        plausible=(0.02, 0.05),
    )
    alpha: float = param(
        unit="elasticity",
        source="assumed (diminishing returns)",
        meaning="curvature of R&D in capability growth",
        valid=Bounds(0.0, 1.0, "an elasticity in [0, 1] (diminishing returns)"),
        plausible=(0.3, 0.7),
    )
    catch_up: float = param(
        unit="share of log gap per quarter",
        source="assumed",
        meaning="spill-over toward the sector frontier",
        valid=SHARE,
        plausible=(0.005, 0.02),
    )
    talent_weight: float = param(
        unit="elasticity",
        source="assumed",
        meaning="effect of the skilled-staff fill rate on capability growth",
        valid=NONNEG,
        plausible=(0.5, 1.5),
    )
    knowhow_premium: float = param(
        unit="know-how weight per log point of Taiwan's capability lead",
        source="assumed (the paper's worry: Taiwanese talent carries know-how into mainland firms, §貳.三, §伍)",
        meaning=(
            "extra weight of a Taiwanese professional in the capability growth of a non-Taiwanese firm, "
            "per log point by which Taiwanese firms lead the firm's origin in the sector"
        ),
        valid=NONNEG,
        plausible=(0.0, 20.0),
    )
    knowhow_half: float = param(
        unit="share of the firm's skilled staff",
        source="assumed (diminishing returns)",
        meaning="Taiwanese share of a firm's skilled staff at which half of the know-how gain is reached",
        valid=Bounds(1e-6, 1.0, "a share above 0"),
        plausible=(0.01, 0.2),
    )
    spillover: float = param(
        unit="log points per quarter per log change of centres",
        source="assumed (FDI R&D spillovers to local firms; no Taiwan estimate in inputs/mechanism_parameters.csv)",
        meaning=(
            "extra capability growth of Taiwanese firms in Taiwan per log rise of foreign R&D centres in "
            "their sector since 2010 (the R&D hub's channel)"
        ),
        valid=NONNEG,
        plausible=(0.0, 0.01),
    )


@dataclass
class AbatementConfig:
    cost: float = param(
        unit="share of capacity per unit pollution",
        source="assumed",
        meaning="quadratic cost scale of abatement: cost x pollution x abatement^2 / 2",
        valid=POS,
        plausible=(0.03, 0.12),
    )
    compliance_rate: float = param(
        unit="share of capacity per unit pollution x enforcement",
        source="assumed; Greenstone, List & Syverson 2012 (8.8% of profits)",
        meaning="compliance cost of unabated pollution",
        valid=NONNEG,
        plausible=(0.015, 0.06),
    )
    adjust_speed: float = param(
        unit="share of gap per quarter",
        source="assumed",
        meaning="speed of abatement toward its cost-minimising level",
        valid=SHARE,
        plausible=(0.1, 0.5),
    )
    inspection_rate: float = param(
        unit="probability per quarter at enforcement 1",
        source="assumed (2018: about 166k penalty decisions, inputs/china_environmental_fines_2018.csv)",
        meaning="iota, inspection probability",
        valid=SHARE,
        plausible=(0.08, 0.3),
    )
    emission_limit: float = param(
        unit="emission units per USD m capacity, times enforcement",
        source="assumed",
        meaning="a plant with pollution x (1 - abatement) x enforcement above this is non-compliant",
        valid=POS,
        plausible=(0.15, 0.6),
    )
    fine_rate: float = param(
        unit="share of capacity",
        source=(
            "inputs/china_environmental_fines_2018.csv (2018 Jan-Nov: RMB 13.6 bn over 166,210 penalty decisions, "
            "RMB 82k each; fine_rate 0.05 gave the model RMB 190k a decision, experiments/mechanism_ablation); "
            "assumed form"
        ),
        meaning="fine on a non-compliant plant",
        valid=NONNEG,
        plausible=(0.01, 0.04),
    )
    shutdown_prob: float = param(
        unit="probability",
        source=(
            "paper §參 (Kunshan halt order, Dongguan furniture stop); size: a third of the 2018 share of "
            "production-limit or stop cases per penalty decision (3.7%, inputs/china_environmental_fines_2018.csv), "
            "the third assumed"
        ),
        meaning="chance an inspected non-compliant plant is ordered to stop",
        valid=SHARE,
        plausible=(0.005, 0.05),
    )
    limit_prob: float = param(
        unit="probability",
        source=(
            "2018 Jan-Nov: 6,196 production-limit or stop cases against 166,210 penalty decisions "
            "(3.7%), inputs/china_environmental_fines_2018.csv; with shutdown_prob the limit-or-stop share per "
            "decision is 0.0125 + 0.9875 x 0.025 = 3.7%, the split assumed"
        ),
        meaning="chance an inspected non-compliant plant that is not ordered to stop is ordered to limit production",
        valid=SHARE,
        plausible=(0.0, 0.2),
    )
    limit_quarters: int = param(
        unit="quarters",
        source="assumed (rectification orders of a few months)",
        meaning="duration of a production-limit order after an inspection",
        valid=Bounds(1, 100, "quarters"),
        plausible=(1, 4),
    )
    limit_output_cap: float = param(
        unit="share of capacity",
        source=(
            "inputs/kunshan_taiwanese_firms.csv (the Kunshan halt order softened to a 50% discharge cut); "
            "assumed for other orders"
        ),
        meaning=(
            "output a plant under a production-limit order may sell: its attraction in the market is cut to this share"
        ),
        valid=SHARE,
        plausible=(0.0, 0.8),
    )


@dataclass
class AutomationConfig:
    rate: float = param(
        unit="share per quarter per unit wage pressure",
        source="assumed",
        meaning="automation investment against rising labour costs",
        valid=SHARE,
        plausible=(0.02, 0.1),
    )
    labour_saving: float = param(
        unit="share",
        source="assumed",
        meaning="cut in fixed (unskilled-labour) costs at full automation",
        valid=SHARE,
        plausible=(0.2, 0.6),
    )
    cost: float = param(
        unit="share of capacity per unit automation",
        source="assumed",
        meaning="cost of automation investment",
        valid=NONNEG,
        plausible=(0.05, 0.2),
    )


@dataclass
class RdCentreConfig:
    review_rate: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="foreign firms reviewing whether to open an R&D centre in TW",
        valid=SHARE,
        plausible=(0.025, 0.1),
    )
    intercept: float = param(
        unit="log-odds",
        source="assumed (openings about equal closures at 300 centres in 2010)",
        meaning="base log-odds of opening",
        valid=ANY,
        plausible=(-8.0, -6.0),
    )
    pool_weight: float = param(
        unit="log-odds per log unit",
        source="assumed",
        meaning="effect of the TW skilled pool (relative to 2010)",
        valid=ANY,
        plausible=(0.5, 2.0),
    )
    access_weight: float = param(
        unit="log-odds",
        source=(
            "assumed size (paper §伍 names the channel: foreign R&D subsidiaries in TW enter the mainland"
            " via the 31 measures)"
        ),
        meaning="effect of 31-measures access through a Taiwanese subsidiary",
        valid=ANY,
        plausible=(0.0, 1.5),
    )
    close_rate: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="closure of existing centres",
        valid=SHARE,
        plausible=(0.005, 0.02),
    )
    staff: float = param(
        unit="persons",
        source="assumed",
        meaning="Taiwanese professionals employed per centre",
        valid=NONNEG,
        plausible=(50.0, 200.0),
    )


@dataclass
class ProfessionalBehaviour:
    entry_growth: float = param(
        unit="share per quarter",
        source="assumed (Taiwan's graduates and skilled workforce grew through the 2010s)",
        meaning="growth of the number of new professionals entering in Taiwan (skilled supply)",
        valid=GROWTH,
        plausible=(0.0, 0.006),
    )
    review_rate: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="h_prof, probability a professional reviews where to work",
        valid=SHARE,
        plausible=(0.02, 0.2),
    )
    beta_wage: float = param(
        unit="utils per log wage",
        source="assumed (log utility; Grogger & Hanson 2011 use linear)",
        meaning="weight of log expected wage",
        valid=NONNEG,
        plausible=(0.3, 4.0),
    )
    move_cost: float = param(
        unit="utils", source="assumed", meaning="cost of changing region", valid=NONNEG, plausible=(0.2, 4.0)
    )
    wage_elasticity: float = param(
        unit="elasticity",
        source="assumed",
        meaning="response of wages to skilled labour demand / supply",
        valid=NONNEG,
        plausible=(0.25, 1.0),
    )
    employment_rate0: float = param(
        unit="share",
        source="assumed",
        meaning="employment chance at 2010 labour-market tightness",
        valid=Bounds(1e-06, 1.0, "a share above 0"),
        plausible=(0.9, 0.98),
    )
    open_market_share: float = param(
        unit="share of Taiwanese jobs abroad",
        source=(
            "assumed (Taiwanese abroad also work for local, foreign and unmodelled employers; no survey splits "
            "them by employer, so the posterior fit learns it)"
        ),
        meaning=(
            "share of the 2010 jobs of Taiwanese professionals abroad that lie outside the modelled firms; "
            "those jobs keep their 2010 number, so talent abroad does not follow the modelled firms one for one"
        ),
        valid=Bounds(0.0, 0.95, "a share in [0, 0.95]"),
        plausible=(0.0, 0.8),
    )
    start_gap_abroad: float = param(
        unit="share of the 2010 stocks abroad",
        source=(
            "assumed form, size fitted (DGBAS: the Taiwanese working abroad rose from 662k in 2009 to 726k in 2014 "
            "and then held at 724-739k, a rise toward a higher level rather than a steady trend)"
        ),
        meaning=(
            "how far the rest point of the professionals' 2010 choice rule (at 2010 pay and jobs) lies above the "
            "2010 stocks of Taiwanese abroad: 0 makes the 2010 distribution stationary; above 0 the stocks abroad "
            "start below their rest point and rise toward it at the pace of reviews and moving costs"
        ),
        valid=Bounds(0.0, 1.0, "a share in [0, 1]"),
        plausible=(0.0, 0.3),
    )
    pull_growth_end: str = param(
        unit="quarter",
        source=(
            "the last observed year (DGBAS counts run to 2019); the pull is not extrapolated into "
            "the out-of-sample years"
        ),
        meaning="last quarter in which regions' pull_growth acts; the pull holds its level after it",
    )
    hire_weight: dict[str, dict[str, Any]] = param(
        unit="share of skilled staff",
        source="assumed",
        meaning="Taiwanese share of a firm's skilled hires, by firm origin (rows) and location (columns)",
        valid=SHARE,
        plausible_factor=(0.5, 2.0),
    )
    entry_rate: float = param(
        unit="share of 2010 population per quarter",
        source="assumed; = 1 / (2 / promote_rate + 1 / retire_rate), the rate that holds the population constant",
        meaning="new professionals entering the pool (in TW, early career)",
        valid=SHARE,
        plausible=(0.006, 0.012),
    )
    promote_rate: float = param(
        unit="share per quarter",
        source="assumed (about 10 years per stage)",
        meaning="early->mid and mid->senior transitions",
        valid=SHARE,
        plausible=(0.017, 0.033),
    )
    retire_rate: float = param(
        unit="share per quarter",
        source="assumed",
        meaning="retirement of senior professionals",
        valid=SHARE,
        plausible=(0.02, 0.04),
    )


@dataclass
class BehaviourConfig:
    """Behavioural parameters of firms and professionals (``conf/behaviour/default.yaml``)."""

    market: MarketConfig = field(default_factory=MarketConfig)
    firms: FirmBehaviour = field(default_factory=FirmBehaviour)
    capability: CapabilityConfig = field(default_factory=CapabilityConfig)
    abatement: AbatementConfig = field(default_factory=AbatementConfig)
    automation: AutomationConfig = field(default_factory=AutomationConfig)
    rd_centres: RdCentreConfig = field(default_factory=RdCentreConfig)
    professionals: ProfessionalBehaviour = field(default_factory=ProfessionalBehaviour)


@dataclass
class EngineConfig:
    """Which engine runs the step loop, and in how many threads (``conf/engine/``)."""

    name: str = param("vectorized", unit="-", source="-", meaning="engine that runs the step loop")
    threads: int = param(
        2,
        unit="threads",
        source="-",
        meaning=(
            "threads of the step loop: 2 runs the professionals' phase beside the firms' phases "
            "(same results as 1); the mesa engine runs in one"
        ),
    )


@dataclass
class PosteriorDraw:
    """Parameter uncertainty: one parameter set per seed from the packaged posterior (``conf/calibration/``)."""

    draw: bool = param(
        False,
        unit="bool",
        source="-",
        meaning=(
            "draw one parameter set per seed from the packaged posterior draws "
            "(crossstrait_sim/evidence/data/posterior/draws.csv, by weight), reproducibly from the seed"
        ),
    )
    row: int = param(
        -1,
        unit="row",
        source="-",
        meaning="row of the posterior draws to run (-1: drawn from the seed); a run records the row it took",
        valid=Bounds(-1, None, "a row number of the draws, or -1"),
    )


@dataclass
class SimConfig:
    """The whole run: scenario, seed, scale, horizon and every model table."""

    scenario: str = param(
        unit="-", source="-", meaning="scenario name written on every result row (set by each scenario file)"
    )
    seed: int = param(
        0, unit="integer", source="-", meaning="root of the random-number tree (numpy SeedSequence); 0 <= seed < 2^63"
    )
    overwrite: bool = param(
        False,
        unit="bool",
        source="-",
        meaning=(
            "allow a run to replace earlier results, or to write into a folder holding files it "
            "did not write (never part of a run's identity)"
        ),
    )
    scale: float = param(
        unit="agents per real firm or professional",
        source=(
            "experiments/scale_convergence (issue 9: the smallest scale whose key indicators lie within 2% or 0.01"
            " of scale 0.2, 60 seeds)"
        ),
        meaning="1.0 = one agent per real unit; indicators are always reported at real-world size",
        valid=Bounds(1e-12, 10.0, "agents per real unit, 0 < scale <= 10"),
    )
    start: str = param(
        unit="quarter", source="MODEL_BRIEF (so 2010-2015 can be held against data)", meaning="first simulated quarter"
    )
    end: str = param(unit="quarter", source="MODEL_BRIEF", meaning="last simulated quarter")
    output: OutputConfig = field(default_factory=OutputConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    sectors: dict[str, SectorConfig] = MISSING
    regions: dict[str, RegionConfig] = MISSING
    population: PopulationConfig = field(default_factory=PopulationConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    posterior: PosteriorDraw = field(default_factory=PosteriorDraw)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="crossstrait_schema", node=SimConfig)
