"""A facilitator's request for a relay cycle, seen by the relay's wait between cycles."""

from server.engine import sync_now
from server.extensions import db


def test_a_wait_runs_its_whole_time_when_nobody_asks(app):
    slept = []
    with app.app_context():
        since = sync_now.last_request()
        assert sync_now.wait(7, since, slept.append) is False
    assert slept == [2, 2, 2, 1]


def test_a_request_made_during_a_cycle_ends_the_wait_that_follows_at_its_first_look(app):
    slept = []
    with app.app_context():
        since = sync_now.last_request()  # as the cycle starts
        sync_now.ask()  # the button, pressed while the cycle runs
        db.session.commit()
        assert sync_now.wait(3600, since, slept.append) is True
    assert slept == [2]
