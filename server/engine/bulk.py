"""Batched inserts and updates straight through the driver, many rows to a statement.

The apply path writes a thousand rows a push; going around SQLAlchemy's per-row parameter
processing makes that several times faster. Values are converted here the way SQLAlchemy
would store them: datetimes as text on SQLite, JSON columns as JSON text.
"""

from datetime import datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import orjson
from sqlalchemy import JSON, DateTime
from sqlalchemy.exc import OperationalError

from ..extensions import db

# Parameters in one INSERT: SQLite allows 32,766, PostgreSQL 65,535. A statement of a few
# thousand is prepared once and then found in the driver's cache by the next push.
MAX_PARAMETERS = 6000


def insert_rows(table, rows):
    """INSERT every row (dicts with the same keys), a few hundred to a statement."""
    if not rows:
        return
    columns = list(rows[0])
    connection = db.session.connection()
    values = row_values(table, columns, connection)
    _insert(connection, table, columns, [values(row) for row in rows])


def insert_tuples(table, columns, rows):
    """INSERT every row (tuples of the values of `columns`, in that order, each already in the
    form the driver stores: see stored_form), a few hundred to a statement."""
    if rows:
        _insert(db.session.connection(), table, columns, rows)


def stored_form(column):
    """A function: a value for `column` -> what the driver is given for it (as insert_rows converts it)."""
    return _converter(column.type, db.session.connection())


def _insert(connection, table, columns, params):
    names = ", ".join(columns)
    _in_statements(
        connection, params, len(columns), lambda values: f"INSERT INTO {table.name} ({names}) VALUES {values}"
    )


def _in_statements(connection, rows, width, sql_for):
    """Run sql_for(a VALUES list) with as many rows a statement as MAX_PARAMETERS allows.

    Many rows to a statement: the driver then steps and resets it once for each few hundred rows,
    not for each row as executemany would."""
    row = "(" + ", ".join([param_mark(connection)] * width) + ")"
    per_statement = max(1, MAX_PARAMETERS // width)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        connection.exec_driver_sql(sql_for(", ".join([row] * len(chunk))), tuple(chain.from_iterable(chunk)))


def update_rows(table, rows, key="id"):
    """UPDATE rows by key, setting every other column given (same keys in each row)."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    connection = db.session.connection()
    mark = param_mark(connection)
    sets = ", ".join(f"{name} = {mark}" for name in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE {key} = {mark}"
    values = row_values(table, [*columns, key], connection)
    connection.exec_driver_sql(sql, [values(row) for row in rows])


def add_to_column(table, column, deltas, key="id"):
    """column = column + delta for each (key value, delta); a key without a row gets one holding delta."""
    # One upsert for new and stored keys alike; on SQLite it is also quicker than an
    # UPDATE ... FROM (VALUES ...).
    _in_statements(
        db.session.connection(),
        deltas,
        2,
        lambda values: (
            f"INSERT INTO {table.name} ({key}, {column}) VALUES {values} "
            f"ON CONFLICT ({key}) DO UPDATE SET {column} = {table.name}.{column} + excluded.{column}"
        ),
    )


def row_values(table, columns, connection):
    """A function: row dict -> the driver's values for `columns`, converting only the columns that need it."""
    get = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    return _converting(get, _conversions(table, columns, connection))


def _conversions(table, columns, connection):
    """(index, converter) of the columns whose values the driver cannot take as they are."""
    found = [(index, _converter(table.c[name].type, connection)) for index, name in enumerate(columns)]
    return [(index, convert) for index, convert in found if convert is not _same]


def _converting(get, conversions):
    if not conversions:
        return get

    def values(row):
        found = list(get(row))
        for index, convert in conversions:
            found[index] = convert(found[index])
        return tuple(found)  # SQLAlchemy passes on tuples only

    return values


def param_mark(connection):
    """The driver's placeholder: ? for sqlite3, %s for psycopg."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _converter(column_type, connection):
    sqlite = connection.dialect.name == "sqlite"
    if isinstance(column_type, JSON):
        return lambda value: None if value is None else orjson.dumps(value).decode()
    if isinstance(column_type, DateTime) and sqlite:
        return _sqlite_datetime
    return _same


def _sqlite_datetime(value):
    # SQLAlchemy's SQLite storage format, so ORM reads give back the same datetime. RFC 3339
    # text from the wire ("2026-11-27T08:15:00.5Z") is rewritten without parsing it again.
    if isinstance(value, str) and value.endswith("Z"):
        if len(value) == 20:  # whole seconds, as devices send them
            return f"{value[:10]} {value[11:19]}.000000"
        seconds, _, fraction = value[:-1].partition(".")
        return f"{seconds[:10]} {seconds[11:]}.{fraction.ljust(6, '0')}"
    if isinstance(value, datetime):
        return _datetime_text(value)
    return value


@lru_cache(maxsize=64)  # a batch stamps every row with the same time
def _datetime_text(value):
    return value.isoformat(" ", "microseconds")


def _same(value):
    return value


def driver_rows(connection, sql, params):
    """Every row of a query as plain tuples, straight from the driver's cursor (no Row objects)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except connection.dialect.loaded_dbapi.OperationalError as exc:
        # As SQLAlchemy does for its own statements: a connection the database dropped is never
        # lent again, and the error is the one the handlers answer 503 (server/web/errors.py).
        if connection.dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor):
            connection.invalidate(exc)
        raise OperationalError(sql, params, exc) from exc
    finally:
        cursor.close()


def select_in(table, columns, key, values):
    """Rows (as dicts) whose `key` is one of `values`, read straight through the driver."""
    read = row_reader(table, columns, db.session.connection())
    return [dict(zip(columns, read(row), strict=True)) for row in select_in_rows(table, columns, key, values)]


def select_in_rows(table, columns, key, values):
    """The same rows as plain tuples of what the driver answers (no conversion: on SQLite a
    boolean is 0 or 1, a datetime is text)."""
    connection = db.session.connection()
    mark = param_mark(connection)
    found = []
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {key} IN ({', '.join([mark] * len(chunk))})"
        found.extend(driver_rows(connection, sql, tuple(chunk)))
    return found


def row_reader(table, columns, connection):
    """A function: a row the driver answered for `columns` -> the values SQLAlchemy would give,
    converting only the columns that need it."""
    conversions = [(index, column_reader(table.c[name].type, connection)) for index, name in enumerate(columns)]
    return _converting(tuple, [(index, read) for index, read in conversions if read is not _same])


def column_reader(column_type, connection):
    """A function that turns what the driver returns for a column into what SQLAlchemy would."""
    if isinstance(column_type, JSON):
        return lambda value: orjson.loads(value) if isinstance(value, str) else value
    if isinstance(column_type, DateTime) and connection.dialect.name == "sqlite":
        return lambda value: datetime.fromisoformat(value) if isinstance(value, str) else value
    if connection.dialect.name == "sqlite" and column_type.python_type is bool:
        return lambda value: None if value is None else bool(value)
    return _same
