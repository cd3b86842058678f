"""The browser benchmark runs end to end on a tiny workload: both sides record, push and pull."""

import shutil

import pytest

from tests.bench import browser

pytestmark = pytest.mark.browser


@pytest.mark.skipif(not shutil.which(browser.CHROMIUM), reason="no Chromium")
def test_a_tiny_run_measures_every_phase_of_both_sides_and_writes_its_section(tmp_path):
    path = tmp_path / "benchmarks.md"
    ours, peer = browser.main(["--runs", "1", "--n", "50", "--markdown", str(path)])
    for side in (ours, peer):
        assert set(side) == {"record", "push", "pull"}
        assert all(figures["ms"] > 0 and figures["storage"] > 0 for figures in side.values())
        assert side["record"]["bytes"] == 0, "recording happens offline"
        assert side["push"]["bytes"] > 0 and side["pull"]["bytes"] > 0
    text = path.read_text()
    assert "<!-- bench:browser -->" in text and "python -m tests.bench.browser" in text
    assert "| pull |" in text
