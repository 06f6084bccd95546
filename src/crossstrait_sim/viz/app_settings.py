"""What a user of the browser app may set, and how it becomes Hydra overrides.

The app never passes text from the page to Hydra: every value is parsed here against a fixed
table (a scenario from ``conf/scenario/``, on/off for the options of the config groups
``mainland`` and ``taiwan``, and the start quarter and size of each switched-on policy), then
written back in a canonical form. A bad value raises :class:`~crossstrait_sim.errors.ConfigError`
with one line naming the field, the value and what is allowed; the config layer checks the
composed config again before anything runs.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from crossstrait_sim.config.compose import compose_config, conf_dir, default_scale
from crossstrait_sim.errors import ConfigError

DEFAULT_SCENARIO = "narrative"  # what the page shows first (the model's default scenario)
# the scale is the model's default (conf/config.yaml, chosen by experiments/scale_convergence)
# one thread per run: at scale 0.01 a second thread for the professionals' phase cost more than it
# saved (1.40-1.52 s against 1.55-1.70 s for three seeds here; not re-measured at 0.02), and the
# tables are identical
APP_THREADS = 1
DEFAULT_SEEDS = 3  # seeds 0..n-1: bands across them; the same seeds for every setting (paired)
MAX_SEEDS = 5
HORIZON = ("2010Q1", "2030Q4")  # the config's default horizon; the app does not change it
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
# Hydra's compose API keeps global state: one composition at a time in this process, whichever
# browser session asks (an RLock, so a holder may compose again)
HYDRA_LOCK = threading.RLock()


@dataclass(frozen=True)
class PolicyOption:
    """One switch of the app: an option of the config group ``mainland`` or ``taiwan``.

    Args:
        group: the config group (``"mainland"`` or ``"taiwan"``).
        option: the option's file name in that group (``conf/taiwan/retain_talent.yaml``).
        policy: the instrument it switches on in ``conf/policy/default.yaml`` (``tw_retention``).
        label: what the page shows.
        size: the instrument's key that sets its size (``utility``).
        size_label: the size field's label, with its unit.
        lo: the smallest size the app accepts.
        hi: the largest size the app accepts.
    """

    group: str
    option: str
    policy: str
    label: str
    size: str
    size_label: str
    lo: float
    hi: float

    @property
    def start_key(self) -> str:
        """The config key of the start quarter."""
        return f"policy.{self.policy}.start"

    @property
    def size_key(self) -> str:
        """The config key of the size."""
        return f"policy.{self.policy}.{self.size}"


# Ranges: the config layer's own range (shares in [0, 1]) or, where it allows any real number,
# a span of about ten times the default that keeps the model in the regime it was built for.
OPTIONS: tuple[PolicyOption, ...] = (
    PolicyOption(
        "mainland", "mic2025", "mic2025", "Made in China 2025 subsidies", "rd_subsidy_rate",
        "subsidy rate (share of R&D spend)", 0.0, 1.0,
    ),
    PolicyOption(
        "mainland", "enforcement", "enforcement", "Environmental enforcement and carbon market", "level_cn",
        "enforcement level (index 0-1)", 0.0, 1.0,
    ),
    PolicyOption(
        "mainland", "measures31", "measures31", "The 31 measures toward Taiwan", "individual_usd_k",
        "individual items, money equivalent (USD k per person-year)", 0.0, 20.0,
    ),
    PolicyOption(
        "mainland", "healthy_china", "healthy_china", "Healthy China 2030", "demand_boost",
        "extra health demand (share)", 0.0, 2.0,
    ),
    PolicyOption(
        "taiwan", "retain_talent", "tw_retention", "Taiwan retains talent", "topup_usd_k",
        "pay top-up (USD k per covered person-year)", 0.0, 30.0,
    ),
    PolicyOption(
        "taiwan", "rd_hub", "tw_rd_hub", "Asia-Pacific R&D hub", "incentive",
        "incentive (log-odds)", 0.0, 10.0,
    ),
    PolicyOption(
        "taiwan", "new_southbound", "tw_new_southbound", "New Southbound markets", "access",
        "market access bonus (competitiveness units)", 0.0, 3.0,
    ),
)  # fmt: skip
BY_OPTION = {o.option: o for o in OPTIONS}
SHOCKS = {"tariffs": "US tariffs", "export_controls": "US export controls", "pandemic": "pandemic"}


@dataclass(frozen=True)
class Setting:
    """One setting of the model as the user chose it in the page.

    Args:
        scenario: a scenario name (a file of ``conf/scenario/``).
        switched_on: the options of ``OPTIONS`` switched on.
        levers: (config key, text typed) for the start and size fields of switched-on options.
        seeds: how many seeds (0..seeds-1) to run.
    """

    scenario: str
    switched_on: tuple[str, ...]
    levers: tuple[tuple[str, str], ...] = ()
    seeds: int = DEFAULT_SEEDS


def scenarios() -> list[str]:
    """The scenario names, from the files in ``conf/scenario/``."""
    return sorted(p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))


@lru_cache(maxsize=32)
def scenario_defaults(scenario: str) -> tuple[tuple[str, ...], Mapping[str, str], tuple[str, ...]]:
    """What a scenario switches on, the default text of every lever, and its external shocks.

    Raises:
        ConfigError: ``scenario`` is not one of :func:`scenarios`.
    """
    _check_scenario(scenario)
    with HYDRA_LOCK:
        policy = compose_config([f"scenario={scenario}"]).policy
    on = tuple(o.option for o in OPTIONS if policy[o.policy].enabled)
    texts: dict[str, str] = {}
    for o in OPTIONS:
        texts[o.start_key] = str(policy[o.policy].start)
        texts[o.size_key] = _number_text(float(policy[o.policy][o.size]))
    shocks = tuple(label for key, label in SHOCKS.items() if policy[key].enabled)
    return on, MappingProxyType(texts), shocks


def overrides(setting: Setting) -> list[str]:
    """The Hydra overrides of ``setting``, every value parsed and written back in canonical form.

    Levers equal to the scenario's value are left out, so equal settings give equal overrides.

    Raises:
        ConfigError: a value the app does not accept (one line: field, value, what is allowed).
    """
    _check_scenario(setting.scenario)
    unknown = [o for o in setting.switched_on if o not in BY_OPTION]
    if unknown:
        raise ConfigError(f"{unknown[0]!r}: no such policy switch; allowed: {', '.join(BY_OPTION)}")
    if not isinstance(setting.seeds, int) or not 1 <= setting.seeds <= MAX_SEEDS:
        raise ConfigError(f"seeds={setting.seeds!r}: must be a whole number from 1 to {MAX_SEEDS}")
    out = [f"scenario={setting.scenario}"]
    for group in ("mainland", "taiwan"):
        chosen = [o.option for o in OPTIONS if o.group == group and o.option in setting.switched_on]
        out.append(f"{group}=[{','.join(chosen)}]")
    return [*out, f"engine.threads={APP_THREADS}", *lever_overrides(setting)]


@lru_cache(maxsize=1)
def app_scale() -> float:
    """The scale the app simulates at: the config's default (agents per real firm or professional)."""
    with HYDRA_LOCK:
        return default_scale()


def lever_overrides(setting: Setting) -> list[str]:
    """The overrides of the start and size fields of switched-on policies that differ from the scenario.

    Raises:
        ConfigError: a value the app does not accept.
    """
    _, defaults, _ = scenario_defaults(setting.scenario)
    out: list[str] = []
    typed = dict(setting.levers)
    for o in OPTIONS:
        if o.option not in setting.switched_on:
            continue  # a switched-off policy's fields are not read
        start = parse_quarter(o, typed.get(o.start_key, defaults[o.start_key]))
        if start != defaults[o.start_key]:
            out.append(f"{o.start_key}={start}")
        size = parse_size(o, typed.get(o.size_key, defaults[o.size_key]))
        if size != float(defaults[o.size_key]):
            out.append(f"{o.size_key}={_number_text(size)}")
    return out


def parse_quarter(option: PolicyOption, text: str) -> str:
    """A start quarter typed for ``option``, checked to be a quarter inside the app's horizon."""
    value = str(text).strip().upper()
    m = _QUARTER.match(value)
    field = f"{option.label}: start"
    if not m:
        raise ConfigError(f"{field} = {str(text)[:40]!r}: expected a quarter like 2018Q1")
    if not HORIZON[0] <= value <= HORIZON[1]:  # YYYYQn labels sort in time order
        raise ConfigError(f"{field} = {value}: must lie inside the horizon {HORIZON[0]}..{HORIZON[1]}")
    return value


def parse_size(option: PolicyOption, text: str) -> float:
    """A size typed for ``option``, checked to be a finite number inside its range."""
    field = f"{option.label}: {option.size_label}"
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ConfigError(f"{field} = {str(text)[:40]!r}: must be a number") from None
    if not math.isfinite(value) or not option.lo <= value <= option.hi:
        raise ConfigError(f"{field} = {value!r}: must be a number in [{option.lo:g}, {option.hi:g}]")
    return value


def describe(setting: Setting) -> str:
    """A short human label: the scenario, what differs from it, and changed levers."""
    on_by_scenario, _, _ = scenario_defaults(setting.scenario)
    parts = [setting.scenario]
    parts += [f"+{o}" for o in setting.switched_on if o not in on_by_scenario]
    parts += [f"-{o}" for o in on_by_scenario if o not in setting.switched_on]
    for ovr in lever_overrides(setting):
        key, value = ovr.split("=", 1)
        parts.append(f"{key.removeprefix('policy.')}={value}")
    return " ".join(parts)


def _check_scenario(scenario: str) -> None:
    names = scenarios()
    if scenario not in names:
        raise ConfigError(f"scenario={str(scenario)[:40]!r}: no such scenario; allowed: {', '.join(names)}")


def _number_text(value: float) -> str:
    return repr(float(value))  # the shortest text that reads back as the same float
