"""Finding ``conf/`` and composing configs through Hydra's compose API."""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from crossstrait_sim.config.schema import SimConfig, register_configs
from crossstrait_sim.errors import ConfigCompositionError, describe_composition_error

CONF_ENV = "CROSSSTRAIT_SIM_CONF"


def conf_dir() -> Path:
    """The config directory: ``$CROSSSTRAIT_SIM_CONF``, else the checkout's ``conf/``, else the packaged copy."""
    env = os.environ.get(CONF_ENV)
    candidates = [Path(env)] if env else []
    package = Path(__file__).resolve().parents[1]  # src/crossstrait_sim
    checkout = package.parents[1]  # the repository root of a source checkout
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "conf")
    candidates.append(package / "conf")  # the copy a wheel ships inside the package
    for c in candidates:
        if (c / "config.yaml").is_file():
            return c
    raise FileNotFoundError(f"no Hydra config directory found; looked in {[str(c) for c in candidates]}")


def compose_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """Compose the run config exactly as the CLI does (same files, same schema)."""
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        try:
            return compose(config_name=config_name, overrides=list(overrides or []))
        except (HydraException, OmegaConfBaseException) as exc:
            raise ConfigCompositionError(one_line_error(exc)) from exc


class Composer:
    """Composes many run configs cheaply: each distinct set of config-group choices once, values on a copy.

    ``Composer()(overrides)`` returns the same config as ``compose_config(overrides)`` (same values,
    same structured-schema types and flags, so the same config hash), for a fraction of the time when
    many configs share their config-group choices, as the runs of a sweep do. An override is split
    the way Hydra splits it (``hydra._internal.defaults_list``): one whose key names a config group
    (``scenario=baseline``, ``mainland=[measures31]``, ``+experiment=...``), or with a package, a dict
    value, a sweep or a ``hydra`` key, is a *group choice*; the configs are composed through Hydra
    once per distinct list of group choices (in the order given). Every other override sets a value:
    it is applied to a copy of that composed base by Hydra's own routine
    (``ConfigLoaderImpl._apply_overrides_to_config``, the one ``compose`` applies after the defaults
    list), in struct mode, so types are validated through the schema exactly as in a full compose.
    Any error on the cheap path falls back to a full :func:`compose_config`, which raises the usual
    one-line :class:`~crossstrait_sim.errors.ConfigCompositionError`.

    ``compose`` and ``repository`` replace the full composition (a function from override lines to a
    config, raising Hydra's or OmegaConf's error or ours) and the config repository that says which
    names are groups: the CLI's multirun sweeper (``hydra_plugins.crossstrait_sim_sweeper``) passes
    Hydra's own ``config_loader.load_sweep_config`` and repository, so that its cheap path falls back
    to, and raises, exactly what Hydra's validation of a sweep would.
    """

    def __init__(
        self,
        config_name: str = "config",
        compose: typing.Callable[[list[str]], DictConfig] | None = None,
        repository: typing.Any = None,
    ) -> None:
        self.config_name = config_name
        self.bases: dict[tuple[str, ...], bytes] = {}  # group choices -> the composed base, pickled
        self._groups: dict[str, bool] = {}
        self._repo: typing.Any = repository
        self._compose = compose
        self.full_composes = 0  # Hydra compositions done (bases and fallbacks), for benchmarks and tests

    def with_values(self, overrides: Sequence[str] | None, values: Mapping[str, Any]) -> DictConfig:
        """The config of ``overrides`` followed by ``key=value`` for every item of ``values`` (typed Python values).

        The same config as ``self([*overrides, *spell_values(values)])`` (tests/test_robust.py holds them
        equal), without Hydra parsing hundreds of override strings: each value is set on the composed
        copy with ``OmegaConf.update(cfg, key, value)``, the call Hydra's own routine makes for a parsed
        ``key=value`` (``merge=True`` there; it changes nothing for a scalar, so only mappings and lists
        merge here), in struct mode and through the schema's types. On any error it
        composes the spelled overrides the usual way (which raises the usual error).
        """
        from omegaconf import OmegaConf

        cfg = self(overrides)
        try:
            for k, v in values.items():  # merge only matters for a mapping or a list (Hydra's call merges)
                OmegaConf.update(cfg, k, v, merge=isinstance(v, Mapping | list | tuple))
        except OmegaConfBaseException:
            return self([*(overrides or []), *spell_values(values)])
        return cfg

    def __call__(self, overrides: Sequence[str] | None = None) -> DictConfig:
        """The composed config of ``overrides`` (a fresh object the caller may change)."""
        from hydra._internal.config_loader_impl import ConfigLoaderImpl
        from hydra.core.override_parser.overrides_parser import OverridesParser

        lines = list(overrides or [])
        try:
            parsed = OverridesParser.create().parse_overrides(lines)
        except (HydraException, OmegaConfBaseException):
            return self._full(lines)  # raises the canonical error
        groups, values = [], []
        for line, o in zip(lines, parsed, strict=True):
            if self._is_value_override(o):
                values.append(o)
            else:
                groups.append(line)
        key = tuple(groups)
        base = self.bases.get(key)
        if base is None:
            try:
                base = pickle.dumps(self._full(groups))
            except (ConfigCompositionError, HydraException, OmegaConfBaseException):
                return self._full(lines)  # the error a full compose of every override gives
            self.bases[key] = base
        cfg = pickle.loads(base)  # a deep copy: OmegaConf pickles nodes with types and flags; 3x deepcopy's speed
        if values:
            try:
                ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
            except (HydraException, OmegaConfBaseException):
                return self._full(lines)
        return cfg

    def _full(self, lines: list[str]) -> DictConfig:
        self.full_composes += 1
        if self._compose is not None:
            return self._compose(lines)
        return compose_config(lines, self.config_name)

    def _is_value_override(self, o: typing.Any) -> bool:
        """True for an override Hydra applies as a value (not a config-group choice)."""
        if o.is_sweep_override() or o.package is not None or o.is_hydra_override():
            return False
        if isinstance(o.value(), dict):
            return False  # Hydra treats a dict as a value even for a group; composing it in full is safe
        return not self._group_exists(o.key_or_group)

    def _group_exists(self, name: str) -> bool:
        if name not in self._groups:
            if self._repo is None:
                self._repo = _repository(self.config_name)
            self._groups[name] = bool(self._repo.group_exists(name))
        return self._groups[name]


def default_scale() -> float:
    """The ``scale`` of the composed default config (the one ``experiments/scale_convergence`` selects)."""
    return float(compose_config([]).scale)


def spell(value: Any) -> str:
    """A Python value as the text of a Hydra override that parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def spell_values(values: Mapping[str, Any]) -> list[str]:
    """``key=value`` override lines of ``values`` (see :func:`spell`)."""
    return [f"{k}={spell(v)}" for k, v in values.items()]


def _repository(config_name: str) -> typing.Any:
    """Hydra's config repository over the same search path :func:`compose_config` uses."""
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return GlobalHydra.instance().config_loader().repository  # type: ignore[attr-defined]


def one_line_error(exc: BaseException) -> str:
    """A Hydra or OmegaConf composition error in our one-line form (key, value, what is allowed)."""
    return describe_composition_error(exc, allowed_keys=_AllowedKeys())


class _AllowedKeys(dict):
    """Lazy map from a config path (``"policy.mic2025"``) to the keys its schema declares."""

    def get(self, path: str, default: object = None) -> list[str] | None:  # type: ignore[override]
        return schema_keys(path)


def schema_keys(path: str) -> list[str] | None:
    """Keys the schema declares at ``path`` (``""`` is the root); ``None`` if the path is not a dataclass."""
    t: object = SimConfig
    for part in [p for p in path.split(".") if p]:
        if typing.get_origin(t) is dict:  # a table such as sectors: any row name, rows of the value type
            t = typing.get_args(t)[1]
            continue
        if not dataclasses.is_dataclass(t):
            return None
        hints = typing.get_type_hints(t)
        if part not in hints:
            return None
        t = hints[part]
    if not dataclasses.is_dataclass(t):
        return None
    return sorted(f.name for f in dataclasses.fields(t))


def config_yaml(cfg: DictConfig) -> str:
    """``OmegaConf.to_yaml(cfg, resolve=True)``, the same text, written by libyaml's C emitter where PyYAML has it.

    OmegaConf's dumper is PyYAML's pure-Python one; the C emitter with OmegaConf's own string rule (quote
    strings that read as bool, int or float) gives the same text, for the default config in 0.006 s
    against 0.013 s (mean of 20 calls each). ``tests/test_compose_once.py`` holds the two texts equal.
    """
    dumper = _c_dumper()
    if dumper is None:
        return OmegaConf.to_yaml(cfg, resolve=True)
    container = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    return yaml.dump(container, default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=dumper)


@functools.cache
def _c_dumper() -> type | None:
    """A libyaml dumper with OmegaConf's string representer, or None without libyaml."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    from omegaconf._utils import OmegaConfDumper

    class _Dumper(yaml.CDumper):  # type: ignore[misc,name-defined]
        pass

    _Dumper.add_representer(str, OmegaConfDumper.str_representer)
    return _Dumper
