"""Kemendagri regions: the lookup API for pickers (the import is server/cli/regions.py)."""

import hashlib
import io
import json

from flask import Response, abort, request
from marshmallow import fields
from sqlalchemy import select

from ..engine.models import Region
from ..extensions import db
from ..web.json_body import Blueprint
from ..web.openapi import signed_in
from ..web.schemas import BaseSchema, RegionCode

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


@blp.route("", methods=["GET"])
@signed_in(blp, 400, 404)
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
@signed_in(blp, 404)
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
