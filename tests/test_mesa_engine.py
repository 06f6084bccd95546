"""The Mesa engine is the same model as the vectorized core (issue 3).

The equivalence matrix runs every scenario in conf/scenario/ for seed 0, and the four scenarios
that together switch every instrument on (``MORE_SEEDS``) for seeds 1 and 2, at scale 0.001
(about 475 firm and 3,200 professional agents at the start), over the full horizon, with
both engines, and asserts that every indicator agrees within 1e-9 relative (1e-9 absolute
near zero), every discrete event (relocation, exit, entry, migration, retirement,
promotion, R&D centre) is identical, and every agent's final state agrees slot by slot.
Seed 0 runs by default; seeds 1 and 2 carry the ``slow`` marker. Runs are spread over the
machine's cores (two in CI).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from crossstrait_sim.config.compose import compose_config, conf_dir
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.errors import ConfigError
from crossstrait_sim.mesa_engine.equivalence import ABS_TOL, REL_TOL, Comparison, compare_engines
from crossstrait_sim.mesa_engine.model import MesaModel
from crossstrait_sim.runner import run

SCENARIOS = sorted(p.stem for p in Path(conf_dir(), "scenario").glob("*.yaml"))
# more seeds on the scenarios that together switch every instrument on (the mainland's, Taiwan's
# and the shocks'); every scenario is compared on seed 0
MORE_SEEDS = ["baseline", "history", "narrative", "tw_combined"]
SCALE = "scale=0.001"
SHORT = ["scale=0.001", "scenario=baseline", "start=2010Q1", "end=2016Q4", "output.summary_quarters=[2016Q4]"]


def _compare_all(seeds: list[int], scenarios: list[str]) -> dict[tuple[str, int], Comparison]:
    jobs = [(s, seed) for seed in seeds for s in scenarios]
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        results = pool.map(compare_engines, [[f"scenario={s}", f"seed={seed}", SCALE] for s, seed in jobs])
        return dict(zip(jobs, results, strict=True))


@pytest.fixture(scope="module")
def seed0() -> dict[tuple[str, int], Comparison]:
    return _compare_all([0], SCENARIOS)


@pytest.fixture(scope="module")
def seeds12() -> dict[tuple[str, int], Comparison]:
    return _compare_all([1, 2], MORE_SEEDS)


def _check(c: Comparison) -> None:
    assert 200 <= c.firms0 <= 1000 and 1000 <= c.professionals0 <= 10000, "not the small scale the test is for"
    assert c.events > 1000, "too few discrete events to compare"
    assert c.equal, c.report()
    assert not c.near_ties, f"decisions on a rounding edge (they agreed this time): {c.near_ties[:5]}"
    assert c.max_rel_diff <= REL_TOL


def test_every_scenario_found() -> None:
    # every scenario file is compared; the list is read from conf/scenario (a glob that found
    # nothing would make the parametrized tests vacuous)
    assert {"baseline", "narrative", "history", "tw_combined", "tw_attract_talent", "tw_cultivate_talent"} <= set(
        SCENARIOS
    )
    assert set(MORE_SEEDS) <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_engines_equal_seed0(seed0: dict, scenario: str) -> None:
    _check(seed0[(scenario, 0)])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scenario", MORE_SEEDS)
def test_engines_equal_more_seeds(seeds12: dict, scenario: str, seed: int) -> None:
    _check(seeds12[(scenario, seed)])


def test_engine_config() -> None:
    assert build_params(compose_config(["engine=mesa"])).engine == "mesa"
    assert build_params(compose_config([])).engine == "vectorized"
    with pytest.raises(ConfigError, match=r"engine\.name=.agents."):
        build_params(compose_config(["engine.name=agents"]))
    with pytest.raises(ConfigError, match="one thread"):
        build_params(compose_config(["engine=mesa", "engine.threads=2"]))


def test_run_dispatches_on_engine_and_tables_match() -> None:
    a = run(SHORT).table
    b = run([*SHORT, "engine=mesa"]).table
    assert list(a.columns) == list(b.columns)
    assert (a.dtypes == b.dtypes).all()
    assert a.drop(columns="value").equals(b.drop(columns="value"))
    diff = (a["value"] - b["value"]).abs()
    assert (diff <= np.maximum(ABS_TOL, REL_TOL * a["value"].abs())).all()


def test_activation_order_does_not_change_results() -> None:
    params = build_params(compose_config(SHORT))
    tables = []
    for seed in (1, 2):
        m = MesaModel(params)
        m.random.seed(seed)  # another order of agent activation in every shuffle_do
        tables.append(m.run().recorder.to_frame())
    assert tables[0].equals(tables[1])


def test_follow_one_agent() -> None:
    m = MesaModel(build_params(compose_config(SHORT)))
    firm = m.firm_slots[0]
    m.follow(firm)
    m.run()
    states = [h for h in firm.history if h[1] == "state"]
    assert states and states[0][0] == 0
    assert {"region", "size", "profit"} <= set(states[0][2])
