"""`flask export sqlite OUT.db`: the open-data file (server/workspace/open_data.py)."""

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from ..workspace.open_data import write_open_data

export_cli = AppGroup("export", help="Open data exports.")


@export_cli.command("sqlite")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--region", "regions", multiple=True, help="Only products in this region; repeat for several.")
def export_sqlite_command(out, regions):
    """Write approved products, producers, regions and monthly stock aggregates to a SQLite file."""
    started = time.perf_counter()
    counts = write_open_data(out, list(regions))
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    click.echo(f"wrote {out}: {summary} in {time.perf_counter() - started:.1f}s")
    stem = Path(out)
    click.echo(f"open it: datasette {out} -m {stem.with_name(stem.stem + '.metadata.json')}")
