"""Random streams: one ``numpy.random.Generator`` per mechanism, keyed stably.

Each stream is seeded by ``SeedSequence(seed, spawn_key=(key,))`` with a fixed
integer key per mechanism, so two scenarios run with the same seed draw the
same numbers for the same mechanism (common random numbers), and adding a new
stream never shifts the others.
"""

from __future__ import annotations

import numpy as np

STREAM_KEYS: dict[str, int] = {
    "init_firms": 0,
    "init_professionals": 1,
    "inspection": 2,
    "firm_location": 3,
    "rd_centres": 4,
    "firm_entry": 5,
    "firm_entry_attrs": 6,
    "prof_choice": 7,
    # key 8 (a separate demography stream) is retired: demography shares the prof_choice uniform
    "prof_entry": 9,
    "prof_entry_attrs": 10,
    "firm_shock": 11,
    "mesa_activation": 12,  # order in which the Mesa engine activates agents (never changes results)
}


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per mechanism, all derived from ``seed``."""
    return {
        name: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
        for name, key in STREAM_KEYS.items()
    }
