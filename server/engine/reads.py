"""Point reads outside the request's ORM session: who is asking, and how far the feed has come.

Every authenticated request reads its account, and every pull the feed's position; most pulls
read nothing else. Starting and closing the ORM session for that costs several times as much
as borrowing a pooled connection, a large part of an idle pull. These reads need no
transaction of the request's own: each is one indexed row, and the request's later reads see
at least as much as they did. The connection is borrowed once per request and given back when
the request ends (on PostgreSQL, ending the read-committed transaction the driver opened for it).
"""

from flask import g
from sqlalchemy.exc import OperationalError

from ..extensions import db
from .bulk import driver_rows, param_mark


def read_rows(sql, params):
    """Every row of one query (`{mark}` stands for the driver's placeholder), outside the ORM session."""
    connection = g.get("read_connection")
    if connection is None:
        connection = g.read_connection = db.engine.connect()
    return driver_rows(connection, sql.format(mark=param_mark(connection)), params)


def _give_back(_exception=None):
    connection = g.pop("read_connection", None)
    if connection is not None:
        # The session's connection goes back first, this one last, so that the pool (last in,
        # first out) lends each the same role in the next request: see server/__init__.py.
        _end_session()
        connection.close()


def _end_session():
    """Close the request's ORM session; when its database connection was lost, drop it unused."""
    try:
        db.session.remove()
    except OperationalError:
        # Closing rolls back, and a connection the database dropped (PostgreSQL restarted)
        # cannot: the answer is already given, so discard the connections without a word to it.
        db.session().invalidate()
        db.session.remove()


def init_app(app):
    """Give each request's read connection back to the pool when the request ends."""
    app.teardown_request(_give_back)
    # Flask-SQLAlchemy closes the session at the end of the app context too; closed here first,
    # a lost connection does not turn an answered request into an error.
    app.teardown_appcontext(lambda _exception=None: _end_session())
