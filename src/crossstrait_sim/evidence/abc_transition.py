"""pyabc's Gaussian proposal kernel, drawn in blocks and restricted to the priors' box.

pyabc draws one proposal at a time (a weighted choice of a particle, a pandas row and a fresh
multivariate normal: about 0.3 ms) and then evaluates the prior to reject the proposals outside the
uniform priors' box (about 0.4 ms more). With the wide kernel the posterior fit uses
(``transition.scaling=4``) in 21 dimensions, fewer than 1 proposal in 1,000 lands inside the box in
the second generation (eighth session: about 3 in 10,000 measured on the first generation's
particles), so pyabc spent longer drawing proposals than simulating them.

:class:`BoxedMVNTransition` draws a block of proposals at once and drops those outside the box before
handing them out one by one. Each proposal handed out is a draw of the same kernel restricted to the
box, as pyabc's own rejection gives: restricting a density to a set divides it by one constant, so
the importance weights pyabc computes from :meth:`pdf` are unchanged after normalisation.
Imported only by the posterior fit (pyabc is not needed to run the model).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyabc
from pyabc.parameters import Parameter


class BoxedMVNTransition(pyabc.MultivariateNormalTransition):
    """:class:`pyabc.MultivariateNormalTransition` whose single proposals come from blocks, inside the box.

    Args:
        lower, upper: the box, by parameter name (the uniform priors' bounds, in the sampled units).
        scaling: as pyabc's (a factor on the kernel's covariance).
        block: proposals drawn per block.
    """

    def __init__(
        self, lower: Mapping[str, float], upper: Mapping[str, float], scaling: float = 1.0, block: int = 8192
    ) -> None:
        super().__init__(scaling=scaling)
        self.lower, self.upper, self.block = dict(lower), dict(upper), int(block)
        self._buffer: np.ndarray | None = None
        self._columns: list[str] = []
        self._next = 0

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the kernel to the last generation (pyabc's) and drop proposals of the previous kernel."""
        super().fit(X, w)
        self._buffer, self._next = None, 0  # a new generation: proposals from the new kernel only

    def inside(self, draws: pd.DataFrame) -> np.ndarray:
        """Rows of ``draws`` inside the box (bounds included, as the uniform priors' support)."""
        lo = np.array([self.lower[c] for c in draws.columns])
        hi = np.array([self.upper[c] for c in draws.columns])
        v = draws.to_numpy()
        return v[((v >= lo) & (v <= hi)).all(axis=1)]

    def rvs_single(self) -> Parameter:
        """One proposal inside the box: the next of the current block, drawing a new block when it is used up."""
        while self._buffer is None or self._next >= len(self._buffer):
            draws = self.rvs(size=self.block)
            self._columns = list(draws.columns)
            self._buffer, self._next = self.inside(draws), 0
        row = self._buffer[self._next]
        self._next += 1
        return Parameter(dict(zip(self._columns, row, strict=True)))
