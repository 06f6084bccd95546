"""Shared fixtures: configs composed exactly as the CLI does, shrunk for speed."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.model.vectorized import VectorizedModel

SCENARIOS = (
    "baseline",
    "enforcement",
    "measures31",
    "narrative",
    "tw_retain_talent",
    "tw_rd_hub",
    "tw_new_southbound",
    "tw_combined",
    "history",
)


@pytest.fixture(autouse=True)
def _quiet_logs() -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)


def make_params(*overrides: str):
    """Params for the given Hydra overrides."""
    return build_params(compose_config(list(overrides)))


def make_model(*overrides: str) -> VectorizedModel:
    """A freshly initialised model (default: small scale, short horizon)."""
    base = ["scale=0.003", "scenario=baseline", "end=2015Q4"]
    return VectorizedModel(make_params(*base, *overrides))


@pytest.fixture
def small_model() -> VectorizedModel:
    return make_model()


def long_functions(root: Path, limit: int, pattern: str = "*.py") -> list[str]:
    """Functions under ``root`` longer than ``limit`` lines (def to last line, docstring included)."""
    long = []
    for path in sorted(root.rglob(pattern)):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({n} lines)")
    return long
