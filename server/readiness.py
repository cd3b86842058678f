"""Export readiness: what a product has against what its category needs (readiness_rules.json).

The rules are data, loaded once at start and served as they are: each category lists
requirements, each requirement a list of documents of which any one valid document satisfies it.
A product is `missing` something when a requirement that applies to it has no document or only
expired ones, else `expiring` when one expires within the window (90 days), else `ready`.
This module judges one product in Python; server/readiness_summary.py judges a region in SQL by
the same rules, and the tests hold the two to the same answers.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask_jwt_extended import current_user, jwt_required
from marshmallow import fields, validate

from sync.records import CATEGORIES, CERTIFICATION_KINDS, STATUSES

from .apply import Rec, may_write
from .errors import ApiError
from .extensions import db
from .json_body import Blueprint
from .messages import language
from .models import Producer, Product
from .openapi import INTEGER, OBJECT, OBJECTS, TEXTS, error_answers, json_object
from .schemas import BaseSchema, CalendarDate, RegionCode
from .sync_api import actor_for
from .timeutil import utcnow
from .workspace import BY_LEVEL, admin_regions, asked_regions

RULES_PATH = Path(__file__).with_name("readiness_rules.json")
FAR = "9999-12-31"  # the valid_until of a document that does not expire
SOURCES = ("certification", "certification_or_producer_nib", "product_hs_code")

blp = Blueprint("readiness", __name__, url_prefix="/api/v1", description="Export readiness")


@dataclass(frozen=True)
class Requirement:
    """A requirement of some categories: any one valid document of `documents` satisfies it."""

    key: str
    documents: tuple
    categories: frozenset
    starts: str = None  # YYYY-MM-DD; before it the requirement is only recommended
    mentions: tuple = ()
    holds: bool = False
    note: dict = None

    def applies(self, text, held):
        """Whether the requirement's condition holds for a product's text and held documents."""
        if not self.mentions and not self.holds:
            return True
        mentioned = any(word in text for word in self.mentions)
        return mentioned or (self.holds and any(kind in held for kind in self.documents))


def load_rules(path=RULES_PATH):
    """The rules file, checked: every category and document kind known, every category present."""
    rules = json.loads(Path(path).read_text(encoding="utf-8"))
    kinds = set(CERTIFICATION_KINDS) | {"hs_code"}
    if set(rules["documents"]) != kinds or set(rules["categories"]) != set(CATEGORIES):
        raise ValueError("readiness rules must name every document kind and every category")
    for doc in rules["documents"].values():
        if doc["source"] not in SOURCES:
            raise ValueError(f"unknown document source {doc['source']}")
    return rules


def flatten(rules):
    """The requirements with the categories each applies to, same rule for many categories once."""
    found = {}
    everyone = frozenset(rules["categories"])
    pairs = [(r, everyone) for r in rules["requirements"]]
    pairs += [(r, frozenset([name])) for name, cat in rules["categories"].items() for r in cat["requirements"]]
    for raw, categories in pairs:
        when = raw.get("when", {})
        fields_ = (tuple(raw["documents"]), raw.get("from"), tuple(when.get("mentions", ())), when.get("holds", False))
        if fields_ in found:
            found[fields_] = (found[fields_][0] | categories, found[fields_][1])
        else:
            found[fields_] = (categories, raw.get("note"))
    return [
        Requirement("_or_".join(docs), docs, cats, starts, mentions, holds, note)
        for (docs, starts, mentions, holds), (cats, note) in found.items()
    ]


RULES = load_rules()
REQUIREMENTS = flatten(RULES)
WINDOW_DAYS = RULES["expiring_within_days"]


def active(as_of):
    """The requirements in force on a day."""
    day = as_of.isoformat()
    return [r for r in REQUIREMENTS if r.starts is None or r.starts <= day]


def held_documents(certifications, hs_code, producer_nib):
    """{kind: latest valid_until} of what a product holds (FAR for what never expires)."""
    held = {}
    for cert in certifications or []:
        until = cert.get("valid_until") or FAR
        held[cert["kind"]] = max(held.get(cert["kind"], ""), until)
    if hs_code:
        held["hs_code"] = FAR
    if producer_nib:
        held["nib"] = FAR
    return held


def evaluate(product, producer_nib, as_of):
    """The readiness of one product (a mapping of its columns) on a day, with what is missing."""
    held = held_documents(product["certifications"], product["hs_code"], producer_nib)
    text = f"{product['name'] or ''} {product['description'] or ''}".lower()
    today, horizon = as_of.isoformat(), (as_of + timedelta(days=WINDOW_DAYS)).isoformat()
    checks, recommended = [], list(RULES["categories"][product["category"]]["recommended"])
    for req in REQUIREMENTS:
        if product["category"] not in req.categories or not req.applies(text, held):
            continue
        if req.starts is not None and req.starts > today:
            recommended.extend(d for d in req.documents if d not in recommended)
            continue
        checks.append(_check(req, held, today, horizon, as_of))
    return _verdict(checks, recommended, held, as_of)


def _check(req, held, today, horizon, as_of):
    best = max((held[d] for d in req.documents if d in held), default=None)
    if best is None:
        status = "missing"
    elif best < today:
        status = "expired"
    elif best <= horizon:
        status = "expiring"
    else:
        status = "ok"
    until = None if best in (None, FAR) else best
    days = None if until is None else (date.fromisoformat(until) - as_of).days
    return {"requirement": req.key, "documents": list(req.documents), "status": status, "valid_until": until,
            "days_left": days, "note": _text(req.note)}  # fmt: skip


def _verdict(checks, recommended, held, as_of):
    by_status = {s: [c["requirement"] for c in checks if c["status"] == s] for s in ("missing", "expired", "expiring")}
    state = "ready"
    if by_status["missing"] or by_status["expired"]:
        state = "missing"
    elif by_status["expiring"]:
        state = "expiring"
    return {
        "state": state,
        "as_of": as_of.isoformat(),
        **by_status,
        "requirements": checks,
        "recommended": [{"document": d, "held": d in held} for d in recommended],
    }


def summary_of(verdict):
    """The short form a list shows: state and what is missing, expired or expiring."""
    return {k: verdict[k] for k in ("state", "missing", "expired", "expiring")}


def _text(pair):
    """A {"id", "en"} text in the request's language."""
    return None if pair is None else pair[language()]


def parse_as_of(value):
    """The day readiness is judged on: given, or today (UTC)."""
    return value or utcnow().date()


# -- the API -------------------------------------------------------------------------------------


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
@jwt_required()
@error_answers(blp)
@blp.response(200, description="server/readiness_rules.json as it is; its `fields` section documents each field.")
@blp.doc(**json_object(version=INTEGER, documents=OBJECT, requirements=OBJECTS, categories=OBJECT))
def get_rules():
    """The readiness rule table as data: documents, who can help, and what each category needs."""
    return RULES


@blp.route("/products/<uuid_text:product_id>/readiness", methods=["GET"])
@jwt_required()
@error_answers(blp, 400, 403, 404)
@blp.arguments(AsOfArgs, location="query", error_status_code=400)
@blp.response(200, ReadinessSchema)
def product_readiness(args, product_id):
    """What one product still lacks for export, what expired and what expires within 90 days."""
    product = db.session.get(Product, product_id)
    if product is None or product.deleted:
        raise ApiError(404, "not_found")
    producer = db.session.get(Producer, product.producer_id)
    owner = Rec("producer", data={"phone": producer.phone}, village_code=producer.village_code,
                created_by=producer.created_by)  # fmt: skip
    if not may_write(actor_for(current_user), owner):
        raise ApiError(403, "forbidden")
    columns = {c: getattr(product, c) for c in ("category", "name", "description", "certifications", "hs_code")}
    verdict = evaluate(columns, producer.nib, parse_as_of(args.get("as_of")))
    return {"product_id": product.id, "category": product.category, **verdict, "documents": document_texts()}


def document_texts():
    """Name, what and who can help for each document kind, in the request's language."""
    return {
        kind: {key: doc[key][language()] for key in ("name", "what", "who_can_help")}
        for kind, doc in RULES["documents"].items()
    }


@blp.route("/readiness/summary", methods=["GET"])
@jwt_required()
@error_answers(blp, 400, 403)
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
    from .readiness_summary import summarize  # it builds on this module's rules

    regions = asked_regions(admin_regions(), args.get("region"))
    return summarize(regions, args.get("by"), parse_as_of(args.get("as_of")), args.get("status"))
