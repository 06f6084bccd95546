"""Policy money in the model held against what is known of the real programmes.

MIC2025 (paper §貳): the State Council's smart-manufacturing pilots were 327 projects over
2015-2017 at RMB 30-50 m each, so RMB 9.8-16.4 bn; at the 2015-2017 mean exchange rate that is
the range the model's MIC2025 subsidy money over 2015Q2-2017Q4 (``policy_spend``,
instrument ``mic2025``) is held against. The model pays the subsidy to every eligible firm
(priority sectors, mainland or, under equal treatment, Taiwanese origin, in a pilot city), so
this checks the size of ``policy.mic2025.rd_subsidy_rate``, which has no other evidence.

Run: ``python -m crossstrait_sim.evidence.policy_money [--seeds 3] [--scale 0.01]``
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pandas as pd

PILOT_PROJECTS = 327  # paper §貳 (2015-2017)
RMB_M_PER_PROJECT = (30.0, 50.0)  # paper §貳
# RMB per USD, annual means 2015-2017 (6.23, 6.64, 6.75; PBoC central parity / IMF IFS)
RMB_PER_USD = (6.23 + 6.64 + 6.75) / 3.0
WINDOW = ("2015Q2", "2017Q4")


@dataclass(frozen=True)
class MoneyCheck:
    """A model total against a range from the evidence, USD bn."""

    name: str
    model_usd_bn: float
    lo_usd_bn: float
    hi_usd_bn: float

    @property
    def within(self) -> bool:
        """Whether the model's total lies in the range."""
        return self.lo_usd_bn <= self.model_usd_bn <= self.hi_usd_bn

    def line(self) -> str:
        """One printable line: model total, range, verdict."""
        verdict = "inside" if self.within else "outside"
        return (
            f"{self.name}: model USD {self.model_usd_bn:.2f} bn against USD {self.lo_usd_bn:.2f}-"
            f"{self.hi_usd_bn:.2f} bn ({verdict})"
        )


def pilot_range_usd_bn() -> tuple[float, float]:
    """327 projects x RMB 30-50 m, in USD bn at the 2015-2017 mean rate."""
    lo, hi = (PILOT_PROJECTS * x / RMB_PER_USD / 1000.0 for x in RMB_M_PER_PROJECT)
    return lo, hi


def mic2025_check(table: pd.DataFrame) -> MoneyCheck:
    """The model's MIC2025 money over 2015Q2-2017Q4 (mean over the table's seeds) against the pilots."""
    sel = table[
        (table["indicator"] == "policy_spend")
        & (table["instrument"] == "mic2025")
        & (table["region"] == "CN")
        & (table["quarter"] >= WINDOW[0])
        & (table["quarter"] <= WINDOW[1])
    ]
    if sel.empty:
        raise ValueError(f"the table has no MIC2025 policy_spend rows in {WINDOW[0]}..{WINDOW[1]}")
    total = sel.groupby("seed")["value"].sum().mean() / 1000.0
    lo, hi = pilot_range_usd_bn()
    return MoneyCheck("MIC2025 subsidy money 2015Q2-2017Q4", float(total), lo, hi)


def main(argv: list[str] | None = None) -> None:
    """Run the narrative to 2018Q4 for a few seeds and print the MIC2025 check."""
    from crossstrait_sim.config.compose import compose_config
    from crossstrait_sim.config.parameters import build_params
    from crossstrait_sim.simulation.run import simulate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.01)
    args = ap.parse_args(argv)
    tables = []
    for seed in range(args.seeds):
        cfg = compose_config(["scenario=narrative", "end=2018Q4", f"seed={seed}", f"scale={args.scale}"])
        tables.append(simulate(build_params(cfg))[0])
    print(mic2025_check(pd.concat(tables, ignore_index=True)).line())


if __name__ == "__main__":
    main()
