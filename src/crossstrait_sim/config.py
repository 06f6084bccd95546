"""Finding ``conf/`` and composing configs through Hydra's compose API."""

from __future__ import annotations

import os
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from crossstrait_sim.schema import register_configs

CONF_ENV = "CROSSSTRAIT_SIM_CONF"


def conf_dir() -> Path:
    """The config directory: ``$CROSSSTRAIT_SIM_CONF``, else the checkout's ``conf/``, else the packaged copy."""
    env = os.environ.get(CONF_ENV)
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    checkout = here.parents[1]  # src/crossstrait_sim -> the repository root of a source checkout
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "conf")
    candidates.append(here / "conf")  # the copy a wheel ships inside the package
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
        return compose(config_name=config_name, overrides=list(overrides or []))
