"""The browser app in a real browser (issue 13): Debian's chromium driven by Playwright.

Starts ``crossstrait-sim-app`` on a free port of 127.0.0.1 with its own output folder, home and
working directory, and checks as a user would: the page loads with no request leaving
127.0.0.1, a plot is visible, switching a response on and pressing Run changes the talent curve,
a bad value gets a one-line message, the download gives the table, and the server wrote nothing
outside its output folder. Screenshots and the downloaded table are kept as artefacts in the
folder the test prints (``$CROSSSTRAIT_APP_ARTEFACTS``, else a pytest temporary folder).

Skips, saying why, where chromium, Playwright or the app's extra is missing; ``.ci/run``
installs all three. Never downloads a browser build.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # shared STACK.md: no sandbox as root, and no background traffic of the browser's own
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "Cross-strait talent and industry: scenario explorer"


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium; .ci/run does)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright; .ci/run does)"
    if importlib.util.find_spec("solara") is None:
        return "the app's extra is not installed (pip install -e '.[app]'; .ci/run does)"
    return None


needs_browser = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- without a browser: what the page accepts, and what it hands out --------------------------


def test_only_the_fields_of_the_page_become_overrides_and_bad_values_are_one_line():
    from crossstrait_sim.errors import ConfigError
    from crossstrait_sim.viz.app_settings import Setting, overrides

    on = ("mic2025", "measures31", "retain_talent")
    # keys the page has no field for are never read, whatever a client sends
    sneaky = (("seed", "7"), ("hydra.run.dir", "/"), ("policy.tw_retention.topup_usd_k", "0.5"))
    ovr = overrides(Setting("narrative", on, sneaky, 3))
    assert ovr[:3] == ["scenario=narrative", "mainland=[mic2025,measures31]", "taiwan=[retain_talent]"]
    assert "policy.tw_retention.topup_usd_k=0.5" in ovr
    assert not [o for o in ovr if o.startswith(("seed", "hydra"))]
    bad = {
        "policy.tw_retention.topup_usd_k": ("abc", "must be a number"),
        "policy.tw_retention.start": ("2019Q5", "expected a quarter like 2018Q1"),
        "policy.measures31.start": ("2031Q1", "must lie inside the horizon"),
        "policy.measures31.individual_usd_k": ("0.5 seed=3", "must be a number"),
        "policy.mic2025.rd_subsidy_rate": ("inf", "must be a number in [0, 1]"),
    }
    for key, (text, words) in bad.items():
        with pytest.raises(ConfigError, match=re.escape(words)) as err:
            overrides(Setting("narrative", on, ((key, text),), 3))
        assert "\n" not in str(err.value)
    for setting in (Setting("../x", on), Setting("narrative", ("nope",)), Setting("narrative", on, (), 9)):
        with pytest.raises(ConfigError):
            overrides(setting)


def test_runs_are_cached_and_downloads_are_made_in_memory(tmp_path, monkeypatch):
    import io
    import zipfile

    from crossstrait_sim.viz import app_figures as figs
    from crossstrait_sim.viz.app_runs import missing_runs, run_setting

    monkeypatch.chdir(tmp_path)  # anything written relative to the working folder would show here
    ovr = ["mainland=[]", "taiwan=[retain_talent]", "policy.tw_retention.start=2011Q1", "scale=0.002", "end=2012Q4"]
    ticks: list[int] = []
    first = run_setting(ovr, 2, "small", ticks.append)
    assert ticks == [1, 1] and first.new_runs == 2 and first.seeds == 2
    assert missing_runs(ovr, 3) == 1
    again = run_setting(ovr, 2, "small")
    assert again.new_runs == 0 and again.table.equals(first.table)
    assert any(label == "Taiwan retains talent" for _, label in first.events)
    curves = [figs.Curve("A: small", first, "#1f77b4")]
    table = pd.read_csv(io.BytesIO(figs.table_csv(curves)))
    assert set(table.setting) == {"A: small"} and sorted(table.seed.unique()) == [0, 1]
    assert len(pd.read_parquet(io.BytesIO(figs.table_parquet(curves)))) == len(first.table)
    with zipfile.ZipFile(io.BytesIO(figs.figures_zip(curves))) as zf:
        assert sorted(zf.namelist()) == sorted([*(f"{n}.png" for n in figs.FIGURES), "settings.txt"])
    assert list(tmp_path.iterdir()) == []


def test_the_command_listens_on_loopback_only_and_refuses_a_bad_port(capsys):
    from crossstrait_sim.viz import app_cli

    assert app_cli.HOST == "127.0.0.1"
    with pytest.raises(SystemExit) as err:
        app_cli.parse_args(["--port", "70000"])
    assert err.value.code == 2 and "--port 70000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        app_cli.parse_args(["--host", "0.0.0.0"])  # there is no such option


# --- in a browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("CROSSSTRAIT_APP_ARTEFACTS")
    folder = Path(env) if env else tmp_path_factory.mktemp("app_artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The app served by its command on a free port; yields (url, its folders); stopped afterwards."""
    root = tmp_path_factory.mktemp("app_server")
    home, cwd, out = root / "home", root / "cwd", root / "out"
    home.mkdir()
    cwd.mkdir()
    port = _free_port()
    env = {**os.environ, "HOME": str(home)}  # anything written to the home folder would show up here
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossstrait_sim.viz.app_cli", "--port", str(port), "--out", str(out)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/", timeout=2).close()
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {(root / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, {"home": home, "cwd": cwd, "out": out, "log": root / "server.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _persons(text: str) -> float:
    m = re.search(r"2030Q4: ([\d,]+) persons", text)
    assert m, text
    return float(m.group(1).replace(",", ""))


@needs_browser
def test_the_app_in_chromium(server, artefacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import sync_playwright

    url, folders = server
    with capsys.disabled():
        print(f"\ntest_app: screenshots and the downloaded table in {artefacts}")
    requests: list[str] = []
    left: list[str] = []

    def guard(route) -> None:  # record every request; one not for this server is refused and reported
        u = route.request.url
        if u.startswith((url + "/", "blob:" + url + "/", "data:")):
            route.continue_()
        else:
            left.append(u)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.route("**/*", guard)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        try:
            _drive(page, url, artefacts)
        finally:
            page.screenshot(path=str(artefacts / "last.png"), full_page=True)
            browser.close()

    assert requests, "the browser made no request at all"
    local = (url + "/", url.replace("http://", "ws://", 1) + "/", "blob:" + url + "/", "data:")
    outside = left + [u for u in requests if not u.startswith(local)]
    assert not outside, f"requests leaving 127.0.0.1: {sorted(set(outside))[:10]}"
    # the server wrote nothing in its home or working folder (Solara, IPython, matplotlib: all in out/)
    stray = [str(q) for d in (folders["home"], folders["cwd"]) for q in d.rglob("*")]
    assert not stray, stray
    assert (folders["out"] / "solara").is_dir()
    shutil.copy(folders["log"], artefacts / "server.log")


def _drive(page, url: str, artefacts: Path) -> None:
    t0 = time.monotonic()
    page.goto(url + "/")
    heading = page.locator("h2.cs-title")
    heading.wait_for(state="visible", timeout=30_000)
    assert heading.inner_text() == TITLE
    talent_img = page.locator(".cs-fig-talent img")
    talent_img.wait_for(state="visible", timeout=30_000)
    assert time.monotonic() - t0 < 30
    assert page.title() == TITLE
    assert talent_img.bounding_box()["height"] > 100  # a drawn figure, not an empty image
    page.screenshot(path=str(artefacts / "01_loaded.png"), full_page=True)
    now = page.locator(".cs-talent-now")
    before, src_before = now.inner_text(), talent_img.get_attribute("src")

    # switch Taiwan's talent retention on and run: the talent curve changes
    page.get_by_text("Taiwan retains talent").click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator(".cs-progress").wait_for(state="attached", timeout=5_000)  # progress while it runs
    page.wait_for_function(
        "(b) => { const e = document.querySelector('.cs-talent-now'); return e && e.innerText !== b; }",
        arg=before,
        timeout=20_000,
    )
    after = now.inner_text()
    assert "+retain_talent" in after, after
    assert _persons(after) != _persons(before), (before, after)
    page.wait_for_function(  # the figure follows the text in the same update
        "(s) => document.querySelector('.cs-fig-talent img').src !== s", arg=src_before, timeout=10_000
    )
    page.screenshot(path=str(artefacts / "02_retain_talent.png"), full_page=True)

    # a bad value: one line in the page, nothing run, no traceback
    field = page.get_by_label("pay top-up (USD k per covered person-year)")
    field.fill("abc")
    page.get_by_role("button", name="Run", exact=True).click()
    error = page.locator(".cs-error")
    error.wait_for(timeout=10_000)
    assert "must be a number" in error.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()
    assert now.inner_text() == after
    page.screenshot(path=str(artefacts / "03_bad_value.png"), full_page=True)
    field.fill("0.35")

    # the download gives the table of what is shown
    with page.expect_download(timeout=20_000) as dl:
        page.get_by_role("button", name="Table (CSV)").click()
    saved = artefacts / dl.value.suggested_filename
    dl.value.save_as(saved)
    table = pd.read_csv(saved)
    for col in ("setting", "quarter", "scenario", "seed", "indicator", "sector", "region", "origin", "value"):
        assert col in table.columns, table.columns
    assert sorted(table.seed.unique()) == [0, 1, 2]
    assert table.setting.str.contains(r"\+retain_talent").any()
    talent = table[(table.indicator == "talent_in_cn") & (table.sector == "all")]
    assert len(talent) > 0 and talent.value.gt(0).all()
