"""Backups while the server runs, and restoring them: `flask backup OUT`, `flask restore IN`.

A backup is one folder:
    manifest.json    what it holds: engine, migration revision, PostgreSQL schema, time, counts
    database.sqlite  SQLite: a copy made with SQLite's online backup API (one read transaction,
                     so one consistent moment; writers go on meanwhile, as WAL lets them)
    database.dump    PostgreSQL: pg_dump's custom format of the database's schema (one
                     repeatable-read snapshot)
    blobs/           the photos (BLOB_DIR), without partial uploads and temporary files

The database is copied first and the photos after: a photo's file is written before its row
(server/api/blobs.py) and never removed, so every photo the copied database lists is in the copy.

`restore` puts a backup into the configured database and BLOB_DIR. It refuses a database that
holds accounts or records unless given --force; a migrated but empty one is fine. Stop the
server first, and run `flask db upgrade` afterwards when the code is newer than the backup.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, make_url, text

from ..extensions import db
from ..web.timeutil import utcnow

# Tables whose rows make a database "not empty": what people entered (regions are reference data).
PEOPLES_TABLES = ("users", "producers", "products", "stock_movements", "reviews", "blobs")
MANIFEST = "manifest.json"


@click.command("backup")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(out):
    """Copy the database and the photos into the new folder OUT, while the server runs."""
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)
    engine = db.engine.dialect.name
    manifest = {"format": 1, "engine": engine, "created_at": utcnow().isoformat() + "Z"}
    manifest["revision"] = _revision()
    if engine == "sqlite":
        _backup_sqlite(_sqlite_path(), out / "database.sqlite")
    else:
        manifest["schema"] = _current_schema()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--schema={manifest['schema']}",
                f"--file={out / 'database.dump'}",
            ]
        )
    manifest["photos"] = _copy_photos(Path(current_app.config["BLOB_DIR"]), out / "blobs")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    click.echo(f"backup of {engine} (revision {manifest['revision']}) and {manifest['photos']} photos in {out}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that holds accounts or records.")
@with_appcontext
def restore_command(source, force):
    """Put the backup in folder SOURCE into the configured database and BLOB_DIR (server stopped)."""
    manifest = json.loads((source / MANIFEST).read_text())
    engine = db.engine.dialect.name
    if manifest["engine"] != engine:
        raise click.ClickException(f"the backup is of {manifest['engine']}, the configured database is {engine}")
    held = _rows_held()
    if held and not force:
        raise click.ClickException(f"the database is not empty ({held}); add --force to overwrite it")
    if engine == "sqlite":
        db.engine.dispose()  # no pooled connection of ours may hold the file while it is replaced
        _restore_sqlite(source / "database.sqlite", _sqlite_path())
    else:
        _restore_postgresql(source / "database.dump", manifest["schema"])
    photos = _copy_photos(source / "blobs", Path(current_app.config["BLOB_DIR"]))
    click.echo(f"restored {engine} (revision {manifest['revision']}) and {photos} photos from {source}")


def _revision():
    """The database's Alembic revision (None before the first migration)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _rows_held():
    """'users: 3, ...' for the tables of PEOPLES_TABLES that hold rows; '' when none does."""
    counts = []
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        for table in PEOPLES_TABLES:
            if table in tables:
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                if count:
                    counts.append(f"{table}: {count}")
    return ", ".join(counts)


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path():
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise click.ClickException("an in-memory SQLite database cannot be backed up or restored")
    return Path(path)


def _backup_sqlite(source, target):
    """Copy a live SQLite database with the online backup API, all pages in one step."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # The copy stands alone: one file, no write-ahead log beside it.
        dst.execute("PRAGMA journal_mode=DELETE")


def _restore_sqlite(source, target):
    """Overwrite the target database with the backup's pages (in one step, in one transaction)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")  # as the server runs it


# --- PostgreSQL ---------------------------------------------------------------------------------


def _current_schema():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT current_schema()")).scalar()


def _restore_postgresql(dump, schema):
    """pg_restore the dump in one transaction, replacing what it holds; into the backup's schema."""
    current = _current_schema()
    if current not in (None, schema):
        raise click.ClickException(
            f"the backup is of schema {schema}; the configured database uses {current} (set its search_path)"
        )
    db.engine.dispose()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
        ]
    )


def _run(command):
    """Run pg_dump or pg_restore on the configured database; its password goes in the environment."""
    if shutil.which(command[0]) is None:
        raise click.ClickException(f"{command[0]} not found: install the PostgreSQL client tools")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([*command, f"--dbname={libpq}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


# --- photos -------------------------------------------------------------------------------------


def _copy_photos(source, target):
    """Copy the stored photos and thumbnails (not partial uploads, not temporary files); answers the photo count."""
    if not source.is_dir():
        return 0
    photos = 0
    for folder in sorted(source.iterdir()):
        if not folder.is_dir() or folder.name == "partial":
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".tmp-") or not path.is_file():
                continue
            destination = target / folder.name / path.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            photos += not path.name.endswith(".thumb")
    return photos
