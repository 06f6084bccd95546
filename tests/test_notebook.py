"""The policy comparison notebook runs, and its jupytext twin says the same."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "policy_comparison.ipynb"
PY = ROOT / "notebooks" / "policy_comparison.py"


@pytest.mark.parametrize("name", ["policy_comparison", "policy_robustness"])
def test_notebook_and_its_text_form_are_in_sync(name: str) -> None:
    jupytext = pytest.importorskip("jupytext")
    nb, py = jupytext.read(ROOT / "notebooks" / f"{name}.ipynb"), jupytext.read(ROOT / "notebooks" / f"{name}.py")
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in py.cells]


@pytest.mark.slow
def test_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("SWEEP_DIR", str(tmp_path / "sweep"))
    nb = nbformat.read(NB, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert (tmp_path / "sweep" / "comparison.md").is_file()
    assert (tmp_path / "sweep" / "policy_response.png").is_file()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2
