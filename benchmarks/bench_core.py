"""Benchmark of the vectorized core: the default scenario over the full horizon.

Run: python benchmarks/bench_core.py [scale=1.0] [more Hydra overrides]
Prints agents, quarters, agent-steps per second and peak memory (max RSS).
"""

from __future__ import annotations

import resource
import sys
import time

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.runner import simulate


def main(argv: list[str]) -> None:
    overrides = argv or ["scale=1.0"]
    params = build_params(compose_config(overrides))
    t0 = time.perf_counter()
    table, agent_steps = simulate(params)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    quarters = params.n_quarters
    print(f"overrides            {' '.join(overrides)}")
    print(f"scenario             {params.scenario}")
    print(f"quarters             {quarters}")
    print(f"mean agents alive    {agent_steps / quarters:,.0f}")
    print(f"agent-steps          {agent_steps:,}")
    print(f"wall time (s)        {secs:.2f}  (model init + run + results table)")
    print(f"agent-steps / s      {agent_steps / secs:,.0f}")
    print(f"peak memory (MB)     {peak_mb:,.0f}  (max RSS of the process)")
    print(f"result rows          {len(table):,}")


if __name__ == "__main__":
    main(sys.argv[1:])
