"""Each parameter is declared once, beside its schema field; checks, YAML comments and studies agree with it.

The rule for the YAML comments (``unit | source | meaning``): unit and meaning equal the
declaration everywhere. The source equals the declaration on a plain key. On a row of a table
(``sectors.<sector>.<column>``, ``regions.<region>.<column>``) or a key of a mapping documented key
by key (``population.firms.<origin>``), rows may cite different sources: the comment's source
starts with the row's declared source (the column's ``source``, or ``rows[row]`` where the
declaration names the row) and may go on with the row's own detail, as in
``assumed (about 5% a year)``. Values the calibration wrote (``conf/calibration/``) cite it.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from crossstrait_sim.config import paramdoc
from crossstrait_sim.config.compose import compose_config, conf_dir
from crossstrait_sim.config.declare import Declaration, Leaf, leaves, resolve
from crossstrait_sim.config.parameters import build_params, to_typed
from crossstrait_sim.config.schema import SimConfig
from crossstrait_sim.errors import ConfigError
from tests.conftest import long_functions

CONFIG_SRC = Path(__file__).resolve().parents[1] / "src" / "crossstrait_sim" / "config"
FITTED_SOURCE = "fitted by crossstrait-sim-calibrate"
LEAVES = list(leaves(SimConfig))


@pytest.fixture(scope="module")
def defaults() -> dict[str, Any]:
    return OmegaConf.to_container(compose_config(list(paramdoc.DEFAULTS)), resolve=True)


def _cells(node: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value of a leaf (each row of a table, each element of a mapping or list)."""
    if not path:
        if isinstance(node, dict):
            return [v for x in node.values() for v in _cells(x, ())]
        if isinstance(node, list):
            return [v for x in node for v in _cells(x, ())]
        return [node]
    head, rest = path[0], path[1:]
    if head.startswith("<"):
        return [v for row in node.values() for v in _cells(row, rest)]
    return _cells(node[head], rest)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _numeric(leaf: Leaf, values: dict[str, Any]) -> bool:
    cells = _cells(values, leaf.path)
    return bool(cells) and all(_is_number(v) for v in cells)


def test_every_schema_leaf_declares_unit_source_and_meaning():
    undeclared = [leaf.key for leaf in LEAVES if leaf.declaration is None]
    assert not undeclared, f"declare these with param(...): {undeclared}"
    for leaf in LEAVES:
        d = leaf.declaration
        assert d.unit.strip() and d.source.strip() and d.meaning.strip(), leaf.key


def test_every_assumed_number_has_a_finite_plausible_range(defaults):
    missing = []
    for leaf in LEAVES:
        d = leaf.declaration
        if not (_numeric(leaf, defaults) and d.is_assumed()):
            continue
        if d.plausible is None and d.plausible_factor is None:
            missing.append(leaf.key)
            continue
        if d.plausible is not None:
            lo, hi = d.plausible
            assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, leaf.key
            if d.valid is not None:
                assert d.valid.lo is None or d.valid.lo <= lo, (leaf.key, "plausible range leaves the valid range")
                assert d.valid.hi is None or hi <= d.valid.hi, (leaf.key, "plausible range leaves the valid range")
        if d.plausible_factor is not None:
            lo, hi = d.plausible_factor
            assert 0 < lo < 1 < hi < math.inf, leaf.key
    assert not missing, f"assumed parameters without a plausible range: {missing}"


@pytest.mark.parametrize("calibration", ["posterior_mean", "none"])
def test_configured_values_lie_in_their_plausible_range(calibration):
    values = OmegaConf.to_container(compose_config([*paramdoc.DEFAULTS, f"calibration={calibration}"]), resolve=True)
    outside = [
        (leaf.key, v, leaf.declaration.plausible)
        for leaf in LEAVES
        if leaf.declaration.plausible is not None
        for v in _cells(values, leaf.path)
        if not leaf.declaration.plausible[0] <= v <= leaf.declaration.plausible[1]
    ]
    assert not outside, outside


def _comment_files() -> list[Path]:
    root = conf_dir()
    skip = {"calibrate", "hydra"}  # the calibration's own settings and Hydra's: not model parameters
    return [p for p in sorted(root.rglob("*.yaml")) if p.relative_to(root).parts[0] not in skip]


def _source_matches(comment: str, declared: str) -> bool:
    """The comment cites the declared source, possibly going on with the row's own detail."""
    return comment == declared or any(comment.startswith(declared + sep) for sep in (" ", ";", ","))


def test_yaml_comments_match_the_declarations():
    root = conf_dir()
    problems, seen = [], 0
    for path in _comment_files():
        fitted = path.relative_to(root).parts[0] == "calibration"
        for c in paramdoc.yaml_comments(path, root):
            seen += 1
            where = f"{path.relative_to(root)}:{c.line} {c.key}"
            found = resolve(SimConfig, c.key)
            if found is None:
                problems.append(f"{where}: no declaration in the schema")
                continue
            decl, row = found
            if c.unit != decl.unit:
                problems.append(f"{where}: unit {c.unit!r} != declared {decl.unit!r}")
            if c.meaning != decl.meaning:
                problems.append(f"{where}: meaning {c.meaning!r} != declared {decl.meaning!r}")
            if fitted:  # a fitted value cites the calibration; a setting there (posterior.draw) its declaration
                ok = c.source.startswith(FITTED_SOURCE) or c.source == decl.source
            elif row is None:
                ok = c.source == decl.source
            else:
                ok = _source_matches(c.source, decl.row_source(row))
            if not ok:
                problems.append(f"{where}: source {c.source!r} does not cite declared {decl.row_source(row)!r}")
    assert seen > 150  # the files are read
    assert not problems, "\n".join(problems)


def test_declared_row_sources_name_rows_that_exist(defaults):
    for leaf in LEAVES:
        if not leaf.declaration.rows:
            continue
        if "<" in leaf.key:  # a table column: rows are the table's rows
            rows = set(defaults[leaf.path[0]])
        else:  # a mapping documented key by key
            rows = set(_value_at(defaults, leaf.path))
        assert set(leaf.declaration.rows) <= rows, (leaf.key, sorted(rows))


def _value_at(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values
    for part in path:
        node = node[part]
    return node


def test_calibration_free_parameters_match_the_declarations():
    settings = OmegaConf.load(conf_dir() / "calibrate" / "default.yaml")
    for name, spec in settings.free.items():
        found = resolve(SimConfig, spec.key)
        assert found is not None, (name, spec.key)
        decl: Declaration = found[0]
        assert spec.unit == decl.unit and spec.meaning == decl.meaning, name
        assert decl.valid is None or decl.valid.lo is None or decl.valid.lo <= spec.lower, name
        assert decl.valid is None or decl.valid.hi is None or spec.upper <= decl.valid.hi, name


# --------------------------------------------------------------------------- checks read the declarations


def _set_first(obj: Any, path: tuple[str, ...], value: Any) -> str:
    """Set the first cell of a leaf in a typed config; return its dotted key."""
    keys: list[str] = []
    for part in path[:-1]:
        if part.startswith("<"):
            part = next(iter(obj))
            obj = obj[part]
        else:
            obj = getattr(obj, part)
        keys.append(part)
    name = path[-1]
    keys.append(name)
    current = getattr(obj, name)
    if isinstance(current, dict):
        while isinstance(current, dict):
            k = next(iter(current))
            keys.append(k)
            holder, current = current, current[k]
        holder[k] = value
    else:
        setattr(obj, name, value)
    return ".".join(keys)


RANGED = [leaf for leaf in LEAVES if leaf.declaration is not None and leaf.declaration.valid is not None]


@pytest.fixture(scope="module")
def typed() -> SimConfig:
    return to_typed(compose_config([]))


@pytest.mark.parametrize("leaf", RANGED, ids=[leaf.key for leaf in RANGED])
def test_value_checks_read_the_declared_range(leaf, typed):
    lo, hi, what = leaf.declaration.valid
    bad = [math.nan] + ([lo - 1.0] if lo is not None else []) + ([hi + 1.0] if hi is not None else [])
    for value in bad:
        cfg = copy.deepcopy(typed)
        key = _set_first(cfg, leaf.path, value)
        with pytest.raises(ConfigError) as err:
            build_params(cfg)
        msg = str(err.value)
        assert msg.startswith(f"{key}={value!r}: must be ") and f"({what})" in msg, msg
        if not math.isnan(value):
            lo_s = "-inf" if lo is None else f"{lo:g}"
            hi_s = "inf" if hi is None else f"{hi:g}"
            assert f"[{lo_s}, {hi_s}]" in msg, msg


def test_the_schema_is_still_a_hydra_structured_config():
    cfg = OmegaConf.structured(SimConfig)
    assert OmegaConf.is_missing(cfg.policy.mic2025, "rd_subsidy_rate")
    assert cfg.engine.threads == 2 and cfg.output.summary_quarters == ["2015Q4", "2020Q4", "2030Q4"]
    assert [f.name for f in dataclasses.fields(type(to_typed(compose_config([])).policy.mic2025))][:3] == [
        "enabled",
        "start",
        "ramp_quarters",
    ]


def test_no_function_in_config_is_longer_than_60_lines():
    long = long_functions(CONFIG_SRC, 60)
    assert not long, long
