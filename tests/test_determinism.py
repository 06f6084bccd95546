"""Same config and seed give bit-identical tables; the seed matters; threads do not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossstrait_sim import run

OVR = ["scenario=narrative", "scale=0.005", "end=2020Q4"]


def test_same_seed_gives_identical_tables():
    a = run([*OVR, "seed=7"]).table
    b = run([*OVR, "seed=7"]).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_give_different_tables():
    a = run([*OVR, "seed=7"]).table
    b = run([*OVR, "seed=8"]).table
    assert not np.array_equal(a.value.to_numpy(), b.value.to_numpy())


def test_thread_count_does_not_change_results():
    a = run([*OVR, "seed=3", "engine.threads=1"]).table
    b = run([*OVR, "seed=3", "engine.threads=2"]).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_written_parquet_equals_the_returned_table(tmp_path):
    res = run([*OVR, "seed=1"], out_dir=tmp_path)
    back = pd.read_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(back, res.table, check_exact=True)
    again = run([*OVR, "seed=1"], out_dir=tmp_path / "again")
    assert np.array_equal(
        pd.read_parquet(tmp_path / "again" / "results.parquet").value.to_numpy(), back.value.to_numpy()
    )
    assert again.table.equals(res.table)
