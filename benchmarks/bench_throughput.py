"""Issue 12's per-run targets, each new figure printed beside the old path's, measured in the same run.

Run: python benchmarks/bench_throughput.py PART [options], PART one of
  profile [--reps N]            where a default run's time goes (compose ... writing), old and new path
  compose [--reps N]            compose_config per run vs Composer (compose once per sweep)
  table [--reps N]              Recorder.to_frame_reference (old) vs Recorder.to_frame (new)
  sweep [--runs N] [--jobs J]   run_sweep of N default runs, each variant in a fresh process: compose per
      [--new-only]              run + numpy (old), compose once + numpy, compose once + numba (new);
                                prints the amortized time per run and 1,000 runs extrapolated
  phases [--scale X] [--reps N] agent-steps/s and each phase's time, numpy (old) and numba (new) paths
  scale1                        scale 1 in fresh processes, numpy and numba: wall time and peak memory
  compile                       numba's compile: a default run in a fresh process with an empty cache,
                                then with the cache filled, then without numba (CROSSSTRAIT_SIM_NUMBA=0)
Timings are medians of --reps repetitions; other work on the machine slows every figure. "old" and
"new" run in the same invocation, alternating where repeated. The numpy path is the code before the
numba kernels (crossstrait_sim.model.fast.ENABLED = False): the same results to the last bit.
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
from crossstrait_sim.model import fast
from crossstrait_sim.model.vectorized import VectorizedModel

PATHS = (("old: numpy", False), ("new: numba", True))


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
            for label, enabled in PATHS:
                fast.ENABLED = enabled
                m = VectorizedModel(params)
                t = rec(f"model set-up (VectorizedModel.__init__) ({label})", t)
                m.run()
                t = rec(f"the {params.n_quarters} quarters ({label})", t)
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
        print(f"  {k:70s} {_med(v[1:]):7.3f} s")
    old = sum(_med(v[1:]) for k, v in rows.items() if "(new" not in k)
    new = sum(_med(v[1:]) for k, v in rows.items() if "(old" not in k)
    plot = next(_med(v[1:]) for k, v in rows.items() if "png" in k)
    print(f"  {'sum, new path, output.plot=false':70s} {new - plot:7.3f} s")
    print(f"  {'sum, old path':70s} {old:7.3f} s")
    print(f"  {'sum, new path':70s} {new:7.3f} s")


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


def sweep(runs: int, jobs: int, extra: list[str], new_only: bool = False) -> None:
    """run_sweep of `runs` default runs (seeds) with `jobs` workers; each variant in a fresh process and folder.

    ``new_only``: only the new path (a whole study's runs measured, not extrapolated, in a third of the time).
    """
    fixed = ["engine.threads=1", *extra] if jobs > 1 else list(extra)
    print(
        f"run_sweep: {runs} default runs (seeds 0-{runs - 1}), n_jobs={jobs}, overrides {fixed}, {os.cpu_count()} cores"
    )
    variants = (
        ("compose per run + numpy (old)", False, "0"),
        ("compose once + numpy", True, "0"),
        ("compose once + numba (new)", True, "1"),
    )
    if new_only:
        variants = variants[-1:]
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, once, numba) in enumerate(variants):
            code = (
                "import sys,time;from crossstrait_sim.study.sweep import run_sweep;t=time.perf_counter();"
                f"r=run_sweep(sys.argv[1],{{'seed':range({runs})}},{fixed!r},n_jobs={jobs},progress=False,"
                f"compose_once={once});assert set(r.status)=={{'complete'}},r;print(time.perf_counter()-t)"
            )
            env = {**os.environ, "CROSSSTRAIT_SIM_NUMBA": numba}
            out = subprocess.run(
                [sys.executable, "-c", code, str(Path(tmp) / str(i))], env=env, capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(out.stderr[-2000:])
            secs = float(out.stdout.split()[-1])  # the sweep itself, after the process's imports
            res[label] = secs
            print(
                f"  {label:30s} {secs:7.1f} s  {secs / runs:6.3f} s per run  {60 * runs / secs:6.1f} runs/min"
                f"  -> 1,000 runs: {1000 * secs / runs / 60:5.1f} min (extrapolated)"
            )
    a, b = res[variants[0][0]], res[variants[-1][0]]
    speed = "" if new_only else f"speed-up new / old {a / b:.2f}x; "
    print(f"  {speed}load average now {os.getloadavg()[0]:.2f}")


PHASES = (
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
)


def _timed_run(params, enabled: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One run on one path: set-up, quarters (wall and CPU time), each phase's wall time, agent-steps."""
    fast.ENABLED = enabled
    t0 = time.perf_counter()
    m = VectorizedModel(params)
    res = {"set-up": time.perf_counter() - t0}
    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    for n in PHASES:  # instance attributes shadow the methods; the model code is unchanged
        setattr(m, n, timed(n, getattr(m, n)))
    t0, c0 = time.perf_counter(), time.process_time()
    m.run()
    res["quarters"], res["quarters, CPU"] = time.perf_counter() - t0, time.process_time() - c0
    res["agent_steps"] = m.agent_steps
    res.update(spent)
    return res


def phases(scale: float, reps: int) -> None:
    """Agent-steps/s at `scale` and the time in each phase of the step, old (numpy) and new (numba) path."""
    params = build_params(compose_config([f"scale={scale}", "engine.threads=1"]))
    _timed_run(build_params(compose_config(["scale=0.001", "engine.threads=1"])), True)  # load the kernels
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in PATHS}
    for _ in range(reps):
        for label, enabled in PATHS:
            runs[label].append(_timed_run(params, enabled))
    med = {label: {k: _med([r[k] for r in rs]) for k in rs[0]} for label, rs in runs.items()}
    old, new = (med[label] for label, _ in PATHS)
    steps = old["agent_steps"]
    print(f"scale {scale}, engine.threads=1, {steps:,.0f} agent-steps, median of {reps} (wall s unless noted):")
    print(f"  {'':24s} {'old: numpy':>11s} {'new: numba':>11s}")
    print(f"  {'set-up':24s} {old['set-up']:11.2f} {new['set-up']:11.2f}")
    ratio = old["quarters"] / new["quarters"]
    print(f"  {'quarters':24s} {old['quarters']:11.2f} {new['quarters']:11.2f}  ({ratio:.2f}x)")
    print(f"  {'quarters, CPU time':24s} {old['quarters, CPU']:11.2f} {new['quarters, CPU']:11.2f}")
    for k in ("quarters", "quarters, CPU"):
        print(f"  {'agent-steps/s, ' + k:24s} {steps / old[k] / 1e6:10.1f}M {steps / new[k] / 1e6:10.1f}M")
    nested = {"market", "labour_market"}  # market() is also called inside other phases: shares overlap
    for n in sorted(PHASES, key=lambda k: -old[k]):
        note = " (includes nested calls)" if n in nested else ""
        print(f"  {n:24s} {old[n]:11.2f} {new[n]:11.2f}  {100 * new[n] / new['quarters']:5.1f}% of new{note}")


def scale1() -> None:
    """Scale 1 in a fresh process per path: wall time (set-up + quarters + table) and max RSS."""
    code = (
        "import time,resource;from crossstrait_sim.config.compose import compose_config;"
        "from crossstrait_sim.config.parameters import build_params;from crossstrait_sim.runner import simulate;"
        "simulate(build_params(compose_config(['scale=0.001'])));"  # load the compiled kernels first
        "p=build_params(compose_config(['scale=1.0']));t=time.perf_counter();_,s=simulate(p);d=time.perf_counter()-t;"
        "print(f'{d:.1f} s (set-up + quarters + table), {s/d:,.0f} agent-steps/s, "
        "max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:,.0f} MB')"
    )
    for label, enabled in PATHS:
        env = {**os.environ, "CROSSSTRAIT_SIM_NUMBA": "1" if enabled else "0"}
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        print(f"scale 1, {label}: {r.stdout.strip()}")


def compile_time() -> None:
    """A default run in fresh processes: empty numba cache (compiles), filled cache, numpy path."""
    code = (
        "import time;t=time.perf_counter();from crossstrait_sim.config.compose import compose_config;"
        "from crossstrait_sim.config.parameters import build_params;from crossstrait_sim.runner import simulate;"
        "p=build_params(compose_config([]));t1=time.perf_counter();simulate(p);t2=time.perf_counter();"
        "simulate(p);t3=time.perf_counter();"
        "print(f'imports + compose {t1-t:.2f} s, first run {t2-t1:.2f} s, second run {t3-t2:.2f} s')"
    )
    with tempfile.TemporaryDirectory() as cache:
        for label, numba in (("empty cache", "1"), ("cache filled", "1"), ("numpy path", "0")):
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "CROSSSTRAIT_SIM_NUMBA": numba}
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            print(f"  {label:13s} process {time.perf_counter() - t:5.2f} s: {r.stdout.strip()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["profile", "compose", "table", "sweep", "phases", "scale1", "compile"])
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5; phases: 1)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--new-only", action="store_true", help="sweep: only the new path")
    args, extra = ap.parse_known_args()
    if args.reps is None:
        args.reps = 1 if args.part == "phases" else 5
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    {
        "profile": lambda: profile(args.reps),
        "compose": lambda: compose(args.reps),
        "table": lambda: table(args.reps),
        "sweep": lambda: sweep(args.runs, args.jobs, extra, args.new_only),
        "phases": lambda: phases(args.scale, args.reps),
        "scale1": scale1,
        "compile": compile_time,
    }[args.part]()
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
