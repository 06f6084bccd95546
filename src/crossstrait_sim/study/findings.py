"""Findings of a policy comparison, written from comparison.csv files (so they regenerate with the study).

Run: ``python -m crossstrait_sim.study.findings VS_NARRATIVE.csv VS_BASELINE.csv --out findings.md [--scale S]``

For each policy and key indicator the paper's narrative speaks to, the table puts what the
narrative expects (higher or lower than the reference) beside what the model answers: the mean
paired difference from the reference, its 90% confidence interval, the 5th-95th percentile of
the per-seed differences, and a classification of that answer made without looking at the
expectation (:func:`answer`):

- ``no difference (CI spans 0)``: the 90% confidence interval of the mean difference holds zero;
- ``no difference (Δ within ±t)``: it does not, but the mean difference is smaller than the
  indicator's practical threshold ``t`` (``KeyIndicator.threshold``: a few agents' weight at the
  runs' scale for a count, 0.01 log points for a capability gap);
- ``higher`` or ``lower`` otherwise.

A separate column then says whether that answer agrees with the narrative (:func:`agrees`).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from crossstrait_sim.atomic import atomic_write
from crossstrait_sim.study.compare import KEY_INDICATORS

# (scenario, reference, indicator, what the narrative expects, the narrative's claim; paper section)
EXPECTATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "measures31",
        "baseline",
        "talent_in_cn",
        "higher",
        "the 31 measures pull Taiwanese talent to the mainland (§貳.三)",
    ),
    (
        "measures31",
        "baseline",
        "tw_firms_in_cn",
        "higher",
        "equal treatment draws Taiwanese firms to the mainland (§貳.三)",
    ),
    (
        "measures31",
        "baseline",
        "capability_gap_location_semiconductors",
        "lower",
        "Taiwanese talent carries know-how into mainland firms and narrows Taiwan's lead (§貳, the paper's worry)",
    ),
    ("enforcement", "baseline", "tw_firms_in_cn", "lower", "strict enforcement pushes Taiwanese plants out (§參)"),
    ("narrative", "baseline", "talent_in_cn", "higher", "all mainland policies together pull talent (§貳-§肆)"),
    (
        "narrative",
        "baseline",
        "capability_gap_semiconductors",
        "lower",
        "the semiconductor gap narrows under mainland support (§伍)",
    ),
    ("tw_retain_talent", "narrative", "talent_in_cn", "lower", "retention (留才) keeps professionals in Taiwan (§伍)"),
    (
        "tw_attract_talent",
        "narrative",
        "talent_in_cn",
        "lower",
        "attracting talent (攬才) brings professionals back (§伍)",
    ),
    (
        "tw_cultivate_talent",
        "narrative",
        "capability_gap_semiconductors",
        "higher",
        "cultivating talent (育才) keeps Taiwan's lead (§伍)",
    ),
    (
        "tw_rd_hub",
        "narrative",
        "rd_centres_tw",
        "higher",
        "an Asia-Pacific R&D centre draws foreign R&D to Taiwan (§伍)",
    ),
    (
        "tw_rd_hub",
        "narrative",
        "capability_gap_semiconductors",
        "higher",
        "foreign R&D in Taiwan keeps Taiwan's lead (§伍)",
    ),
    (
        "tw_new_southbound",
        "narrative",
        "tw_firms_in_sea",
        "higher",
        "New Southbound diversifies firms to Southeast Asia (§伍)",
    ),
    ("tw_new_southbound", "narrative", "tw_firms_in_cn", "lower", "... and away from the mainland (§伍)"),
    ("tw_combined", "narrative", "talent_in_cn", "lower", "all three responses together hold talent in Taiwan (§伍)"),
    ("tw_combined", "narrative", "capability_gap_semiconductors", "higher", "... and keep the technology lead (§伍)"),
)
DIRECTIONS = ("higher", "lower")
NOT_ENOUGH = "n.a. (fewer than 2 paired seeds)"


def _num(x: float, fmt: str) -> str:
    return format(x, fmt).replace("-", "−")


def answer(row: pd.Series, threshold: float, fmt: str = "g") -> str:
    """The model's answer for one comparison row, whatever the narrative expects.

    ``higher`` or ``lower`` when the 90% confidence interval of the mean paired difference
    excludes zero and the difference is at least ``threshold``; otherwise which of the two
    says there is no difference; ``n.a.`` when the interval is undefined (fewer than two pairs).
    """
    lo, hi, d = (float(row[k]) for k in ("diff_mean_ci90_low", "diff_mean_ci90_high", "diff_mean"))
    if not all(math.isfinite(x) for x in (lo, hi, d)) or float(row.get("n_pairs", 2)) < 2:
        return NOT_ENOUGH
    if lo <= 0.0 <= hi:
        return "no difference (CI spans 0)"
    if abs(d) < threshold:
        return f"no difference (Δ within ±{_num(threshold, fmt)})"
    return "higher" if d > 0 else "lower"


def agrees(model_answer: str, expects: str) -> str:
    """Whether the model's answer is the direction the narrative expects: yes, no or n.a.

    No difference is a "no": the narrative expects an effect.
    """
    if expects not in DIRECTIONS:
        raise ValueError(f"expects={expects!r}: must be one of {DIRECTIONS}")
    if model_answer.startswith("n.a."):
        return "n.a."
    return "yes" if model_answer == expects else "no"


def findings(tables: list[pd.DataFrame], quarter: str = "2030Q4", scale: float | None = None) -> str:
    """The findings as Markdown; ``scale`` is the runs' scale (default: the configured one)."""
    scale = default_scale() if scale is None else scale
    st = pd.concat(tables, ignore_index=True)
    keys = {k.name: k for k in KEY_INDICATORS}
    lines = [
        "# Findings (generated)",
        "",
        f"Generated by `python -m crossstrait_sim.study.findings` from the comparison tables; do not edit by hand. "
        f"Quarter {quarter}; runs at scale {scale:g}. Δ = mean paired difference from the reference (same seeds); "
        "CI = 90% confidence interval of that mean; seeds = 5th-95th percentile of the per-seed differences; "
        "n = paired seeds. These intervals cover seed noise only: every parameter is held at its configured "
        "value and the model's form is fixed; the spread over what we do not know (posterior and assumed "
        "parameters, structural alternatives) is the robustness study's (`experiments/policy_robustness/`).",
        "",
        "*Model's answer* classifies Δ without regard to the narrative: **no difference** when the CI holds 0 "
        "(seed noise) or when |Δ| is below the indicator's practical threshold (listed below the table), "
        "otherwise **higher** or **lower**. *Agrees with the narrative* then compares that answer with "
        "what the narrative expects (no difference counts as no).",
        "",
        "| policy | vs | indicator | narrative expects | Δ | CI | seeds | n | model's answer "
        "| agrees with the narrative |",
        "|---|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    used: dict[str, None] = {}
    for scen, ref, ind, expects, claim in EXPECTATIONS:
        sel = st[(st.variant == scen) & (st.reference == ref) & (st.indicator == ind) & (st.quarter == quarter)]
        if sel.empty:
            continue
        r, k = sel.iloc[0], keys[ind]
        used[ind] = None
        f = k.fmt
        said = answer(r, k.threshold(scale), f)
        lines.append(
            f"| `{scen}` | `{ref}` | {k.title} ({k.unit}) | {expects}: {claim} | "
            f"{_num(r.diff_mean, '+' + f)} | [{_num(r.diff_mean_ci90_low, f)}, {_num(r.diff_mean_ci90_high, f)}] | "
            f"[{_num(r.diff_p05, f)}, {_num(r.diff_p95, f)}] | {int(r.n_pairs)} | {said} | {agrees(said, expects)} |"
        )
    lines += ["", "Practical thresholds (`KEY_INDICATORS` in `crossstrait_sim.study.compare`):", ""]
    for ind in used:
        k = keys[ind]
        lines.append(f"- {k.title}: {_num(k.threshold(scale), k.fmt)} {k.unit} ({k.threshold_reason(scale)}).")
    return "\n".join(lines) + "\n"


def default_scale() -> float:
    """The configured scale (``conf/config.yaml``), at which the policy comparison runs."""
    from crossstrait_sim.config.compose import compose_config  # Hydra's compose, only when needed

    return float(compose_config([]).scale)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``python -m crossstrait_sim.study.findings CSV [CSV ...] --out findings.md``."""
    ap = argparse.ArgumentParser(prog="python -m crossstrait_sim.study.findings", description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="+", help="comparison.csv files (with different references)")
    ap.add_argument("--out", required=True, help="the Markdown file to write")
    ap.add_argument("--quarter", default="2030Q4")
    ap.add_argument(
        "--scale",
        type=float,
        default=None,
        help="the runs' scale, for the thresholds of counts (default: the configured scale)",
    )
    args = ap.parse_args(argv)
    if args.scale is not None and not args.scale > 0:
        ap.error(f"--scale={args.scale!r}: must be > 0")
    try:
        tables = [pd.read_csv(p) for p in args.csv]
    except OSError as exc:
        print(f"crossstrait_sim.study.findings: {exc}", file=sys.stderr)
        sys.exit(2)
    text = findings(tables, args.quarter, args.scale)
    atomic_write(Path(args.out), lambda p: p.write_text(text, encoding="utf-8"))
    print(f"wrote {args.out}")


if __name__ == "__main__":  # pragma: no cover
    main()
