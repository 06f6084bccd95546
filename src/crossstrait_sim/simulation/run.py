"""One simulation, whatever the engine: ``simulate(params)``, and runs of a config in memory.

This is the layer every user of the model goes through (the public API, the studies and the
calibration): it picks the engine (the vectorized model or the Mesa engine, which fill the
same results recorder), runs it, and summarises the table. It writes nothing; writing a run
folder is :mod:`crossstrait_sim.study.runs`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import Params, build_params
from crossstrait_sim.config.posterior import apply_posterior_draw
from crossstrait_sim.errors import ModelDivergedError
from crossstrait_sim.model.results import BY_NAME
from crossstrait_sim.model.vectorized import VectorizedModel

SUMMARY_ITEMS: tuple[tuple[str, str, str, str, str], ...] = (
    # (label, indicator, sector, region, origin)
    ("talent_in_cn", "talent_in_cn", "all", "all", "all"),
    ("talent_abroad_total", "talent_abroad_total", "all", "all", "all"),
    ("talent_share_cn", "talent_share_cn", "all", "all", "all"),
    ("talent_outflow_to_cn", "talent_outflow", "all", "CN", "all"),
    ("talent_return_from_cn", "talent_return", "all", "CN", "all"),
    ("tw_firms_in_cn", "firms", "all", "CN", "TW"),
    ("tw_firms_in_sea", "firms", "all", "SEA", "TW"),
    ("tw_outward_investment", "tw_outward_investment", "all", "all", "all"),
    ("tw_outward_investment_share_cn", "tw_outward_investment_share_cn", "all", "all", "all"),
    ("capability_gap_semiconductors", "capability_gap", "semiconductors", "all", "all"),
    ("rd_centres_tw", "rd_centres_tw", "all", "all", "all"),
    ("exits_enforcement", "exits_enforcement", "all", "all", "all"),
)


@dataclass
class RunResult:
    """What a run returns: the results table, the resolved config and a summary."""

    table: pd.DataFrame
    config: DictConfig
    params: Params
    summary: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    seconds: float = 0.0
    agent_steps: int = 0


def simulate(params: Params) -> tuple[pd.DataFrame, int]:
    """Run the model for ``params`` with its engine; return the long results table and the agent-steps done.

    Both engines fill the same :class:`crossstrait_sim.model.results.Recorder`, so the table has one schema.
    """
    model: Any
    if params.engine == "mesa":
        from crossstrait_sim.mesa_engine.model import MesaModel  # Mesa is imported only when asked for

        model = MesaModel(params).run()
    else:
        model = VectorizedModel(params).run()
    table = model.recorder.to_frame()
    check_finite(table)
    return table, model.agent_steps


def check_finite(table: pd.DataFrame) -> None:
    """Raise :class:`ModelDivergedError` if the results table holds a non-finite value.

    Every indicator is finite in an ordinary run (empty cells and zero denominators are defined as 0
    or the cell's fallback); a NaN or infinity means the parameter set made the model run away
    (in the seventh session's robustness study: capability, know-how and revenue per unit capacity
    feeding each other until the market's exponential overflowed).
    """
    v = table["value"].to_numpy()
    bad = ~np.isfinite(v)
    if not bad.any():
        return
    rows = table.loc[bad]
    first = rows["quarter"].astype(str).min()
    names = sorted(rows.loc[rows["quarter"].astype(str) == first, "indicator"].astype(str).unique())
    raise ModelDivergedError(
        f"the simulation diverged: {int(bad.sum())} non-finite values in the results, the first in {first} "
        f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}); this parameter set makes the model run "
        "away, so no results are written (docs/ODD.md, 'Numerical limits')"
    )


def summarise(table: pd.DataFrame, quarters: list[str]) -> dict[str, dict[str, float]]:
    """Key indicators at the given quarters (taken from the table itself).

    Only the rows of the summary's indicators and quarters are read (a key is one row of the table),
    which costs a few milliseconds a run less than indexing the whole table (issue 12).
    """
    need = {ind for _, ind, _, _, _ in SUMMARY_ITEMS}
    sub = table[table["quarter"].isin(quarters) & table["indicator"].isin(need)]
    cols = [sub[c].tolist() for c in ("indicator", "sector", "region", "origin", "quarter")]
    values = dict(zip(zip(*cols, strict=True), sub["value"].tolist(), strict=True))
    out: dict[str, dict[str, float]] = {}
    for q in quarters:
        out[q] = {}
        for label, ind, s, r, o in SUMMARY_ITEMS:
            key = (ind, s, r, o, q)
            if key in values:
                out[q][label] = float(values[key])
    return out


def summary_quarters(params: Params, wanted: list[str]) -> list[str]:
    """The wanted summary quarters that lie inside the horizon, else the last quarter."""
    inside = [q for q in wanted if q in params.quarters]
    return inside or [params.quarters[-1]]


def run_config(cfg: DictConfig) -> RunResult:
    """Validate ``cfg`` and simulate it in memory (nothing is written).

    With ``calibration=posterior`` the seed's parameter draw is applied here, so the result's config
    (saved as a run's resolved config) holds the values the run used and the row it took.
    """
    cfg = apply_posterior_draw(cfg)
    params = build_params(cfg)  # every config error is raised here, before simulating
    t0 = time.perf_counter()
    table, steps = simulate(params)
    seconds = time.perf_counter() - t0
    summary = {
        "scenario": params.scenario,
        "seed": params.seed,
        "scale": params.scale,
        "quarters": f"{params.quarters[0]}..{params.quarters[-1]}",
        "indicators": summarise(table, summary_quarters(params, list(cfg.output.summary_quarters))),
    }
    return RunResult(table=table, config=cfg, params=params, summary=summary, seconds=seconds, agent_steps=steps)


def run(overrides: list[str] | None = None) -> RunResult:
    """Compose the config from ``conf/`` with Hydra overrides and simulate it in memory."""
    return run_config(compose_config(overrides))


def format_summary(summary: dict[str, Any]) -> str:
    """The short printed summary: one column per summary quarter."""
    ind = summary["indicators"]
    qs = list(ind)
    labels = list(next(iter(ind.values())).keys()) if ind else []
    lines = [f"crossstrait-sim  scenario={summary['scenario']}  seed={summary['seed']}  scale={summary['scale']}"]
    units = {label: BY_NAME[indicator].unit for label, indicator, *_ in SUMMARY_ITEMS}
    lines.append(f"{'indicator':32s}{'unit':20s}" + "".join(f"{q:>12s}" for q in qs))
    for lab in labels:
        vals = "".join(f"{_fmt(ind[q].get(lab, float('nan'))):>12s}" for q in qs)
        lines.append(f"{lab:32s}{units.get(lab, ''):20s}" + vals)
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"
