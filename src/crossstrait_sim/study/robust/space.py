"""The uncertainty space of the robustness study: what we do not know, as columns of a unit hypercube.

Three kinds of uncertainty (issue 11):

* **calibrated parameters**: the posterior draws (``evidence/data/posterior/draws.csv``, one column per
  free parameter named by its dotted config key, plus ``weight``) when they exist, taken whole (one
  column of the hypercube picks a draw, so their correlations are kept); otherwise the prior box of
  ``conf/calibrate/default.yaml`` (``free:``, lower/upper/scale), each parameter on its own;
* **assumed parameters**: every parameter whose declaration says ``assumed`` and gives a ``plausible``
  range (absolute) or ``plausible_factor`` (on the configured value), element by element for tables
  and mappings; rows whose own source is not an assumption are left at their value;
* **structural alternatives**: named options, each a set of overrides (e.g. catch-up off).

A row ``u`` of the hypercube becomes config overrides (:meth:`Space.overrides`) and a record of the
future's values for the experiments table (:meth:`Space.record`).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.config.declare import Declaration, leaves
from crossstrait_sim.config.schema import SimConfig

DRAW = "posterior.draw"  # the column that picks a posterior draw
WEIGHT = "weight"


@dataclass(frozen=True)
class Uncertainty:
    """One column of the hypercube.

    Attributes:
        name: the dotted config key it sets (``structure.<name>`` or :data:`DRAW` for the others).
        group: the factor group of the sensitivity analysis.
        kind: ``real``, ``int``, ``choice`` (a structural alternative) or ``draw`` (a posterior draw).
        lower, upper: the range (``choice``, ``draw``: unused).
        log: sampled uniformly in the logarithm.
        source: where the range comes from (``plausible``, ``plausible_factor``, ``prior box``, ...).
        choices: the options of a ``choice``, each a mapping of overrides.
        valid: the bounds the declaration accepts; a value outside is clipped into them.
    """

    name: str
    group: str
    kind: str
    lower: float = 0.0
    upper: float = 1.0
    log: bool = False
    source: str = ""
    choices: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    valid: tuple[float | None, float | None] = (None, None)

    def value(self, u: float) -> Any:
        """The value at the unit coordinate ``u`` (a choice's label, or a draw's row position)."""
        if self.kind == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)][0]
        if self.log:
            x = math.exp(math.log(self.lower) + u * (math.log(self.upper) - math.log(self.lower)))
        else:
            x = self.lower + u * (self.upper - self.lower)
        lo, hi = self.valid
        x = max(x, lo) if lo is not None else x
        x = min(x, hi) if hi is not None else x
        return round(x) if self.kind == "int" else float(x)


@dataclass
class Space:
    """The hypercube's columns and how a row becomes a future."""

    factors: list[Uncertainty]
    draws: pd.DataFrame | None = None  # posterior draws, ordered along their first principal component
    cdf: np.ndarray | None = None  # cumulative weights of the ordered draws
    notes: list[str] = field(default_factory=list)
    normalise: dict[str, float] = field(default_factory=dict)  # key pattern (``*`` a table row) -> required sum

    @property
    def names(self) -> list[str]:
        """The columns, in order."""
        return [f.name for f in self.factors]

    @property
    def groups(self) -> list[str]:
        """Each column's factor group."""
        return [f.group for f in self.factors]

    def record(self, u: Sequence[float]) -> dict[str, Any]:
        """The future's values: one entry per column (a posterior draw adds its parameters' values)."""
        out: dict[str, Any] = {}
        for f, x in zip(self.factors, u, strict=True):
            if f.kind == "draw":
                assert self.draws is not None and self.cdf is not None
                i = min(int(np.searchsorted(self.cdf, x, side="right")), len(self.cdf) - 1)
                row = self.draws.iloc[i]
                out[DRAW] = int(row.name)  # the draw's row number in draws.csv
                out.update({k: float(row[k]) for k in self.draws.columns if k != WEIGHT})
            else:
                out[f.name] = f.value(float(x))
        for pattern, total in self.normalise.items():  # shares that must sum to a total: rescaled together
            keys = [k for k in out if fnmatch.fnmatchcase(k, pattern)]
            s = sum(float(out[k]) for k in keys)
            if keys and s > 0:
                out.update({k: float(out[k]) * total / s for k in keys})
        return out

    def overrides(self, u: Sequence[float]) -> dict[str, Any]:
        """The config values of the future at ``u`` (structural options applied last)."""
        rec = self.record(u)
        vals = {k: v for k, v in rec.items() if k != DRAW and not k.startswith("structure.")}
        for f in self.factors:
            if f.kind == "choice":
                vals.update(dict(dict(f.choices)[rec[f.name]]))
        return vals


def group_of(key: str, depth: Mapping[str, int]) -> str:
    """The factor group of a key: its first ``depth[top]`` parts, table rows left out."""
    parts = [p for p in key.split(".") if not p.startswith("<")]
    return ".".join(parts[: int(depth.get(parts[0], depth.get("default", 2)))])


def _concrete(cfg: DictConfig, path: tuple[str, ...]) -> Iterator[tuple[str, str | None, Any]]:
    """(dotted key, row, value) of every number at ``path`` (table placeholders and mappings expanded)."""

    def walk(node: Any, parts: tuple[str, ...], done: list[str], row: str | None) -> Iterator[tuple]:
        if not parts:
            if isinstance(node, Mapping):
                for k, v in node.items():
                    yield from walk(v, (), [*done, str(k)], row if row is not None else str(k))
            elif isinstance(node, int | float) and not isinstance(node, bool):
                yield ".".join(done), row, node
            return
        head, rest = parts[0], parts[1:]
        if head.startswith("<"):
            for k, v in node.items():
                yield from walk(v, rest, [*done, str(k)], str(k))
        elif isinstance(node, Mapping) and head in node:
            yield from walk(node[head], rest, [*done, head], row)

    yield from walk(OmegaConf.to_container(cfg, resolve=True), path, [], None)


def _range(decl: Declaration, value: float, log_ratio: float) -> tuple[float, float, bool, str] | None:
    """(lower, upper, log, source) of an assumed value, or ``None`` if it has no plausible range."""
    if decl.plausible is not None:
        lo, hi = (float(x) for x in decl.plausible)
        return lo, hi, lo > 0 and hi / lo >= log_ratio, "plausible"
    if decl.plausible_factor is not None:
        f_lo, f_hi = (float(x) for x in decl.plausible_factor)
        if value == 0:
            return None  # a zero stays zero under any factor
        lo, hi = sorted((value * f_lo, value * f_hi))
        return lo, hi, lo > 0, "plausible_factor"
    return None


def assumed_factors(
    cfg: DictConfig,
    exclude: Sequence[str],
    include: Sequence[str] = (),
    depth: Mapping[str, int] | None = None,
    log_ratio: float = 10.0,
) -> list[Uncertainty]:
    """Every assumed parameter with a plausible range, one column per number (``exclude``: key prefixes)."""
    depth = depth or {"default": 2}
    out = []
    for leaf in leaves(SimConfig):
        decl = leaf.declaration
        if decl is None or not decl.is_assumed() or (decl.plausible is None and decl.plausible_factor is None):
            continue
        for key, row, value in _concrete(cfg, leaf.path):
            if any(_under(key, p) for p in exclude) or (include and not any(_under(key, p) for p in include)):
                continue
            if "assumed" not in decl.row_source(row):
                continue
            rng = _range(decl, float(value), log_ratio)
            if rng is None:
                continue
            lo, hi, log, src = rng
            kind = "int" if isinstance(value, int) else "real"
            valid = (decl.valid.lo, decl.valid.hi) if decl.valid is not None else (None, None)
            out.append(Uncertainty(key, group_of(leaf.key, depth), kind, lo, hi, log, src, valid=valid))
    return out


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def prior_box(path: Path) -> list[Uncertainty]:
    """The calibrated parameters' prior box, uniform (in the logarithm where the scale is log).

    ``priors:`` of ``conf/calibrate/posterior.yaml`` (the posterior fit's priors, issue 10) or ``free:`` of
    ``conf/calibrate/default.yaml`` (the point fit's search box).
    """
    conf = OmegaConf.load(path)
    entries = conf.priors if "priors" in conf else conf.free
    box = OmegaConf.to_container(entries, resolve=True)
    assert isinstance(box, dict)
    return [
        Uncertainty(
            str(v["key"]), "calibrated", "real", float(v["lower"]), float(v["upper"]), v["scale"] == "log", "prior box"
        )
        for v in box.values()
    ]


def order_draws(draws: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Draws sorted along their first principal component (neighbouring coordinates, similar draws) and their CDF.

    Keys with only positive values are taken in logarithms first; ``weight`` (if any) weighs the draws.
    """
    params = [c for c in draws.columns if c != WEIGHT]
    x = draws[params].to_numpy(float)
    x = np.where((x > 0).all(axis=0), np.log(np.where(x > 0, x, 1.0)), x)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    pc = np.linalg.svd(z, full_matrices=False)[2][0] if len(z) > 1 else np.ones(z.shape[1])
    order = np.argsort(z @ pc, kind="stable")
    w = draws[WEIGHT].to_numpy(float) if WEIGHT in draws else np.ones(len(draws))
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError("posterior draws: 'weight' must be non-negative and not all zero")
    cdf = np.cumsum(w[order]) / w.sum()
    return draws.iloc[order], cdf


def read_draws(path: Path) -> pd.DataFrame:
    """A draws table: one column per free parameter (dotted config key) and optionally ``weight``."""
    draws = pd.read_csv(path)
    if draws.empty or not [c for c in draws.columns if c != WEIGHT]:
        raise ValueError(f"{path}: no posterior draws (need one column per parameter, and rows)")
    return draws
