"""Run manifests: what a run directory holds, and whether its results are complete.

Every run writes ``manifest.json`` beside ``results.parquet``: first with
``status: running`` when it starts, then ``complete`` (after its files were
renamed into place as a set, with the SHA-256 of each under ``files``) or
``failed`` (with the error). A run directory counts as complete only if its
manifest says so, every listed file is there with its recorded checksum, and the
config hash, package version and code fingerprint match the run that is asked for, so
a resumed sweep redoes anything that was interrupted, corrupted or made by other code.

The code fingerprint (``code_hash``) is the SHA-256 of the package's own files (its Python source and
package data, such as the shipped posterior draws): a commit that changes only documentation,
experiments or tests leaves it, and so the completed runs, alone, while an uncommitted change to the
model is detected. The git commit and whether the tree had changes are recorded beside it; manifests
written before the fingerprint existed are matched on the git commit, as they were.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import socket
import subprocess
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from crossstrait_sim.atomic import write_json
from crossstrait_sim.study.rundir import MANIFEST, RESULTS, verify_files

__all__ = ["MANIFEST", "RESULTS", "STATUSES", "config_hash", "is_complete", "read_manifest", "write_manifest"]

STATUSES = ("running", "complete", "failed")
NOT_IDENTITY = ("hydra", "overwrite")
"""Config keys that do not change what a run computes, so they are left out of its hash."""


def config_hash(cfg: DictConfig) -> str:
    """SHA-256 (first 16 hex digits) of the resolved run config, keys sorted (Hydra's own node excluded)."""
    container = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(container, dict)
    for key in NOT_IDENTITY:
        container.pop(key, None)
    text = json.dumps(container, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


CODE_SKIP = ("__pycache__",)  # folders of the package left out of the fingerprint (compiled caches)


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of every file of the installed package, by relative path and content.

    Compiled caches (``__pycache__``, numba's cache files in it) are left out: they follow the source.
    """
    root = Path(__file__).resolve().parents[1]  # the crossstrait_sim package folder
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if not f.is_file() or any(part in CODE_SKIP for part in rel.parts):
            continue
        h.update(rel.as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


@functools.cache
def code_identity() -> dict[str, Any]:
    """Package version and, if the package is run from a git checkout, its commit and whether it has changes."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("crossstrait_sim")
    except PackageNotFoundError:  # run from a source tree that is not installed
        __version__ = "unknown"

    src = Path(__file__).resolve().parent
    ident: dict[str, Any] = {
        "package_version": __version__,
        "code_hash": code_fingerprint(),
        "git_commit": None,
        "git_dirty": None,
    }
    try:
        commit = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        ident["git_commit"] = commit or None
        ident["git_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        pass  # not a checkout (installed wheel) or no git: the version alone identifies the code
    return ident


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_manifest(cfg: DictConfig, overrides: list[str], cfg_hash: str | None = None) -> dict[str, Any]:
    """The manifest of a run that is starting now (``cfg_hash``: its :func:`config_hash`, if already known)."""
    return {
        "status": "running",
        "scenario": str(cfg.scenario),
        "seed": int(cfg.seed),
        "overrides": list(overrides),
        "config_hash": cfg_hash or config_hash(cfg),
        **code_identity(),
        "host": socket.gethostname(),
        "start_time": now_iso(),
        "end_time": None,
        "seconds": None,
        "error": None,
        "policy_events": [],
    }


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or ``None`` if it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """The manifest of ``run_dir``, or ``None`` if there is none or it cannot be read."""
    return read_json_object(Path(run_dir) / MANIFEST)


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` atomically."""
    write_json(Path(run_dir) / MANIFEST, manifest)


def is_complete(run_dir: Path, wanted: dict[str, Any] | None = None) -> bool:
    """True if ``run_dir`` holds complete results (of the same config and code as ``wanted``, if given)."""
    man = read_manifest(run_dir)
    if man is None or man.get("status") != "complete":
        return False
    if wanted is not None:
        # the code: its fingerprint where both have one; manifests from before it, by git commit
        code = "code_hash" if man.get("code_hash") and wanted.get("code_hash") else "git_commit"
        for key in ("config_hash", "package_version", code):
            if man.get(key) != wanted.get(key):
                return False
    return verify_files(Path(run_dir), man)  # content, not presence: a truncated table is redone
