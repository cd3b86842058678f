"""Point reads through the driver on the request's own connection, and how a request's session ends.

Every authenticated request reads its account, and every pull the feed's position; most pulls
read nothing else. Those reads go straight to the driver (no ORM statement to build), on the
connection of the request's ORM session: a request holds one pooled connection, whatever it
reads or writes.
"""

from sqlalchemy.exc import OperationalError

from ..extensions import db
from .bulk import driver_rows, param_mark


def read_rows(sql, params):
    """Every row of one query (`{mark}` stands for the driver's placeholder), on the request's session connection."""
    connection = db.session.connection()
    return driver_rows(connection, sql.format(mark=param_mark(connection)), params)


def _end_session(_exception=None):
    """Close the request's ORM session; when its database connection was lost, drop it unused."""
    try:
        db.session.remove()
    except OperationalError:
        # Closing rolls back, and a connection the database dropped (PostgreSQL restarted)
        # cannot: the answer is already given, so discard the connections without a word to it.
        db.session().invalidate()
        db.session.remove()


def init_app(app):
    """Close each request's session in a way a lost database connection cannot turn into an error."""
    # Flask-SQLAlchemy closes the session at the end of the app context too; registered later,
    # this runs first, and the library's own close then finds nothing to do.
    app.teardown_appcontext(_end_session)
