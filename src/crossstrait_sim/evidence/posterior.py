"""The packaged posterior of the calibration as a table of weighted draws (light: pandas only).

``load_draws()`` returns one row per draw, one column per free parameter named by its dotted
config key (e.g. ``behaviour.firms.move_cost``), and a ``weight`` column summing to 1. It is
written by ``crossstrait-sim-calibrate`` (the posterior preset, ``conf/calibrate/posterior.yaml``)
and read by ``calibration=posterior`` runs (:mod:`crossstrait_sim.config.posterior`)::

    from crossstrait_sim.evidence.posterior import load_draws
    draws = load_draws()
    mean = draws.drop(columns="weight").mul(draws["weight"], axis=0).sum()
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossstrait_sim.config.posterior import DRAWS_FILE, WEIGHT, read_draws

__all__ = ["DRAWS_FILE", "WEIGHT", "load_draws", "weighted_mean"]


def load_draws(path: Path | str | None = None) -> pd.DataFrame:
    """The posterior draws (default: the packaged ``data/posterior/draws.csv``), checked: weights sum to 1."""
    keys, values, weights = read_draws(path)
    df = pd.DataFrame(values, columns=list(keys))
    df[WEIGHT] = weights
    return df


def weighted_mean(draws: pd.DataFrame) -> pd.Series:
    """The posterior mean of every parameter (the values of ``calibration=posterior_mean``)."""
    w = draws[WEIGHT] / draws[WEIGHT].sum()
    return draws.drop(columns=WEIGHT).mul(w, axis=0).sum()
