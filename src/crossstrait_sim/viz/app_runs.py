"""Runs for the browser app: a setting over a few seeds, cached, with progress; and the series it plots.

Everything stays in memory: nothing here writes a file. Runs go through the same
:func:`crossstrait_sim.config.compose.compose_config` and
:func:`crossstrait_sim.simulation.run.simulate` as the command line, so a setting's table is the
one ``crossstrait-sim`` writes for the same overrides and seed.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.config.quarters import quarter_ordinal
from crossstrait_sim.simulation.run import simulate
from crossstrait_sim.viz.app_settings import HYDRA_LOCK, OPTIONS, SHOCKS

CACHE_RUNS = 48  # seed tables kept in memory (about 3 MB each), shared by every browser session
# the observed series ship as package data of crossstrait_sim.evidence; viz may not import that
# layer (pyproject [tool.importlinter]), so the two CSVs it plots are read by path, read-only
OBSERVED_DIR = Path(__file__).resolve().parents[1] / "evidence" / "data" / "observed"

_cache: OrderedDict[tuple[tuple[str, ...], int], pd.DataFrame] = OrderedDict()
_events: dict[tuple[str, ...], tuple[tuple[float, str], ...]] = {}
_run_lock = threading.Lock()  # one simulation at a time: the machine has two cores, a run uses both


@dataclass(frozen=True)
class Result:
    """A setting run over seeds 0..n-1.

    Args:
        label: what the page calls it.
        overrides: the Hydra overrides that made it (the same on the command line).
        table: the long results table of all its seeds (``seed`` tells them apart).
        events: (decimal year, label) of the policies switched on.
        seconds: wall time of this call (composing, checking and the runs not in the cache).
        new_runs: how many seeds were simulated (the others came from the cache).
    """

    label: str
    overrides: tuple[str, ...]
    table: pd.DataFrame
    events: tuple[tuple[float, str], ...]
    seconds: float
    new_runs: int = 0

    @property
    def seeds(self) -> int:
        """How many seeds the table holds."""
        return int(self.table["seed"].nunique())


def missing_runs(overrides: list[str], seeds: int) -> int:
    """How many of the seeds of these overrides are not cached yet (for the progress bar)."""
    key = tuple(overrides)
    return sum((key, s) not in _cache for s in range(seeds))


def run_setting(overrides: list[str], seeds: int, label: str, progress: Callable[[int], None] | None = None) -> Result:
    """Run ``overrides`` for seeds 0..seeds-1 (cached runs are reused); ``progress(n)`` after each new run.

    Raises:
        ConfigError: the composed config is invalid (raised before anything runs).
    """
    key = tuple(overrides)
    tables: list[pd.DataFrame] = []
    new_runs = 0
    t0 = time.perf_counter()
    with _run_lock:
        cfg = None
        for seed in range(seeds):
            if (key, seed) not in _cache:
                if cfg is None:
                    with HYDRA_LOCK:
                        cfg = compose_config(list(overrides))
                    build_params(cfg)  # checks every value before anything runs
                    _events[key] = policy_starts(cfg)
                run_cfg = copy.deepcopy(cfg)
                run_cfg.seed = seed
                _store((key, seed), simulate(build_params(run_cfg))[0])
                new_runs += 1
                if progress is not None:
                    progress(1)
            _cache.move_to_end((key, seed))
            tables.append(_cache[(key, seed)])
    table = pd.concat(tables, ignore_index=True)
    return Result(label, key, table, _events[key], time.perf_counter() - t0, new_runs)


def policy_starts(cfg: DictConfig) -> tuple[tuple[float, str], ...]:
    """(decimal year, label) of the start of every policy and shock the config switches on."""
    labels = {o.policy: o.label for o in OPTIONS} | SHOCKS
    on = [
        (quarter_ordinal(str(cfg.policy[k].start)) / 4.0, label) for k, label in labels.items() if cfg.policy[k].enabled
    ]
    return tuple(sorted(on))


def _store(key: tuple[tuple[str, ...], int], table: pd.DataFrame) -> None:
    _cache[key] = table
    while len(_cache) > CACHE_RUNS:
        _cache.popitem(last=False)


def band(
    table: pd.DataFrame,
    indicator: str,
    *,
    sector: str = "all",
    region: str = "all",
    origin: str = "all",
    sum_sectors: bool = False,
) -> pd.DataFrame:
    """Mean and range across seeds of one series: index quarter, columns ``mean``, ``lo``, ``hi``.

    Args:
        table: a results table of one or more seeds.
        indicator: the indicator's name.
        sector: the sector (``"all"`` where it does not apply).
        region: the region (``"all"`` where it does not apply).
        origin: the firms' origin (``"all"`` where it does not apply).
        sum_sectors: add the sectors up (for indicators kept only by sector, such as ``firms``).
    """
    sel = table[(table.indicator == indicator) & (table.region == region) & (table.origin == origin)]
    sel = sel[sel.sector != "all"] if sum_sectors else sel[sel.sector == sector]
    wide = sel.pivot_table(index="quarter", columns="seed", values="value", aggfunc="sum").sort_index()
    return pd.DataFrame({"mean": wide.mean(axis=1), "lo": wide.min(axis=1), "hi": wide.max(axis=1)})


def observed(name: str, first_year: int = 2010) -> pd.DataFrame:
    """An observed annual series shipped with the package (columns year, value); empty if it is absent."""
    path = OBSERVED_DIR / name
    if not path.is_file():
        return pd.DataFrame({"year": np.array([], dtype=int), "value": np.array([], dtype=float)})
    df = pd.read_csv(path, usecols=["year", "value"])
    return df[df.year >= first_year].reset_index(drop=True)
