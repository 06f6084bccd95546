"""The results table built from a cached layout (issue 12) equals the reference built part by part."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_model


@pytest.mark.parametrize(
    "overrides",
    [
        ("seed=1",),
        ("scenario=history", "seed=4", "start=2011Q3", "end=2020Q4"),
        ("scenario=narrative", "start=2010Q3", "end=2013Q2", "mainland=[]", "seed=2"),
    ],
)
def test_to_frame_equals_reference(overrides):
    rec = make_model(*overrides).run().recorder
    new, ref = rec.to_frame(), rec.to_frame_reference()
    pd.testing.assert_frame_equal(new, ref, check_exact=True)
    assert list(new.columns) == list(ref.columns) and new.dtypes.equals(ref.dtypes)
    assert all(type(new[c].array) is type(ref[c].array) for c in new.columns)
    assert np.array_equal(new["value"].to_numpy().view(np.int64), ref["value"].to_numpy().view(np.int64))
    a, b = io.BytesIO(), io.BytesIO()
    new.to_parquet(a, index=False, engine="pyarrow")
    ref.to_parquet(b, index=False, engine="pyarrow")
    assert a.getvalue() == b.getvalue()  # the file a run writes is byte for byte the same


def test_to_frame_tables_are_independent():
    rec = make_model().run().recorder
    a = rec.to_frame()
    a.loc[0, "sector"] = "changed"
    a.loc[0, "value"] = -1.0
    b = rec.to_frame()
    assert b.loc[0, "sector"] != "changed" and b.loc[0, "value"] != -1.0
