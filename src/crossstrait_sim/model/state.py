"""Agent state as struct-of-arrays: each attribute declared once, with its dtype.

Slots: arrays are allocated with head-room; an agent that exits frees its slot
(``alive`` False) and an entrant takes the lowest free slot. A firm's random draws
are keyed by its identity ``uid`` and the quarter (``streams.keyed_uniforms``), not by
its slot, so they are the same in every scenario run with the same seed (common random
numbers) wherever the firm exists. Professionals' draws are made per slot for the whole
array each quarter (their slots are freed and filled by demography only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


def _f(dtype: type, doc: str) -> object:
    return field(metadata={"dtype": dtype, "doc": doc})


@dataclass
class AgentArrays:
    """Base: allocation, growth and free-slot search for a struct of arrays."""

    @classmethod
    def allocate(cls, n: int) -> AgentArrays:
        """Zeroed arrays of length ``n`` for every declared attribute."""
        return cls(**{f.name: np.zeros(n, dtype=f.metadata["dtype"]) for f in fields(cls)})

    @property
    def capacity(self) -> int:
        """Number of slots."""
        return len(self.alive)  # type: ignore[attr-defined]

    def grow(self, extra: int) -> None:
        """Append ``extra`` empty slots (rare; breaks common random numbers from then on)."""
        for f in fields(self):
            arr = getattr(self, f.name)
            setattr(self, f.name, np.concatenate([arr, np.zeros(extra, dtype=arr.dtype)]))

    def free_slots(self, k: int) -> np.ndarray:
        """Indices of the ``k`` lowest free slots, growing the arrays if needed."""
        free = np.flatnonzero(~self.alive)  # type: ignore[attr-defined]
        if len(free) < k:
            self.grow(max(k - len(free), self.capacity // 4))
            free = np.flatnonzero(~self.alive)  # type: ignore[attr-defined]
        return free[:k]


@dataclass
class Firms(AgentArrays):
    """Firms (MODEL_BRIEF "Agents"). One slot per agent; an agent stands for ``weight`` real firms."""

    alive: np.ndarray = _f(np.bool_, "slot holds a live firm")
    uid: np.ndarray = _f(np.uint64, "identity keying the firm's draws: initial 1..n; entrant (quarter, cell, rank)")
    origin: np.ndarray = _f(np.int8, "0 TW, 1 CN, 2 FOREIGN")
    region: np.ndarray = _f(np.int8, "index into the region table")
    sector: np.ndarray = _f(np.int8, "index into the sector table")
    weight: np.ndarray = _f(np.float64, "real firms per agent")
    size: np.ndarray = _f(np.float64, "capacity, USD m revenue per quarter at average competitiveness")
    log_cap: np.ndarray = _f(np.float64, "log capability (technology level)")
    abatement: np.ndarray = _f(np.float64, "share of pollution abated, 0-1")
    automation: np.ndarray = _f(np.float64, "automation level, 0-1")
    pilot: np.ndarray = _f(np.bool_, "site in a MIC2025 pilot city or cluster (zone in policy.mic2025.pilot_zones)")
    zone: np.ndarray = _f(np.int8, "zone of a CN site (row of population.cn_zones, then other); -1 outside CN")
    limit_left: np.ndarray = _f(np.int8, "quarters left of a production-limit order (0: none)")
    age: np.ndarray = _f(np.int32, "quarters since entry")
    loss_streak: np.ndarray = _f(np.int16, "consecutive loss quarters")
    rd_centre: np.ndarray = _f(
        np.float64, "share of the agent's real firms (foreign) that run an R&D centre in Taiwan, 0-1"
    )


@dataclass
class Professionals(AgentArrays):
    """Taiwanese skilled workers. Every agent stands for the same number of real people."""

    alive: np.ndarray = _f(np.bool_, "slot holds a working professional")
    sector: np.ndarray = _f(np.int8, "sector of skill")
    region: np.ndarray = _f(np.int8, "region of work")
    stage: np.ndarray = _f(np.int8, "career stage: 0 early, 1 mid, 2 senior")


def declared_state(cls: type[AgentArrays]) -> tuple[str, ...]:
    """An agent type's declared attributes, without the slot's ``alive`` flag."""
    return tuple(f.name for f in fields(cls) if f.name != "alive")


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer ``total`` in proportion to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(w.shape, dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    rem = total - base.sum()
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rem]] += 1
    return base
