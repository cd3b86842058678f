"""Kemendagri regions: the import from idn-area-data and the lookup API for pickers."""

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

from flask import Response, abort, request
from flask_jwt_extended import jwt_required
from marshmallow import fields
from sqlalchemy import insert, select, update

from .extensions import db
from .json_body import Blueprint
from .models import Region
from .openapi import error_answers
from .schemas import BaseSchema, RegionCode

DATA_DIR = Path(__file__).parent / "regions_data"
# File, and the column that names the parent, for each level.
SOURCES = (
    ("provinces", None),
    ("regencies", "province_code"),
    ("districts", "regency_code"),
    ("villages", "district_code"),
)

blp = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="Kemendagri regions")
NOT_MODIFIED = "The If-None-Match ETag is current: nothing sent."


class RegionArgs(BaseSchema):
    parent = RegionCode()


class RegionSchema(BaseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.Integer(required=True)
    parent_code = fields.String(required=True, allow_none=True)


class RegionDetailSchema(RegionSchema):
    ancestors = fields.List(fields.Nested(RegionSchema), required=True)


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


@blp.route("", methods=["GET"])
@jwt_required()
@error_answers(blp, 400, 404)
@blp.arguments(RegionArgs, location="query", error_status_code=400)
@blp.response(200, RegionSchema(many=True))
@blp.alt_response(304, description=NOT_MODIFIED, success=True)
def list_regions(args):
    """List the children of a region (?parent=32.04), or the provinces without one."""
    parent = args.get("parent")
    if parent and db.session.get(Region, parent) is None:
        abort(404)
    rows = db.session.scalars(select(Region).where(Region.parent_code == parent).order_by(Region.code))
    return _cacheable([_region_json(r) for r in rows])


@blp.route("/<region:code>", methods=["GET"])
@jwt_required()
@error_answers(blp, 404)
@blp.response(200, RegionDetailSchema)
@blp.alt_response(304, description=NOT_MODIFIED, success=True)
def get_region(code):
    """One region with its ancestors, province first."""
    region = db.session.get(Region, code)
    if region is None:
        abort(404)
    ancestors = []
    parent = region.parent_code
    while parent:
        row = db.session.get(Region, parent)
        if row is None:
            break
        ancestors.insert(0, _region_json(row))
        parent = row.parent_code
    return _cacheable({**_region_json(region), "ancestors": ancestors})


def _region_json(region):
    return {"code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code}


def _cacheable(payload):
    """A JSON answer with a strong ETag; answers 304 when the client has it already."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, max-age=86400"}
    # If-None-Match compares weakly (RFC 9110 13.1.2): a proxy may have marked our ETag W/.
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(io.BytesIO(body).getvalue(), mimetype="application/json", headers=headers)
