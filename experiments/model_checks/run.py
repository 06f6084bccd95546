"""The model's own checks of issue 9 ("Model v2"), at the default scale, with common random numbers.

Run: python experiments/model_checks/run.py [--seeds 5]
     python experiments/model_checks/run.py --seeds 5 --access-weights 0 0.25 0.5 0.75 1

Prints each figure as the mean, min and max over seeds; writes nothing. Each line is a property
the model should have (the issue's "Done when"), measured, not asserted: the write-up in
experiments/model_checks/README.md says which hold.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from crossstrait_sim import run


def value(t: pd.DataFrame, ind: str, q: str = "2030Q4", **dims: str) -> float:
    """Sum of an indicator's rows at quarter ``q`` matching ``dims``."""
    x = t[(t.indicator == ind) & (t.quarter == q)]
    for k, v in dims.items():
        x = x[x[k] == v]
    return float(x.value.sum())


def cn_share_ratio(b: pd.DataFrame) -> float:
    """Smallest ratio over sectors of the mainland-origin market share, 2030Q4 over 2010Q1."""
    ms = b[(b.indicator == "market_share") & (b.origin == "CN")]
    s0 = ms[ms.quarter == "2010Q1"].set_index("sector").value
    s1 = ms[ms.quarter == "2030Q4"].set_index("sector").value
    return float((s1 / s0).min())


def relocation_rate(h: pd.DataFrame) -> float:
    """Taiwanese firms relocating per year over Taiwanese firms abroad (Q4), mean of 2010-2019, percent."""
    year = h.quarter.str[:4].astype(int)
    rel = h[(h.indicator == "relocations") & (h.origin == "TW") & year.between(2010, 2019)]
    rel = rel.groupby(rel.quarter.str[:4]).value.sum()
    fa = h[(h.indicator == "firms") & (h.origin == "TW") & h.region.isin(["CN", "SEA", "ROW"])]
    fa = fa[fa.quarter.str.endswith("Q4") & fa.quarter.str[:4].astype(int).between(2010, 2019)]
    fa = fa.groupby(fa.quarter.str[:4]).value.sum()
    return float(100 * (rel / fa).mean())


def checks(seed: int, extra: list[str]) -> dict[str, float]:
    """Every figure for one seed (``extra``: overrides added to every run)."""
    b, m, n, h, hi = (
        run([f"scenario={s}", f"seed={seed}", *extra]).table
        for s in ("baseline", "measures31", "narrative", "tw_rd_hub", "history")
    )
    # the measures without their pull on foreign R&D centres in Taiwan (ODD 7.7): the talent channel alone
    m0 = run(["scenario=measures31", f"seed={seed}", *extra, "behaviour.rd_centres.access_weight=0"]).table
    w = b[(b.indicator == "wage") & (b.region == "TW")].set_index("quarter").value
    out = {
        "baseline: min over sectors of mainland-origin share 2030 / 2010": cn_share_ratio(b),
        "baseline: Taiwanese firms in the mainland 2030 / 2010": value(b, "firms", region="CN", origin="TW")
        / value(b, "firms", "2010Q1", region="CN", origin="TW"),
        "baseline: Taiwan's skilled pay growth 2010-2019, % a year": 100 * ((w["2019Q4"] / w["2010Q4"]) ** (1 / 9) - 1),
        "baseline: Taiwanese in mainland-origin semiconductor firms, 2019": value(
            b, "tw_talent_in_cn_firms", "2019Q4", sector="semiconductors"
        ),
        "measures31 - baseline: Taiwanese in mainland-origin semiconductor firms, 2030": value(
            m, "tw_talent_in_cn_firms", sector="semiconductors"
        )
        - value(b, "tw_talent_in_cn_firms", sector="semiconductors"),
        "measures31 - baseline: capability_gap_location semiconductors, 2030": value(
            m, "capability_gap_location", sector="semiconductors"
        )
        - value(b, "capability_gap_location", sector="semiconductors"),
        "measures31 - baseline: foreign R&D centres in Taiwan, 2030": value(m, "rd_centres_tw")
        - value(b, "rd_centres_tw"),
        "measures31 (access_weight=0) - baseline: capability_gap_location semiconductors, 2030": value(
            m0, "capability_gap_location", sector="semiconductors"
        )
        - value(b, "capability_gap_location", sector="semiconductors"),
        "history: Taiwanese relocations / Taiwanese firms abroad, % a year 2010-19": relocation_rate(hi),
    }
    for sec in ("semiconductors", "ict", "smart_mfg"):
        out[f"tw_rd_hub - narrative: capability of Taiwanese firms in Taiwan, {sec}, 2030"] = value(
            h, "capability", sector=sec, region="TW", origin="TW"
        ) - value(n, "capability", sector=sec, region="TW", origin="TW")
    return out


def access_sweep(seeds: int, weights: list[float], extra: list[str]) -> None:
    """The 31 measures' effect on the semiconductor gap by location against ``access_weight`` (ODD 7.7)."""
    print(f"| access_weight | measures31 - baseline: capability_gap_location semiconductors 2030 ({seeds} seeds) |")
    print("|---:|---|")
    base = [run(["scenario=baseline", f"seed={s}", *extra]).table for s in range(seeds)]
    for aw in weights:
        d = np.array(
            [
                value(
                    run(["scenario=measures31", f"seed={s}", *extra, f"behaviour.rd_centres.access_weight={aw}"]).table,
                    "capability_gap_location",
                    sector="semiconductors",
                )
                - value(base[s], "capability_gap_location", sector="semiconductors")
                for s in range(seeds)
            ]
        )
        print(f"| {aw:g} | {d.mean():+.4f} ({d.min():+.4f} to {d.max():+.4f}) |", flush=True)


def main() -> None:
    """Print every check over the seeds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--override", action="append", default=[], help="extra override for every run (repeatable)")
    ap.add_argument(
        "--access-weights",
        type=float,
        nargs="+",
        help="instead of the checks, the 31 measures' effect on the semiconductor gap by location at each "
        "behaviour.rd_centres.access_weight",
    )
    a = ap.parse_args()
    if a.access_weights:
        access_sweep(a.seeds, a.access_weights, ["output.plot=false", *a.override])
        return
    rows = [checks(s, a.override) for s in range(a.seeds)]
    label = ", ".join(["default scale", *a.override])
    print(f"| check ({a.seeds} seeds, {label}) | mean | min | max |")
    print("|---|---:|---:|---:|")
    for k in rows[0]:
        v = np.array([r[k] for r in rows])
        print(f"| {k} | {v.mean():.4g} | {v.min():.4g} | {v.max():.4g} |")


if __name__ == "__main__":
    main()
