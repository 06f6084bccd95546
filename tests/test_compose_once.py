"""Composing once per sweep (issue 12): the cheap path gives the very config a full compose gives."""

from __future__ import annotations

import dataclasses

import pytest
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.nodes import ValueNode

from crossstrait_sim.config.compose import Composer, compose_config
from crossstrait_sim.errors import ConfigCompositionError
from crossstrait_sim.study.manifest import config_hash

OVERRIDES = [
    [],
    ["seed=3"],
    ["seed=3", "scale=2e-3"],
    ["scale=0.002", "seed=3"],
    ["engine.threads=1", "seed=7", "end=2015Q4"],
    ["policy.measures31.start=2019Q1", "policy.mic2025.rd_subsidy_rate=0.2"],
    ["sectors.semiconductors.capability0.CN=0.5", "output.plot=false"],
    ["output.summary_quarters=[2012Q4,2014Q4]", "overwrite=true"],
    # config-group choices: a base per distinct list of choices
    ["scenario=baseline", "seed=2"],
    ["scenario=measures31", "seed=2", "scale=0.003"],
    ["mainland=[measures31]", "seed=1"],
    ["mainland=[measures31,mic2025]", "taiwan=[rd_hub]", "seed=1"],
    ["engine=mesa", "seed=1"],
    ["calibration=none", "scenario=history"],
    ["+experiment=policy_comparison", "seed=4"],
    ["scenario=tw_combined", "engine.threads=1", "+experiment=policy_comparison"],
    ["hydra/launcher=basic", "seed=5"],
    ["++seed=6"],
    ["+bogus=1", "seed=2"],  # composes (build_params refuses it), on both paths
]


def _meta(node: object) -> dict[str, object]:
    """A node's metadata: structured type, reference type, key and element types, optional, flags."""
    meta = node._metadata  # type: ignore[attr-defined]
    return {f.name: getattr(meta, f.name) for f in dataclasses.fields(meta) if f.name != "resolver_cache"}


def _same_nodes(a: object, b: object, path: str = "") -> None:
    """Equal values, node types and metadata (structured type, flags) at every node."""
    assert type(a) is type(b), path
    assert _meta(a) == _meta(b), path
    if isinstance(a, DictConfig):
        assert list(a.keys()) == list(b.keys()), path  # type: ignore[attr-defined]
        for k in a.keys():
            _same_nodes(a._get_node(k), b._get_node(k), f"{path}.{k}")  # type: ignore[attr-defined]
    elif isinstance(a, ListConfig):
        assert len(a) == len(b), path  # type: ignore[arg-type]
        for i in range(len(a)):
            _same_nodes(a._get_node(i), b._get_node(i), f"{path}[{i}]")  # type: ignore[attr-defined]
    else:
        assert isinstance(a, ValueNode)
        assert a._value() == b._value() and type(a._value()) is type(b._value()), path  # type: ignore[attr-defined]


def test_composer_equals_full_compose_for_every_override_set():
    composer = Composer()
    for ov in OVERRIDES:
        cheap, full = composer(ov), compose_config(ov)
        _same_nodes(cheap, full)
        assert OmegaConf.to_yaml(cheap, resolve=True) == OmegaConf.to_yaml(full, resolve=True), ov
        assert config_hash(cheap) == config_hash(full), ov
    # value overrides reuse a base: one Hydra composition per distinct list of group choices
    group_keys = {"scenario", "mainland", "taiwan", "engine", "calibration", "experiment", "hydra/launcher"}
    groups = {tuple(o for o in ov if o.split("=")[0].lstrip("+") in group_keys) for ov in OVERRIDES}
    assert composer.full_composes == len(composer.bases) <= len(groups)


def test_composer_returns_independent_copies():
    composer = Composer()
    a = composer(["seed=1"])
    a.seed = 99
    assert composer(["seed=1"]).seed == 1
    assert composer([]).seed == 0


@pytest.mark.parametrize(
    "override",
    [
        "seeed=3",
        "seed=abc",
        "scenario=nope",
        "policy.mic2025.rd_subsidy_rate=high",
        "engine.threads=x",
        "seed=[1,2",
        "~output.summary_quarters",
        "seed=1,2",
    ],
)
def test_composer_raises_the_full_compose_error(override):
    composer = Composer()
    composer(["seed=1"])  # a base exists: the bad value goes down the cheap path first
    with pytest.raises(ConfigCompositionError) as cheap:
        composer([override, "seed=2"])
    with pytest.raises(ConfigCompositionError) as full:
        compose_config([override, "seed=2"])
    assert str(cheap.value) == str(full.value)


def test_composer_types_through_the_schema():
    cfg = Composer()(["seed=12", "scale=1", "output.plot=0"])
    assert cfg.seed == 12 and isinstance(cfg.scale, float) and cfg.output.plot is False


def test_config_yaml_is_omegaconfs_text():
    """resolved_config.yaml through libyaml's emitter: the very text OmegaConf.to_yaml writes."""
    import yaml

    from crossstrait_sim.config.compose import _c_dumper, config_yaml

    assert _c_dumper() is not None, "PyYAML without libyaml: config_yaml falls back (and this test is moot)"
    composer = Composer()
    for ov in OVERRIDES[:-1]:
        cfg = composer(ov)
        assert config_yaml(cfg) == OmegaConf.to_yaml(cfg, resolve=True), ov
    # strings that read as other types keep their quotes; non-ASCII, long and multi-line strings
    odd = OmegaConf.create(
        {
            "a": "yes",
            "b": "1e3",
            "c": "12",
            "d": "臺灣 新南向",
            "e": "x" * 200,
            "f": "two\nlines",
            "g": None,
            "h": [1.5, "null", "", " lead"],
            "i": {"j": float("inf"), "k": -0.0, "l": True},
        }
    )
    assert config_yaml(odd) == OmegaConf.to_yaml(odd, resolve=True)
    assert yaml.safe_load(config_yaml(odd))["a"] == "yes"
