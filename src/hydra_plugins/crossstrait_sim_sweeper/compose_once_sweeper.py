"""A Hydra sweeper that checks a sweep's runs by composing each distinct set of config-group choices once.

Hydra's ``BasicSweeper`` checks every run of a batch before it launches any
(``Sweeper.validate_batch_is_legal``) by composing each run's whole config through Hydra,
one after another in the parent process: about 0.5 s a run here, which no launcher runs in
parallel, so on 2 cores a sweep of short runs gained only 1.3x from the joblib launcher
(docs/THROUGHPUT.md, "Speed of sweeps"; issue 12). This sweeper is ``BasicSweeper`` in everything else (the
same sweep syntax, jobs, batches and order) but checks a batch with
:class:`crossstrait_sim.config.compose.Composer`: Hydra composes each distinct list of group
choices once (``scenario=...``, ``mainland=[...]``, ``+experiment=...``), and each run's value
overrides (``seed=3``, ``policy.mic2025.start=2016Q1``) are applied to a copy of that config by
Hydra's own routine, in struct mode and through the schema. A run whose overrides fail on the
copy is composed in full by Hydra's ``load_sweep_config``, the call ``BasicSweeper`` makes, so a
bad override stops the multirun before any run starts with the very error it gave before.

The launcher composes every run's config once more where the run executes (Hydra's launchers call
``config_loader.load_sweep_config`` in the worker). The sweeper hands the launcher a config loader
whose ``load_sweep_config`` takes the same cheap path, with the composed bases of the check carried
along (they travel pickled with the job), and sets the two Hydra fields a run's overrides decide
beyond its values (``hydra.overrides.task`` and ``hydra.job.override_dirname``) as Hydra does.
tests/test_sweeper.py holds the result equal to Hydra's ``load_sweep_config``, node by node.
"""

# no `from __future__ import annotations`: Hydra's plugin scan runs this module before it is in sys.modules,
# where a dataclass with string annotations fails, and OmegaConf reads the config's types at runtime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict


@dataclass
class ComposeOnceSweeperConf:
    """Hydra config of the sweeper (group ``hydra/sweeper``, option ``crossstrait_compose_once``)."""

    _target_: str = "hydra_plugins.crossstrait_sim_sweeper.compose_once_sweeper.ComposeOnceSweeper"
    # Optional[...]: OmegaConf 2.3 reads no `X | None` in a structured config
    max_batch_size: Optional[int] = None  # noqa: UP045 -- runs per batch (checked, then launched); None = all at once
    params: Optional[dict[str, str]] = None  # noqa: UP045 -- sweep parameters from the config, as BasicSweeper's
    launcher_compose_once: bool = True  # false: the launcher composes every run in full, as under BasicSweeper


ConfigStore.instance().store(
    group="hydra/sweeper", name="crossstrait_compose_once", node=ComposeOnceSweeperConf, provider="crossstrait_sim"
)


class ComposeOnceSweeper(BasicSweeper):
    """``BasicSweeper`` whose batch check and launcher compose each distinct set of group choices once."""

    def __init__(
        self,
        max_batch_size: Optional[int] = None,  # noqa: UP045
        params: Optional[dict[str, str]] = None,  # noqa: UP045
        launcher_compose_once: bool = True,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.launcher_compose_once = launcher_compose_once
        self.composer: Any = None  # one Composer for the whole sweep: bases are reused across batches and jobs

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """As ``BasicSweeper.setup``, but the launcher gets the compose-once config loader."""
        from hydra.core.plugins import Plugins

        from crossstrait_sim.config.compose import Composer

        self.hydra_context = hydra_context
        self.config = config
        loader = hydra_context.config_loader
        self.composer = Composer(
            config_name=str(config.hydra.job.config_name),
            compose=LoadSweepConfig(loader, config),
            repository=loader.repository,  # type: ignore[attr-defined]
        )
        if self.launcher_compose_once:
            fast = ComposeOnceLoader(loader, self.composer)
            hydra_context = HydraContext(config_loader=fast, callbacks=hydra_context.callbacks)  # type: ignore[arg-type]
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        """As ``BasicSweeper.sweep``; then the launcher's idle workers are ended (``release``), if it has any."""
        try:
            return super().sweep(arguments)
        finally:
            release = getattr(self.launcher, "release", None)
            if release is not None:
                release()

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every run of ``batch`` on the cheap path; raise Hydra's error for the first bad one."""
        for overrides in batch:
            self.composer(list(overrides))


class LoadSweepConfig:
    """Hydra's full composition of one run of a sweep (a picklable function of the override lines)."""

    def __init__(self, loader: Any, master: DictConfig) -> None:
        self.loader = loader
        self.master = master

    def __call__(self, lines: list[str]) -> DictConfig:
        """``loader.load_sweep_config(master, lines)``: raises Hydra's error for a bad override."""
        return self.loader.load_sweep_config(master_config=self.master, sweep_overrides=lines)


class ComposeOnceLoader:
    """Hydra's config loader with ``load_sweep_config`` on the compose-once path; anything else is Hydra's."""

    def __init__(self, loader: Any, composer: Any) -> None:
        self.loader = loader
        self.composer = composer

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "loader" not in self.__dict__:  # pickling looks up dunders before __init__
            raise AttributeError(name)
        return getattr(self.loader, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        """The config ``load_sweep_config`` of Hydra returns for these overrides, composed once per group set."""
        from hydra._internal.config_loader_impl import get_overrides_dirname
        from hydra.core.override_parser.overrides_parser import OverridesParser

        cfg = self.composer(list(sweep_overrides))  # a full compose (and its error) when the cheap path fails
        task = [o for o in OverridesParser.create().parse_overrides(list(sweep_overrides)) if not o.is_hydra_override()]
        names = cfg.hydra.job.config.override_dirname
        with open_dict(cfg.hydra):  # as ConfigLoaderImpl._load_configuration_impl sets them from every override
            cfg.hydra.overrides.task = [o.input_line for o in task]
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=task, kv_sep=names.kv_sep, item_sep=names.item_sep, exclude_keys=names.exclude_keys
            )
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)  # as Hydra's load_sweep_config
        return cfg
