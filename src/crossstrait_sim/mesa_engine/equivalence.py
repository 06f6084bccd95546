"""Hold the two engines against each other: same config, same seed, same results.

``compare_engines(["scenario=history", "seed=2", "scale=0.001"])`` runs the vectorized
and the Mesa engine and reports every indicator that differs beyond the tolerance, every
discrete event (relocation, exit, entry, migration, retirement, promotion, R&D centre)
that happened in one engine and not in the other, the largest difference in the agents'
final state by slot, and the decisions the Mesa engine took on a rounding edge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.mesa_engine.model import MesaModel
from crossstrait_sim.model.state import Firms, Professionals, declared_state
from crossstrait_sim.model.vectorized import VectorizedModel

REL_TOL = 1e-9
"""Relative tolerance on every indicator (absolute ``ABS_TOL`` near zero). The only values not equal to
the last bit are the firm counts by cell: the vectorized core updates them incrementally (+ entrants,
- exits, +/- movers), the Mesa engine counts live agents' weights; the two differ by rounding only."""
ABS_TOL = 1e-9

# every declared attribute of the agents' state except the slot's ``alive`` flag
FIRM_STATE = declared_state(Firms)
PROF_STATE = declared_state(Professionals)


@dataclass
class Comparison:
    """What :func:`compare_engines` found."""

    overrides: list[str]
    firms0: int
    professionals0: int
    indicator_rows: int
    max_abs_diff: float
    max_rel_diff: float  # over rows with a value above ABS_TOL
    bad_rows: list[str] = field(default_factory=list)  # indicators outside tolerance (first 20)
    events: int = 0
    event_diffs: list[str] = field(default_factory=list)  # events in one engine only (first 20)
    state_diffs: list[str] = field(default_factory=list)  # final per-slot state outside tolerance (first 20)
    near_ties: list[tuple[int, str, float]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        """Indicators, events and final state all agree."""
        return not (self.bad_rows or self.event_diffs or self.state_diffs)

    def report(self) -> str:
        """A few lines for a failure message."""
        lines = [f"engines differ for {' '.join(self.overrides)}:"]
        lines += [f"  indicator {r}" for r in self.bad_rows[:10]]
        lines += [f"  event {e}" for e in self.event_diffs[:10]]
        lines += [f"  state {s}" for s in self.state_diffs[:10]]
        if self.near_ties:
            lines.append(
                f"  decisions on a rounding edge in the Mesa engine (quarter, rule, gap): {self.near_ties[:10]}"
            )
        else:
            lines.append("  no decision was on a rounding edge: a rule differs, not the rounding")
        return "\n".join(lines)


def _events_vectorized(m: VectorizedModel) -> set[tuple[int, str, int, int]]:
    assert m.events is not None
    return {(t, k, int(s), int(d)) for t, k, slots, det in m.events for s, d in zip(slots, det, strict=True)}


def _events_mesa(m: MesaModel) -> set[tuple[int, str, int, int]]:
    assert m.events is not None
    return {(t, k, s, 0 if d is None else int(d)) for t, k, s, d in m.events}


def _state_diffs(v: VectorizedModel, m: MesaModel) -> list[str]:
    out: list[str] = []
    for kind, arrays, slots, attrs in (
        ("firm", v.firms, m.firm_slots, FIRM_STATE),
        ("professional", v.prof, m.prof_slots, PROF_STATE),
    ):
        alive_v = np.flatnonzero(arrays.alive)
        alive_m = np.array([i for i, a in enumerate(slots) if a is not None], dtype=np.intp)
        if len(alive_v) != len(alive_m) or np.any(alive_v != alive_m):
            out.append(f"{kind}s alive in different slots ({len(alive_v)} vs {len(alive_m)})")
            continue
        for attr in attrs:
            a = getattr(arrays, attr)[alive_v].astype(np.float64)
            b = np.array([float(getattr(slots[i], attr)) for i in alive_m])
            bad = np.abs(a - b) > np.maximum(ABS_TOL, REL_TOL * np.abs(a))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                out.append(f"{kind} slot {alive_v[i]} {attr}: vectorized {a[i]!r}, mesa {b[i]!r}")
    return out[:20]


def compare_engines(overrides: list[str]) -> Comparison:
    """Run both engines on the composed config (``engine`` overridden) and compare everything."""
    params = build_params(compose_config([*overrides, "engine=vectorized", "engine.threads=1"]))
    t0 = time.perf_counter()
    v = VectorizedModel(params, log_events=True)
    firms0, profs0 = int(v.firms.alive.sum()), int(v.prof.alive.sum())
    v.run()
    t1 = time.perf_counter()
    m = MesaModel(params, log_events=True).run()
    t2 = time.perf_counter()
    a, b = v.recorder.to_frame(), m.recorder.to_frame()
    diff = (a["value"] - b["value"]).abs().to_numpy()
    ref = a["value"].abs().to_numpy()
    bad = diff > np.maximum(ABS_TOL, REL_TOL * ref)
    big = ref > ABS_TOL
    bad_rows = [
        f"{r.indicator} {r.quarter} {r.sector}/{r.region}/{r.origin}: vectorized {r.value!r}, mesa {bv!r}"
        for r, bv in zip(a[bad].head(20).itertuples(), b["value"][bad].head(20), strict=True)
    ]
    ev, em = _events_vectorized(v), _events_mesa(m)
    event_diffs = [f"vectorized only {e}" for e in sorted(ev - em)[:10]] + [
        f"mesa only {e}" for e in sorted(em - ev)[:10]
    ]
    return Comparison(
        overrides=list(overrides),
        firms0=firms0,
        professionals0=profs0,
        indicator_rows=len(a),
        max_abs_diff=float(diff.max()),
        max_rel_diff=float((diff[big] / ref[big]).max()) if big.any() else 0.0,
        bad_rows=bad_rows,
        events=len(ev),
        event_diffs=event_diffs,
        state_diffs=_state_diffs(v, m),
        near_ties=list(m.near_ties),
        seconds={"vectorized": t1 - t0, "mesa": t2 - t1},
    )
