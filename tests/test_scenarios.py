"""Every scenario composes and runs; policy responses, seed by seed.

Scenarios run with the same seeds share their random draws wherever they do the
same thing (common random numbers), so differences are compared seed by seed.

Each test's docstring says what would make it fail. The sign tests check that a lever's
direct effect survives the whole model (wages, employment chances, firms' hiring and
location all feed back); where the sign is imposed outright (the export controls' cut, the
enforcement exits that the baseline cannot have) a test checks a size the model decides instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossstrait_sim import run
from crossstrait_sim.config.parameters import CN_O, TW_O, policy_events
from crossstrait_sim.config.quarters import quarter_ordinal
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.model.vectorized import VectorizedModel
from tests.conftest import SCENARIOS, make_params

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def tables() -> dict[tuple[str, int], pd.DataFrame]:
    return {(sc, seed): run([f"scenario={sc}", f"seed={seed}"]).table for sc in SCENARIOS for seed in SEEDS}


def value(df: pd.DataFrame, indicator: str, quarter: str | None = None, **dims: str) -> float:
    sel = df.indicator == indicator
    for d in ("sector", "region", "origin"):
        sel &= df[d] == dims.get(d, "all")
    if quarter is not None:
        sel &= df.quarter == quarter
    return float(df.loc[sel, "value"].sum())


def paired(tables, a: str, b: str, f) -> np.ndarray:
    """f(table of a) - f(table of b), seed by seed."""
    return np.array([f(tables[(a, s)]) - f(tables[(b, s)]) for s in SEEDS])


def firms_tw_in(df: pd.DataFrame, region: str, quarter: str) -> float:
    sel = (df.indicator == "firms") & (df.region == region) & (df.origin == "TW") & (df.sector != "all")
    return float(df.loc[sel & (df.quarter == quarter), "value"].sum())


def test_every_scenario_runs_and_labels_its_rows(tables):
    """Could fail if a scenario does not compose or run, or mislabels its rows."""
    for (sc, seed), df in tables.items():
        assert set(df.scenario.unique()) == {sc}
        assert set(df.seed.unique()) == {seed}
        assert df.quarter.iloc[0] >= "2010Q1" and df.quarter.max() == "2030Q4"
        assert np.isfinite(df.value).all()


def test_scenarios_agree_before_any_policy_differs(tables):
    """Until 2015Q1 (before MIC2025) every scenario is the same model, to the last bit.

    Could fail if a scenario's draws depend on a policy before it starts (common random numbers).
    """
    a, b = tables[("baseline", 0)], tables[("tw_combined", 0)]
    early = lambda df: df[df.quarter <= "2015Q1"].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_series_equal(early(a).value, early(b).value)


def test_measures31_pulls_more_talent_to_the_mainland_than_baseline(tables):
    """Could fail if the measures' utility for working in CN did not reach the choice, or lower
    mainland wages and employment chances (more Taiwanese competing there) outweighed it."""
    d = paired(tables, "measures31", "baseline", lambda df: value(df, "talent_in_cn", "2025Q4"))
    assert (d > 0).all(), d


def test_retaining_talent_keeps_more_in_taiwan_than_the_narrative(tables):
    """Could fail if the retention terms did not reach the choice, or lower wages in TW (more
    professionals staying) outweighed them."""
    d = paired(tables, "tw_retain_talent", "narrative", lambda df: value(df, "talent_in_cn", "2025Q4"))
    assert (d < 0).all(), d


def _exits_by_quarter(df: pd.DataFrame) -> pd.Series:
    sel = (df.indicator == "exits_enforcement") & (df.sector == "all") & (df.region == "all")
    return df[sel].set_index("quarter").value


def test_enforcement_exits_come_as_a_wave_that_fades_as_plants_abate(tables):
    """Shutdown exits of ``enforcement`` minus ``baseline``, seed by seed, over time.

    The baseline has next to no shutdowns by construction (every plant aims at 95% of the
    emission limit at its enforcement level; only a firm that moves in from a laxer region can
    breach), so "more exits than the baseline" would decide nothing.
    What the model decides is how the exits run: strict enforcement puts the polluting plants
    in CN in breach at its start, plants then raise abatement toward the stricter limit
    (``adjust_speed`` a quarter) and entrants come in compliant, so the shutdowns should come
    as a wave after the start and fade.

    Could fail if: there are exits before the start (a leak of the policy or of its draws);
    no wave; or exits persist (plants or entrants do not adapt to the limit, or movers into
    CN stay in breach): at least 90% of them must fall within five years of the start.
    """
    start = make_params("scenario=enforcement").policy.enforcement.start
    five_years = f"{int(start[:4]) + 5}{start[4:]}"
    for seed in SEEDS:
        d = _exits_by_quarter(tables[("enforcement", seed)]) - _exits_by_quarter(tables[("baseline", seed)])
        assert (d[d.index < start] == 0).all(), (seed, d[(d.index < start) & (d != 0)])
        total, early = d.sum(), d[(d.index >= start) & (d.index < five_years)].sum()
        assert total > 0 and early >= 0.9 * total, (seed, early, total)


def test_rd_hub_brings_more_foreign_rd_centres(tables):
    """Could fail if the incentive did not reach the opening odds, or the centres' staff drained
    Taiwan's skilled pool (which lowers the odds) enough to outweigh it."""
    d = paired(tables, "tw_rd_hub", "narrative", lambda df: value(df, "rd_centres_tw", "2025Q4"))
    assert (d > 0).all(), d


def test_new_southbound_brings_more_taiwanese_firms_to_sea(tables):
    """Could fail if access, support and the cheaper move did not reach Taiwanese firms' choices
    in SEA, or more Taiwanese competition there drove enough of them out again."""
    d = paired(tables, "tw_new_southbound", "narrative", lambda df: firms_tw_in(df, "SEA", "2025Q4"))
    assert (d > 0).all(), d


def _semiconductor_capability(*overrides: str):
    """Capacity-weighted mean log capability of TW- and CN-origin semiconductor firms, (T, 2).

    Taken at the start of each quarter, from the firms alive then: what the ``capability_gap``
    indicator subtracts.
    """
    p = make_params(*overrides)
    m = VectorizedModel(p)
    s = p.sectors.index("semiconductors")
    out = np.zeros((p.n_quarters, 2))
    for t in range(p.n_quarters):
        f = m.firms
        for j, o in enumerate((TW_O, CN_O)):
            sel = f.alive & (f.sector == s) & (f.origin == o)
            w = f.weight[sel] * f.size[sel]
            out[t, j] = (w * f.log_cap[sel]).sum() / w.sum()
        m.step()
    return p, out


def test_export_controls_widen_the_semiconductor_gap_by_at_most_their_direct_cut():
    """The semiconductor gap with export controls against the narrative without, by 2030Q4.

    That the gap widens is imposed: the controls cut CN-origin firms' capability growth by a
    share. Its size is what the model decides. Without feedback, a cut ``cut_t`` of the
    narrative's growth ``g_t`` of CN firms' mean log capability widens the gap by
    ``direct = sum_t cut_t g_t``; catch-up toward the frontier (``catch_up`` of the gap a
    quarter, itself cut) then closes part of it: ``D_t+1 = D_t (1 - catch_up (1 - cut_t)) +
    cut_t g_t`` (the form of ``kernels.capability_growth``). The model's answer also carries
    what the cut does to the firms themselves: CN firms fall behind, lose market share and
    shrink, and the weaker ones leave, which moves the capacity-weighted means.

    Could fail if: the gap effect exceeds the direct cut (something amplifies it: the cut
    reaching firms it should not, or selection that drags CN firms' mean down further), or
    falls below half of the size implied by cut and catch-up (selection, catch-up or entry
    undo most of it). When this was written the model's effect was 0.85 of the implied
    size and 0.79 of the direct cut (seeds 0-1, 2030Q4).
    """
    ratios = []
    for seed in SEEDS:
        p, nar = _semiconductor_capability("scenario=narrative", f"seed={seed}")
        pe, ec = _semiconductor_capability("scenario=narrative", "shocks=[export_controls]", f"seed={seed}")
        assert pe.policy.export_controls.enabled and not p.policy.export_controls.enabled
        cut, c = pe.schedule.export_cut, pe.behaviour.capability.catch_up
        first = quarter_ordinal(pe.policy.export_controls.start) - quarter_ordinal(pe.quarters[0])
        g = np.diff(nar[:, 1])  # growth of CN firms' mean log capability, quarter t to t + 1
        implied = 0.0
        for t in range(len(g)):
            implied = implied * (1.0 - c * (1.0 - cut[t])) + cut[t] * g[t]
        direct = float((cut[:-1] * g).sum())
        effect = float((ec[-1, 0] - ec[-1, 1]) - (nar[-1, 0] - nar[-1, 1]))
        assert np.allclose(ec[: first + 1], nar[: first + 1]), seed  # nothing differs before the controls
        assert 0 < implied <= direct, (seed, implied, direct)
        assert 0.5 * implied <= effect <= direct, (seed, effect, implied, direct)
        ratios.append((round(effect / float(implied), 3), round(effect / direct, 3)))
    print(f"export controls: gap effect / implied size, / direct cut, by seed: {ratios}")


def test_history_ends_in_2019_with_the_pandemic_never_reached():
    """An instrument dated after the run's end never acts: history to 2019Q4 (the calibration's model) runs,
    and equals the same run with the pandemic switched off; one starting before the run's start is still refused.
    Fails if a later instrument leaks into earlier quarters, or if the horizon check stops refusing early starts."""
    short = ["scenario=history", "end=2019Q4", "scale=0.004", "output.summary_quarters=[2019Q4]"]
    a = run(short)
    b = run([*short, "policy.pandemic.enabled=false"])
    assert a.table["quarter"].astype(str).max() == "2019Q4"
    pd.testing.assert_frame_equal(a.table, b.table)
    assert "Pandemic" not in " ".join(label for _, label in policy_events(a.params))
    with pytest.raises(ConfigError, match=r"policy\.tariffs\.start='2009Q4': must lie inside the horizon"):
        run([*short, "policy.tariffs.start=2009Q4"])
