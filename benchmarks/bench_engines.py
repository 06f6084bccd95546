"""Both engines on the same scenario at about 1k, 10k and 100k agents, measured in the same run.

Run: python benchmarks/bench_engines.py [--budget SECONDS] [Hydra overrides, e.g. scenario=history]

Prints, per size: agents at the start (firms + professionals), agent-steps per second of
each engine (model initialisation + every quarter of the horizon + the results table) and
the ratio vectorized / mesa. The Mesa engine is skipped at a size where its projected time
(ten times the previous size's) exceeds the budget (default 300 s).
"""

from __future__ import annotations

import argparse
import logging
import time

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.runner import simulate

# scale -> about 1k, 10k, 100k agents at the start (scale 0.001 gives about 3.6k; scales below
# about 0.0003 fail in the vectorized core itself, see the note in README "Engines")
SIZES = (("1k", 0.0004), ("10k", 0.003), ("100k", 0.03))


def agents_at_start(params: object) -> int:
    """Firm and professional agents at the start (the vectorized engine's initial population)."""
    from crossstrait_sim.model.vectorized import VectorizedModel

    m = VectorizedModel(params)  # type: ignore[arg-type]
    return int(m.firms.alive.sum() + m.prof.alive.sum())


def timed(overrides: list[str]) -> tuple[float, int]:
    """Agent-steps per second and agent-steps of one run."""
    params = build_params(compose_config(overrides))
    t0 = time.perf_counter()
    _, steps = simulate(params)
    return steps / (time.perf_counter() - t0), steps


def main() -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=300.0, help="seconds a Mesa run may take")
    args, overrides = ap.parse_known_args()
    overrides = overrides or ["scenario=narrative"]
    print(f"overrides: {' '.join(overrides)}; vectorized with engine.threads=1")
    print(f"{'size':>5} {'scale':>7} {'agents':>8} {'vectorized steps/s':>19} {'mesa steps/s':>13} {'ratio':>7}")
    mesa_secs = 0.0
    for label, scale in SIZES:
        base = [*overrides, f"scale={scale}"]
        n = agents_at_start(build_params(compose_config(base)))
        v_rate, steps = timed([*base, "engine=vectorized", "engine.threads=1"])
        if mesa_secs * 10 <= args.budget:
            m_rate, _ = timed([*base, "engine=mesa"])
            mesa_secs = steps / m_rate
            m_txt, r_txt = f"{m_rate:13,.0f}", f"{v_rate / m_rate:7.0f}"
        else:
            m_txt, r_txt = f"{'skipped':>13}", f"{'-':>7}"
        print(f"{label:>5} {scale:7g} {n:8,d} {v_rate:19,.0f} {m_txt} {r_txt}", flush=True)


if __name__ == "__main__":
    main()
