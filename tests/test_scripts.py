"""The experiments' run.sh scripts: each is read whole before it runs, so editing it mid-study is safe.

Bash reads a script as it executes it. A study runs for an hour; if its run.sh is edited or pulled
meanwhile, bash resumes at the old byte offset in the new text and runs a fragment (this broke the
ninth session's robustness write-up step). Wrapping the body in one ``{ ...; exit; }`` block makes bash
parse it all first.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "experiments").glob("*/run.sh"))


def _body(text: str) -> list[str]:
    """The lines after ``set -euo pipefail``, without blank lines and comments."""
    lines = text.splitlines()
    start = lines.index("set -euo pipefail") + 1
    return [ln for ln in lines[start:] if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_run_scripts_are_one_block(script: Path) -> None:
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    body = _body(script.read_text())
    assert body[0].startswith("{"), f"{script}: the body must open with '{{' right after set -euo pipefail"
    assert body[-1] == "}", f"{script}: the body must close with '}}' on the last line"
    assert body[-2].startswith("exit"), f"{script}: 'exit' must come before the closing brace"


def test_the_experiments_have_run_scripts() -> None:
    assert len(SCRIPTS) >= 4, SCRIPTS  # calibration, policy comparison, robustness, scale convergence


def test_editing_a_running_block_script_changes_nothing(tmp_path: Path) -> None:
    """The guard's reason: a script rewritten while it sleeps still runs as it was read."""
    guard = _body(SCRIPTS[0].read_text())[0]
    script = tmp_path / "run.sh"
    script.write_text(f"set -euo pipefail\n{guard}\nsleep 1\necho first-version\nexit\n}}\n")
    proc = subprocess.Popen(["bash", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    edited = "set -euo pipefail\n# a longer comment that moves every byte offset of the old text\necho edited\n"
    script.write_text(edited)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip() == "first-version"
