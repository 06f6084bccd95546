"""Which code made a run: a resumed sweep keeps runs made by the same package files, whatever the git commit.

The fingerprint covers the package's own files (source and package data), so a commit that touches only
documentation or experiments keeps completed runs, and an uncommitted change to the model redoes them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossstrait_sim.config.compose import compose_config
from crossstrait_sim.study import manifest
from crossstrait_sim.study.manifest import code_identity, config_hash, is_complete, read_manifest, write_manifest
from crossstrait_sim.study.runs import run_into

SMALL = ["scale=0.002", "end=2011Q4", "output.summary_quarters=[2011Q4]", "output.plot=false"]


@pytest.fixture(scope="module")
def done_run(tmp_path_factory) -> tuple[Path, dict]:
    """One small run, complete, and the identity a resumed sweep would ask it for."""
    cfg = compose_config(SMALL)
    d = tmp_path_factory.mktemp("ident") / "run"
    out = run_into(cfg, d, SMALL, resume=True)
    assert out.status == "complete"
    return d, {"config_hash": config_hash(cfg), **code_identity()}


def _copy_with(src: Path, dst: Path, **changes) -> Path:
    shutil.copytree(src, dst)
    man = read_manifest(dst)
    for k, v in changes.items():
        if v is None:
            man.pop(k, None)
        else:
            man[k] = v
    write_manifest(dst, man)
    return dst


def test_manifest_records_the_fingerprint(done_run) -> None:
    d, wanted = done_run
    man = read_manifest(d)
    assert man["code_hash"] == wanted["code_hash"] and len(man["code_hash"]) == 16
    assert is_complete(d, wanted)


def test_another_commit_with_the_same_package_files_keeps_the_run(done_run, tmp_path: Path) -> None:
    d, wanted = done_run
    other = _copy_with(d, tmp_path / "r", git_commit="0" * 40, git_dirty=False)
    assert is_complete(other, wanted)


def test_changed_package_files_redo_the_run(done_run, tmp_path: Path) -> None:
    d, wanted = done_run
    other = _copy_with(d, tmp_path / "r", code_hash="ffffffffffffffff")
    assert not is_complete(other, wanted)
    # and run_into redoes it rather than skipping
    cfg = compose_config(SMALL)
    assert run_into(cfg, other, SMALL, resume=True).status == "complete"
    assert read_manifest(other)["code_hash"] == wanted["code_hash"]


def test_manifests_from_before_the_fingerprint_match_on_the_commit(done_run, tmp_path: Path) -> None:
    d, wanted = done_run
    same = _copy_with(d, tmp_path / "a", code_hash=None)
    assert is_complete(same, wanted)
    moved = _copy_with(d, tmp_path / "b", code_hash=None, git_commit="0" * 40)
    assert not is_complete(moved, wanted)


def test_the_fingerprint_follows_every_package_file(monkeypatch, tmp_path: Path) -> None:
    """Built over the package folder: any file's content or name changes it; compiled caches do not."""
    pkg = tmp_path / "crossstrait_sim"
    (pkg / "study").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "data.csv").write_text("w\n1\n")
    fake = pkg / "study" / "manifest.py"
    fake.write_text("")
    monkeypatch.setattr(manifest, "__file__", str(fake))

    def fp() -> str:
        manifest.code_fingerprint.cache_clear()
        return manifest.code_fingerprint()

    try:
        h0 = fp()
        (pkg / "__pycache__").mkdir()
        (pkg / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"\0\1")
        assert fp() == h0
        (pkg / "data.csv").write_text("w\n2\n")
        h1 = fp()
        assert h1 != h0
        (pkg / "data.csv").rename(pkg / "data2.csv")
        assert fp() not in (h0, h1)
    finally:
        manifest.code_fingerprint.cache_clear()
