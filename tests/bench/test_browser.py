"""The browser benchmark runs end to end on a tiny workload: both sides record, push and pull.

It runs as its own process, as people run it: Playwright's sync API cannot start inside the
event loop the browser tests of the same pytest session keep running."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import browser

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def rows(text):
    """The browser section's table as {phase: [cells]}."""
    section = text[text.index("<!-- bench:browser -->") :]
    table = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in table[1:]}


def number(cell):
    return int(cell.split()[0].replace(",", ""))


@pytest.mark.skipif(not shutil.which(browser.CHROMIUM), reason="no Chromium")
def test_a_tiny_run_measures_every_phase_of_both_sides_and_writes_its_section(tmp_path):
    path = tmp_path / "benchmarks.md"
    command = [sys.executable, "-m", "tests.bench.browser", "--runs", "1", "--n", "50", "--markdown", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = path.read_text()
    assert "python -m tests.bench.browser" in text
    table = rows(text)
    assert set(table) >= {"record", "push", "pull"}
    # Each side: time, wire bytes, IndexedDB bytes; ours first, then PouchDB's.
    for phase, cells in table.items():
        if phase not in ("record", "push", "pull"):
            continue
        ours, peer = cells[0:3], cells[3:6]
        for side in (ours, peer):
            assert number(side[0]) > 0 and number(side[2]) > 0, (phase, cells)
            assert (number(side[1]) == 0) == (phase == "record"), "recording happens offline"
