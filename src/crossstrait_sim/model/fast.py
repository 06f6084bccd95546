"""Compiled kernels (numba) for the hot loops of the vectorized core (issue 12), used on large arrays.

Each kernel (in :mod:`crossstrait_sim.model.fast_kernels`) replaces a chain of whole-array numpy calls
inside a phase by one loop over the agents, and gives the same numbers as the numpy code it replaces,
to the last bit:

- only exact operations run compiled (+, -, *, /, comparisons, integer hashing), each in the order
  the numpy expression evaluates it; the transcendental functions (exp, log, power) stay in numpy,
  whose SIMD implementations round differently from numba's libm calls in about 1 value in 20;
- sums run in agent order, like ``np.bincount(index, weights)``; no loop is parallel, so the result
  does not depend on the number of threads (``nogil=True`` lets ``engine.threads=2`` run the
  professionals' phase beside the firms' phases, as it did with numpy).

Since both paths give the same numbers, each call picks one by the size of its arrays
(:func:`use`): below ``MIN_SIZE`` elements numpy's per-call cost is as small as a kernel's. numba is
imported, and the cached kernels loaded (0.3-1 s), only when a process first runs a kernel, so the
processes that never simulate (the CLI's multirun parent, the app, compare) do not pay for it.

Compiled code is cached on disk (``cache=True``: in ``__pycache__`` next to the kernels' file, or
in ``NUMBA_CACHE_DIR`` / the user's cache folder where that is not writable); the first process
after an install compiles for a few seconds (``benchmarks/bench_throughput.py compile``).

``tests/test_fast.py`` holds runs with the kernels equal to runs without, bit for bit.
"""

from __future__ import annotations

import os
from typing import Any

ENABLED = os.environ.get("CROSSSTRAIT_SIM_NUMBA", "1") != "0"
"""Use the compiled kernels; ``False`` (or ``CROSSSTRAIT_SIM_NUMBA=0`` in the environment, which a sweep's
worker processes inherit) runs the numpy code they replace: the same results, for tests and benchmarks."""

MIN_SIZE = 1_000
"""Arrays shorter than this run in numpy (at the default scale, about 5k firms, the kernels save 10%)."""


_loaded = False
"""Whether this process has loaded the kernels (numba imported)."""


def use(n: int, small: bool = False) -> bool:
    """Whether a call on ``n`` agents runs compiled.

    ``small``: a kernel whose call costs less than numpy's even on a few elements (the keyed hash, the
    group sums) runs compiled at any size once this process has loaded the kernels for a large call.
    """
    return ENABLED and (n >= MIN_SIZE or (small and _loaded))


def __getattr__(name: str) -> Any:
    """The kernels, imported (with numba) when first asked for."""
    global _loaded
    from crossstrait_sim.model import fast_kernels

    _loaded = True
    try:
        kernel = getattr(fast_kernels, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = kernel  # later lookups find it directly (this hook cost 2 us a call, 30 calls a quarter)
    return kernel
