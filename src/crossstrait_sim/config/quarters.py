"""Quarters: labels like ``2018Q1`` and their integer indices on the horizon."""

from __future__ import annotations

import re

from crossstrait_sim.errors import ConfigError

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_ordinal(label: str, key: str = "quarter") -> int:
    """Return ``4 * year + (q - 1)`` for a label like ``2018Q1``.

    Raises:
        ConfigError: the label is not of the form YYYYQn, naming ``key``.
    """
    m = _QUARTER.match(str(label))
    if m is None:
        raise ConfigError(f"{key}={label!r}: expected a quarter like '2018Q1' (YYYYQ1-YYYYQ4)")
    return 4 * int(m.group(1)) + int(m.group(2)) - 1


def quarter_label(ordinal: int) -> str:
    """Inverse of :func:`quarter_ordinal`."""
    return f"{ordinal // 4}Q{ordinal % 4 + 1}"


def quarter_range(start: str, end: str) -> list[str]:
    """Every quarter label from ``start`` to ``end`` inclusive."""
    a, b = quarter_ordinal(start, "start"), quarter_ordinal(end, "end")
    if b < a:
        raise ConfigError(f"end={end!r} is before start={start!r}: the horizon must be at least one quarter")
    return [quarter_label(o) for o in range(a, b + 1)]
