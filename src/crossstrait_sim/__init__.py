"""crossstrait_sim: agent-based simulation of cross-strait industry competition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ConfigError", "__version__", "build_params", "run", "run_config", "simulate"]

if TYPE_CHECKING:  # pragma: no cover
    from crossstrait_sim.errors import ConfigError
    from crossstrait_sim.parameters import build_params
    from crossstrait_sim.runner import run, run_config, simulate


def __getattr__(name: str) -> Any:
    # lazy imports: `import crossstrait_sim` stays cheap and side-effect free
    if name in ("run", "run_config", "simulate"):
        from crossstrait_sim import runner as _run_mod

        return getattr(_run_mod, name)
    if name == "build_params":
        from crossstrait_sim.parameters import build_params

        return build_params
    if name == "ConfigError":
        from crossstrait_sim.errors import ConfigError

        return ConfigError
    raise AttributeError(name)
