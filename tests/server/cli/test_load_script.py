"""The load script (tests/bench/load.py), run tiny: its check of the database passes, and fails when tampered with."""

import pytest
from sqlalchemy import text

from tests.bench import load
from tests.conftest import BASE_URL, ENGINE

pytestmark = pytest.mark.slow  # a gunicorn and devices on threads


@pytest.fixture(scope="module")
def tiny_run():
    """Three devices for a few seconds on gunicorn, syncing every fraction of a second; the database kept."""
    result = load.run(
        ENGINE, devices=3, seconds=3, sleep=(0.1, 0.3), fast_pins=True, pg_url=BASE_URL, keep=True, quiet=True
    )
    yield result
    result.server.remove()


def test_a_tiny_load_run_holds_exactly_what_it_acknowledged(tiny_run):
    measured = tiny_run.tables[0][1]
    assert measured["push"]["count"] > 0 and measured["pull"]["count"] > 0
    assert measured["all"]["errors"] == 0
    assert tiny_run.acknowledged > 0
    assert tiny_run.in_doubt == 0
    assert tiny_run.problems == []


def test_the_exactness_check_fails_when_a_movement_row_is_deleted(tiny_run):
    engine = load.engine_for(tiny_run.server.url)
    with engine.begin() as conn:
        victim = conn.execute(text("SELECT id FROM stock_movements ORDER BY seq DESC LIMIT 1")).scalar_one()
        conn.execute(text("DELETE FROM stock_movements WHERE id = :id"), {"id": victim})
    engine.dispose()
    problems = load.check(tiny_run.server.url, tiny_run.ledger)
    assert any(p.startswith("1 acknowledged movements missing") and str(victim) in p for p in problems)
    assert any("stock totals differ" in p for p in problems)
