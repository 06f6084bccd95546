"""crossstrait_sim: agent-based simulation of cross-strait industry competition.

The public API is ``run``, ``run_config`` and ``simulate`` (:mod:`crossstrait_sim.runner`),
``build_params`` and ``ConfigError``. The package is layered, each layer importing only those
below it (checked in CI by import-linter, see ``pyproject.toml``)::

    cli, runner                 the command line and the public API (top)
    study                       run folders, manifests, sweeps, comparison, findings
    evidence                    data, moments, calibration, validation
    viz                         figures
    simulation                  one simulation whatever the engine (in memory)
    mesa_engine                 the Mesa engine, agent by agent
    model                       state, kernels, shared tables, the vectorized model, results
    config                      schema, composing, parameters and checks, schedules, quarters
    errors, atomic              exception types and atomic file writes (bottom)

``import crossstrait_sim`` is cheap: everything is imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ConfigError", "__version__", "build_params", "run", "run_config", "simulate"]

if TYPE_CHECKING:  # pragma: no cover
    from crossstrait_sim.config.parameters import build_params
    from crossstrait_sim.errors import ConfigError
    from crossstrait_sim.runner import run, run_config, simulate


def __getattr__(name: str) -> Any:
    # lazy imports: `import crossstrait_sim` stays cheap and side-effect free
    if name in ("run", "run_config", "simulate"):
        from crossstrait_sim import runner as _run_mod

        return getattr(_run_mod, name)
    if name == "build_params":
        from crossstrait_sim.config.parameters import build_params

        return build_params
    if name == "ConfigError":
        from crossstrait_sim.errors import ConfigError

        return ConfigError
    raise AttributeError(name)
