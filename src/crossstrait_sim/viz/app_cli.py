"""``crossstrait-sim-app [--port N] [--out DIR]``: serve the browser app on 127.0.0.1.

Solara reads its settings from the environment when it is first imported, so this module sets
them before it imports Solara:

- telemetry off (``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False``) and no check of PyPI for a newer
  version (``--no-check-version``);
- offline: the page's JavaScript and CSS come from the ``solara-assets`` package through Solara's
  local asset route; a file missing there is an error rather than a download from a CDN
  (``SOLARA_ASSETS_CDN`` points at a scheme no HTTP client serves);
- writes only inside the output folder (default ``outputs/app``): the server runs with that folder
  as its working directory, and the folders where Solara (``SOLARA_HOME``), the IPython shell
  under each browser session (``IPYTHONDIR``: its history database), Jupyter and matplotlib
  (``MPLCONFIGDIR``: its font cache) would otherwise write in the home folder live in it. The app
  itself writes no file: runs, figures and downloads are made in memory.

The server listens on 127.0.0.1 only; there is no option to listen elsewhere.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import warnings
from pathlib import Path

HOST = "127.0.0.1"
APP_MODULE = "crossstrait_sim.viz.app"
CACHE_DIRS = {  # variable -> sub-folder of the output folder
    "SOLARA_HOME": "solara",
    "IPYTHONDIR": "ipython",
    "JUPYTER_CONFIG_DIR": "jupyter/config",
    "JUPYTER_DATA_DIR": "jupyter/data",
    "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
    "MPLCONFIGDIR": "matplotlib",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; a bad port or folder exits with a one-line message and status 2."""
    parser = argparse.ArgumentParser(
        prog="crossstrait-sim-app",
        description=f"Serve the cross-strait scenario explorer at http://{HOST}:PORT (this machine only).",
    )
    parser.add_argument("--port", type=int, default=8765, help="TCP port on 127.0.0.1 (default 8765)")
    parser.add_argument(
        "--out", type=Path, default=Path("outputs/app"), help="the app's own folder (default outputs/app)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port}: must be from 1 to 65535")
    return args


def prepare_out(out: Path) -> Path:
    """Create the output folder (and its cache folders); a folder that cannot be made exits with one line."""
    out = out.expanduser().resolve()
    try:
        for sub in CACHE_DIRS.values():
            (out / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        sys.exit(f"crossstrait-sim-app: cannot use the output folder {out}: {exc.strerror or exc}")
    return out


def server_environment(out: Path) -> dict[str, str]:
    """The environment variables Solara and matplotlib read at import, for an app confined to ``out``."""
    return {
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_ASSETS_CDN": "offline://no-cdn/",  # a cache miss fails at once: nothing is fetched
        **{var: str(out / sub) for var, sub in CACHE_DIRS.items()},
        "MPLBACKEND": "Agg",
        "SOLARA_THEME_TITLE": "Cross-strait talent and industry: scenario explorer",
        "SOLARA_THEME_SHOW_BANNER": "False",
    }


def warm_up() -> None:
    """Run the page's first setting (the default scenario) into the app's cache while the server starts.

    The first press of Run then does not pay for importing and first-touching the model, and the
    first page shows its figures at once. A failure here is only logged: the page runs it again.
    """
    from crossstrait_sim.viz.app_runs import run_setting
    from crossstrait_sim.viz.app_settings import DEFAULT_SCENARIO, Setting, describe, overrides, scenario_defaults

    try:
        setting = Setting(DEFAULT_SCENARIO, scenario_defaults(DEFAULT_SCENARIO)[0])
        run_setting(overrides(setting), setting.seeds, describe(setting))
    except Exception as exc:  # pragma: no cover - the page reports errors itself
        print(f"crossstrait-sim-app: warm-up failed ({type(exc).__name__}: {exc})", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Serve the app until interrupted."""
    args = parse_args(argv)
    out = prepare_out(args.out)
    os.environ.update(server_environment(out))
    os.chdir(out)  # Solara reads `.env` from, and anything relative lands in, the app's own folder
    sys.dont_write_bytecode = True
    # Solara warns on every plain-http page load that it falls back to SameSite=lax cookies: on
    # 127.0.0.1 that is the intended setting, and the warning buries the log
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    print(f"crossstrait-sim-app: serving http://{HOST}:{args.port}  (output folder {out}; Ctrl-C stops)", flush=True)
    from solara.__main__ import cli  # after the environment is set: Solara reads it at import

    cli.main(
        args=["run", APP_MODULE, "--host", HOST, "--port", str(args.port), "--production", "--no-open",
              "--no-check-version"],
        prog_name="crossstrait-sim-app",
    )  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    main()
