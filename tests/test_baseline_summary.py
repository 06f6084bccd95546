"""A fixed-seed summary guards against silent changes of the model's results.

If a change is meant to move results, regenerate with `python tests/update_baseline_summary.py`
and commit the new file with the change (the diff shows what moved)."""

from __future__ import annotations

import json

import pytest

from tests.update_baseline_summary import PATH, current


def test_default_run_matches_the_recorded_summary():
    recorded = json.loads(PATH.read_text())["indicators"]
    now = current()
    assert now.keys() == recorded.keys()
    for quarter, values in recorded.items():
        for name, value in values.items():
            assert now[quarter][name] == pytest.approx(value, rel=1e-9, abs=1e-9), (quarter, name)
