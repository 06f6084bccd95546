"""The compiled kernels (model/fast.py) give the numpy path's results to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.model import fast
from crossstrait_sim.model import kernels as K
from crossstrait_sim.model.state import Firms, Professionals, declared_state
from crossstrait_sim.model.streams import keyed_uniforms
from crossstrait_sim.model.vectorized import VectorizedModel


def _run(overrides: list[str], enabled: bool) -> VectorizedModel:
    old = fast.ENABLED, fast.MIN_SIZE
    fast.ENABLED, fast.MIN_SIZE = enabled, 0  # every call compiled, however small (or none)
    try:
        return VectorizedModel(build_params(compose_config(overrides)), log_events=True).run()
    finally:
        fast.ENABLED, fast.MIN_SIZE = old


@pytest.mark.parametrize(
    "overrides",
    [
        ["scale=0.002", "engine.threads=1"],
        ["scenario=history", "seed=3", "scale=0.002", "engine.threads=2"],
        ["scenario=narrative", "seed=1", "scale=0.001", "engine.threads=1"],
    ],
)
def test_runs_with_and_without_kernels_are_bit_identical(overrides: list[str]) -> None:
    a, b = _run(overrides, False), _run(overrides, True)
    for name, arr in a.recorder.data.items():
        assert np.array_equal(arr, b.recorder.data[name]), name
    for agents, cls in ((("firms"), Firms), (("prof"), Professionals)):
        for attr in ("alive", *declared_state(cls)):
            assert np.array_equal(getattr(getattr(a, agents), attr), getattr(getattr(b, agents), attr)), attr
    assert _events(a) == _events(b)  # as sets: with engine.threads=2 the two threads log in either order


def _events(m: VectorizedModel) -> list[tuple[int, str, int, int]]:
    assert m.events is not None
    return sorted((t, k, int(s), int(d)) for t, k, slots, det in m.events for s, d in zip(slots, det, strict=True))


def test_group_sum_and_keyed_uniforms_match_numpy() -> None:
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 9, 1000)
    val = rng.normal(size=1000) * 1e6
    assert np.array_equal(fast.group_sum(idx, val, 7), np.bincount(idx, weights=val, minlength=7)[:7])
    assert np.array_equal(fast.group_count(idx, 12), np.bincount(idx, minlength=12))
    ids = rng.integers(0, 2**63, 500).astype(np.uint64)
    old = fast.ENABLED, fast.MIN_SIZE
    try:
        fast.ENABLED, fast.MIN_SIZE = False, 0
        ref = keyed_uniforms(np.uint64(123456789), ids, 17), K.group_sum(idx, val, 7)
        fast.ENABLED = True
        new = keyed_uniforms(np.uint64(123456789), ids, 17), K.group_sum(idx, val, 7)
    finally:
        fast.ENABLED, fast.MIN_SIZE = old
    assert np.array_equal(ref[0], new[0]) and np.array_equal(ref[1], new[1])
    with pytest.raises(ValueError, match="negative"):
        fast.group_sum(np.array([0, -1]), np.ones(2), 3)
    # several sums over one index in one pass: each the bincount of its column, to the last bit
    cols = (val, val[::-1].copy(), rng.random(1000))
    ref_many = np.stack([np.bincount(idx, weights=v, minlength=7)[:7] for v in cols])
    assert np.array_equal(fast.group_sums(idx, cols, 7), ref_many)
    with pytest.raises(ValueError, match="negative"):
        fast.group_sums(np.array([0, -1]), (np.ones(2),), 3)


def test_numba_is_imported_only_when_a_kernel_runs() -> None:
    import subprocess
    import sys

    code = (
        "import sys;from crossstrait_sim.model import fast;"
        "from crossstrait_sim.model.vectorized import VectorizedModel;"
        "assert 'numba' not in sys.modules;fast.group_sum;assert 'numba' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_poisson_ppf_equals_scipy() -> None:
    """The entry counts' inverse CDF gives scipy's numbers bit for bit, edge cases included."""
    from scipy import stats

    from crossstrait_sim.model.tables import poisson_ppf

    rng = np.random.default_rng(3)
    q = np.concatenate([rng.random(20_000), [0.0, 1.0, 0.5, 1e-300, 1 - 1e-16, 0.3, 0.7, 0.0]])
    mu = np.concatenate([rng.lognormal(0.0, 3.0, 20_000), [2.0, 2.0, 0.0, 1e-6, 1e4, -1.0, np.nan, 0.0]])
    ours, theirs = poisson_ppf(q, mu), stats.poisson.ppf(q, mu)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)  # nan == nan here; -1 at q=0, inf at q=1
    grid = poisson_ppf(rng.random((7, 5)), 3.0)  # broadcasting as scipy does
    assert grid.shape == (7, 5) and np.all(grid >= 0)
