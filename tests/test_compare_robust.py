"""crossstrait-sim-compare never aborts on one bad run and never leaves partial output.

One small real sweep (2 scenarios x 2 seeds at scale 0.002, plus one run to a
shorter horizon) is made once for the module and copied for each test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crossstrait_sim.study.compare import UNREADABLE, choose_quarters, compare, gather, main
from crossstrait_sim.study.sweep import run_name, run_sweep
from crossstrait_sim.viz import plotting

SHARED = ["scale=0.002", "output.plot=false"]
REASONS = ("Parquet", "checksum")  # why a truncated table is unreadable: pyarrow's error, or the manifest's checksum
SHORT = "2025Q4"  # the horizon of the one shorter run; the others run to the default 2030Q4
OUTPUTS = ("comparison.csv", "comparison.md", "talent_outflow_compare.png", "policy_response.png")


@pytest.fixture(scope="module")
def mixed_sweep(tmp_path_factory) -> Path:
    """Four runs to the default horizon, and one more of narrative to 2025Q4, in one sweep directory."""
    sweep = tmp_path_factory.mktemp("robust") / "sw"
    rep = run_sweep(sweep, {"scenario": ["baseline", "narrative"], "seed": [0, 1]}, overrides=SHARED, progress=False)
    assert set(rep.status) == {"complete"}
    rep = run_sweep(sweep, {"scenario": ["narrative"], "seed": [2], "end": [SHORT]}, overrides=SHARED, progress=False)
    assert set(rep.status) == {"complete"}
    return sweep


@pytest.fixture
def sweep(mixed_sweep: Path, tmp_path: Path) -> Path:
    """A fresh copy of the mixed sweep, to damage."""
    return Path(shutil.copytree(mixed_sweep, tmp_path / "sw"))


def run_dir(sweep: Path, *overrides: str) -> Path:
    return sweep / run_name([*overrides, *SHARED])


def truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def rc_of(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_corrupt_table_and_mixed_horizons(sweep: Path, capsys) -> None:
    bad = run_dir(sweep, "scenario=narrative", "seed=1")
    truncate_half(bad / "results.parquet")

    assert rc_of([str(sweep)]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert bad.name in err and UNREADABLE in err  # listed as left out, with the reason
    assert "2030Q4 dropped" in err  # the quarter not every run holds, named

    for name in OUTPUTS:
        assert (sweep / name).stat().st_size > 0
    assert not list(sweep.glob(".compare-*"))  # no temporaries left
    csv = pd.read_csv(sweep / "comparison.csv")
    assert set(csv.quarter) == {"2020Q4", SHORT}  # the asked quarters that every run holds
    assert {"baseline", "narrative", f"narrative [end={SHORT}]"} == set(csv.variant)
    md = (sweep / "comparison.md").read_text()
    assert "2030Q4" in md and "dropped" in md
    left = md.split("## Runs left out")[1]
    assert bad.name in left and UNREADABLE in left and any(r in left for r in REASONS)

    sw = gather(sweep)
    assert list(sw.left_out.run) == [bad.name]
    assert sw.left_out.iloc[0].status == UNREADABLE and any(r in sw.left_out.iloc[0].error for r in REASONS)
    assert bad.name not in set(sw.table.run)
    assert sw.shared_quarters[-1] == SHORT


def test_table_without_needed_columns_is_left_out(sweep: Path, tmp_path: Path) -> None:
    bad = run_dir(sweep, "scenario=baseline", "seed=0")
    t = pd.read_parquet(bad / "results.parquet")
    t.drop(columns=["value"]).to_parquet(bad / "results.parquet")
    man = json.loads((bad / "manifest.json").read_text())
    man.pop("files", None)  # as a manifest written before checksums were recorded
    (bad / "manifest.json").write_text(json.dumps(man))
    cmp = compare(sweep, out=tmp_path / "out", plots=False)
    left = cmp.sweep.left_out
    assert list(left.run) == [bad.name]
    assert "value" in left.iloc[0].error
    assert set(cmp.stats[cmp.stats.variant == "baseline"].n_seeds) == {1}


def test_table_that_does_not_match_its_recorded_checksum_is_left_out(sweep: Path, tmp_path: Path) -> None:
    good, bad = run_dir(sweep, "scenario=baseline", "seed=0"), run_dir(sweep, "scenario=baseline", "seed=1")
    for d, digest in ((good, hashlib.sha256((good / "results.parquet").read_bytes()).hexdigest()), (bad, "0" * 64)):
        man = json.loads((d / "manifest.json").read_text())
        man["files"] = {"results.parquet": digest}
        (d / "manifest.json").write_text(json.dumps(man))
    sw = gather(sweep)
    assert list(sw.left_out.run) == [bad.name]
    assert "checksum" in sw.left_out.iloc[0].error
    assert good.name in set(sw.table.run)


def test_no_asked_quarter_shared_falls_back_to_the_last_shared(sweep: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert rc_of([str(sweep), "--out", str(out), "--quarters", "2030Q4", "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert f"using the last shared quarter, {SHORT}" in err
    assert set(pd.read_csv(out / "comparison.csv").quarter) == {SHORT}
    assert f"using the last shared quarter, {SHORT}" in (out / "comparison.md").read_text()


def test_choose_quarters() -> None:
    shared = ["2019Q4", "2020Q4", "2025Q4"]
    assert choose_quarters(shared, ["2020Q4", "2025Q4"]) == (["2020Q4", "2025Q4"], [])
    qs, notes = choose_quarters(shared, ["2020q4", "2030Q4"])
    assert qs == ["2020Q4"] and len(notes) == 1 and "2030Q4" in notes[0]
    qs, notes = choose_quarters(shared, ["2035Q4"])
    assert qs == ["2025Q4"] and "last shared quarter" in notes[0]
    with pytest.raises(ValueError, match="share no quarter"):
        choose_quarters([], ["2020Q4"])


def test_failing_output_leaves_nothing_behind(sweep: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(plotting, "plot_policy_response", broken)
    assert rc_of([str(sweep), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "crossstrait-sim-compare: disk full"
    assert not (out / "comparison.csv").exists()
    assert not out.exists() or not list(out.iterdir())  # no outputs, no temporaries

    # an earlier comparison stays as it was when a new one fails
    monkeypatch.undo()
    assert rc_of([str(sweep), "--out", str(out), "--no-plots"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["comparison.csv", "comparison.md"]
    truncate_half(run_dir(sweep, "scenario=baseline", "seed=1") / "results.parquet")  # the new tables would differ
    monkeypatch.setattr(plotting, "plot_talent_compare", broken)
    with pytest.raises(OSError, match="disk full"):
        compare(sweep, out=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_no_readable_run_is_one_line_and_rc_2(sweep: Path, capsys) -> None:
    for p in sweep.glob("*/results.parquet"):
        truncate_half(p)
    assert rc_of([str(sweep)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("crossstrait-sim-compare:") and "\n" not in err
    assert "no complete, readable run" in err and UNREADABLE in err
    assert not (sweep / "comparison.csv").exists() and not list(sweep.glob(".compare-*"))
