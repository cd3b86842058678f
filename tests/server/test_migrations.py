from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from server.extensions import db


def tables():
    """The tables of the app's database."""
    return set(inspect(db.engine).get_table_names())


def version():
    """The Alembic revision the database is at."""
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_upgrade_on_an_empty_database_creates_every_table(fresh_app):
    with fresh_app.app_context():
        assert tables() == set()
        upgrade()
        assert tables() == set(db.metadata.tables) | {"alembic_version"}
        assert db.session.execute(text("SELECT id, seq, hlc FROM sync_state")).all() == [(1, 0, "")]


def test_migrations_match_the_models(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []


def test_flask_db_upgrade_twice_is_a_no_op(fresh_app):
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    with fresh_app.app_context():
        head, created = version(), tables()
        db.session.remove()
    second = runner.invoke(args=["db", "upgrade"])
    assert second.exit_code == 0, second.output
    with fresh_app.app_context():
        assert (version(), tables()) == (head, created)
        assert db.session.execute(text("SELECT count(*) FROM sync_state")).scalar() == 1


def test_downgrade_to_base_and_up_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert tables() == {"alembic_version"}
        upgrade()
        assert tables() == set(db.metadata.tables) | {"alembic_version"}


def test_stock_totals_move_to_their_own_table_unchanged(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0003")
        now = "2026-11-01 00:00:00"
        for n, stock in enumerate((12_500, 0, -3_000)):
            db.session.execute(
                text(
                    "INSERT INTO products (id, producer_id, village_code, status, stock_milli, deleted, hlcs, seq, "
                    "created_at, updated_at) VALUES (:id, :id, '32.04.05.2001', 'draft', :stock, false, '{}', :seq, "
                    ":now, :now)"
                ),
                {"id": f"00000000-0000-4000-9000-{n:012d}", "stock": stock, "seq": n + 1, "now": now},
            )
        db.session.commit()
        upgrade()
        moved = db.session.execute(text("SELECT product_id, stock_milli FROM product_stock ORDER BY product_id"))
        assert [stock for _, stock in moved] == [12_500, 0, -3_000]
        db.session.commit()  # the migration runs on a connection of its own
        downgrade(revision="0003")
        kept = db.session.execute(text("SELECT stock_milli FROM products ORDER BY id")).scalars().all()
        assert kept == [12_500, 0, -3_000]
