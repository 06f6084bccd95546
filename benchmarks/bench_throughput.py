"""Issue 12's per-run targets, each new figure printed beside the old path's, measured in the same run.

Run: python benchmarks/bench_throughput.py PART [options], PART one of
  profile [--reps N]            where a default run's time goes (compose ... writing), old and new path
  compose [--reps N]            compose_config per run vs Composer (compose once per sweep)
  table [--reps N]              Recorder.to_frame_reference (old) vs Recorder.to_frame (new)
  sweep [--runs N] [--jobs J]   run_sweep of N default runs: compose per run (old) vs once (new);
                                prints the amortized time per run and 1,000 runs extrapolated
  phases [--scale X]            agent-steps/s and the time of each model phase (input for a kernel pass)
  scale1                        scale 1: wall time and peak memory (max RSS) in a fresh process
Timings are medians of --reps repetitions; other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crossstrait_sim.config.compose import Composer, compose_config
from crossstrait_sim.config.parameters import build_params
from crossstrait_sim.model.vectorized import VectorizedModel


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def profile(reps: int) -> None:
    """A default run, step by step, as a sweep job does it (run_into: compose ... writing the run folder)."""
    import json

    from omegaconf import OmegaConf

    from crossstrait_sim.simulation.run import summarise, summary_quarters
    from crossstrait_sim.study.manifest import config_hash
    from crossstrait_sim.viz.plotting import plot_talent_outflow

    composer = Composer()
    composer(["seed=0"])  # the sweep's one composition
    rows: dict[str, list[float]] = {}

    def rec(k: str, t0: float) -> float:
        t1 = time.perf_counter()
        rows.setdefault(k, []).append(t1 - t0)
        return t1

    with tempfile.TemporaryDirectory() as tmp:
        for i in range(reps + 1):  # the first repetition warms up (imports, caches) and is dropped
            t = time.perf_counter()
            compose_config([f"seed={i}"])
            t = rec("compose_config (old: every run)", t)
            cfg = composer([f"seed={i}"])
            t = rec("Composer (new: once per sweep, then a copy)", t)
            params = build_params(cfg)
            t = rec("build_params", t)
            m = VectorizedModel(params)
            t = rec("model set-up (VectorizedModel.__init__)", t)
            m.run()
            t = rec(f"the {params.n_quarters} quarters", t)
            m.recorder.to_frame_reference()
            t = rec("table (old: Recorder.to_frame_reference)", t)
            table = m.recorder.to_frame()
            t = rec("table (new: Recorder.to_frame)", t)
            summarise(table, summary_quarters(params, list(cfg.output.summary_quarters)))
            t = rec("summary", t)
            config_hash(cfg)
            t = rec("config hash (once per run; twice before)", t)
            table.to_parquet(Path(tmp) / "r.parquet", index=False, engine="pyarrow")
            t = rec("write results.parquet", t)
            (Path(tmp) / "c.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
            (Path(tmp) / "s.json").write_text(json.dumps({"x": 1}))
            t = rec("write resolved_config.yaml, summary.json", t)
            plot_talent_outflow(table, Path(tmp) / "p.png", [])
            rec("write talent_outflow.png (output.plot=true, the default)", t)
    print(f"default run (scale {params.scale}, {params.n_quarters} quarters), median of {reps} after a warm-up:")
    for k, v in rows.items():
        print(f"  {k:58s} {_med(v[1:]):7.3f} s")
    old = sum(_med(v[1:]) for k, v in rows.items() if "(new" not in k)
    new = sum(_med(v[1:]) for k, v in rows.items() if "(old" not in k)
    print(f"  {'sum, old path':58s} {old:7.3f} s")
    print(f"  {'sum, new path':58s} {new:7.3f} s")


def compose(reps: int) -> None:
    """compose_config per run against a Composer (first call composes, then each call copies)."""
    old, new = [], []
    composer = Composer()
    composer(["seed=0"])
    for i in range(reps):
        t = time.perf_counter()
        compose_config([f"seed={i}", "engine.threads=1"])
        t1 = time.perf_counter()
        composer([f"seed={i}", "engine.threads=1"])
        t2 = time.perf_counter()
        old.append(t1 - t)
        new.append(t2 - t1)
    print(f"compose_config (old)  {_med(old) * 1000:8.1f} ms per run")
    print(f"Composer (new)        {_med(new) * 1000:8.1f} ms per run  ({_med(old) / _med(new):.0f}x)")


def table(reps: int) -> None:
    """The results table of a default run, old and new, on the same recorder."""
    m = VectorizedModel(build_params(compose_config([]))).run()
    old, new = [], []
    for _ in range(reps):
        t = time.perf_counter()
        m.recorder.to_frame_reference()
        t1 = time.perf_counter()
        m.recorder.to_frame()
        t2 = time.perf_counter()
        old.append(t1 - t)
        new.append(t2 - t1)
    print(f"to_frame_reference (old)  {_med(old) * 1000:7.1f} ms")
    print(f"to_frame (new)            {_med(new) * 1000:7.1f} ms  ({_med(old) / _med(new):.1f}x)")


def sweep(runs: int, jobs: int, extra: list[str]) -> None:
    """run_sweep of `runs` default runs (seeds) with `jobs` workers, old then new path, into fresh folders."""
    from crossstrait_sim.study.sweep import run_sweep

    fixed = ["engine.threads=1", *extra] if jobs > 1 else list(extra)
    print(
        f"run_sweep: {runs} default runs (seeds 0-{runs - 1}), n_jobs={jobs}, overrides {fixed}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        res = {}
        for label, once in (("compose per run (old)", False), ("compose once (new)", True)):
            t = time.perf_counter()
            rep = run_sweep(
                Path(tmp) / label.split()[1],
                {"seed": range(runs)},
                fixed,
                n_jobs=jobs,
                progress=False,
                compose_once=once,
            )
            secs = time.perf_counter() - t
            assert set(rep.status) == {"complete"}, rep
            res[label] = secs
            print(
                f"  {label:22s} {secs:7.1f} s  {secs / runs:6.3f} s per run  {60 * runs / secs:6.1f} runs/min"
                f"  -> 1,000 runs: {1000 * secs / runs / 60:5.1f} min (extrapolated)"
            )
    a, b = res.values()
    print(f"  speed-up {a / b:.2f}x; load average now {os.getloadavg()[0]:.2f}")


def phases(scale: float) -> None:
    """Agent-steps/s at `scale` and the time in each phase of the step (methods timed from outside the model)."""
    params = build_params(compose_config([f"scale={scale}", "engine.threads=1"]))
    t0 = time.perf_counter()
    m = VectorizedModel(params)
    setup = time.perf_counter() - t0
    names = [
        "policy_levels",
        "alive_firms",
        "labour_market",
        "market",
        "costs_and_profit",
        "investment",
        "location_review",
        "rd_centres",
        "exit_and_entry",
        "professionals",
        "record",
    ]
    spent = dict.fromkeys(names, 0.0)

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    for n in names:  # instance attributes shadow the methods; the model code is unchanged
        setattr(m, n, timed(n, getattr(m, n)))
    t0 = time.perf_counter()
    m.run()
    secs = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.recorder.to_frame()
    tab = time.perf_counter() - t0
    print(f"scale {scale}, engine.threads=1: set-up {setup:.2f} s, quarters {secs:.2f} s, table {tab:.2f} s")
    print(f"  agent-steps {m.agent_steps:,}; {m.agent_steps / secs:,.0f} agent-steps/s over the quarters")
    nested = {"market", "labour_market"}  # market() is also called inside other phases: shares overlap
    for n in sorted(names, key=lambda k: -spent[k]):
        note = " (includes nested calls)" if n in nested else ""
        print(f"  {n:18s} {spent[n]:7.2f} s  {100 * spent[n] / secs:5.1f}%{note}")


def scale1() -> None:
    """Scale 1 in a fresh process: wall time (set-up + quarters + table) and max RSS."""
    code = (
        "import time,resource;from crossstrait_sim.config.compose import compose_config;"
        "from crossstrait_sim.config.parameters import build_params;from crossstrait_sim.runner import simulate;"
        "p=build_params(compose_config(['scale=1.0']));t=time.perf_counter();_,s=simulate(p);d=time.perf_counter()-t;"
        "print(f'scale 1: {d:.1f} s (set-up + quarters + table), {s/d:,.0f} agent-steps/s, "
        "max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:,.0f} MB')"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    print(r.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["profile", "compose", "table", "sweep", "phases", "scale1"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--scale", type=float, default=0.1)
    args, extra = ap.parse_known_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    {
        "profile": lambda: profile(args.reps),
        "compose": lambda: compose(args.reps),
        "table": lambda: table(args.reps),
        "sweep": lambda: sweep(args.runs, args.jobs, extra),
        "phases": lambda: phases(args.scale),
        "scale1": scale1,
    }[args.part]()
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
