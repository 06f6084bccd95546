"""Finding ``conf/`` and composing configs through Hydra's compose API."""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig
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
