"""Curation: the review queue of an admin's regions, decisions, their history, and produk unggulan.

Every decision is a `review` op applied through server.apply.apply_ops, the one write path, so
it sets the product's status and reaches the producer's phone on its next pull, exactly as a
review pushed by any device would. Only admins curate, and only within their regions.
"""

from flask import current_app, request
from flask_jwt_extended import current_user, get_jwt
from marshmallow import fields, validate
from sqlalchemy import false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from sync.hlc import Clock
from sync.ids import uuid7
from sync.quantity import format_milli
from sync.records import CATEGORIES, STATUSES

from ..engine.apply import apply_ops
from ..engine.feed import feed_position
from ..engine.models import Device, FeaturedProduct, Producer, Product, Region, Review, User
from ..engine.records import to_wire
from ..engine.scope import actor_for, covers, in_regions
from ..extensions import db
from ..web.errors import ApiError, field_errors
from ..web.json_body import Blueprint
from ..web.openapi import UUID, ErrorDetailSchema, signed_in
from ..web.schemas import BaseSchema, RegionCode
from ..web.timeutil import rfc3339, utcnow
from .common import admin_regions, asked_regions
from .readiness.rules import evaluate, summary_of

blp = Blueprint("curation", __name__, url_prefix="/api/v1", description="Curation: reviews and produk unggulan")

MAX_DECISIONS = 1000
MAX_PAGE = 200


class QueueArgs(BaseSchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    kecamatan = RegionCode(metadata={"description": "Only products of this kecamatan (or any region code)."})
    status = fields.String(validate=validate.OneOf(STATUSES), load_default="submitted")
    cursor = fields.String(metadata={"description": "The `cursor` of the previous page."})
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE), load_default=50)


class QueueItemSchema(BaseSchema):
    id = fields.String()
    name = fields.String()
    category = fields.String()
    description = fields.String(allow_none=True)
    unit = fields.String()
    unit_weight_kg = fields.String(allow_none=True)
    price_idr = fields.Integer(allow_none=True)
    hs_code = fields.String(allow_none=True)
    certifications = fields.List(fields.Dict())
    photos = fields.List(fields.String(), metadata={"description": "sha256 of each photo: GET /api/v1/blobs/<sha>."})
    status = fields.String()
    stock_on_hand = fields.String(metadata={"description": "Exact decimal text, in the product's unit."})
    updated_at = fields.String()
    producer = fields.Dict(metadata={"description": "id, name, kind and phone."})
    village = fields.Dict(metadata={"description": "code and name of the desa."})
    kecamatan = fields.Dict(metadata={"description": "code and name of the kecamatan."})
    readiness = fields.Dict(metadata={"description": "state, and requirements missing, expired or expiring."})


class QueuePageSchema(BaseSchema):
    items = fields.List(fields.Nested(QueueItemSchema), required=True)
    cursor = fields.String(
        required=True, allow_none=True, metadata={"description": "Pass it back for the next page; null: done."}
    )


class DecisionSchema(BaseSchema):
    product_id = fields.String(required=True, metadata={"pattern": UUID})
    decision = fields.String(required=True, metadata={"enum": ["approved", "needs_changes", "rejected"]})
    note = fields.String(metadata={"description": "At most 1,000 characters; the producer reads it."})
    id = fields.String(
        metadata={"description": "Optional review id (UUID): sending it again is a duplicate.", "pattern": UUID}
    )


class DecisionsSchema(BaseSchema):
    decisions = fields.List(fields.Nested(DecisionSchema), required=True)


class DecisionResultSchema(BaseSchema):
    product_id = fields.String(required=True, allow_none=True)
    review_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["applied", "duplicate", "rejected"]})
    error = fields.Nested(ErrorDetailSchema, metadata={"description": "Why a rejected decision was not applied."})


class DecisionAnswerSchema(BaseSchema):
    results = fields.List(fields.Nested(DecisionResultSchema), required=True)
    hlc = fields.String(required=True)


class ReviewSchema(BaseSchema):
    id = fields.String(required=True)
    product_id = fields.String(required=True)
    decision = fields.String(required=True)
    note = fields.String(required=True, allow_none=True)
    reviewer_id = fields.String(required=True)
    reviewer_name = fields.String(required=True, allow_none=True)
    at = fields.String(required=True)


class FeaturedArgs(BaseSchema):
    region = RegionCode(metadata={"description": "A region inside the admin's; default: all of them."})


class FeaturedSchema(BaseSchema):
    product_id = fields.String(required=True)
    village_code = fields.String(required=True)
    featured_by = fields.String(required=True)
    featured_at = fields.String(required=True)


class FeaturedDesaSchema(BaseSchema):
    village_code = fields.String(required=True)
    village_name = fields.String(required=True, allow_none=True)
    products = fields.List(fields.Dict(), required=True)


# -- the queue -----------------------------------------------------------------------------------


@blp.route("/review-queue", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.arguments(QueueArgs, location="query", error_status_code=400)
@blp.response(200, QueuePageSchema)
def review_queue(args):
    """Products waiting for review in the admin's regions, oldest change first, a page at a time."""
    regions = admin_regions()
    if args.get("kecamatan"):
        regions = asked_regions(regions, args["kecamatan"])
    rows = db.session.execute(_queue_query(regions, args, _after(args.get("cursor")))).all()
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    today = utcnow().date()
    return {"items": [_queue_item(row, today) for row in rows], "cursor": str(rows[-1].seq) if more else None}


def _after(cursor):
    # The cursor is the change-feed position of the last item: keyset pagination on products.seq,
    # so a product edited while the admin pages moves to the end rather than being skipped.
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise ApiError(400, "invalid_cursor")
    return int(cursor)


def _queue_query(regions, args, after):
    p, pr = Product.__table__, Producer.__table__
    desa, kec = aliased(Region), aliased(Region)
    query = (
        select(p, Product.stock_milli, pr.c.name.label("producer_name"), pr.c.kind.label("producer_kind"),
               pr.c.phone.label("producer_phone"), pr.c.nib.label("producer_nib"),
               desa.name.label("village_name"), kec.code.label("kecamatan_code"), kec.name.label("kecamatan_name"))
        .join(pr, pr.c.id == p.c.producer_id)
        .outerjoin(desa, desa.code == p.c.village_code)
        .outerjoin(kec, kec.code == func.substr(p.c.village_code, 1, 8))
        .where(in_regions(p.c.village_code, regions), p.c.deleted == false(), p.c.status == args["status"])
        .where(p.c.seq > after)
        .order_by(p.c.seq)
        .limit(args["limit"] + 1)
    )  # fmt: skip
    if args.get("category"):
        query = query.where(p.c.category == args["category"])
    return query


def _queue_item(row, today):
    columns = row._mapping
    item = to_wire("product", columns)
    item.pop("producer_id")
    return {
        **item,
        "stock_on_hand": format_milli(row.stock_milli),
        "updated_at": rfc3339(row.updated_at),
        "producer": {"id": row.producer_id, "name": row.producer_name, "kind": row.producer_kind,
                     "phone": row.producer_phone},
        "village": {"code": row.village_code, "name": row.village_name},
        "kecamatan": {"code": row.kecamatan_code, "name": row.kecamatan_name},
        "readiness": summary_of(evaluate(columns, row.producer_nib, today)),
    }  # fmt: skip


# -- decisions -----------------------------------------------------------------------------------


@blp.route("/reviews", methods=["POST"])
@signed_in(blp, 400, 403, 413, 422)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": DecisionsSchema}}})
@blp.response(200, DecisionAnswerSchema)
def decide():
    """Approve, ask for changes or reject, one product or up to 1,000; answers one result per decision."""
    admin_regions()
    decisions = _decisions(request.get_json(silent=True))
    clock = Clock(current_app.config["SERVER_ID"], feed_position()[1])
    ops = [_review_op(d, clock.tick()) for d in decisions]
    results, hlc = apply_ops(actor_for(current_user), ops, _device_id())
    answers = [
        {"product_id": _field(d, "product_id"), "review_id": op["entity_id"], **_without_op_id(r)}
        for d, op, r in zip(decisions, ops, results, strict=True)
    ]
    return {"results": answers, "hlc": hlc}


def _decisions(body):
    """The decisions of a request body: a list of at most 1,000; each is judged on its own."""
    if body is None and request.get_data():
        raise ApiError(400, "invalid_json")
    decisions = body.get("decisions") if isinstance(body, dict) else None
    if not isinstance(decisions, list):
        raise ApiError(422, "validation_error", field_errors({"decisions": ("not_a_list", {})}))
    if len(decisions) > MAX_DECISIONS:
        raise ApiError(413, "payload_too_large", {"max_decisions": MAX_DECISIONS})
    return decisions


def _without_op_id(result):
    return {k: v for k, v in result.items() if k != "op_id"}


def _field(decision, name):
    return decision.get(name) if isinstance(decision, dict) else None


def _review_op(decision, hlc):
    """A `review` op for one decision; a malformed one is rejected by the apply path's own checks."""
    fields_ = None
    if isinstance(decision, dict):
        fields_ = {k: decision[k] for k in ("product_id", "decision", "note") if k in decision}
    review_id = _field(decision, "id") or uuid7()
    return {"op_id": uuid7(), "entity": "review", "entity_id": review_id, "action": "upsert", "fields": fields_,
            "hlc": hlc}  # fmt: skip


def _device_id():
    """The device the admin works on, for conflict records."""
    return db.session.scalar(select(Device.device_id).where(Device.id == get_jwt()["dev"]))


# -- history -------------------------------------------------------------------------------------


@blp.route("/products/<uuid_text:product_id>/reviews", methods=["GET"])
@signed_in(blp, 403, 404)
@blp.response(200, ReviewSchema(many=True))
def review_history(product_id):
    """Every decision on a product, oldest first, with the reviewer's name."""
    _product_in_scope(product_id, admin_regions(), allow_deleted=True)
    rows = db.session.execute(
        select(Review, User.name).outerjoin(User, User.id == Review.reviewer_id)
        .where(Review.product_id == product_id).order_by(Review.seq)
    ).all()  # fmt: skip
    return [_review_json(review, name) for review, name in rows]


def _review_json(review, reviewer_name):
    return {"id": review.id, "product_id": review.product_id, "decision": review.decision, "note": review.note,
            "reviewer_id": review.reviewer_id, "reviewer_name": reviewer_name, "at": rfc3339(review.at)}  # fmt: skip


def _product_in_scope(product_id, regions, allow_deleted=False):
    """The product, when it exists (404) and lies in the admin's regions (403)."""
    product = db.session.get(Product, product_id)
    if product is None or (product.deleted and not allow_deleted):
        raise ApiError(404, "not_found")
    if not covers(regions, product.village_code):
        raise ApiError(403, "forbidden")
    return product


# -- produk unggulan -----------------------------------------------------------------------------


@blp.route("/products/<uuid_text:product_id>/featured", methods=["PUT"])
@signed_in(blp, 403, 404, 409)
@blp.response(200, FeaturedSchema)
@blp.alt_response(201, schema=FeaturedSchema, description="Newly featured.")
def feature(product_id):
    """Feature an approved product as a produk unggulan of its desa (201 new, 200 already)."""
    product = _product_in_scope(product_id, admin_regions())
    if product.status != "approved":
        raise ApiError(409, "not_approved", {"status": product.status})
    featured = db.session.get(FeaturedProduct, product_id)
    if featured is not None:
        return _featured_json(featured)
    featured = FeaturedProduct(product_id=product_id, village_code=product.village_code,
                               featured_by=current_user.id, featured_at=utcnow())  # fmt: skip
    db.session.add(featured)
    try:
        db.session.commit()
    except IntegrityError:  # featured by another request just now: the same outcome
        db.session.rollback()
        return _featured_json(db.session.get(FeaturedProduct, product_id))
    return _featured_json(featured), 201


@blp.route("/products/<uuid_text:product_id>/featured", methods=["DELETE"])
@signed_in(blp, 403, 404)
@blp.response(204)
def unfeature(product_id):
    """Stop featuring a product (nothing happens when it was not featured)."""
    _product_in_scope(product_id, admin_regions(), allow_deleted=True)
    db.session.query(FeaturedProduct).filter(FeaturedProduct.product_id == product_id).delete()
    db.session.commit()


def _featured_json(featured):
    return {"product_id": featured.product_id, "village_code": featured.village_code,
            "featured_by": featured.featured_by, "featured_at": rfc3339(featured.featured_at)}  # fmt: skip


@blp.route("/featured", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.arguments(FeaturedArgs, location="query", error_status_code=400)
@blp.response(200, FeaturedDesaSchema(many=True))
def list_featured(args):
    """Produk unggulan per desa in a region: featured products that are still approved."""
    regions = asked_regions(admin_regions(), args.get("region"))
    p, pr, f = Product.__table__, Producer.__table__, FeaturedProduct.__table__
    rows = db.session.execute(
        select(p.c.id, p.c.name, p.c.category, p.c.village_code, p.c.photos, pr.c.name.label("producer_name"),
               f.c.featured_at, Region.name.label("village_name"))
        .join(p, p.c.id == f.c.product_id).join(pr, pr.c.id == p.c.producer_id)
        .outerjoin(Region, Region.code == p.c.village_code)
        .where(in_regions(p.c.village_code, regions), p.c.status == "approved", p.c.deleted == false())
        .order_by(p.c.village_code, f.c.featured_at, p.c.id)
    ).all()  # fmt: skip
    return _per_desa(rows)


def _per_desa(rows):
    groups = {}
    for row in rows:
        group = groups.setdefault(row.village_code, {"village_code": row.village_code,
                                                     "village_name": row.village_name, "products": []})  # fmt: skip
        group["products"].append({"id": row.id, "name": row.name, "category": row.category,
                                  "producer_name": row.producer_name, "photos": row.photos or [],
                                  "featured_at": rfc3339(row.featured_at)})  # fmt: skip
    return list(groups.values())
