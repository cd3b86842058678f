"""How the engine talks to the database: SQLAlchemy Core statements, built once, on the request's connection.

Every statement the engine runs is a Core construct made once and kept (here or in the module
that uses it), so SQLAlchemy compiles it once and finds it in its cache ever after; values go in
as bound parameters, converted by the columns' own types. A request borrows one pooled
connection, that of its ORM session, whatever it reads or writes.

Rows by the thousand (a push's movements, its stock totals) go in one executemany of the
statement as SQLAlchemy compiled it, each value converted by its column type's own bind
processor: SQLAlchemy's executemany builds a parameter dictionary for every row, which costs
about three times the driver's own work (10,000 movements: 150 ms against 55 ms on SQLite).
"""

from functools import cache, lru_cache
from operator import itemgetter

from sqlalchemy import DateTime, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from ..extensions import db

# Values in one IN list: well under SQLite's 32,766 parameters and PostgreSQL's 65,535.
MAX_IN = 5000
UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def run(statement, params=None):
    """Execute a Core statement on the request's connection; `params` a dict, or a list of them for many rows."""
    return db.session.connection().execute(statement, params)


def insert_rows(table, rows):
    """INSERT every row (dicts with the same keys) in one executemany."""
    if rows:
        names = tuple(rows[0])
        insert_values(
            table, names, list(map(itemgetter(*names), rows)) if len(names) > 1 else [(r[names[0]],) for r in rows]
        )


def insert_new(table, rows):
    """INSERT the rows (dicts with the same keys) that clash with no stored row's unique key; the others are left."""
    if rows:
        names = tuple(rows[0])
        run_many(
            _inserting_new(db.session.connection().dialect.name, table),
            names,
            [tuple(map(row.get, names)) for row in rows],
        )


def insert_values(table, names, rows):
    """INSERT every row, each a tuple of the values of the columns `names` in that order, in one executemany."""
    if rows:
        run_many(_insert(table), names, rows)


def run_many(statement, names, rows):
    """Run an INSERT (or upsert) once for each row, a tuple of the values of `names`, in one executemany of the driver.

    The statement is compiled once for these columns (SQLAlchemy's compiler, so the SQL is what
    Core would send) and each value is converted by its column type's bind processor.
    """
    connection = db.session.connection()
    sql, arrange = _prepared(statement, names, connection.dialect)
    connection.exec_driver_sql(sql, list(map(arrange, rows)))


def update_rows(table, rows, key="id"):
    """UPDATE rows by key, setting every other column given (the same keys in each row)."""
    if rows:
        run(_update(table, key), [_by_key(row, key) for row in rows])


def add_to_column(table, column, deltas, key="id"):
    """column = column + delta for each (key value, delta); a key without a row gets one holding delta."""
    if deltas:
        run_many(_adding(db.session.connection().dialect.name, table, column, key), (key, column), deltas)


def select_in(table, columns, key, values):
    """Rows (mappings) of `columns` whose `key` is one of `values`."""
    return [row._mapping for row in rows_in(_select_in(table, tuple(columns), key), values)]


def rows_in(statement, values):
    """The rows of a statement whose IN list is its expanding parameter "keys", for any number of values."""
    found = []
    for start in range(0, len(values), MAX_IN):
        found.extend(run(statement, {"keys": values[start : start + MAX_IN]}))
    return found


def _by_key(row, key):
    values = {name: value for name, value in row.items() if name != key}
    values["key_value"] = row[key]
    return values


@cache
def _prepared(statement, names, dialect):
    """(the SQL of a statement compiled for these columns, a function: row tuple -> the driver's parameters)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    columns = statement.table.c
    processors = {}
    for name in names:
        column_type = columns[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # A batch stamps every row with the same time: each distinct one is converted once.
            processors[name] = lru_cache(maxsize=256)(process) if isinstance(column_type, DateTime) else process
    if compiled.positional:
        order = list(compiled.positiontup)
        return compiled.string, _arranger([names.index(name) for name in order], order, processors, tuple)
    return compiled.string, _arranger(list(range(len(names))), list(names), processors, dict)


def _arranger(indexes, order, processors, shape):
    """A function: a row tuple -> its values in `order`, converted where a processor is given, as a tuple or a dict."""
    pick = itemgetter(*indexes) if len(indexes) > 1 else lambda row: (row[indexes[0]],)
    converting = [(position, processors[name]) for position, name in enumerate(order) if name in processors]

    def arrange(row):
        values = pick(row)
        if converting:
            values = list(values)
            for position, process in converting:
                values[position] = process(values[position])
        return tuple(values) if shape is tuple else dict(zip(order, values, strict=True))

    return arrange


@cache
def _insert(table):
    return insert(table)


@cache
def _update(table, key):
    # The SET clause is every other key of the parameters, as executemany gives them.
    return update(table).where(table.c[key] == bindparam("key_value"))


@cache
def _adding(dialect, table, column, key):
    # One upsert for new and stored keys alike, the same construct on both engines.
    statement = UPSERT[dialect](table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={column: table.c[column] + statement.excluded[column]}
    )


@cache
def _inserting_new(dialect, table):
    return UPSERT[dialect](table).on_conflict_do_nothing()


@cache
def _select_in(table, columns, key):
    return select(*(table.c[name] for name in columns)).where(table.c[key].in_(bindparam("keys", expanding=True)))


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
