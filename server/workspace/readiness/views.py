"""Export readiness over HTTP: the rule table, one product's verdict, a region's counts."""

from flask_jwt_extended import current_user
from marshmallow import fields, validate

from sync.records import STATUSES

from ...engine.models import Producer, Product
from ...engine.scope import actor_for, may_see
from ...extensions import db
from ...web.errors import ApiError
from ...web.json_body import Blueprint
from ...web.openapi import INTEGER, OBJECT, OBJECTS, TEXTS, json_object, signed_in
from ...web.schemas import BaseSchema, CalendarDate, RegionCode
from ..common import BY_LEVEL, admin_regions, asked_regions
from .rules import RULES, document_texts, evaluate, parse_as_of
from .summary import summarize

blp = Blueprint("readiness", __name__, url_prefix="/api/v1", description="Export readiness")


class AsOfArgs(BaseSchema):
    as_of = CalendarDate(metadata={"description": "Judge on this day (YYYY-MM-DD, 2000-2100) instead of today."})


class SummaryArgs(AsOfArgs):
    region = RegionCode(metadata={"description": "A region inside the admin's; default: all of them."})
    by = fields.String(validate=validate.OneOf(list(BY_LEVEL)), metadata={"description": "Child level to count by."})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "Only products of this status."})


class CheckSchema(BaseSchema):
    requirement = fields.String()
    documents = fields.List(fields.String())
    status = fields.String(metadata={"enum": ["ok", "missing", "expired", "expiring"]})
    valid_until = fields.String(allow_none=True)
    days_left = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class ReadinessSchema(BaseSchema):
    product_id = fields.String(required=True)
    category = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["ready", "missing", "expiring"]})
    as_of = fields.String(required=True)
    missing = fields.List(fields.String(), metadata={"description": "Requirements with no document."}, required=True)
    expired = fields.List(
        fields.String(), metadata={"description": "Requirements whose documents all expired."}, required=True
    )
    expiring = fields.List(
        fields.String(), metadata={"description": "Requirements whose document expires soon."}, required=True
    )
    requirements = fields.List(fields.Nested(CheckSchema), required=True)
    recommended = fields.List(fields.Dict(), required=True)
    documents = fields.Dict(
        required=True, metadata={"description": "Name, what it is and who can help, per document kind."}
    )


@blp.route("/readiness/rules", methods=["GET"])
@signed_in(blp)
@blp.response(200, description="readiness_rules.json as it is; its `fields` section documents each field.")
@blp.doc(**json_object(version=INTEGER, documents=OBJECT, requirements=OBJECTS, categories=OBJECT))
def get_rules():
    """The readiness rule table as data: documents, who can help, and what each category needs."""
    return RULES


@blp.route("/products/<uuid_text:product_id>/readiness", methods=["GET"])
@signed_in(blp, 400, 403, 404)
@blp.arguments(AsOfArgs, location="query", error_status_code=400)
@blp.response(200, ReadinessSchema)
def product_readiness(args, product_id):
    """What one product still lacks for export, what expired and what expires within 90 days."""
    product = db.session.get(Product, product_id)
    if product is None or product.deleted:
        raise ApiError(404, "not_found")
    producer = db.session.get(Producer, product.producer_id)
    if not may_see(actor_for(current_user), producer.village_code, producer.created_by, producer.phone):
        raise ApiError(403, "forbidden")
    columns = {c: getattr(product, c) for c in ("category", "name", "description", "certifications", "hs_code")}
    verdict = evaluate(columns, producer.nib, parse_as_of(args.get("as_of")))
    return {"product_id": product.id, "category": product.category, **verdict, "documents": document_texts()}


@blp.route("/readiness/summary", methods=["GET"])
@signed_in(blp, 400, 403)
@blp.arguments(SummaryArgs, location="query", error_status_code=400)
@blp.response(200, description="totals, by_category, by_region and documents, each with products, ready, missing and "
              "expiring counts (documents: missing, expired and expiring per requirement).")  # fmt: skip
@blp.doc(
    **json_object(
        regions=TEXTS,
        by={"type": "string", "enum": list(BY_LEVEL)},
        as_of={"type": "string", "format": "date"},
        expiring_within_days=INTEGER,
        totals=OBJECT,
        by_category=OBJECTS,
        by_region=OBJECTS,
        documents=OBJECTS,
    )
)
def readiness_summary(args):
    """Counts of ready, missing-something and expiring products per category and child region."""

    regions = asked_regions(admin_regions(), args.get("region"))
    return summarize(regions, args.get("by"), parse_as_of(args.get("as_of")), args.get("status"))
