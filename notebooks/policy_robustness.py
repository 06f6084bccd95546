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
# # Taiwan's responses under uncertainty
#
# Reads the output of the robustness study (`crossstrait-sim-robust`, issue 11): the two
# Parquet tables (experiments: one row per run with its future's uncertainty and lever
# values; outcomes: one row per run and outcome) and the report files built from them.
# By default it reads the smoke preset (tiny scale, a handful of futures: a test of the
# machinery, not a result); set `ROBUST_DIR` to `outputs/robust/study` for the real study
# (`experiments/policy_robustness/run.sh`). If the directory holds no study yet, the
# smoke preset is run into it first (about 2 minutes on 2 cores).
#
# The plain-text twin of this notebook is `policy_robustness.py` (jupytext, percent
# format): edit either and run `jupytext --sync notebooks/policy_robustness.ipynb`.

# %%
import os
from pathlib import Path

import duckdb
import pandas as pd
from IPython.display import Image, Markdown, display

out = Path(os.environ.get("ROBUST_DIR") or "outputs/robust/smoke")
if not (out / "experiments.parquet").is_file():
    from hydra import compose, initialize_config_dir

    from crossstrait_sim.config.compose import conf_dir
    from crossstrait_sim.config.schema import register_configs
    from crossstrait_sim.study.robust.cli import run_study

    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        rs = compose(config_name="robustness", overrides=["robust=smoke"]).robust
    run_study(rs, out, progress=False)
print(out)

# %% [markdown]
# ## The two tables
# Every run is a future (a draw of the uncertainties and, for the Latin-hypercube futures, of
# the levers' intensity and start) under one policy. DuckDB queries the Parquet files directly.

# %%
experiments = pd.read_parquet(out / "experiments.parquet")
print(f"{len(experiments)} runs, {experiments.future_id.nunique()} futures, {experiments.shape[1]} columns")
experiments.groupby(["design", "policy"]).size().unstack(fill_value=0)

# %%
exp_file, out_file = out / "experiments.parquet", out / "outcomes.parquet"
talent = duckdb.sql(
    f"""
    SELECT e.policy, count(*) AS futures, median(o.value) AS median, quantile_cont(o.value, 0.05) AS p05,
           quantile_cont(o.value, 0.95) AS p95
    FROM read_parquet('{out_file}') o JOIN read_parquet('{exp_file}') e USING (run)
    WHERE o.outcome = 'talent_in_cn_2030' AND e.design = 'lhs'
    GROUP BY e.policy ORDER BY median
    """
).df()
talent

# %% [markdown]
# ## Robustness
# Each response's effect (response minus the narrative in the same future and seed) across
# futures, beside the seed-only range of the same effect (the configured model over seeds).

# %%
rob = pd.read_csv(out / "robustness.csv")
cols = ["policy", "p_beats_material", "effect_median", "effect_p05", "effect_p95", "seed_only_p05", "seed_only_p95"]
rob[rob.outcome == "talent_in_cn_2030"][cols].round(3)

# %%
m31 = rob[(rob.policy == "no_measures31") & (rob.outcome == "talent_in_cn_2030")].iloc[0]
print(
    f"31 measures' effect on talent in the mainland, 2030: 5-95% across futures "
    f"[{m31.effect_p05:,.0f}, {m31.effect_p95:,.0f}] (width {m31.effect_p95 - m31.effect_p05:,.0f}); "
    f"over seeds only [{m31.seed_only_p05:,.0f}, {m31.seed_only_p95:,.0f}] "
    f"(width {m31.seed_only_p95 - m31.seed_only_p05:,.0f})"
)

# %%
display(Markdown((out / "findings.md").read_text()))

# %%
pd.read_csv(out / "cost_per_kept.csv")

# %% [markdown]
# ## Sensitivity of the policy differences
# Which factor groups the differences hinge on (Morris mu* or Sobol total order, with
# bootstrap confidence intervals).

# %%
sens = pd.read_csv(out / "sensitivity.csv")
sens.sort_values(["policy", "outcome", "index"], ascending=[True, True, False]).round(3).head(20)

# %%
display(Image(filename=str(out / "sensitivity.png")))

# %% [markdown]
# ## Where a response fails: scenario discovery (PRIM)

# %%
display(Markdown((out / "discovery.md").read_text()))

# %%
display(Image(filename=str(out / "discovery.png")))

# %% [markdown]
# ## Talent kept against spend
# Taiwan's extra money (`policy_spend`, all of Taiwan's instruments) against the professionals
# kept out of the mainland, one point per future and response.

# %%
display(Image(filename=str(out / "tradeoff.png")))
