"""Run directories: what the package may write there, and writing a run's files as one set.

Rules (issue 14: a config error must never cost a user their files):

* A run directory may hold only files the package writes (:data:`RUN_FILES`, and
  their temporaries). A directory holding anything else is refused unless the
  user passes ``overwrite=true``; even then nothing but the package's own files
  is ever replaced or removed.
* A directory holding complete results of an earlier run is refused as well
  unless ``overwrite=true`` (a sweep instead skips results of the same config
  and redoes the rest: that is resuming).
* A run's files are written under temporary names (``.results.parquet.<token>.tmp``)
  and renamed into place as a set at the end; ``manifest.json`` is written last
  with the SHA-256 of each file, so a set is complete exactly when the manifest
  says ``complete`` and every checksum matches (:func:`verify_files`).
* On an error only the files this run wrote are removed (:class:`RunWriter`
  records them as it writes), and only the directories it created.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crossstrait_sim.atomic import new_temporary
from crossstrait_sim.errors import RunDirError

MANIFEST = "manifest.json"
RESULTS = "results.parquet"
RUN_FILES: tuple[str, ...] = (
    RESULTS,
    MANIFEST,
    "summary.json",
    "resolved_config.yaml",
    "talent_outflow.png",
    "error.txt",
)
"""Every file a run writes into its directory."""


def is_own_temporary(name: str) -> bool:
    """True for the temporary name of one of :data:`RUN_FILES` (``.<file>.<token>.tmp``)."""
    return name.endswith(".tmp") and any(name.startswith(f".{f}.") for f in RUN_FILES)


def foreign_entries(run_dir: Path) -> list[str]:
    """Entries of ``run_dir`` the package did not write (sorted; directories end in ``/``)."""
    if not run_dir.is_dir():
        return []
    out = []
    for entry in run_dir.iterdir():
        name = entry.name
        if entry.is_file() and not entry.is_symlink() and (name in RUN_FILES or is_own_temporary(name)):
            continue
        out.append(name + ("/" if entry.is_dir() else ""))
    return sorted(out)


def _list(names: list[str], n: int = 4) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def check_writable(run_dir: Path) -> None:
    """Raise :class:`RunDirError` naming the folder if the run cannot create files in it."""
    probe = run_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise RunDirError(f"cannot write to {run_dir}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RunDirError(f"cannot write to {run_dir}: permission denied on folder {probe}")


def check_run_dir(run_dir: Path, overwrite: bool, manifest: dict[str, Any] | None, resume: bool = False) -> None:
    """Refuse a run directory with foreign files, or (outside a resumed sweep) earlier complete results.

    Args:
        run_dir: the directory the run will write into.
        overwrite: the user's ``overwrite=true``.
        manifest: the directory's current manifest, if any.
        resume: a sweep job, which replaces its own incomplete or out-of-date results.
    """
    check_writable(run_dir)
    if overwrite:
        return
    foreign = foreign_entries(run_dir)
    if foreign:
        raise RunDirError(
            f"run folder {run_dir} holds files crossstrait-sim did not write ({_list(foreign)}); "
            "choose an empty or new folder, or pass overwrite=true (those files are left alone)"
        )
    if not resume and manifest is not None and manifest.get("status") == "complete":
        raise RunDirError(
            f"run folder {run_dir} holds the results of an earlier run (scenario={manifest.get('scenario')}, "
            f"seed={manifest.get('seed')}, finished {manifest.get('end_time')}); pass overwrite=true to replace them"
        )


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_files(run_dir: Path, manifest: dict[str, Any]) -> bool:
    """True if every file the manifest lists exists with the recorded checksum (and results are listed)."""
    files = manifest.get("files")
    if not isinstance(files, dict) or RESULTS not in files:
        return False
    for name, digest in files.items():
        path = Path(run_dir) / name
        try:
            if not path.is_file() or sha256_file(path) != digest:
                return False
        except OSError:
            return False
    return True


class RunWriter:
    """Writes a run's files under temporary names and renames them into place as a set.

    Every path it creates is recorded, so :meth:`discard` removes exactly what
    this run wrote, and nothing else.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.staged: dict[str, Path] = {}  # final name -> temporary path
        self.committed: dict[str, str] = {}  # final name -> sha256

    def write(self, name: str, write: Callable[[Path], None]) -> None:
        """Stage ``name``: ``write(tmp_path)`` writes its content to a temporary file."""
        tmp = new_temporary(self.run_dir / name)
        self.staged[name] = tmp
        write(tmp)

    def commit(self) -> dict[str, str]:
        """Rename every staged file into place; return name -> SHA-256 for the manifest."""
        digests = {name: sha256_file(tmp) for name, tmp in self.staged.items()}
        for name, tmp in self.staged.items():
            os.replace(tmp, self.run_dir / name)
        self.committed.update(digests)
        self.staged.clear()
        return digests

    def discard(self) -> None:
        """Remove the temporaries this writer created (an error before :meth:`commit`)."""
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged.clear()


def remove_stale_temporaries(run_dir: Path) -> None:
    """Remove temporaries of :data:`RUN_FILES` left by a run that was killed while writing."""
    if run_dir.is_dir():
        for entry in run_dir.iterdir():
            if entry.is_file() and is_own_temporary(entry.name):
                entry.unlink(missing_ok=True)
