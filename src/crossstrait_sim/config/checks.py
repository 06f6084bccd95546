"""Checks that read the schema: unknown keys, and every value against its declared range.

Both walk the dataclasses of :mod:`crossstrait_sim.config.schema`; neither holds a list of keys or
ranges of its own. Errors are :class:`~crossstrait_sim.errors.ConfigError` with one line naming the
key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

from omegaconf import DictConfig

from crossstrait_sim.config.declare import Declaration, declaration, group_type, table_row_type
from crossstrait_sim.config.schema import SimConfig
from crossstrait_sim.errors import ConfigError


def check_range(key: str, value: Any, lo: float | None, hi: float | None, what: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite number in ``[lo, hi]`` (``None``: open)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(f"{key}={value!r}: must be a finite number ({what})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ConfigError(f"{key}={value!r}: must be in [{lo_s}, {hi_s}] ({what})")


def check_values(node: Any, key: str = "", decl: Declaration | None = None) -> None:
    """Check every value under ``node`` against the ``valid`` range declared for it in the schema.

    ``node`` is the typed config (or any part of it; ``key`` is its dotted path). Groups and table
    rows are walked field by field; a mapping-valued parameter (``population.professionals``) is
    checked key by key, and named in errors as ``population.professionals.CN`` (a list, index by
    index).
    """
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            check_values(getattr(node, f.name), f"{key}.{f.name}" if key else f.name, declaration(f))
    elif isinstance(node, dict):
        for k, v in node.items():
            check_values(v, f"{key}.{k}", decl)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_values(v, f"{key}.{i}", decl)
    elif decl is not None and decl.valid is not None:
        check_range(key, node, *decl.valid)


# ----------------------------------------------------------------------------
# Unknown-key check: Hydra accepts `+bogus=1` even with a structured schema.


def check_known_keys(cfg: Any, schema: type = SimConfig, path: str = "") -> None:
    """Raise :class:`ConfigError` for any key the schema does not declare."""
    if not isinstance(cfg, DictConfig):
        return
    allowed = {f.name for f in dataclasses.fields(schema)}
    hints = typing.get_type_hints(schema)
    for key in cfg.keys():
        full = f"{path}{key}"
        if key not in allowed:
            raise ConfigError(f"unknown config key '{full}': allowed keys here are {', '.join(sorted(allowed))}")
        node = cfg._get_node(key)
        if (sub := group_type(hints[key])) is not None:
            check_known_keys(node, sub, f"{full}.")
        elif (row := table_row_type(hints[key])) is not None and isinstance(node, DictConfig):
            for k2 in node.keys():
                check_known_keys(node._get_node(k2), row, f"{full}.{k2}.")
