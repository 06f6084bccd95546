# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Policy comparison from Python
#
# A small sweep through the Python API (`crossstrait_sim.study.sweep.run_sweep`), then the
# comparison (`crossstrait_sim.study.compare.compare`) and its figures. The runs are shrunk
# (scale 0.002, horizon to 2020Q4, 3 seeds) so that the notebook runs in about a
# minute; the full study is `experiments/policy_comparison/run.sh`.
#
# The plain-text twin of this notebook is `policy_comparison.py` (jupytext, percent
# format): edit either and run `jupytext --sync notebooks/policy_comparison.ipynb`.

# %%
import os
import tempfile
from pathlib import Path

from IPython.display import Image, Markdown, display

from crossstrait_sim.study.compare import compare
from crossstrait_sim.study.sweep import run_sweep

sweep_dir = Path(os.environ.get("SWEEP_DIR") or tempfile.mkdtemp(prefix="policy_comparison_"))
small = ["scale=0.002", "end=2020Q4", "output.summary_quarters=[2020Q4]", "output.plot=false"]

# %% [markdown]
# ## Run the sweep
# Three scenarios x three seeds. Seed *s* draws the same firms and professionals in
# every scenario, so differences between scenarios can be taken seed by seed.
# Running this cell again skips the runs that are already complete.

# %%
report = run_sweep(
    sweep_dir,
    {"scenario": ["baseline", "narrative", "tw_retain_talent"], "seed": range(3)},
    small,
    n_jobs=1,
)
report[["run", "status", "seconds"]]

# %% [markdown]
# ## Compare
# Differences from the narrative (all mainland policies): what does retaining talent change?

# %%
cmp = compare(sweep_dir, reference="narrative", quarters=["2020Q4"])
cols = ["indicator", "variant", "mean", "p05", "p95", "diff_mean", "diff_p05", "diff_p95"]
cmp.stats[cols].round(3)

# %%
display(Markdown((sweep_dir / "comparison.md").read_text()))

# %%
display(Image(filename=str(sweep_dir / "talent_outflow_compare.png")))

# %%
display(Image(filename=str(sweep_dir / "policy_response.png")))
