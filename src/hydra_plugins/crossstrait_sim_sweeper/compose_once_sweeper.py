"""A Hydra sweeper that checks a sweep's runs by composing each distinct set of config-group choices once.

Hydra's ``BasicSweeper`` checks every run of a batch before it launches any
(``Sweeper.validate_batch_is_legal``) by composing each run's whole config through Hydra,
one after another in the parent process: about 0.5 s a run here, which no launcher runs in
parallel, so on 2 cores a sweep of short runs gained only 1.3x from the joblib launcher
(README, "Speed of sweeps"; issue 12). This sweeper is ``BasicSweeper`` in everything else (the
same sweep syntax, jobs, batches and order) but checks a batch with
:class:`crossstrait_sim.config.compose.Composer`: Hydra composes each distinct list of group
choices once (``scenario=...``, ``mainland=[...]``, ``+experiment=...``), and each run's value
overrides (``seed=3``, ``policy.mic2025.start=2016Q1``) are applied to a copy of that config by
Hydra's own routine, in struct mode and through the schema. A run whose overrides fail on the
copy is composed in full by Hydra's ``load_sweep_config``, the call ``BasicSweeper`` makes, so a
bad override stops the multirun before any run starts with the very error it gave before.
"""

# no `from __future__ import annotations`: Hydra's plugin scan runs this module before it is in sys.modules,
# where a dataclass with string annotations fails, and OmegaConf reads the config's types at runtime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore


@dataclass
class ComposeOnceSweeperConf:
    """Hydra config of the sweeper (group ``hydra/sweeper``, option ``crossstrait_compose_once``)."""

    _target_: str = "hydra_plugins.crossstrait_sim_sweeper.compose_once_sweeper.ComposeOnceSweeper"
    # Optional[...]: OmegaConf 2.3 reads no `X | None` in a structured config
    max_batch_size: Optional[int] = None  # noqa: UP045 -- runs per batch (checked, then launched); None = all at once
    params: Optional[dict[str, str]] = None  # noqa: UP045 -- sweep parameters from the config, as BasicSweeper's


ConfigStore.instance().store(
    group="hydra/sweeper", name="crossstrait_compose_once", node=ComposeOnceSweeperConf, provider="crossstrait_sim"
)


class ComposeOnceSweeper(BasicSweeper):
    """``BasicSweeper`` with a batch check that composes each distinct set of group choices once."""

    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.composer: Any = None  # one Composer for the whole sweep: bases are reused across batches

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every run of ``batch`` on the cheap path; raise Hydra's error for the first bad one."""
        from crossstrait_sim.config.compose import Composer

        assert self.hydra_context is not None and self.config is not None
        loader = self.hydra_context.config_loader
        master = self.config
        if self.composer is None:
            self.composer = Composer(
                config_name=str(master.hydra.job.config_name),
                compose=lambda lines: loader.load_sweep_config(master_config=master, sweep_overrides=lines),
                repository=loader.repository,  # type: ignore[attr-defined]
            )
        for overrides in batch:
            self.composer(list(overrides))
