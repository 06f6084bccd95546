"""docs/ODD.md stays true to the code: parameter table, indicators, every config key documented."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, ListConfig

from crossstrait_sim.config import paramdoc
from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.declare import leaves
from crossstrait_sim.config.schema import SimConfig
from crossstrait_sim.model.results import INDICATORS

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def test_parameter_table_in_odd_is_current():
    assert paramdoc.embedded(ODD.read_text()) == paramdoc.markdown(paramdoc.collect())


def test_the_table_lists_every_declared_parameter_with_its_declaration():
    entries = {e.key: e for e in paramdoc.collect()}
    for leaf in leaves(SimConfig):
        e = entries[leaf.key]
        assert (e.unit, e.meaning) == (leaf.declaration.unit, leaf.declaration.meaning), leaf.key
        assert e.source.startswith(leaf.declaration.source) or e.source.startswith("fitted by"), leaf.key


def test_every_indicator_is_documented_with_its_unit():
    text = ODD.read_text()
    for ind in INDICATORS:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{ind.name}` |")), None)
        assert row is not None, ind.name
        assert ind.unit in row, (ind.name, ind.unit)


def _leaves(node, prefix=""):
    if isinstance(node, DictConfig):
        for k in node:
            yield from _leaves(node._get_node(k), f"{prefix}{k}.")
    elif isinstance(node, ListConfig):
        yield prefix[:-1]
    else:
        yield prefix[:-1]


def test_every_config_leaf_has_unit_and_source():
    documented = {e.key for e in paramdoc.collect()}
    cfg = compose_config(["scenario=narrative"])
    missing = []
    for key in _leaves(cfg):
        parts = key.split(".")
        if parts[0] in ("sectors", "regions"):  # tables: documented once per column
            key = f"{parts[0]}.<{parts[0][:-1]}>." + ".".join(parts[2:])
        # a leaf is documented by its own entry or by an entry for the mapping that holds it
        prefixes = {".".join(key.split(".")[:n]) for n in range(1, key.count(".") + 2)}
        if not prefixes & documented:
            missing.append(key)
    assert not missing, missing
