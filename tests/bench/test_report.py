"""A benchmark's --markdown writes its own section of the file and leaves the others as they were."""

import argparse

import pytest

from tests.bench import exports, report, sync

DASHBOARDS = "<!-- bench:dashboards -->\n## Dashboards\n\n| query | ms |\n| --- | --- |\n<!-- /bench:dashboards -->"


def test_a_missing_file_gets_the_header_and_the_section(tmp_path):
    path = tmp_path / "docs" / "benchmarks.md"
    report.write_section(path, "sync", "## Sync\n\nfigures")
    text = path.read_text()
    assert text.startswith(report.HEADER)
    assert text.endswith("<!-- bench:sync -->\n## Sync\n\nfigures\n<!-- /bench:sync -->\n")


def test_writing_a_section_replaces_it_and_keeps_the_others(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        f"# Benchmarks\n\nintro\n\n<!-- bench:sync -->\nold figures\n<!-- /bench:sync -->\n\n{DASHBOARDS}\n"
    )
    report.write_section(path, "sync", "new figures")
    assert path.read_text() == (
        f"# Benchmarks\n\nintro\n\n<!-- bench:sync -->\nnew figures\n<!-- /bench:sync -->\n\n{DASHBOARDS}\n"
    )
    report.write_section(path, "exports", "export figures")
    report.write_section(path, "sync", "newer figures")
    text = path.read_text()
    assert text.count("<!-- bench:sync -->") == 1 and "newer figures" in text and "new figures" not in text
    assert DASHBOARDS in text
    assert text.endswith("<!-- bench:exports -->\nexport figures\n<!-- /bench:exports -->\n")


def test_a_section_without_its_end_marker_is_refused(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("<!-- bench:sync -->\nold\n")
    with pytest.raises(ValueError):
        report.write_section(path, "sync", "new")
    assert path.read_text() == "<!-- bench:sync -->\nold\n"


def test_a_section_says_how_it_was_made(monkeypatch):
    monkeypatch.setattr("sys.argv", ["sync.py", "--runs", "3", "--markdown", "docs/benchmarks.md"])
    text = report.section("Sync", "tests.bench.sync", "| a |\n| --- |\n| 1 |\n")
    assert text.startswith("## Sync\n\n- command: `python -m tests.bench.sync --runs 3 --markdown docs/benchmarks.md`")
    assert f"{report.cores()} cores (`nproc`)" in text and "commit " in text and "commit unknown" not in text
    assert text.endswith("| a |\n| --- |\n| 1 |\n")


def test_the_sync_table_carries_both_sides_ratios_and_budgets():
    args = argparse.Namespace(n=10_000, runs=3, one_at_a_time=False, big=0)
    ours = {
        "push": {"ms": 200.0, "bytes": 600_000, "requests": 10},
        "idle_pull": {"ms": 0.5, "bytes": 900, "requests": 1},
    }
    peer = {"push": {"ms": 2600.0, "bytes": 3_900_000, "requests": 42}}
    text = sync.markdown(args, ours, peer)
    assert (
        "| push 10,000 | 200 ms, 600 KB | 10 | 2,600 ms, 3,900 KB | 42 | 13.0x (budget 10x) | 6.5x (budget 6x) |"
        in text
    )
    assert "| idle pull | 0.5 ms, 900 B | 1 |  |  |  |  |" in text


def test_the_exports_table_leaves_what_was_not_measured_blank():
    args = argparse.Namespace(n=100_000, movements=2)
    rows = [("products.csv", 0.05, 2.1, 30_000_000, 100_001, 92_000, 110_000)]
    rows.append(("flask export sqlite", None, 9.5, 80_000_000, None, None, 150_000))
    text = exports.markdown(args, rows)
    assert "| `products.csv` | 0.05 s | 2.10 s | 30.0 | 100,001 | 90 MB | 107 MB |" in text
    assert "| `flask export sqlite` |  | 9.50 s | 80.0 |  |  | 146 MB |" in text
