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


def opening(m, **levels):
    """The quarter's opening: policy levels (with overrides), alive firms, labour market, market."""
    lv = m.policy_levels()
    lv.update(levels)
    q = m.alive_firms()
    lab = m.labour_market(lv, q)
    m.market(lv, lab, q)
    return lv, q, lab


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


ROBUST_SMOKE = ("robust=smoke",)


def robust_cli(out: Path, *overrides: str):
    """``crossstrait-sim-robust robust=smoke hydra.run.dir=out [overrides]`` in a fresh process."""
    import subprocess
    import sys

    cmd = [sys.executable, "-c", "from crossstrait_sim.study.robust.cli import main; main()"]
    cmd += [*ROBUST_SMOKE, f"hydra.run.dir={out}", *overrides]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def robust_smoke(tmp_path_factory: pytest.TempPathFactory):
    """The robustness study's smoke preset run once per test session: (its directory, the CLI's result)."""
    pytest.importorskip("SALib")
    pytest.importorskip("ema_workbench")
    out = tmp_path_factory.mktemp("robust") / "smoke"
    return out, robust_cli(out)
