"""Compare the runs of a sweep: one table, seed intervals, paired differences, figures.

Command line::

    crossstrait-sim-compare SWEEP_DIR [--out DIR] [--reference baseline] [--quarters 2020Q4 2025Q4 2030Q4]

Python::

    from crossstrait_sim.study.compare import compare
    cmp = compare("multirun/policy_comparison")
    cmp.stats  # the rows of comparison.csv

Runs of different scenarios with the same seed share their random draws (common
random numbers, see ``streams.py``), so the difference of a scenario from the
reference is taken seed by seed ("paired"), which removes most of the noise
that two independent samples would carry.

One bad run does not stop a comparison: a run whose results cannot be read is
listed as left out, with the reason. When runs cover different horizons, only
the quarters that every compared run holds are reported, and the quarters
dropped are named (on stderr and in comparison.md). The outputs are written all
or none: into a temporary folder inside the output folder first, then moved
into place together.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crossstrait_sim.study.manifest import MANIFEST, RESULTS, read_manifest
from crossstrait_sim.study.sweep import SWEEP_FILE

DEFAULT_QUARTERS = ("2020Q4", "2025Q4", "2030Q4")
INTERVAL = (0.05, 0.95)  # the 90% interval across seeds
NON_VARIANT_KEYS = ("scenario", "seed", "experiment")  # overrides that do not make a scenario variant
NON_VARIANT_PREFIXES = ("output.", "hydra.")  # nor do these groups (what a run writes, and where)
REQUIRED_COLUMNS = ("quarter", "scenario", "seed", "indicator", "sector", "region", "origin", "value")
UNREADABLE = "unreadable results.parquet"  # status of a complete run whose table cannot be read


NEGLIGIBLE_AGENTS = 3
"""A difference in a count of agents smaller than this many agents' weight is no effect in practice.

At scale ``s`` one agent stands for about ``1 / s`` firms or persons (100 at the default 0.01), so a
run's count moves in steps of that size; a mean paired difference of a few steps is a handful of
agents choosing otherwise in some seeds, not a policy effect."""

LOG_GAP_NEGLIGIBLE = 0.01
"""A difference in a log capability gap below this is no effect in practice (why: ``_GAP_WHY``)."""


@dataclass(frozen=True)
class KeyIndicator:
    """A key indicator: a selection of the long results table, with a title and a unit.

    A dimension given as ``"*"`` is summed over its categories (e.g. firms over sectors).
    ``negligible`` is the largest difference that is no effect in practice, in the indicator's
    unit, and ``negligible_why`` its reason; ``None`` for a count of agents (firms, persons,
    centres), for which it is :data:`NEGLIGIBLE_AGENTS` agents' weight at the run's scale.
    """

    name: str
    title: str
    indicator: str
    sector: str = "all"
    region: str = "all"
    origin: str = "all"
    unit: str = ""
    fmt: str = ",.0f"
    negligible: float | None = None
    negligible_why: str = ""

    def threshold(self, scale: float) -> float:
        """The largest difference that is no effect in practice, for runs at ``scale`` agents per real unit."""
        return NEGLIGIBLE_AGENTS / scale if self.negligible is None else self.negligible

    def threshold_reason(self, scale: float) -> str:
        """Why :meth:`threshold` is what it is."""
        if self.negligible is not None:
            return self.negligible_why
        return (
            f"{NEGLIGIBLE_AGENTS} agents' weight: at scale {scale:g} one agent stands for about "
            f"{1 / scale:,.0f} {self.unit}"
        )


_GAP_WHY = (
    "the tolerance within which issue 9, point 9, counts a log gap as converged across scales: "
    "a smaller difference is within what the choice of scale alone moves"
)


def _log_gap(name: str, title: str, indicator: str, sector: str) -> KeyIndicator:
    """A capability gap (log points) as a key indicator, with the log gaps' practical threshold."""
    return KeyIndicator(
        name,
        title,
        indicator,
        sector=sector,
        unit="log points",
        fmt=".3f",
        negligible=LOG_GAP_NEGLIGIBLE,
        negligible_why=_GAP_WHY,
    )


KEY_INDICATORS: tuple[KeyIndicator, ...] = (
    KeyIndicator("talent_in_cn", "Taiwanese professionals in the mainland", "talent_in_cn", unit="persons"),
    _log_gap(
        "capability_gap_semiconductors", "Capability gap TW - CN, semiconductors", "capability_gap", "semiconductors"
    ),
    _log_gap(
        "capability_gap_location_semiconductors",
        "Capability gap by location (firms in TW - firms in CN), semiconductors",
        "capability_gap_location",
        "semiconductors",
    ),
    _log_gap("capability_gap_smart_mfg", "Capability gap TW - CN, smart manufacturing", "capability_gap", "smart_mfg"),
    KeyIndicator(
        "tw_firms_in_cn", "Taiwanese firms in the mainland", "firms", sector="*", region="CN", origin="TW", unit="firms"
    ),
    KeyIndicator("rd_centres_tw", "Foreign R&D centres in Taiwan", "rd_centres_tw", unit="centres"),
    KeyIndicator(
        "tw_firms_in_sea",
        "Taiwanese firms in Southeast Asia",
        "firms",
        sector="*",
        region="SEA",
        origin="TW",
        unit="firms",
    ),
)
RESPONSE_INDICATORS = (
    "talent_in_cn",
    "capability_gap_semiconductors",
    "capability_gap_smart_mfg",
    "tw_firms_in_cn",
    "rd_centres_tw",
)  # the panels of policy_response.png


@dataclass
class Sweep:
    """Every complete, readable run of a sweep in one long table, and what was left out."""

    sweep_dir: Path
    table: pd.DataFrame  # the results tables of all complete, readable runs, plus columns run and variant
    runs: pd.DataFrame  # one row per run found or expected: run, status, variant, scenario, seed, error
    events: list[tuple[float, str]] = field(default_factory=list)

    @property
    def left_out(self) -> pd.DataFrame:
        """Runs not in :attr:`table`: failed, still running (or killed), not started, or unreadable.

        ``status`` says which, ``error`` why (the run's own error, or why its results could not be read).
        """
        return self.runs[self.runs.status != "complete"]

    @property
    def quarters_by_run(self) -> dict[str, list[str]]:
        """The quarters each run of :attr:`table` holds, sorted."""
        if self.table.empty:
            return {}
        per_run = self.table.groupby("run", sort=False)["quarter"].unique()
        return {str(run): sorted(map(str, qs)) for run, qs in per_run.items()}

    @property
    def shared_quarters(self) -> list[str]:
        """The quarters that every run of :attr:`table` holds, sorted."""
        per_run = list(self.quarters_by_run.values())
        return sorted(set(per_run[0]).intersection(*per_run[1:])) if per_run else []


@dataclass
class Comparison:
    """The result of :func:`compare`."""

    sweep: Sweep
    reference: str
    stats: pd.DataFrame  # the rows of comparison.csv
    paired: pd.DataFrame  # per-seed paired differences: variant, seed, indicator, quarter, diff
    files: list[Path] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)  # the quarters of the tables
    notes: list[str] = field(default_factory=list)  # what was dropped or replaced, one line each


def _variant_labels(mans: dict[str, dict]) -> dict[str, str]:
    """Scenario name, plus the overrides that differ between runs (other than scenario, seed and output)."""
    kv: dict[str, dict[str, str]] = {}
    for run, man in mans.items():
        d = {}
        ovs = man.get("overrides")
        for ov in ovs if isinstance(ovs, list) else []:
            key, _, val = str(ov).partition("=")
            key = key.lstrip("+~")
            if key not in NON_VARIANT_KEYS and not key.startswith(NON_VARIANT_PREFIXES):
                d[key] = val
        kv[run] = d
    keys = sorted({k for d in kv.values() for k in d})
    varying = [k for k in keys if len({d.get(k) for d in kv.values()}) > 1]
    labels = {}
    for run, man in mans.items():
        extra = [f"{k}={kv[run][k]}" for k in varying if k in kv[run]]
        scen = str(man.get("scenario", "?"))
        labels[run] = f"{scen} [{', '.join(extra)}]" if extra else scen
    return labels


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: message``, first line only, shortened to ``limit`` characters."""
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _recorded_digest(manifest: dict) -> str | None:
    """The SHA-256 of results.parquet the manifest records (``files``), if it records one."""
    files = manifest.get("files")
    digest = files.get(RESULTS) if isinstance(files, dict) else None
    return digest if isinstance(digest, str) and digest else None


def read_results(path: Path, digest: str | None = None) -> pd.DataFrame:
    """A run's results table; raises ``ValueError`` saying why if it cannot be read or lacks a needed column.

    Args:
        path: the results.parquet.
        digest: its SHA-256 as the run's manifest records it; checked if given.
    """
    if digest is not None:
        h = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:
            raise ValueError(f"results.parquet cannot be read ({exc.strerror or exc})") from exc
        if h.hexdigest() != digest:
            raise ValueError("results.parquet does not match the checksum in its manifest (changed or corrupt)")
    try:
        t = pd.read_parquet(path)
    except Exception as exc:  # a truncated or otherwise corrupt file can raise almost anything
        raise ValueError(_one_line(exc).replace(f" '{path}'", "").replace(str(path), RESULTS)) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in t.columns]
    if missing:
        raise ValueError(f"results.parquet lacks the columns {missing}")
    if t.empty:
        raise ValueError("results.parquet has no rows")
    return t


def gather(sweep_dir: Path | str) -> Sweep:
    """Read every run directory of ``sweep_dir`` (also while the sweep runs, or after some runs failed).

    A run whose manifest does not say ``complete``, or whose results cannot be read (corrupt file, missing
    columns), is not in the table but in :attr:`Sweep.left_out`, with the reason; it never stops the others.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep directory {str(sweep_dir)!r} does not exist")
    expected: list[str] = []
    sj = sweep_dir / SWEEP_FILE
    if sj.is_file():
        try:
            runs_list = json.loads(sj.read_text()).get("runs")
            expected = [str(r) for r in runs_list] if isinstance(runs_list, list) else []
        except (OSError, ValueError, AttributeError):
            expected = []
    dirs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    mans: dict[str, dict] = {}
    rows: dict[str, dict] = {}
    for d in dirs:
        man = read_manifest(d)
        if man is None:
            if (d / MANIFEST).exists():
                rows[d.name] = {"run": d.name, "status": "manifest unreadable"}
            elif (d / ".hydra").is_dir() or d.name in expected or (d / RESULTS).exists():
                rows[d.name] = {"run": d.name, "status": "no manifest (starting, or killed before it started)"}
            continue
        status = man.get("status")
        if status == "complete" and not (d / RESULTS).is_file():
            status = "complete but results.parquet missing"
        mans[d.name] = man
        err = man.get("error")
        rows[d.name] = {
            "run": d.name,
            "status": status if isinstance(status, str) else "manifest without a status",
            "scenario": man.get("scenario"),
            "seed": man.get("seed"),
            "error": err if isinstance(err, str) else None,
        }
    for name in expected:
        rows.setdefault(name, {"run": name, "status": "not started"})
    labels = _variant_labels(mans)  # from every run, so that a label does not depend on which runs finished
    parts = []
    events: set[tuple[float, str]] = set()
    for run, man in mans.items():
        if rows[run]["status"] != "complete":
            continue
        try:
            t = read_results(sweep_dir / run / RESULTS, _recorded_digest(man))
        except ValueError as exc:
            rows[run].update(status=UNREADABLE, error=str(exc))
            continue
        t["run"] = run
        t["variant"] = labels[run]
        parts.append(t)
        try:
            events.update((float(x), str(lab)) for x, lab in man.get("policy_events") or [])
        except (TypeError, ValueError):
            pass  # malformed events only cost the figure its markers
    runs = pd.DataFrame(list(rows.values()), columns=["run", "status", "scenario", "seed", "error"])
    runs["variant"] = runs["run"].map(labels)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    order = {name: i for i, name in enumerate(expected)}
    runs = runs.sort_values("run", key=lambda s: s.map(lambda n: order.get(n, len(order))), kind="stable")
    return Sweep(sweep_dir, table, runs.reset_index(drop=True), sorted(events))


def key_values(table: pd.DataFrame, key: KeyIndicator) -> pd.DataFrame:
    """Values of one key indicator: columns variant, scenario, seed, quarter, value (one row per run and quarter)."""
    sel = table[table.indicator == key.indicator]
    for dim in ("sector", "region", "origin"):
        want = getattr(key, dim)
        sel = sel[sel[dim] != "all"] if want == "*" else sel[sel[dim] == want]
    out = sel.groupby(["variant", "scenario", "seed", "quarter"], observed=True, as_index=False)["value"].sum()
    out.insert(0, "indicator", key.name)
    return out


def variant_order(sweep: Sweep, reference: str | None = None) -> list[str]:
    """Variants in the order of the sweep (reference first)."""
    seen: list[str] = []
    for v in sweep.runs["variant"].dropna():
        if v not in seen:
            seen.append(v)
    if reference in seen:
        seen.remove(reference)
        seen.insert(0, reference)
    return seen


def resolve_reference(variants: list[str], reference: str) -> str:
    """The variant that ``reference`` names (exactly, or the only variant of that scenario)."""
    if reference in variants:
        return reference
    cands = [v for v in variants if v.split(" [")[0] == reference]
    if len(cands) == 1:
        return cands[0]
    raise ValueError(f"reference {reference!r} is not among the sweep's scenarios {variants}")


def _tcrit(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(INTERVAL[1], n - 1)) if n > 1 else float("nan")


def statistics(values: pd.DataFrame, reference: str, quarters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean and 90% interval across seeds, and paired differences from ``reference``.

    Args:
        values: rows of :func:`key_values` for any number of key indicators.
        reference: the variant the differences are taken from.
        quarters: the quarters to report.

    Returns:
        ``(stats, paired)``: one row per indicator, variant and quarter; and the per-seed differences.
    """
    lo, hi = INTERVAL
    v = values[values.quarter.isin(quarters)]
    ref = v[v.variant == reference][["indicator", "seed", "quarter", "value"]].rename(columns={"value": "ref"})
    paired = v.merge(ref, on=["indicator", "seed", "quarter"], how="inner")
    paired["diff"] = paired["value"] - paired["ref"]
    rows = []
    for (ind, var, q), g in v.groupby(["indicator", "variant", "quarter"], observed=True, sort=False):
        x = g["value"].to_numpy(float)
        d = paired[(paired.indicator == ind) & (paired.variant == var) & (paired.quarter == q)]["diff"].to_numpy(float)
        n_d = len(d)
        se = d.std(ddof=1) / np.sqrt(n_d) if n_d > 1 else float("nan")
        rows.append(
            {
                "indicator": ind,
                "variant": var,
                "scenario": g["scenario"].iloc[0],
                "quarter": q,
                "n_seeds": len(x),
                "mean": x.mean(),
                "p05": np.quantile(x, lo),
                "p95": np.quantile(x, hi),
                "reference": reference,
                "n_pairs": n_d,
                "diff_mean": d.mean() if n_d else np.nan,
                "diff_p05": np.quantile(d, lo) if n_d else np.nan,
                "diff_p95": np.quantile(d, hi) if n_d else np.nan,
                "diff_mean_ci90_low": d.mean() - _tcrit(n_d) * se if n_d else np.nan,
                "diff_mean_ci90_high": d.mean() + _tcrit(n_d) * se if n_d else np.nan,
            }
        )
    return pd.DataFrame(rows), paired[["indicator", "variant", "seed", "quarter", "value", "ref", "diff"]]


def _fmt(x: float, fmt: str) -> str:
    return "–" if not np.isfinite(x) else format(x, fmt).replace("-", "−")


def _cell(text: object) -> str:
    """Text for a markdown table cell (one line, no column breaks)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def choose_quarters(shared: Sequence[str], asked: Sequence[str]) -> tuple[list[str], list[str]]:
    """The asked quarters that every run holds, and notes on those dropped.

    If none of them is shared, the last shared quarter is used instead.

    Args:
        shared: the quarters every compared run holds (:attr:`Sweep.shared_quarters`).
        asked: the quarters asked for, in the order wanted.

    Returns:
        ``(quarters, notes)``.
    """
    if not shared:
        raise ValueError("the readable runs share no quarter (their horizons do not overlap)")
    have = set(shared)
    wanted = list(dict.fromkeys(str(q).strip().upper() for q in asked))
    qs = [q for q in wanted if q in have]
    dropped = [q for q in wanted if q not in have]
    span = f"{shared[0]}-{shared[-1]}" if len(shared) > 1 else shared[0]
    notes = []
    if not qs:
        qs = [shared[-1]]
        notes.append(
            f"none of the quarters {', '.join(wanted) or '(none)'} is held by every run (shared: {span}); "
            f"using the last shared quarter, {qs[0]}"
        )
    elif dropped:
        notes.append(f"quarters {', '.join(dropped)} dropped: not held by every run (shared: {span})")
    return qs, notes


def markdown(cmp: Comparison, quarters: list[str]) -> str:
    """comparison.md: a table per key indicator, the left-out runs, and how to read it."""
    st = cmp.stats
    ref = cmp.reference
    keys = {k.name: k for k in KEY_INDICATORS}
    order = variant_order(cmp.sweep, ref)
    n_runs = int((cmp.sweep.runs.status == "complete").sum())
    lines = [
        f"# Scenario comparison: {cmp.sweep.sweep_dir.name}",
        "",
        f"{n_runs} complete runs. Values: mean across seeds [90% interval across seeds: 5th, 95th percentile]. "
        f"Δ: difference from `{ref}`, paired by seed (same random draws), mean [5th, 95th percentile of the per-seed "
        "differences]; comparison.csv also gives the 90% confidence interval of the mean difference "
        "(diff_mean_ci90_low/high).",
        "",
    ]
    if cmp.notes:
        lines += [f"**Note:** {_cell(n)}." for n in cmp.notes]
        lines.append("")
    for name in st.indicator.unique() if not st.empty else []:
        k = keys[name]
        lines += [f"## {k.title} ({k.unit})", ""]
        head = ["scenario", "seeds"] + quarters + [f"Δ {q}" for q in quarters]
        lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        sub = st[st.indicator == name].set_index(["variant", "quarter"])
        for var in order:
            present = [q for q in quarters if (var, q) in sub.index]
            if not present:
                continue
            cells = [f"`{_cell(var)}`", str(int(sub.loc[(var, present[0]), "n_seeds"]))]
            for q in quarters:
                if (var, q) not in sub.index:
                    cells.append("–")
                    continue
                r = sub.loc[(var, q)]
                cells.append(f"{_fmt(r['mean'], k.fmt)} [{_fmt(r['p05'], k.fmt)}, {_fmt(r['p95'], k.fmt)}]")
            for q in quarters:
                if (var, q) not in sub.index:
                    cells.append("–")
                    continue
                r = sub.loc[(var, q)]
                if var == ref:
                    cells.append("(reference)")
                elif r["n_pairs"] == 0:
                    cells.append("no paired seeds")
                else:
                    cells.append(
                        f"{_fmt(r['diff_mean'], '+' + k.fmt)} "
                        f"[{_fmt(r['diff_p05'], k.fmt)}, {_fmt(r['diff_p95'], k.fmt)}]"
                    )
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    left = cmp.sweep.left_out
    lines += ["## Runs left out", ""]
    if left.empty:
        lines.append("None: every run of the sweep is complete.")
    else:
        lines += ["| run | status | error |", "|---|---|---|"]
        for r in left.itertuples():
            err = r.error if isinstance(r.error, str) else ""
            lines.append(f"| `{_cell(r.run)}` | {_cell(r.status)} | {_cell(err)} |")
    return "\n".join(lines) + "\n"


def _shared_per_variant(values: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``values`` whose quarter every seed of their variant holds (a line ends where its runs end)."""
    keep = []
    for _, g in values.groupby("variant", sort=False):
        per_seed = [set(q) for q in g.groupby("seed")["quarter"].unique()]
        common = set.intersection(*per_seed) if per_seed else set()
        keep.append(g[g["quarter"].isin(common)])
    return pd.concat(keep, ignore_index=True) if keep else values.iloc[:0]


def write_all(out_dir: Path, writers: Sequence[tuple[str, Callable[[Path], object]]]) -> list[Path]:
    """Write every file, all or none: each into a temporary folder in ``out_dir``, then all moved into place.

    ``writers`` holds (file name, function that writes the file at the path it is given). If any of them fails,
    nothing in ``out_dir`` changes (files there before are put back) and the error is raised.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".compare-", suffix=".tmp", dir=out_dir))
    except OSError as exc:
        raise OSError(f"cannot write to {str(out_dir)!r}: {exc.strerror or exc}") from exc
    try:
        for name, write in writers:
            write(tmp / name)
            if not (tmp / name).is_file():
                raise OSError(f"{name} was not written")
        umask = os.umask(0)
        os.umask(umask)
        moved: list[str] = []  # files of an earlier comparison, set aside until the new ones are in place
        placed: list[str] = []
        try:
            for name, _ in writers:
                os.chmod(tmp / name, 0o666 & ~umask)  # readable like any other file of the user's
                dst = out_dir / name
                if dst.exists() or dst.is_symlink():
                    os.replace(dst, tmp / f"old-{name}")
                    moved.append(name)
                os.replace(tmp / name, dst)
                placed.append(name)
        except BaseException:
            for name in placed:
                (out_dir / name).unlink(missing_ok=True)
            for name in moved:
                os.replace(tmp / f"old-{name}", out_dir / name)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out_dir / name for name, _ in writers]


def compare(
    sweep_dir: Path | str,
    out: Path | str | None = None,
    reference: str = "baseline",
    quarters: list[str] | tuple[str, ...] = DEFAULT_QUARTERS,
    plots: bool = True,
) -> Comparison:
    """Gather a sweep and write comparison.csv, comparison.md, talent_outflow_compare.png and policy_response.png.

    Runs that cannot be read are left out (:attr:`Sweep.left_out`). The tables report only quarters that every
    compared run holds; asked-for quarters outside them are dropped, and if none is left the last shared quarter
    is used (:attr:`Comparison.notes` says so). The files are written all or none.

    Args:
        sweep_dir: the sweep directory (``hydra.sweep.dir`` of the multirun, or of :func:`~.sweep.run_sweep`).
        out: where to write; default ``sweep_dir``.
        reference: scenario (variant) the paired differences are taken from.
        quarters: quarters of the tables.
        plots: write the two figures.

    Raises:
        FileNotFoundError: ``sweep_dir`` does not exist.
        ValueError: no run can be compared, or ``reference`` names no scenario of the sweep.
        OSError: the outputs cannot be written (nothing is left behind).
    """
    from crossstrait_sim.evidence.datasets import observed_talent_in_cn
    from crossstrait_sim.viz.plotting import plot_policy_response, plot_talent_compare

    observed = observed_talent_in_cn()  # DGBAS points where the runs cover 2010-2019

    sweep = gather(sweep_dir)
    if sweep.table.empty:
        counts = sweep.runs["status"].value_counts()
        found = ", ".join(f"{n} {status}" for status, n in counts.items()) or "no run directories"
        raise ValueError(f"{sweep_dir}: no complete, readable run to compare ({found})")
    variants = variant_order(sweep)
    ref = resolve_reference(variants, reference)
    qs, notes = choose_quarters(sweep.shared_quarters, quarters)
    if ref not in set(sweep.table["variant"]):
        notes.append(f"the reference {ref!r} has no complete, readable run: no paired differences")
    values = pd.concat([key_values(sweep.table, k) for k in KEY_INDICATORS], ignore_index=True)
    stats, paired = statistics(values, ref, qs)
    cmp = Comparison(sweep, ref, stats, paired, quarters=qs, notes=notes)
    out_dir = Path(out) if out is not None else Path(sweep_dir)
    rounded = stats.copy()
    num = rounded.select_dtypes("number").columns
    rounded[num] = rounded[num].astype(float).round(6)
    text = markdown(cmp, qs)
    writers: list[tuple[str, Callable[[Path], object]]] = [
        ("comparison.csv", lambda p: rounded.to_csv(p, index=False)),
        ("comparison.md", lambda p: p.write_text(text, encoding="utf-8")),
    ]
    if plots:
        order = variant_order(sweep, ref)
        talent = _shared_per_variant(values[values.indicator == "talent_in_cn"])
        keys = [k for k in KEY_INDICATORS if k.name in RESPONSE_INDICATORS]
        writers += [
            ("talent_outflow_compare.png", lambda p: plot_talent_compare(talent, p, sweep.events, order, observed)),
            ("policy_response.png", lambda p: plot_policy_response(stats, p, keys, ref, order)),
        ]
    cmp.files += write_all(out_dir, writers)
    return cmp


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``crossstrait-sim-compare``."""
    ap = argparse.ArgumentParser(prog="crossstrait-sim-compare", description=__doc__.splitlines()[0])
    ap.add_argument("sweep_dir", help="the sweep directory (hydra.sweep.dir of the multirun)")
    ap.add_argument("--out", default=None, help="output directory (default: SWEEP_DIR)")
    ap.add_argument("--reference", default="baseline", help="scenario the paired differences are taken from")
    ap.add_argument("--quarters", nargs="+", default=list(DEFAULT_QUARTERS), help="quarters of the tables")
    ap.add_argument("--no-plots", action="store_true", help="write the tables only")
    args = ap.parse_args(argv)
    try:
        cmp = compare(args.sweep_dir, args.out, args.reference, args.quarters, plots=not args.no_plots)
    except (OSError, ValueError) as exc:  # expected failures: one line, nothing written
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"crossstrait-sim-compare: {msg}", file=sys.stderr)
        sys.exit(2)
    sw = cmp.sweep
    n_ok = int((sw.runs.status == "complete").sum())
    print(
        f"crossstrait-sim-compare: {n_ok} complete runs, {sw.table['variant'].nunique()} scenarios, "
        f"reference {cmp.reference!r}, quarters {', '.join(cmp.quarters)}"
    )
    for note in cmp.notes:
        print(f"crossstrait-sim-compare: note: {note}", file=sys.stderr)
    left = sw.left_out
    if not left.empty:
        print(f"left out {len(left)} runs:", file=sys.stderr)
        for r in left.itertuples():
            err = f": {r.error}" if isinstance(r.error, str) else ""
            print(f"  {r.run}  ({r.status}{err})", file=sys.stderr)
    for f in cmp.files:
        print(f"wrote {f}")


if __name__ == "__main__":  # pragma: no cover
    main()
