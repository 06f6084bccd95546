"""The posterior fit's proposal kernel (``evidence.abc_transition``): pyabc's, restricted to the box."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc

from crossstrait_sim.evidence.abc_transition import BoxedMVNTransition


def _particles(lo: float, hi: float, n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    return pd.DataFrame(rng.uniform(lo, hi, (n, 3)), columns=list("abc")), np.full(n, 1.0 / n)


def test_proposals_are_pyabcs_kernel_restricted_to_the_box():
    """Every proposal lies in the box, and their distribution is pyabc's kernel with the rest rejected.

    The wide kernel (scaling 4) puts about half of pyabc's own draws outside the unit box here; the
    comparison is of means and sds against 200,000 of pyabc's draws restricted to the box (5 SE).
    """
    X, w = _particles(0.0, 1.0)
    box = BoxedMVNTransition({c: 0.0 for c in "abc"}, {c: 1.0 for c in "abc"}, scaling=4.0, block=4096)
    box.fit(X, w)
    ref = pyabc.MultivariateNormalTransition(scaling=4.0)
    ref.fit(X, w)
    np.random.seed(0)  # noqa: NPY002 (pyabc draws from the legacy global state)
    mine = np.array([list(box.rvs().values()) for _ in range(20_000)])
    theirs = ref.rvs(size=200_000).to_numpy()
    kept = theirs[((theirs >= 0.0) & (theirs <= 1.0)).all(axis=1)]
    assert 0.2 < len(kept) / len(theirs) < 0.8  # the box binds
    assert mine.min() >= 0.0 and mine.max() <= 1.0
    se = kept.std(axis=0) / np.sqrt(len(mine))
    assert np.all(np.abs(mine.mean(axis=0) - kept.mean(axis=0)) < 5 * se)
    assert np.all(np.abs(mine.std(axis=0) / kept.std(axis=0) - 1.0) < 0.03)
    # the density pyabc's importance weights use is the kernel's own
    theta = pd.Series({"a": 0.5, "b": 0.5, "c": 0.5})
    assert box.pdf(theta) == ref.pdf(theta)


def test_a_new_fit_drops_the_old_kernels_proposals():
    """After ``fit`` to a new generation, no proposal comes from the previous kernel's block."""
    box = BoxedMVNTransition({c: 0.0 for c in "abc"}, {c: 20.0 for c in "abc"}, scaling=1.0, block=4096)
    box.fit(*_particles(0.0, 1.0))
    np.random.seed(0)  # noqa: NPY002 (pyabc draws from the legacy global state)
    first = [box.rvs() for _ in range(10)]  # leaves most of a block unused
    assert max(max(p.values()) for p in first) < 5.0
    box.fit(*_particles(10.0, 11.0))
    later = np.array([list(box.rvs().values()) for _ in range(1000)])
    assert later.min() > 5.0
