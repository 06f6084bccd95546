"""One declaration per parameter: its range, unit, source and meaning, beside its type.

Every leaf of the schema in :mod:`crossstrait_sim.config.schema` is a dataclass field made by
:func:`param`, which stores a :class:`Declaration` in the field's metadata (OmegaConf ignores
metadata, so the dataclasses stay Hydra structured configs). Everything else reads it: the value
checks and their messages (:mod:`crossstrait_sim.config.checks`), the parameter table of
docs/ODD.md (:mod:`crossstrait_sim.config.paramdoc`), the test that holds the YAML comments
equal to it, and the uncertainty study, which samples every ``assumed`` parameter from its
plausible range.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from omegaconf import MISSING


class Bounds(NamedTuple):
    """The values a check accepts (``None``: unbounded), and how an error message names them."""

    lo: float | None
    hi: float | None
    what: str


SHARE = Bounds(0.0, 1.0, "a share")
NONNEG = Bounds(0.0, None, "non-negative")
POS = Bounds(1e-12, None, "positive")
ANY = Bounds(None, None, "any real number")
GROWTH = Bounds(-0.5, 0.5, "a quarterly growth rate")


@dataclass(frozen=True, eq=False)
class Declaration:
    """What is known about one parameter.

    Attributes:
        unit: Unit of the value (``-`` for labels and names, ``bool`` for switches).
        source: Where the value comes from: a citation, ``assumed`` (with the reasoning), or ``-``
            for switches and settings that need none. For a column of a table (``sectors``,
            ``regions``) or a mapping documented key by key (``population.firms``), the source
            of every row unless ``rows`` names the row.
        meaning: What the parameter does in the model.
        valid: The values the model accepts (checked before any run); ``None``: no range check.
        plausible: For an ``assumed`` number, the range it plausibly lies in (each element, for a
            mapping or list), from which the uncertainty study samples it.
        plausible_factor: As ``plausible``, but as factors on the configured value, for tables whose
            rows differ in size (``population.firms``, ``sectors.<sector>.demand_usd_bn``).
        rows: Sources of the rows that cite something other than ``source`` (row name -> source).
    """

    unit: str
    source: str
    meaning: str
    valid: Bounds | None = None
    plausible: tuple[float, float] | None = None
    plausible_factor: tuple[float, float] | None = None
    rows: Mapping[str, str] = field(default_factory=dict)

    def row_source(self, row: str | None) -> str:
        """The declared source of one row (the column's source unless the row is named in ``rows``)."""
        return self.rows.get(row, self.source) if row is not None else self.source

    def is_assumed(self) -> bool:
        """Whether the value (or any row's value) is an assumption, not a citation or a setting."""
        return any("assumed" in s for s in (self.source, *self.rows.values()))


def param(
    default: Any = MISSING,
    *,
    unit: str,
    source: str,
    meaning: str,
    valid: Bounds | None = None,
    plausible: tuple[float, float] | None = None,
    plausible_factor: tuple[float, float] | None = None,
    rows: Mapping[str, str] | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A schema field declaring one parameter (``factory`` for a mutable default such as a list)."""
    decl = Declaration(unit, source, meaning, valid, plausible, plausible_factor, dict(rows or {}))
    meta = {"declaration": decl}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def declaration(f: dataclasses.Field) -> Declaration | None:
    """The declaration stored in a schema field, or ``None`` for a group of parameters."""
    return f.metadata.get("declaration")


def table_row_type(t: Any) -> type | None:
    """The row dataclass of a table type such as ``dict[str, SectorConfig]``, else ``None``."""
    if typing.get_origin(t) is dict:
        value = typing.get_args(t)[1]
        if dataclasses.is_dataclass(value):
            return value
    return None


def group_type(t: Any) -> type | None:
    """``t`` itself if it is a dataclass (a group of parameters), else ``None``."""
    return t if isinstance(t, type) and dataclasses.is_dataclass(t) else None


class Leaf(NamedTuple):
    """One declared parameter of the schema: ``key`` such as ``sectors.<sector>.demand_usd_bn``."""

    key: str
    path: tuple[str, ...]  # names from the root; a table's row is the placeholder ``<sector>``
    declaration: Declaration | None  # None only for a leaf someone forgot to declare (a test fails)


def leaves(schema: type, prefix: tuple[str, ...] = ()) -> Iterator[Leaf]:
    """Every leaf of ``schema`` in field order (a table's columns once, below a row placeholder)."""
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        t = hints[f.name]
        path = (*prefix, f.name)
        decl = declaration(f)
        if decl is None and (row := table_row_type(t)) is not None:
            yield from leaves(row, (*path, f"<{f.name.removesuffix('s')}>"))
        elif decl is None and (sub := group_type(t)) is not None:
            yield from leaves(sub, path)
        else:
            yield Leaf(".".join(path), path, decl)


def resolve(schema: type, key: str) -> tuple[Declaration, str | None] | None:
    """The declaration of a dotted config key, and the row it belongs to (``None`` if it is no row).

    The row is the table row of ``sectors.<row>.<column>`` and ``regions.<row>.<column>``, or the
    first key below a mapping-valued parameter (``population.firms.TW`` is row ``TW``). Returns
    ``None`` for a key the schema does not declare.
    """
    t: Any = schema
    row: str | None = None
    parts = key.split(".")
    for i, part in enumerate(parts):
        if (row_type := table_row_type(t)) is not None:
            t, row = row_type, part
            continue
        if group_type(t) is None:
            return None
        fields = {f.name: f for f in dataclasses.fields(t)}
        if part not in fields:
            return None
        decl = declaration(fields[part])
        if decl is not None:
            if row is None and i + 1 < len(parts):
                row = parts[i + 1]
            return decl, row
        t = typing.get_type_hints(t)[part]
    return None
