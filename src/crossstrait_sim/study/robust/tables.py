"""The study's two tidy tables: experiments (one row per run) and outcomes (run, outcome, value).

Both are Parquet files DuckDB reads directly, e.g.::

    SELECT e.policy, avg(o.value) FROM 'outcomes.parquet' o JOIN 'experiments.parquet' e USING (run)
    WHERE o.outcome = 'talent_in_cn_2030' GROUP BY 1

Outcomes are read from each complete run's ``results.parquet`` (only the rows an outcome needs). A run
whose results are already in an earlier ``outcomes.parquet`` with the same checksum is not read again,
so the tables of a resumed study are rebuilt quickly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossstrait_sim.study.manifest import RESULTS, read_manifest

DIMS = ("sector", "region", "origin", "instrument")  # the results table's label columns (model/results.py)


def _select(t: pd.DataFrame, spec: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of one outcome: each label column at the spec's label (absent: ``all``; ``*``: every label but ``all``).

    A table written before a label column existed (``instrument``) reads as ``all`` in it.
    """
    sel = t[t["indicator"] == spec["indicator"]]
    for dim in DIMS:
        want = str(spec.get(dim, "all"))
        if dim not in sel:
            if want == "all":
                continue
            return sel.iloc[:0]
        sel = sel[sel[dim] != "all"] if want == "*" else sel[sel[dim] == want]
    if "year" in spec:
        return sel[sel["quarter"].astype(str).str.startswith(str(spec["year"]))]
    if "quarters" in spec:  # an inclusive span of quarters ("2016Q1" sorts before "2016Q2" and "2017Q1")
        first, last = (str(q) for q in spec["quarters"])
        q = sel["quarter"].astype(str)
        return sel[(q >= first) & (q <= last)]
    return sel[sel["quarter"] == str(spec["quarter"])]


def outcome_values(t: pd.DataFrame, specs: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, float], list[str]]:
    """Each outcome's value in one run's results table, and notes on fallbacks used."""
    present = set(t["indicator"].unique())
    out, notes = {}, []
    for name, spec in specs.items():
        s = dict(spec)
        if s["indicator"] not in present and s.get("fallback"):
            fb = dict(s["fallback"])
            notes.append(f"{name}: indicator {s['indicator']!r} not in the results; used {fb}")
            s = {**{k: v for k, v in s.items() if k not in DIMS and k != "fallback"}, **fb}
        if s["indicator"] not in present:
            notes.append(f"{name}: indicator {s['indicator']!r} not in the results; left out")
            continue
        sel = _select(t, s)
        total = float(sel["value"].sum()) if len(sel) else float("nan")
        out[name] = total / 4.0 if s.get("per_year") else total  # per_year: a stock's quarters -> its years
    return out, notes


def needed_indicators(specs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every indicator an outcome or its fallback reads."""
    names = {str(s["indicator"]) for s in specs.values()}
    names |= {str(s["fallback"]["indicator"]) for s in specs.values() if s.get("fallback")}
    return sorted(names)


def read_outcomes(
    runs_dir: Path, experiments: pd.DataFrame, specs: Mapping[str, Mapping[str, Any]], cached: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The outcomes table of every complete run, each run's status, and notes (fallbacks used).

    ``cached``: an earlier outcomes table; its rows are reused for runs whose results digest is unchanged.
    """
    import pyarrow.parquet as pq

    keep = {}
    if cached is not None and not cached.empty and "digest" in cached:
        keep = {r: g for r, g in cached.groupby("run", sort=False)}
    wanted = needed_indicators(specs)
    parts, status, notes = [], {}, set()
    for run in experiments["run"]:
        man = read_manifest(runs_dir / run)
        st = man.get("status") if man else None
        status[run] = st if isinstance(st, str) else "not run"
        if st != "complete":
            continue
        digest = (man.get("files") or {}).get(RESULTS)
        old = keep.get(run)
        if old is not None and (old["digest"] == digest).all() and set(old["outcome"]) == set(specs):
            parts.append(old)
            continue
        try:
            t = pq.read_table(runs_dir / run / RESULTS, filters=[("indicator", "in", wanted)]).to_pandas()
        except Exception as exc:  # a corrupt table: that run is left out, with the reason
            status[run] = f"unreadable: {type(exc).__name__}"
            continue
        vals, n = outcome_values(t, specs)
        notes.update(n)
        parts.append(pd.DataFrame({"run": run, "outcome": list(vals), "value": list(vals.values()), "digest": digest}))
    cols = ["run", "outcome", "value", "digest"]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return table[cols], pd.Series(status, name="status"), sorted(notes)


def tidy_outcomes(outcomes: pd.DataFrame, experiments: pd.DataFrame) -> pd.DataFrame:
    """The outcomes table as written: run, future_id, design, policy, outcome, value, digest."""
    ids = experiments[["run", "future_id", "design", "policy"]]
    out = outcomes.merge(ids, on="run", how="left")
    return out[["run", "future_id", "design", "policy", "outcome", "value", "digest"]]


def wide(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Outcome values with one row per (future, policy) and one column per outcome."""
    return outcomes.pivot_table(
        index=["future_id", "design", "policy"], columns="outcome", values="value", aggfunc="first", observed=True
    ).reset_index()


def effects(outcomes: pd.DataFrame, reference: str, responses: list[str], contrasts: list[str]) -> pd.DataFrame:
    """Each policy's effect in each future: value minus the reference's (a contrast: the reference minus it).

    Columns: future_id, design, policy, outcome, value, ref, effect.
    """
    v = outcomes[["future_id", "design", "policy", "outcome", "value"]]
    ref = v[v.policy == reference][["future_id", "outcome", "value"]].rename(columns={"value": "ref"})
    d = v[v.policy.isin(responses + contrasts)].merge(ref, on=["future_id", "outcome"], how="inner")
    sign = np.where(d.policy.isin(contrasts), -1.0, 1.0)
    d["effect"] = sign * (d["value"] - d["ref"])
    return d.reset_index(drop=True)
