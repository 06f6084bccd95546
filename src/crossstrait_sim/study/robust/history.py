"""How close each future comes to the observed years: a history match of the reference runs.

The futures are drawn from the priors (or a posterior) and the assumed ranges, so some of them miss the
observed 2010s by far. Each future's reference run (the narrative) is read against the observed series of
the posterior fit (:func:`crossstrait_sim.evidence.moments.posterior_targets`) up to ``last_year`` (2015 in
the study's config: the narrative has no New Southbound Policy from 2016Q3, 2018 tariffs or 2019 export controls,
which the `history` scenario adds), and
scored by the root mean square of (model - data) / sd over those targets, the posterior fit's distance.

The analysis then repeats the robustness table on the ``keep_share`` of futures closest to the data
(``robustness_history.csv``): a check of whether the answer depends on futures the data rule out, in the
spirit of history matching (Craig et al. 1997; Vernon et al. 2010), without fitting anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.study.manifest import RESULTS, read_manifest

COLUMN = "history_rms_z"  # the experiments table's column: the future's distance to the observed years


def history_targets(last_year: int) -> tuple:
    """The posterior fit's targets whose years all lie up to ``last_year``."""
    from crossstrait_sim.evidence.moments import posterior_targets

    return tuple(t for t in posterior_targets() if t.year <= last_year)


def history_distances(runs_dir: Path, experiments: pd.DataFrame, reference: str, last_year: int) -> pd.Series:
    """Each future's distance (RMS z over :func:`history_targets`), from its complete reference run; by future_id.

    Futures whose reference run is not complete (or unreadable) get NaN.
    """
    from crossstrait_sim.evidence.moments import target_values, z_distance

    targets = history_targets(last_year)
    if not targets:
        raise ValueError(f"robust.history.last_year={last_year}: no observed target lies in or before that year")
    ref = experiments[experiments["policy"] == reference][["future_id", "run"]]
    out: dict[str, float] = {}
    for fid, run in zip(ref["future_id"], ref["run"], strict=True):
        man = read_manifest(runs_dir / run)
        out[fid] = np.nan
        if not man or man.get("status") != "complete":
            continue
        try:
            table = pd.read_parquet(runs_dir / run / RESULTS)
        except Exception:  # a corrupt table: the future is left unscored
            continue
        out[fid] = z_distance(target_values(table, targets), targets)
    return pd.Series(out, name=COLUMN, dtype=float)


def closest(distances: pd.Series, futures: pd.Series, keep_share: float) -> set[str]:
    """The ceil(``keep_share`` x n) scored ``futures`` (future ids) with the smallest distance (ties kept)."""
    if not 0 < keep_share <= 1:
        raise ValueError(f"robust.history.keep_share={keep_share}: must lie in (0, 1]")
    d = distances.reindex(pd.Index(futures.unique())).dropna()
    if d.empty:
        return set()
    k = max(1, int(np.ceil(keep_share * len(d))))
    cut = float(np.sort(d.to_numpy())[k - 1])
    return set(d.index[d <= cut])


def settings(rs: Mapping[str, Any]) -> tuple[int, float] | None:
    """``(last_year, keep_share)`` of ``robust.history``, or None when it is absent or off."""
    h = rs.get("history")
    if not h or not h.get("enabled", True):
        return None
    return int(h["last_year"]), float(h["keep_share"])
