"""Random streams: one ``numpy.random.Generator`` per mechanism, keyed stably, and per-firm draws.

Each stream is seeded by ``SeedSequence(seed, spawn_key=(key,))`` with a fixed
integer key per mechanism, so two scenarios run with the same seed draw the
same numbers for the same mechanism (common random numbers), and adding a new
stream never shifts the others.

Firms' draws are counter-based instead (:func:`keyed_uniforms`): a firm's uniform in a
quarter is a hash of the mechanism's key, the firm's identity (``Firms.uid``) and the
quarter, so it does not depend on the firm's slot, on how many other firms there are, or
on what happened in other sectors. Entry counts are drawn the same way per cell
(sector, region, origin), and an entrant's identity is its cell, quarter and rank in the
cell, so a policy that touches one sector leaves the other sectors' draws unchanged.
"""

from __future__ import annotations

import numpy as np

from crossstrait_sim.model import fast

STREAM_KEYS: dict[str, int] = {
    "init_firms": 0,
    "init_professionals": 1,
    "inspection": 2,
    "firm_location": 3,
    # key 4 (R&D centres opening and closing) is retired: a firm agent's centre share moves at its
    # expected rate, without draws
    "firm_entry": 5,
    "firm_entry_attrs": 6,
    "prof_choice": 7,
    # key 8 (a separate demography stream) is retired: demography shares the prof_choice uniform
    "prof_entry": 9,
    "prof_entry_attrs": 10,
    "firm_shock": 11,
    "mesa_activation": 12,  # order in which the Mesa engine activates agents (never changes results)
}


FIRM_KEYS: dict[str, int] = {
    "inspection": 2,
    "firm_location": 3,
    "firm_entry": 5,
    "firm_shock": 11,
    "entrant_size": 13,
    "entrant_capability": 14,
    "entrant_pilot": 15,  # the entrant's zone of CN (and so its pilot status)
    "area_order": 16,  # whether a plant is named in an area production-limit order (fixed per plant)
}
"""Mechanisms whose draws are keyed by firm (or cell) identity and quarter, not by slot."""

_M1, _M2, _GOLD = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)
ENTRANT_BIT = np.uint64(1) << np.uint64(62)


def firm_keys(seed: int) -> dict[str, np.uint64]:
    """One 64-bit key per firm mechanism, derived from ``seed`` like the streams."""
    return {
        name: np.random.SeedSequence(seed, spawn_key=(1000 + key,)).generate_state(1, np.uint64)[0]
        for name, key in FIRM_KEYS.items()
    }


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 with good avalanche (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def keyed_uniforms(key: np.uint64, ids: np.ndarray, t: int) -> np.ndarray:
    """Uniforms on [0, 1), one per id, that depend only on (key, id, quarter ``t``)."""
    ids = np.asarray(ids, dtype=np.uint64)
    if fast.use(ids.size, small=True):
        return fast.keyed_uniforms(np.uint64(key), ids, np.uint64(t + 1))
    with np.errstate(over="ignore"):
        z = _mix(ids * _GOLD + np.uint64(key)) ^ _mix(np.uint64(t + 1) * _M2 + np.uint64(key))
        z = _mix(z + _GOLD)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def entrant_uids(t: int, cells: np.ndarray, counts_by_cell: np.ndarray) -> np.ndarray:
    """Identities of this quarter's entrants: (entrant bit, quarter, cell, rank within the cell).

    ``cells`` lists each entrant's cell in cell order (``np.repeat(cell index, counts)``).
    """
    starts = np.cumsum(counts_by_cell) - counts_by_cell
    rank = np.arange(len(cells), dtype=np.int64) - starts[cells]
    return (
        ENTRANT_BIT
        | (np.uint64(t) << np.uint64(40))
        | (cells.astype(np.uint64) << np.uint64(20))
        | rank.astype(np.uint64)
    )


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per mechanism, all derived from ``seed``."""
    return {
        name: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
        for name, key in STREAM_KEYS.items()
    }
