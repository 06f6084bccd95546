"""The browser app: pick a scenario, switch policies and responses, run, compare, download.

Served by ``crossstrait-sim-app`` (:mod:`crossstrait_sim.viz.app_cli`), which starts Solara on
127.0.0.1, offline and without telemetry. Built with Solara directly rather than Mesa's
``SolaraViz``: SolaraViz steps one live ``mesa.Model`` and redraws its components after each step,
while this page runs whole 2010-2030 horizons of the vectorized engine over several seeds, keeps
finished runs to compare settings side by side, and draws bands across seeds; none of that is a
step-by-step view of one model instance. The widgets are the same Solara ones SolaraViz uses.

Every run goes through :mod:`crossstrait_sim.viz.app_runs` (in memory, cached); what the page
accepts is fixed by :mod:`crossstrait_sim.viz.app_settings`; figures and downloads come from
:mod:`crossstrait_sim.viz.app_figures`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import solara
import solara.server.settings
from solara.lab import task

from crossstrait_sim.errors import ConfigError
from crossstrait_sim.viz import app_figures as figs
from crossstrait_sim.viz.app_runs import Result, missing_runs, run_setting
from crossstrait_sim.viz.app_settings import (
    DEFAULT_SCENARIO,
    DEFAULT_SEEDS,
    MAX_SEEDS,
    OPTIONS,
    PolicyOption,
    Setting,
    app_scale,
    describe,
    overrides,
    scenario_defaults,
    scenarios,
)

# telemetry off even when someone serves this module with a plain `solara run` (the command
# crossstrait-sim-app also switches it off through the environment before Solara starts)
solara.server.settings.telemetry.mixpanel_enable = False

TITLE = "Cross-strait talent and industry: scenario explorer"
COLORS = ("#1f77b4", "#d62728", "#2ca02c")  # settings A, B, C
REFERENCES = ("narrative", "baseline", "none")
MAX_KEPT = 2  # kept results; with the current one, three settings side by side
log = logging.getLogger("crossstrait_sim.app")
COMPARE_CSS = """
.cs-compare { border-collapse: collapse; }
.cs-compare th, .cs-compare td { padding: 2px 12px; text-align: right; border-bottom: 1px solid #e0e0e0; }
.cs-compare tbody th { text-align: left; font-weight: normal; }
.cs-compare thead th { text-align: right; vertical-align: bottom; max-width: 16em; }
"""


@dataclass(frozen=True)
class Outcome:
    """What a press of Run gives: the setting's runs and the reference's, or a one-line error."""

    current: Result | None = None
    reference: Result | None = None
    error: str = ""


# per browser session (Solara keeps a copy of every reactive value per session)
scenario = solara.reactive(DEFAULT_SCENARIO)
switched: solara.Reactive[tuple[str, ...] | None] = solara.reactive(None)  # None: what the scenario has
typed: solara.Reactive[dict[str, str]] = solara.reactive({})  # lever fields as typed (config key -> text)
seeds = solara.reactive(DEFAULT_SEEDS)
reference = solara.reactive(DEFAULT_SCENARIO)
kept: solara.Reactive[tuple[Result, ...]] = solara.reactive(())
message = solara.reactive("")
shown: solara.Reactive[Outcome | None] = solara.reactive(None)  # the last run that succeeded


def current_setting() -> Setting:
    """The setting as the page shows it now."""
    on = switched.value if switched.value is not None else scenario_defaults(scenario.value)[0]
    return Setting(scenario.value, tuple(on), tuple(sorted(typed.value.items())), seeds.value)


@task
def run_task(setting: Setting, ref: str) -> Outcome:
    """Run the setting and the reference over the chosen seeds; report progress after every simulation."""
    try:
        ovr = overrides(setting)
        ref_ovr = None if ref == "none" else overrides(Setting(ref, scenario_defaults(ref)[0], (), setting.seeds))
        total = max(1, missing_runs(ovr, setting.seeds) + (missing_runs(ref_ovr, setting.seeds) if ref_ovr else 0))
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            run_task.progress = 100.0 * done[0] / total

        run_task.progress = 0.0
        current = run_setting(ovr, setting.seeds, describe(setting), tick)
        ref_res = run_setting(ref_ovr, setting.seeds, f"reference: {ref}", tick) if ref_ovr else None
        shown.set(Outcome(current, ref_res))  # a failed run leaves the last good one on the page
        return shown.value
    except ConfigError as exc:
        return Outcome(error=str(exc).splitlines()[0])
    except Exception as exc:  # the page shows one line; the traceback goes to the server's log only
        log.exception("run failed for %s", setting)
        return Outcome(error=f"The run failed ({type(exc).__name__}); the server's log has the details.")


def start_run() -> None:
    """Check what the page holds and start a run; a bad value becomes the page's message."""
    try:
        setting = current_setting()
        overrides(setting)  # every field parsed before anything runs
    except ConfigError as exc:
        message.set(str(exc).splitlines()[0])
        return
    message.set("")
    run_task(setting, reference.value)


def curves_of(outcome: Outcome | None, kept_results: tuple[Result, ...]) -> list[figs.Curve]:
    """The reference (dashed), the kept results and the current one, lettered A, B, C."""
    out: list[figs.Curve] = []
    if outcome is not None and outcome.reference is not None:
        out.append(figs.Curve(outcome.reference.label, outcome.reference, "0.35", dashed=True))
    results = list(kept_results)
    cur = outcome.current if outcome is not None else None
    if cur is not None and not any(_same(cur, k) for k in kept_results):
        results.append(cur)
    for i, r in enumerate(results):
        out.append(figs.Curve(f"{'ABC'[i]}: {r.label}", r, COLORS[i]))
    return out


def _same(a: Result, b: Result) -> bool:
    return a.overrides == b.overrides and a.seeds == b.seeds


def on_scenario(name: str) -> None:
    """A new scenario: its own switches and lever values."""
    scenario.set(name)
    switched.set(None)
    typed.set({})


@solara.component
def PolicySwitch(option: PolicyOption, on: tuple[str, ...]) -> None:
    """A policy's checkbox and, while it is on, its start quarter and size."""
    _, defaults, _ = scenario_defaults(scenario.value)
    is_on = option.option in on

    def toggle(value: bool) -> None:
        switched.set(tuple(o.option for o in OPTIONS if (o.option == option.option and value) or
                           (o.option != option.option and o.option in on)))  # fmt: skip

    def field(key: str, label: str) -> None:
        solara.InputText(
            label,
            value=typed.value.get(key, defaults[key]),
            on_value=lambda text: typed.set({**typed.value, key: text}),
            continuous_update=True,
            dense=True,
        )

    solara.Checkbox(label=option.label, value=is_on, on_value=toggle)
    if is_on:
        with solara.Row(style={"padding-left": "32px", "margin-top": "-12px"}):
            field(option.start_key, "start quarter")
            field(option.size_key, option.size_label)


@solara.component
def Controls() -> None:
    """The left column: what to run, the Run button and its progress, comparison buttons."""
    on = switched.value if switched.value is not None else scenario_defaults(scenario.value)[0]
    shocks = scenario_defaults(scenario.value)[2]
    outcome = run_task.value if run_task.finished else None
    solara.Select("Scenario", values=scenarios(), value=scenario.value, on_value=on_scenario)
    if shocks:
        solara.Text(f"External shocks in this scenario: {', '.join(shocks)}", style={"font-size": "0.85em"})
    for group, heading in (("mainland", "Mainland policies"), ("taiwan", "Taiwan's responses")):
        solara.HTML(tag="h4", unsafe_innerHTML=heading, style="margin: 12px 0 0 0")
        for o in OPTIONS:
            if o.group == group:
                PolicySwitch(o, on)
    solara.SliderInt("Seeds (bands across them)", value=seeds, min=1, max=MAX_SEEDS)
    solara.Select("Reference (dashed)", values=list(REFERENCES), value=reference)
    solara.Button("Run", on_click=start_run, color="primary", disabled=run_task.pending, block=True)
    if run_task.pending:
        solara.ProgressLinear(run_task.progress if run_task.progress is not None else True, classes=["cs-progress"])
        solara.Text("Running the model...", style={"font-size": "0.85em"})
    if message.value or (outcome is not None and outcome.error):
        solara.Error(message.value or outcome.error, classes=["cs-error"])
    can_keep = outcome is not None and outcome.current is not None and not run_task.pending
    if can_keep and not any(_same(outcome.current, k) for k in kept.value):
        solara.Button("Keep for comparison", on_click=lambda: kept.set((*kept.value, outcome.current)[-MAX_KEPT:]),
                      outlined=True, block=True)  # fmt: skip
    if kept.value:
        solara.Button("Clear comparison", on_click=lambda: kept.set(()), text=True, block=True)


@solara.component
def Figures(curves: list[figs.Curve], key: tuple) -> None:
    """The four figures, two by two, as PNG; drawn again only when the curves change (``key``)."""
    drawn = solara.use_memo(lambda: {name: _drawn(name, curves) for name in figs.FIGURES}, [key])
    for row in (("talent", "investment_share"), ("tw_firms_by_region", "capability_gap")):
        with solara.Columns([1, 1]):
            for name in row:
                with solara.Column(classes=[f"cs-fig-{name}"]):
                    if drawn[name]:
                        solara.Image(drawn[name], format="png")
                    else:
                        solara.Error(f"The figure '{name}' could not be drawn; the server's log has the details.")


def _drawn(name: str, curves: list[figs.Curve]) -> bytes:
    """A figure as PNG bytes; empty if drawing failed (the page says so in one line, the log has why)."""
    try:
        return figs.png(figs.FIGURES[name](curves), dpi=figs.FIG_DPI)
    except Exception:
        log.exception("figure %s failed", name)
        return b""


@solara.component
def Downloads(curves: list[figs.Curve], key: tuple) -> None:
    """Buttons that make the table and the figures in memory when pressed."""

    def makers() -> tuple[Callable[[], bytes], ...]:
        # the same callables until the curves change: FileDownload forgets a pending click when its data changes
        return (lambda: figs.table_csv(curves), lambda: figs.table_parquet(curves), lambda: figs.figures_zip(curves))

    csv, parquet, zipped = solara.use_memo(makers, [key])
    with solara.Row(classes=["cs-downloads"]):
        solara.FileDownload(csv, filename="crossstrait_app_table.csv", label="Table (CSV)", mime_type="text/csv")
        solara.FileDownload(parquet, filename="crossstrait_app_table.parquet", label="Full table (Parquet)")
        solara.FileDownload(zipped, filename="crossstrait_app_figures.zip", label="Figures (PNG, zip)",
                            mime_type="application/zip")  # fmt: skip


@solara.component
def Results() -> None:
    """The right column: the key number, the figures, the side-by-side table and the downloads."""
    outcome = shown.value
    curves = curves_of(outcome, kept.value)
    lines = [c for c in curves if not c.dashed]
    if not lines:
        solara.Info("Press Run to simulate the chosen setting.")
        return
    cur = outcome.current if outcome is not None else None
    now = next((c for c in lines if cur is not None and _same(c.result, cur)), lines[-1])
    talent = figs.band(now.result.table, "talent_in_cn")
    r = now.result
    took = f"{r.new_runs} runs in {r.seconds:.2f} s" if r.new_runs else "from the cache"
    solara.Text(
        f"{now.name}: Taiwanese professionals in the mainland, {talent.index[-1]}: {talent['mean'].iloc[-1]:,.0f} "
        f"persons (mean of {r.seeds} seeds; {took})",
        classes=["cs-talent-now"],
    )
    key = tuple((c.name, id(c.result)) for c in curves)
    Figures(curves, key)
    solara.Style(COMPARE_CSS)
    solara.HTML(tag="h4", unsafe_innerHTML="Side by side (mean across seeds, range in brackets)")
    try:
        table_html = figs.summary_frame(curves).to_html(escape=True, border=0, classes="cs-compare")
    except Exception:
        log.exception("side-by-side table failed")
        table_html = "<p>The table could not be made; the server's log has the details.</p>"
    solara.HTML(tag="div", unsafe_innerHTML=table_html, style="font-size: 0.85em; overflow-x: auto")
    Downloads(curves, key)


@solara.component
def Page() -> None:
    """The whole page."""
    solara.Title(TITLE)
    solara.use_effect(start_run, [])  # the scenario as it stands, on first load
    solara.HTML(tag="h2", unsafe_innerHTML=TITLE, classes=["cs-title"])
    solara.Text(
        "Taiwanese professionals and firms responding to the mainland's policies and Taiwan's answers, "
        f"2010-2030. Settings are simulated at the model's default scale, {app_scale():g} (one agent per "
        f"{1 / app_scale():.0f} real firms or professionals).",
        style={"font-size": "0.9em"},
    )
    with solara.Columns([1, 3]):
        with solara.Column():
            Controls()
        with solara.Column():
            Results()
