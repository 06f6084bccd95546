"""Parameter uncertainty in every run: one draw of the fitted posterior per seed (``calibration=posterior``).

The posterior of the calibration (issue 10) ships as a table of weighted draws,
``crossstrait_sim/evidence/data/posterior/draws.csv``: one column per free parameter, named by
its dotted config key (``behaviour.firms.move_cost``), and a ``weight`` column that sums to 1.
With ``posterior.draw=true`` a run takes one row, chosen by weight with a generator seeded from
the run's seed through its own ``SeedSequence`` child (spawn key :data:`POSTERIOR_STREAM`, used by
no model stream), so the same seed always takes the same row and the model's own draws do not
change. The row's values replace the config's, and ``posterior.row`` records which row it was, so
the resolved config a run saves holds the values it ran with; ``posterior.row=k`` runs row ``k``.

This module reads the file itself (with :mod:`csv`, no pandas) because the config layer may not
import the evidence layer; :func:`crossstrait_sim.evidence.posterior.load_draws` is the public reader.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.errors import ConfigError

DRAWS_FILE = Path(__file__).resolve().parents[1] / "evidence" / "data" / "posterior" / "draws.csv"
"""The packaged posterior draws."""

POSTERIOR_STREAM = 2000
"""Spawn key of the generator that picks the row: apart from every model stream (``model/streams.py``)."""

WEIGHT = "weight"


@lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(parameter keys, values [rows x keys], weights) of a draws file, checked."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2 or WEIGHT not in rows[0]:
        raise ConfigError(f"{path}: a posterior draws file needs a header with a '{WEIGHT}' column and a row")
    header = [h.strip() for h in rows[0]]
    try:
        table = np.array([[float(x) for x in r] for r in rows[1:] if r], dtype=float)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a table of numbers ({exc})") from None
    w = table[:, header.index(WEIGHT)]
    if not np.isfinite(table).all() or (w < 0).any() or not math.isclose(float(w.sum()), 1.0, abs_tol=1e-6):
        raise ConfigError(f"{path}: values must be finite and the weights non-negative, summing to 1")
    keys = tuple(h for h in header if h != WEIGHT)
    cols = [header.index(k) for k in keys]
    return keys, table[:, cols], w / w.sum()


def read_draws(path: Path | str | None = None) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The posterior draws: (parameter keys, values with one row per draw, weights summing to 1)."""
    p = Path(path) if path is not None else DRAWS_FILE
    if not p.is_file():
        raise ConfigError(f"posterior.draw=true: no posterior draws at {p} (run the calibration: docs/VALIDATION.md)")
    return _read(str(p), p.stat().st_mtime_ns)


def draw_row(seed: int, weights: np.ndarray) -> int:
    """The row a run with ``seed`` takes, by weight, from its own stream."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(POSTERIOR_STREAM,)))
    return int(rng.choice(len(weights), p=weights))


def apply_posterior_draw(cfg: DictConfig, path: Path | str | None = None) -> DictConfig:
    """``cfg`` with its seed's posterior draw applied (a copy), or ``cfg`` itself when ``posterior.draw`` is off.

    Idempotent: applying it again to its own result gives the same values.
    """
    posterior = OmegaConf.select(cfg, "posterior", default=None)
    if posterior is None or not bool(posterior.draw):
        return cfg
    keys, values, weights = read_draws(path)
    row = int(posterior.row)  # a row given (or recorded by an earlier draw) is kept: the same values again
    if row < 0:
        row = draw_row(int(cfg.seed), weights)
    elif row >= len(weights):
        raise ConfigError(
            f"posterior.row={row}: the posterior has rows 0..{len(weights) - 1} (or -1: drawn from the seed)"
        )
    out = cfg.copy()
    for j, key in enumerate(keys):
        if OmegaConf.select(out, key, default=None) is None:
            raise ConfigError(f"posterior draws column {key!r}: no such key in the model config")
        OmegaConf.update(out, key, float(values[row, j]), merge=False)
    out.posterior.row = row
    return out
