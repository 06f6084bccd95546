"""The policy comparison's findings: the model's answer is classified on its own, then held against the narrative."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from crossstrait_sim.study.compare import KEY_INDICATORS, NEGLIGIBLE_AGENTS
from crossstrait_sim.study.findings import EXPECTATIONS, agrees, answer, default_scale, findings, main

STUDY = Path(__file__).resolve().parents[1] / "experiments" / "policy_comparison"
CSVS = [STUDY / "results" / "vs_narrative" / "comparison.csv", STUDY / "results" / "vs_baseline" / "comparison.csv"]
KEYS = {k.name: k for k in KEY_INDICATORS}


def row(diff: float, lo: float, hi: float, n: int = 20) -> pd.Series:
    return pd.Series({"diff_mean": diff, "diff_mean_ci90_low": lo, "diff_mean_ci90_high": hi, "n_pairs": n})


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        (row(5_000.0, 4_000.0, 6_000.0), "higher"),
        (row(-5_000.0, -6_000.0, -4_000.0), "lower"),
        (row(50.0, -10.0, 110.0), "no difference (CI spans 0)"),
        (row(-245.0, -338.0, -152.0), "no difference (Δ within ±300)"),  # clear of noise, but under 3 agents
        (row(300.0, 250.0, 350.0), "higher"),  # at the threshold: an effect
        (row(math.nan, math.nan, math.nan, n=1), "n.a. (fewer than 2 paired seeds)"),
    ],
)
def test_the_answer_does_not_call_noise_or_a_few_agents_an_effect(r, expected):
    assert answer(r, threshold=300.0, fmt=",.0f") == expected


def test_agreement_is_decided_after_the_answer():
    assert agrees("higher", "higher") == "yes" and agrees("lower", "higher") == "no"
    assert agrees("no difference (CI spans 0)", "lower") == "no"  # the narrative expects an effect
    assert agrees("n.a. (fewer than 2 paired seeds)", "lower") == "n.a."
    with pytest.raises(ValueError, match="expects='up'"):
        agrees("higher", "up")


def test_thresholds_are_a_few_agents_at_the_runs_scale_or_stated():
    talent, gap = KEYS["talent_in_cn"], KEYS["capability_gap_semiconductors"]
    assert talent.threshold(0.01) == pytest.approx(NEGLIGIBLE_AGENTS * 100)
    assert talent.threshold(0.1) == pytest.approx(NEGLIGIBLE_AGENTS * 10)  # finer runs resolve smaller effects
    assert gap.threshold(0.01) == gap.threshold(0.1) == 0.01
    for k in KEY_INDICATORS:  # every threshold says why
        assert k.threshold_reason(0.01), k.name
    assert {ind for _, _, ind, _, _ in EXPECTATIONS} <= set(KEYS)
    assert {expects for *_, expects, _ in EXPECTATIONS} <= {"higher", "lower"}


def _table(diff: float, lo: float, hi: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "talent_in_cn",
                "variant": "tw_retain_talent",
                "reference": "narrative",
                "quarter": "2030Q4",
                "n_pairs": 20,
                "diff_mean": diff,
                "diff_mean_ci90_low": lo,
                "diff_mean_ci90_high": hi,
                "diff_p05": lo,
                "diff_p95": hi,
            }
        ]
    )


def test_the_expectation_and_the_answer_are_separate_columns():
    text = findings([_table(-200.0, -250.0, -150.0)], scale=0.01)
    line = next(x for x in text.splitlines() if x.startswith("| `tw_retain_talent`"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[3].startswith("lower: ")  # what the narrative expects
    assert cells[-2:] == ["no difference (Δ within ±300)", "no"]  # the model's answer, then agreement
    # at a finer scale the same difference is more than three agents: an effect, as expected
    text = findings([_table(-200.0, -250.0, -150.0)], scale=0.1)
    line = next(x for x in text.splitlines() if x.startswith("| `tw_retain_talent`"))
    assert line.rstrip(" |").endswith("| lower | yes")
    assert "Taiwanese professionals in the mainland: 30 persons" in text


def test_the_committed_findings_are_generated_from_the_committed_comparison():
    expected = findings([pd.read_csv(p) for p in CSVS], scale=default_scale())
    assert (STUDY / "findings.md").read_text(encoding="utf-8") == expected, (
        "experiments/policy_comparison/findings.md is stale: rerun python -m crossstrait_sim.study.findings "
        "(see experiments/policy_comparison/run.sh)"
    )


def test_the_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "findings.md"
    main([*map(str, CSVS), "--out", str(out), "--scale", "0.02"])
    assert "runs at scale 0.02" in out.read_text(encoding="utf-8") and "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*map(str, CSVS), "--out", str(out), "--scale", "0"])
