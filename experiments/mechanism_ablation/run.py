"""Which mainland mechanisms change the model's answer: each removed from the narrative, seed by seed.

Run: python experiments/mechanism_ablation/run.py [--seeds 5] [--scale X] [--out experiments/mechanism_ablation]

Runs ``scenario=narrative`` (all mainland policies) and, with the same seeds (common random
numbers), the narrative with one mechanism removed by a config override (``ABLATIONS``). For each
key indicator it reports the paired difference (ablated - narrative) over seeds and the seed
spread: the standard deviation over seeds of the narrative's own value. A removal changes an
indicator "beyond the seed spread" when the mean paired difference exceeds that standard
deviation; "within the spread, same sign" when every seed moves the same way but by less; "none"
otherwise. It also writes the 2018 enforcement comparison (model against the MEE counts, from the
narrative runs) and the composition of Kunshan's 2017Q4 area order. Writes ``ablation.csv``,
``ablation.md`` and ``enforcement_2018.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from crossstrait_sim import run
from crossstrait_sim.config.compose import compose_config, default_scale
from crossstrait_sim.config.parameters import TW_O, build_params
from crossstrait_sim.evidence.enforcement import compare_2018
from crossstrait_sim.model.vectorized import VectorizedModel

ALL_ZONES = "[kunshan,sunan,pearl_west,zheng_luo_xin,chang_zhu_tan,pilot_cities,other]"
ABLATIONS: dict[str, list[str]] = {
    "carbon market": ["policy.carbon_market.enabled=false"],
    "enforcement (with its area order; carbon market kept)": ["policy.enforcement.enabled=false"],
    "production limits (case and area orders)": [
        "behaviour.abatement.limit_prob=0.0",
        "policy.enforcement.area_quarters=0",
    ],
    "Kunshan area order only": ["policy.enforcement.area_quarters=0"],
    "pilot cities (MIC2025 everywhere in CN)": [f"policy.mic2025.pilot_zones={ALL_ZONES}"],
    "Healthy China": ["policy.healthy_china.enabled=false"],
}
"""Mechanism -> the overrides that remove it from the narrative."""


def _sum(t: pd.DataFrame, ind: str, quarters: list[str] | str, **dims: str) -> float:
    """Sum of an indicator over ``quarters`` at ``dims``; other dimensions: their ``all`` row, else every row."""
    q = [quarters] if isinstance(quarters, str) else quarters
    x = t[(t.indicator == ind) & t.quarter.isin(q)]
    for k, v in dims.items():
        x = x[x[k] == v]
    for k in ("sector", "region", "origin"):
        if k not in dims and (x[k] == "all").any():
            x = x[x[k] == "all"]
    return float(x.value.sum())


def key_indicators(t: pd.DataFrame) -> dict[str, float]:
    """The key indicators of one run (2030Q4 unless named otherwise)."""
    years = [f"{y}Q{k}" for y in range(2017, 2031) for k in range(1, 5)]
    return {
        "Taiwanese professionals in CN, 2030": _sum(t, "talent_in_cn", "2030Q4"),
        "Taiwanese firms in CN, 2030": _sum(t, "firms", "2030Q4", region="CN", origin="TW"),
        "Taiwanese firms in SEA, 2030": _sum(t, "firms", "2030Q4", region="SEA", origin="TW"),
        "capability gap (origin), semiconductors, 2030": _sum(t, "capability_gap", "2030Q4", sector="semiconductors"),
        "capability gap (location), semiconductors, 2030": _sum(
            t, "capability_gap_location", "2030Q4", sector="semiconductors"
        ),
        "mainland share of TW outward investment, 2030": _sum(t, "tw_outward_investment_share_cn", "2030Q4"),
        "mainland-origin market share, polluting, 2030": _sum(
            t, "market_share", "2030Q4", sector="polluting", origin="CN"
        ),
        "polluting plants in CN, 2030": _sum(t, "firms", "2030Q4", sector="polluting", region="CN"),
        "emissions in CN, 2030": _sum(t, "emissions", "2030Q4", region="CN"),
        "enforcement exits in CN, 2017-2030": _sum(t, "exits_enforcement", years, region="CN"),
        "MIC2025 subsidy spend (CN), 2030": _sum(t, "subsidy_spend", "2030Q4", region="CN"),
    }


def ablation(seeds: list[int], scale: float) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Paired differences of every key indicator for every ablation; also the narrative tables."""
    base = [f"scale={scale}", "output.plot=false"]
    narrative = [run(["scenario=narrative", f"seed={s}", *base]).table for s in seeds]
    ref = pd.DataFrame([key_indicators(t) for t in narrative])
    rows = []
    for name, overrides in ABLATIONS.items():
        alt = pd.DataFrame(
            [key_indicators(run(["scenario=narrative", f"seed={s}", *base, *overrides]).table) for s in seeds]
        )
        d = alt - ref
        for ind in ref.columns:
            spread = float(ref[ind].std(ddof=1))
            mean = float(d[ind].mean())
            same_sign = bool((d[ind] > 0).all() or (d[ind] < 0).all())
            beyond = abs(mean) > spread
            rows.append(
                {
                    "mechanism removed": name,
                    "indicator": ind,
                    "narrative mean": float(ref[ind].mean()),
                    "mean difference": mean,
                    "min difference": float(d[ind].min()),
                    "max difference": float(d[ind].max()),
                    "seed spread (sd)": spread,
                    "verdict": "beyond seed spread"
                    if beyond
                    else ("within spread, same sign" if same_sign else "none"),
                }
            )
    return pd.DataFrame(rows), narrative


def kunshan_order(seed: int, scale: float) -> dict[str, float]:
    """Plants named in the area order in its first quarter (real plants), and the Taiwanese share of them."""
    p = build_params(compose_config(["scenario=narrative", f"seed={seed}", f"scale={scale}"]))
    m = VectorizedModel(p)
    start = p.quarters.index(p.policy.enforcement.area_start)
    for _ in range(start):
        m.step()
    q = m.alive_firms()
    named = m.area_named(q)
    total = float(q.w[named].sum())
    tw = float(q.w[named & (q.o == TW_O)].sum())
    return {"seed": seed, "named plants": total, "Taiwanese": tw, "Taiwanese share": tw / total if total else np.nan}


def main() -> None:
    """Run the ablation, the 2018 comparison and the Kunshan order's composition; write and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--scale", type=float, default=None, help="agents per real unit (default: the config's scale)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    a = ap.parse_args()
    if a.scale is None:
        a.scale = default_scale()
    seeds = list(range(a.seeds))
    table, narrative = ablation(seeds, a.scale)
    a.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(a.out / "ablation.csv", index=False)
    md = _markdown(table)
    (a.out / "ablation.md").write_text(md, encoding="utf-8")
    print(md)
    e = compare_2018(narrative)
    k = pd.DataFrame([kunshan_order(s, a.scale) for s in seeds])
    text = _markdown(e) + "\n\nKunshan area order, first quarter (real plants named):\n\n" + _markdown(k)
    (a.out / "enforcement_2018.md").write_text(text, encoding="utf-8")
    print(text)


def _markdown(df: pd.DataFrame) -> str:
    """A plain markdown table with 4 significant digits."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
