"""The package's layout: a plain run stays light, and no function grows past 80 lines (issue 8)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import long_functions

SRC = Path(__file__).resolve().parents[1] / "src" / "crossstrait_sim"
HEAVY = ("crossstrait_sim.study", "crossstrait_sim.evidence", "crossstrait_sim.viz")


def test_a_plain_run_imports_nothing_from_study_evidence_or_viz():
    code = (
        "import json, sys\n"
        "import crossstrait_sim\n"
        "res = crossstrait_sim.run([])  # the default scenario\n"
        "assert len(res.table) > 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('crossstrait_sim'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert "crossstrait_sim.model.vectorized" in loaded  # the run did happen in this process
    assert not [m for m in loaded if m.startswith(HEAVY)], loaded
    assert "crossstrait_sim.mesa_engine.model" not in loaded  # Mesa only when engine=mesa


def test_no_function_is_longer_than_80_lines():
    long = long_functions(SRC, 80)
    assert not long, long


def test_every_subpackage_says_what_it_holds_and_may_import():
    for init in sorted(SRC.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "May import" in doc, init


def _readme_layout() -> dict[str, set[str]]:
    """Module files listed in README's Layout block, by subpackage ("" for the top level)."""
    text = (SRC.parents[1] / "README.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    listed: dict[str, set[str]] = {}
    pkg = None
    for line in block.splitlines():
        if line.startswith("src/crossstrait_sim/"):
            pkg = ""
            continue
        if pkg is None or not line.startswith("  "):
            if line and not line.startswith(" "):
                pkg = None
            continue
        head = line.strip().split("  ")[0]
        if line.startswith("  ") and not line.startswith("    "):
            if head.endswith("/"):
                pkg = head.rstrip("/")
                listed.setdefault(pkg, set())
                continue
            top = {n.strip() for n in head.split(",")}
            listed.setdefault("", set()).update(n for n in top if n.endswith(".py"))
            continue
        names = {n.strip() for n in head.split(",")}
        listed.setdefault(pkg, set()).update(n for n in names if n.endswith(".py"))
    return listed


def test_readme_layout_matches_the_tree():
    listed = _readme_layout()
    actual: dict[str, set[str]] = {"": {p.name for p in SRC.glob("*.py")}}
    for sub in SRC.iterdir():
        if sub.is_dir() and (sub / "__init__.py").is_file():
            actual[sub.name] = {p.name for p in sub.glob("*.py") if p.name != "__init__.py"}
    assert listed == actual
