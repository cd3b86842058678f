"""Kemendagri regions: the import from idn-area-data, and `flask regions import`."""

import csv
import gzip
import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import insert, select, update

from ..engine.models import Region
from ..extensions import db

DATA_DIR = Path(__file__).parents[1] / "regions_data"
# File, and the column that names the parent, for each level.
SOURCES = (
    ("provinces", None),
    ("regencies", "province_code"),
    ("districts", "regency_code"),
    ("villages", "district_code"),
)

regions_cli = AppGroup("regions", help="Kemendagri regions.")


def read_source(source_dir=DATA_DIR, only=None):
    """Yield (code, parent_code, level, name) from the CSVs, optionally under one prefix."""
    for level, (stem, parent_column) in enumerate(SOURCES, start=1):
        path = Path(source_dir) / f"{stem}.csv.gz"
        if not path.exists():
            path = path.with_suffix("")  # a plain .csv copy
        with _open_text(path) as handle:
            for row in csv.DictReader(handle):
                code = row["code"].strip()
                if only and not (code == only or code.startswith(only + ".") or only.startswith(code + ".")):
                    continue
                parent = row[parent_column].strip() if parent_column else None
                yield code, parent, level, row["name"].strip()


def _open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def import_regions(source_dir=DATA_DIR, only=None):
    """Insert new regions and rename changed ones; answers counts per level and what changed."""
    existing = dict(db.session.execute(select(Region.code, Region.name)).all())
    new_rows, renamed, counts = [], 0, {1: 0, 2: 0, 3: 0, 4: 0}
    for code, parent, level, name in read_source(source_dir, only):
        counts[level] += 1
        if code not in existing:
            new_rows.append({"code": code, "parent_code": parent, "level": level, "name": name})
        elif existing[code] != name:
            db.session.execute(update(Region).where(Region.code == code).values(name=name))
            renamed += 1
    for start in range(0, len(new_rows), 5000):
        db.session.execute(insert(Region), new_rows[start : start + 5000])
    db.session.commit()
    return {"levels": counts, "inserted": len(new_rows), "renamed": renamed}


@regions_cli.command("import")
@click.option("--source", default=str(DATA_DIR), show_default=True, help="Folder with the idn-area-data CSVs.")
@click.option("--only", default=None, help="Import only this region and what lies under it (e.g. 32.04).")
def import_regions_command(source, only):
    """Load the Kemendagri regions; running it again changes nothing."""
    started = time.perf_counter()
    result = import_regions(source, only)
    levels = result["levels"]
    click.echo(
        f"{levels[1]} provinces, {levels[2]} kabupaten/kota, {levels[3]} kecamatan, {levels[4]} desa/kelurahan; "
        f"{result['inserted']} inserted, {result['renamed']} renamed in {time.perf_counter() - started:.1f}s"
    )
