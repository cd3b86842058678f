"""What a hub remembers of its upstream between cycles: small values by name (hub_state)."""

from functools import cache

from sqlalchemy import bindparam, select

from ..extensions import db
from .models import HubState
from .store import UPSERT, run

_state = HubState.__table__
READ = select(_state.c.value).where(_state.c.name == bindparam("state_name"))


def recall(name, default=None):
    """The value remembered under a name, or the default."""
    row = run(READ, {"state_name": name}).first()
    return default if row is None else row.value


def remember(name, value):
    """Remember a value under a name (in the caller's transaction)."""
    run(_replacing(db.session.connection().dialect.name), {"name": name, "value": value})


@cache
def _replacing(dialect):
    statement = UPSERT[dialect](_state)
    return statement.on_conflict_do_update(index_elements=[_state.c.name], set_={"value": statement.excluded.value})
