"""Time one app run (the browser app's Run button) at the app's scale: compose, check and simulate its seeds.

Run: python benchmarks/bench_app.py [--seeds 3]

Prints the wall time of each setting's first (uncached) run, as the page reports it; the target
of issue 13 is 2 s or less. Needs the [app] extra only for the page itself, not for this script.
"""

from __future__ import annotations

import argparse
import statistics

from crossstrait_sim.viz.app_runs import run_setting
from crossstrait_sim.viz.app_settings import Setting, overrides

SETTINGS = (
    Setting("narrative", ("mic2025", "enforcement", "measures31", "healthy_china")),
    Setting("narrative", ("mic2025", "enforcement", "measures31", "healthy_china", "retain_talent")),
    Setting("narrative", ("mic2025", "enforcement", "measures31", "healthy_china", "rd_hub")),
    Setting("baseline", ("mic2025",)),
    Setting("narrative", ("mic2025", "measures31", "new_southbound")),
)


def main() -> None:
    """Print each setting's run time and the median."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    times = []
    for s in SETTINGS:
        res = run_setting(overrides(Setting(s.scenario, s.switched_on, s.levers, a.seeds)), a.seeds, s.scenario)
        times.append(res.seconds)
        print(f"{s.scenario:10s} {'+'.join(s.switched_on):60s} {a.seeds} seeds: {res.seconds:.2f} s")
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s (target: 2 s or less)")


if __name__ == "__main__":
    main()
