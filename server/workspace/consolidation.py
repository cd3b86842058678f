"""Consolidation: pickup plans that pool approved products' stock from many villages into one load.

A regional admin asks for a plan (a category or a list of products, a region, a capacity in kg,
a port and a date); the server proposes one from approved products' stock on hand, less what
other open plans hold, and stores it as a draft that holds its quantities. The admin edits its
lines, cancels it (releasing the holds) or marks it shipped, which writes one `shipment`
movement per line through the apply path. A manifest prints it (HTML) or hands it to a
spreadsheet (CSV).

The rules, in plain words:

- **Weight of a unit.** Net kg of a line is qty x the weight of one unit. `kg` weighs 1 kg and
  `g` 0.001 kg by definition (a `unit_weight_kg` given for them is ignored: it may include the
  packaging); every other unit (`l`, `ml`, `pcs`, `pack`, `karung`, `ikat`) needs the product's
  `unit_weight_kg` (a litre of honey is not a litre of oil). A product without one is left out
  of a proposal and listed in `skipped` with the reason `no_unit_weight`.
- **Net weight** is held in whole grams, rounded up (`ceil(qty x grams per unit)`), so the
  load shown is never lighter than the load carried, and "never over capacity" holds for both.
- **Lots.** A lot is part or all of one product's stock. Measured units (`kg`, `g`, `l`, `ml`)
  may be split to the thousandth; counted units (`pcs`, `pack`, `karung`, `ikat`) only in whole
  packages. A line is never zero or negative.
- **Filling.** Kecamatan are taken biggest available weight first, then their desa biggest
  first, then their lots biggest first; each lot gives as much as still fits (the lot that
  reaches the capacity is split). So a load comes from as few places as the stock allows, and
  the fill is maximal: no lot left out or cut could give one more step (0.001 or one package)
  without going over capacity. Lines are listed by kecamatan, then desa (the route order).
- **Holds.** Lines of draft plans hold their quantities: what a proposal or an edit may take of
  a product is its stock on hand less what other draft plans hold. Every change to plans takes
  the same lock every sync write takes (the sync_state row), so two proposals at once never
  promise the same stock.
- **Edits** may lower or remove any line; a line that is added or raised must fit in the stock
  available to it, and the whole plan in its capacity (409 `over_stock` / `over_capacity`).
- **Shipping** checks every line against stock on hand (a sale recorded offline may have taken
  some): if any line no longer fits, 409 `stock_changed` with those lines, and nothing is
  shipped. Otherwise, in one transaction, the plan is marked shipped and one `shipment`
  movement per line is applied through `apply_ops` (movement ids derived from plan and line, and
  used as op ids, so a retry answers `duplicate`); shipping a shipped plan answers it again.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC

from flask import Response, current_app, render_template_string
from flask_jwt_extended import current_user, jwt_required
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import false, func, select, text

from sync.ids import uuid7
from sync.quantity import format_milli, parse_milli
from sync.records import CATEGORIES

from ..engine.accounts import actor_for, user_regions
from ..engine.apply import apply_ops
from ..engine.feed import in_regions
from ..engine.models import ConsolidationLine, ConsolidationPlan, Producer, Product, Region, User
from ..engine.scope import covers
from ..extensions import db
from ..web.csv_writer import csv_bytes
from ..web.errors import ApiError, validation_error
from ..web.json_body import Blueprint
from ..web.openapi import error_answers
from ..web.schemas import BaseSchema, CalendarDate, Name, RegionCode, Uuid
from ..web.timeutil import rfc3339, utcnow

blp = Blueprint(
    "consolidations",
    __name__,
    url_prefix="/api/v1/consolidations",
    description="Pickup plans: pooled stock of many villages into one load for a port (admins)",
)

DEFAULT_CAPACITY_KG = "3000"
MAX_CAPACITY_G = 1_000_000 * 1000  # 1,000 t: more is a typo, not a truck
MAX_PRODUCT_IDS = 1000
MAX_EDITS = 500
GRAMS_BY_UNIT = {"kg": 1000, "g": 1}  # by definition; other units need unit_weight_kg
COUNTED_UNITS = ("pcs", "pack", "karung", "ikat")  # split in whole packages only
# The namespace of shipment movement ids: uuid5(namespace, "<plan id>/<line id>").
SHIPMENT_NAMESPACE = uuid.UUID("6f1c2a57-3b0e-4f4e-9a55-1d2b7c0e8a41")

CATEGORY_NAMES = {
    "coffee": ("Kopi", "Coffee"),
    "cocoa": ("Kakao", "Cocoa"),
    "spices": ("Rempah", "Spices"),
    "rice_grains": ("Beras & biji-bijian", "Rice & grains"),
    "fruits": ("Buah", "Fruits"),
    "vegetables": ("Sayur", "Vegetables"),
    "fishery": ("Perikanan", "Fishery"),
    "livestock": ("Peternakan", "Livestock"),
    "processed_food": ("Makanan olahan", "Processed food"),
    "beverages": ("Minuman", "Beverages"),
    "herbal": ("Herbal", "Herbal"),
    "handicraft": ("Kerajinan", "Handicraft"),
    "textile": ("Tekstil", "Textile"),
    "other": ("Lainnya", "Other"),
}


# -- schemas -------------------------------------------------------------------------------------


class Quantity(fields.String):
    """A positive exact decimal as text, at most 3 places ("12.5"); loaded as thousandths."""

    def _deserialize(self, value, attr, data, **kwargs):
        milli = parse_milli(value)
        if milli is None:
            raise ValidationError("invalid_decimal")
        if milli <= 0:
            raise ValidationError("out_of_range")
        return milli


class Capacity(Quantity):
    """Capacity in kg as a decimal string; loaded as grams."""

    def _deserialize(self, value, attr, data, **kwargs):
        grams = super()._deserialize(value, attr, data, **kwargs)
        if grams > MAX_CAPACITY_G:
            raise ValidationError("out_of_range")
        return grams


class ProposeSchema(BaseSchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata={"example": "coffee"})
    product_ids = fields.List(
        Uuid(),
        validate=validate.Length(min=1, max=MAX_PRODUCT_IDS),
        metadata={"description": "Products to plan from, instead of (or within) a category."},
    )
    region = RegionCode(required=True, metadata={"example": "32.04"})
    capacity_kg = Capacity(
        load_default=parse_milli(DEFAULT_CAPACITY_KG), metadata={"example": "3000", "description": "Default 3000."}
    )
    port = Name(required=True, metadata={"example": "Tanjung Priok"})
    date = CalendarDate(required=True, metadata={"example": "2026-12-05"})

    @validates_schema
    def _category_or_products(self, data, **kwargs):
        if "category" not in data and "product_ids" not in data:
            raise ValidationError("required", field_name="category")


class LineEditSchema(BaseSchema):
    line_id = fields.Integer(strict=True, metadata={"description": "A line of the plan to change or remove."})
    product_id = Uuid(metadata={"description": "A product to add as a new line."})
    qty = Quantity(metadata={"description": "The line's new quantity in the product's unit.", "example": "120"})
    remove = fields.Boolean(load_default=False)

    @validates_schema
    def _one_target(self, data, **kwargs):
        if ("line_id" in data) == ("product_id" in data):
            raise ValidationError("required", field_name="line_id")
        if not data["remove"] and "qty" not in data:
            raise ValidationError("required", field_name="qty")
        if data["remove"] and "product_id" in data:
            raise ValidationError("invalid", field_name="remove")


class LinesPatchSchema(BaseSchema):
    lines = fields.List(fields.Nested(LineEditSchema), required=True, validate=validate.Length(min=1, max=MAX_EDITS))


class ListArgs(BaseSchema):
    status = fields.String(validate=validate.OneOf(["draft", "shipped", "cancelled"]))
    limit = fields.Integer(validate=validate.Range(min=1, max=1000), load_default=200)


class RegionRefSchema(BaseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)


class LineSchema(BaseSchema):
    id = fields.Integer(required=True)
    lot = fields.Integer(required=True, metadata={"description": "The line's number on the manifest, in route order."})
    product_id = fields.String(required=True)
    product_name = fields.String(required=True, allow_none=True)
    producer_id = fields.String(required=True)
    producer_name = fields.String(required=True, allow_none=True)
    village_code = fields.String(required=True)
    village_name = fields.String(required=True, allow_none=True)
    kecamatan_code = fields.String(required=True)
    kecamatan_name = fields.String(required=True, allow_none=True)
    hs_code = fields.String(required=True, allow_none=True)
    qty = fields.String(required=True, metadata={"description": "Package count: quantity in the product's unit."})
    unit = fields.String(required=True, allow_none=True)
    net_kg = fields.String(required=True)
    movement_id = fields.String(required=True, allow_none=True)


class TotalsSchema(BaseSchema):
    lines = fields.Integer(required=True)
    net_kg = fields.String(required=True)
    capacity_kg = fields.String(required=True)
    fill_percent = fields.String(required=True)
    qty_by_unit = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SkippedSchema(BaseSchema):
    product_id = fields.String(required=True)
    product_name = fields.String(required=True, allow_none=True)
    village_code = fields.String(required=True, allow_none=True)
    reason = fields.String(
        required=True,
        metadata={"enum": ["no_unit_weight", "unknown_product", "not_approved", "outside_region", "wrong_category"]},
    )


class PlanHeaderSchema(BaseSchema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "shipped", "cancelled"]})
    category = fields.String(required=True, allow_none=True)
    region = fields.Nested(RegionRefSchema, required=True)
    capacity_kg = fields.String(required=True)
    port = fields.String(required=True)
    date = fields.String(required=True)
    created_by = fields.String(required=True)
    created_by_name = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    shipped_at = fields.String(required=True, allow_none=True)
    totals = fields.Nested(TotalsSchema, required=True)


class PlanSchema(PlanHeaderSchema):
    lines = fields.List(fields.Nested(LineSchema), required=True)


class ProposedPlanSchema(PlanSchema):
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)


# -- the fill --------------------------------------------------------------------------------------


@dataclass
class Lot:
    """What one product can give to a plan: its place, how much, and what one unit weighs."""

    product_id: str
    village_code: str
    available_milli: int  # in thousandths of the product's unit
    grams_per_unit: int
    counted: bool = False

    @property
    def kecamatan(self):
        return kecamatan_of(self.village_code)

    @property
    def weight_mg(self):
        return self.available_milli * self.grams_per_unit


def kecamatan_of(village_code):
    """32.04.10.2001 -> 32.04.10."""
    return village_code.rsplit(".", 1)[0] if village_code.count(".") == 3 else village_code


def grams_per_unit(unit, unit_weight_g):
    """Grams one unit weighs: by definition for kg and g, else the product's unit weight (None when unknown)."""
    if unit in GRAMS_BY_UNIT:
        return GRAMS_BY_UNIT[unit]
    return unit_weight_g if unit_weight_g and unit_weight_g > 0 else None


def net_grams(qty_milli, grams):
    """Net weight of qty (thousandths of a unit) in whole grams, rounded up."""
    return -(-qty_milli * grams // 1000)


def step_milli(counted):
    """The smallest part of a lot that can be taken: one package, or a thousandth."""
    return 1000 if counted else 1


def fill(lots, capacity_g):
    """How much of each lot to take: {product_id: qty_milli}; never over capacity or availability.

    Kecamatan biggest first, then desa biggest first, then lots biggest first; each lot gives
    as much as still fits, so the result is maximal: no lot could give one more step.
    """
    by_kecamatan, by_desa = {}, {}
    for lot in lots:
        by_kecamatan[lot.kecamatan] = by_kecamatan.get(lot.kecamatan, 0) + lot.weight_mg
        by_desa[lot.village_code] = by_desa.get(lot.village_code, 0) + lot.weight_mg
    order = sorted(
        lots,
        key=lambda lot: (
            -by_kecamatan[lot.kecamatan],
            lot.kecamatan,
            -by_desa[lot.village_code],
            lot.village_code,
            -lot.weight_mg,
            lot.product_id,
        ),
    )
    taken, remaining = {}, capacity_g
    for lot in order:
        if remaining <= 0:
            break
        # ceil(qty * g / 1000) <= remaining  <=>  qty * g <= remaining * 1000
        qty = min(lot.available_milli, remaining * 1000 // lot.grams_per_unit)
        qty -= qty % step_milli(lot.counted)
        if qty <= 0:
            continue
        taken[lot.product_id] = qty
        remaining -= net_grams(qty, lot.grams_per_unit)
    return taken


# -- endpoints -------------------------------------------------------------------------------------


@blp.route("", methods=["POST"])
@jwt_required()
@error_answers(blp, 400, 403, 409, 413, 422)
@blp.arguments(ProposeSchema)
@blp.response(201, ProposedPlanSchema)
@blp.alt_response(403, description="Not an admin, or the region is outside the caller's regions.")
@blp.alt_response(409, description="`nothing_available`: no approved stock to plan from (details: skipped).")
@blp.alt_response(422, description="`validation_error`: bad capacity, date, category, region or products.")
def propose(body):
    """Propose a pickup plan and hold its quantities.

    From approved products of the category (or the listed products) in the region, with their
    stock on hand less what other draft plans hold, fills the load as close to `capacity_kg` as
    that stock allows (the last lot may be split), kecamatan by kecamatan and desa by desa. The
    plan is stored as a draft; products left out for want of a unit weight are listed in
    `skipped`. Quantities are in each product's unit; net kg is qty x unit weight (kg and g by
    definition, other units need `unit_weight_kg`).
    """
    regions = _admin_regions()
    region = db.session.get(Region, body["region"])
    if region is None:
        raise validation_error({"region": ("unknown_region", {"code": body["region"]})})
    if not covers(regions, region.code):
        raise ApiError(403, "forbidden")
    _lock()
    candidates, skipped = _candidates(body, region.code)
    taken = fill([lot for lot, _ in candidates.values()], body["capacity_kg"])
    if not taken:
        db.session.rollback()
        raise ApiError(409, "nothing_available", {"skipped": skipped})
    plan = ConsolidationPlan(
        id=uuid7(),
        category=body.get("category"),
        region_code=region.code,
        capacity_g=body["capacity_kg"],
        port=body["port"].strip(),
        pickup_date=body["date"].isoformat(),
        status="draft",
        created_by=current_user.id,
        created_at=utcnow(),
    )
    db.session.add(plan)
    db.session.flush()  # no ORM relationship orders the inserts: the plan first, for the lines' key
    for product_id, qty in taken.items():
        grams = candidates[product_id][0].grams_per_unit
        db.session.add(
            ConsolidationLine(plan_id=plan.id, product_id=product_id, qty_milli=qty, net_g=net_grams(qty, grams))
        )
    db.session.commit()
    return {**plan_json(plan), "skipped": skipped}


@blp.route("", methods=["GET"])
@jwt_required()
@error_answers(blp, 400, 403)
@blp.arguments(ListArgs, location="query", error_status_code=400)
@blp.response(200, PlanHeaderSchema(many=True))
def list_plans(args):
    """The plans in the caller's regions, newest first (headers and totals, no lines)."""
    regions = _admin_regions()
    query = select(ConsolidationPlan).where(in_regions(ConsolidationPlan.region_code, regions))
    if args.get("status"):
        query = query.where(ConsolidationPlan.status == args["status"])
    plans = list(
        db.session.scalars(
            query.order_by(ConsolidationPlan.created_at.desc(), ConsolidationPlan.id).limit(args["limit"])
        )
    )
    totals = _totals_of([p.id for p in plans])
    names = _region_names({p.region_code for p in plans})
    creators = _user_names({p.created_by for p in plans})
    return [_header(p, names, creators, totals.get(p.id)) for p in plans]


@blp.route("/<uuid_text:plan_id>", methods=["GET"])
@jwt_required()
@error_answers(blp, 403, 404)
@blp.response(200, PlanSchema)
@blp.alt_response(404, description="No such plan in the caller's regions.")
def get_plan(plan_id):
    """One plan: header, lines in route order (kecamatan, then desa) and totals."""
    return plan_json(_plan_in_scope(plan_id))


@blp.route("/<uuid_text:plan_id>/lines", methods=["PATCH"])
@jwt_required()
@error_answers(blp, 400, 403, 404, 409, 413, 422)
@blp.arguments(LinesPatchSchema)
@blp.response(200, PlanSchema)
@blp.alt_response(409, description="`over_capacity`, `over_stock` or `plan_not_open` (with details).")
@blp.alt_response(422, description="`validation_error`: an unknown line, or a product that cannot be added.")
def edit_lines(body, plan_id):
    """Edit a draft plan's lines, all or nothing.

    Each item is one of: `{"line_id": 3, "qty": "120"}` (change a quantity),
    `{"line_id": 3, "remove": true}`, or `{"product_id": "...", "qty": "50"}` (add an approved
    product of the plan's region and category). A line that is added or raised must fit in the
    product's stock on hand less what other draft plans hold (409 `over_stock`), and the plan in
    its capacity (409 `over_capacity`). Counted units (pcs, pack, karung, ikat) take whole
    packages.
    """
    _admin_regions()
    _lock()
    plan = _plan_in_scope(plan_id)
    _require_open(plan)
    lines = {line.id: line for line in _lines_of(plan.id)}
    edits = body["lines"]
    errors, targets = {}, set()
    for index, edit in enumerate(edits):
        if "line_id" in edit:
            if edit["line_id"] not in lines:
                errors[f"lines.{index}.line_id"] = ("unknown_line", {})
            elif edit["line_id"] in targets:
                errors[f"lines.{index}.line_id"] = ("duplicate_line", {})
            targets.add(edit.get("line_id"))
    if errors:
        db.session.rollback()
        raise validation_error(errors)
    # The plan as it would be: {product_id: qty}, and the quantity each product had before.
    before = {line.product_id: line.qty_milli for line in lines.values()}
    after = dict(before)
    by_line = {line.id: line.product_id for line in lines.values()}
    added = {}
    for index, edit in enumerate(edits):
        if "line_id" in edit:
            product_id = by_line[edit["line_id"]]
            if edit["remove"]:
                del after[product_id]
            else:
                after[product_id] = edit["qty"]
        elif edit["product_id"] in after or edit["product_id"] in before:
            errors[f"lines.{index}.product_id"] = ("duplicate_line", {})
        else:
            after[edit["product_id"]] = edit["qty"]
            added[edit["product_id"]] = index
    products = _products(after.keys())
    for product_id, index in added.items():
        reason = _cannot_add(plan, products.get(product_id))
        if reason:
            errors[f"lines.{index}.product_id"] = (reason, {})
    for index, edit in enumerate(edits):
        if edit.get("remove") or "qty" not in edit:
            continue
        product_id = edit.get("product_id") or by_line.get(edit.get("line_id"))
        product = products.get(product_id)
        if product is not None and product["unit"] in COUNTED_UNITS and edit["qty"] % 1000:
            errors[f"lines.{index}.qty"] = ("whole_packages", {})
    if errors:
        db.session.rollback()
        raise validation_error(errors)

    held = _held(after.keys(), exclude_plan=plan.id)
    short = []
    for product_id, qty in after.items():
        if qty <= before.get(product_id, 0):
            continue  # kept or lowered: never makes the plan worse
        product = products.get(product_id)
        available = max(0, product["stock_milli"] - held.get(product_id, 0)) if product else 0
        if product is None or product["deleted"] or qty > available:
            short.append(
                {
                    "line_id": _line_id_of(lines, product_id),
                    "product_id": product_id,
                    "qty": format_milli(qty),
                    "available": format_milli(available),
                    "unit": product["unit"] if product else None,
                }
            )
    if short:
        db.session.rollback()
        raise ApiError(409, "over_stock", {"lines": short})

    nets = {}
    for product_id, qty in after.items():
        line_id = _line_id_of(lines, product_id)
        if line_id is not None and qty == before[product_id]:
            nets[product_id] = lines[line_id].net_g  # unchanged: as planned
        else:
            nets[product_id] = _net_of_edit(products[product_id], qty, lines.get(line_id))
    total = sum(nets.values())
    if total > plan.capacity_g:
        db.session.rollback()
        raise ApiError(
            409,
            "over_capacity",
            {
                "capacity_kg": format_milli(plan.capacity_g),
                "total_kg": format_milli(total),
                "over_kg": format_milli(total - plan.capacity_g),
            },
        )

    for line in lines.values():
        if line.product_id not in after:
            db.session.delete(line)
        elif after[line.product_id] != line.qty_milli:
            line.qty_milli, line.net_g = after[line.product_id], nets[line.product_id]
    for product_id in added:
        db.session.add(
            ConsolidationLine(
                plan_id=plan.id, product_id=product_id, qty_milli=after[product_id], net_g=nets[product_id]
            )
        )
    db.session.commit()
    return plan_json(plan)


@blp.route("/<uuid_text:plan_id>/cancel", methods=["POST"])
@jwt_required()
@error_answers(blp, 403, 404, 409)
@blp.response(200, PlanSchema)
@blp.alt_response(409, description="`plan_not_open`: the plan is shipped.")
def cancel_plan(plan_id):
    """Cancel a draft plan: its quantities are no longer held. Cancelling again changes nothing."""
    _admin_regions()
    _lock()
    plan = _plan_in_scope(plan_id)
    if plan.status == "shipped":
        db.session.rollback()
        raise ApiError(409, "plan_not_open", {"status": plan.status})
    plan.status = "cancelled"
    db.session.commit()
    return plan_json(plan)


@blp.route("/<uuid_text:plan_id>/ship", methods=["POST"])
@jwt_required()
@error_answers(blp, 403, 404, 409)
@blp.response(200, PlanSchema)
@blp.alt_response(
    409, description="`stock_changed` (lines that no longer fit: nothing shipped), `plan_not_open`, `plan_empty`."
)
def ship_plan(plan_id):
    """Mark a plan shipped: one `shipment` movement per line, through the apply path, in one transaction.

    Stock on hand of each product drops by exactly its line's quantity, and the movements
    reach the producers' devices on their next pull. When a line no longer fits in stock on
    hand (a sale recorded since), answers 409 `stock_changed` with those lines and ships
    nothing. Shipping a shipped plan answers it again and writes nothing.
    """
    regions = _admin_regions()
    _lock()
    plan = _plan_in_scope(plan_id)
    if plan.status == "shipped":
        db.session.rollback()
        return plan_json(plan)
    _require_open(plan)
    lines = _lines_of(plan.id)
    if not lines:
        db.session.rollback()
        raise ApiError(409, "plan_empty")
    products = _products(line.product_id for line in lines)
    short = []
    for lot, line in enumerate(_route_order(lines, products), start=1):
        product = products.get(line.product_id)
        live = product is not None and not product["deleted"] and covers(regions, product["village_code"])
        if not live or product["stock_milli"] < line.qty_milli:
            short.append(
                {
                    "line_id": line.id,
                    "lot": lot,
                    "product_id": line.product_id,
                    "product_name": product["name"] if product else None,
                    "qty": format_milli(line.qty_milli),
                    "on_hand": format_milli(max(0, product["stock_milli"])) if live else "0",
                    "unit": product["unit"] if product else None,
                }
            )
    if short:
        db.session.rollback()
        raise ApiError(409, "stock_changed", {"lines": short})
    now = utcnow()
    stamp = f"{_epoch_ms(now):016d}:0000:{current_app.config['SERVER_ID']}"
    ops = []
    for line in lines:
        line.movement_id = shipment_movement_id(plan.id, line.id)
        ops.append(
            {
                "op_id": line.movement_id,  # a movement keyed by its own id is its own idempotency record
                "entity": "stock_movement",
                "entity_id": line.movement_id,
                "action": "upsert",
                "fields": {
                    "product_id": line.product_id,
                    "qty": format_milli(-line.qty_milli),
                    "kind": "shipment",
                    "occurred_at": rfc3339(now),
                    "note": f"Konsolidasi {plan.id} ({plan.port}, {plan.pickup_date})"[:1000],
                },
                "hlc": stamp,
            }
        )
    plan.status = "shipped"
    plan.shipped_at = now
    db.session.flush()
    # apply_ops commits: the plan's new status and the movements land together, or neither.
    results, _ = apply_ops(actor_for(current_user), ops)
    failed = [r for r in results if r["status"] == "rejected"]
    if failed:  # ruled out by the checks above, made under the same lock
        raise RuntimeError(f"shipment movements rejected: {failed}")
    return plan_json(plan)


@blp.route("/<uuid_text:plan_id>/manifest.html", methods=["GET"])
@jwt_required()
@error_answers(blp, 403, 404)
@blp.response(200, description="A printable manifest (HTML, no external resources).", content_type="text/html")
def manifest_html(plan_id):
    """The plan's manifest for print: header, lines, totals and signature lines (Indonesian, English subtitles)."""
    plan = plan_json(_plan_in_scope(plan_id))
    html = render_template_string(MANIFEST_TEMPLATE, plan=plan, category=_category_label(plan["category"]))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<uuid_text:plan_id>/manifest.csv", methods=["GET"])
@jwt_required()
@error_answers(blp, 403, 404)
@blp.response(
    200, description="The manifest as CSV: UTF-8 with BOM, header rows, lines, totals.", content_type="text/csv"
)
def manifest_csv(plan_id):
    """The plan's manifest for a spreadsheet: header rows, a blank row, the lines, then totals."""
    plan = plan_json(_plan_in_scope(plan_id))
    rows = [[label, value] for label, value in _header_rows(plan)]
    rows.append([])
    rows.append([f"{id_} / {en}" for _, id_, en in MANIFEST_COLUMNS])
    rows.extend([line[key] for key, _, _ in MANIFEST_COLUMNS] for line in plan["lines"])
    totals = plan["totals"]
    by_unit = totals["qty_by_unit"]
    qty, unit = next(iter(by_unit.items()))[::-1] if len(by_unit) == 1 else (_by_unit_text(by_unit), "")
    rows.append(["TOTAL", "", "", "", "", "", "", qty, unit, totals["net_kg"]])
    body = csv_bytes(rows)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="manifest-{plan["id"]}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- reading and checking ---------------------------------------------------------------------------


def _admin_regions():
    if current_user.role != "admin":
        raise ApiError(403, "forbidden")
    return user_regions(current_user.id)


def _lock():
    """Take the write lock every sync write takes: plans and stock change one writer at a time."""
    db.session.execute(text("UPDATE sync_state SET seq = seq WHERE id = 1"))


def _plan_in_scope(plan_id):
    """The plan, when it lies in the calling admin's regions; 404 otherwise (403 for non-admins)."""
    regions = _admin_regions()
    plan = db.session.get(ConsolidationPlan, plan_id)
    if plan is None or not covers(regions, plan.region_code):
        db.session.rollback()
        raise ApiError(404, "not_found")
    return plan


def _require_open(plan):
    if plan.status != "draft":
        db.session.rollback()
        raise ApiError(409, "plan_not_open", {"status": plan.status})


def _lines_of(plan_id):
    return list(db.session.scalars(select(ConsolidationLine).where(ConsolidationLine.plan_id == plan_id)))


def _held(product_ids, exclude_plan=None):
    """{product_id: qty held by draft plans} (other than one plan)."""
    product_ids = list(product_ids)
    if not product_ids:
        return {}
    query = (
        select(ConsolidationLine.product_id, func.sum(ConsolidationLine.qty_milli))
        .join(ConsolidationPlan, ConsolidationPlan.id == ConsolidationLine.plan_id)
        .where(ConsolidationPlan.status == "draft", ConsolidationLine.product_id.in_(product_ids))
        .group_by(ConsolidationLine.product_id)
    )
    if exclude_plan is not None:
        query = query.where(ConsolidationPlan.id != exclude_plan)
    return {product_id: int(qty) for product_id, qty in db.session.execute(query)}


def _products(product_ids):
    """{product_id: the columns a plan needs, with the producer's name} for existing products."""
    product_ids = sorted(set(product_ids))
    if not product_ids:
        return {}
    query = (
        select(
            Product.id,
            Product.name,
            Product.category,
            Product.unit,
            Product.unit_weight_g,
            Product.hs_code,
            Product.status,
            Product.stock_milli,
            Product.village_code,
            Product.producer_id,
            Product.deleted,
            Producer.name.label("producer_name"),
        )
        .outerjoin(Producer, Producer.id == Product.producer_id)
        .where(Product.id.in_(product_ids))
    )
    return {row.id: dict(row._mapping) for row in db.session.execute(query)}


def _candidates(body, region_code):
    """({product_id: (Lot, product)}, skipped) for a proposal: approved stock less other plans' holds."""
    held = (
        select(ConsolidationLine.product_id, func.sum(ConsolidationLine.qty_milli).label("held"))
        .join(ConsolidationPlan, ConsolidationPlan.id == ConsolidationLine.plan_id)
        .where(ConsolidationPlan.status == "draft")
        .group_by(ConsolidationLine.product_id)
        .subquery()
    )
    query = (
        select(
            Product.id,
            Product.name,
            Product.unit,
            Product.unit_weight_g,
            Product.stock_milli,
            Product.village_code,
            func.coalesce(held.c.held, 0).label("held"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(held, held.c.product_id == Product.id)
        .where(
            Product.status == "approved",
            Product.deleted == false(),
            Producer.deleted == false(),
            Product.stock_milli > 0,
            in_regions(Product.village_code, [region_code]),
        )
    )
    skipped = []
    if "category" in body:
        query = query.where(Product.category == body["category"])
    if "product_ids" in body:
        wanted = sorted(set(body["product_ids"]))
        query = query.where(Product.id.in_(wanted))
        skipped.extend(_not_plannable(wanted, body.get("category"), region_code))
    candidates = {}
    for row in db.session.execute(query):
        grams = grams_per_unit(row.unit, row.unit_weight_g)
        if grams is None:
            skipped.append(
                {
                    "product_id": row.id,
                    "product_name": row.name,
                    "village_code": row.village_code,
                    "reason": "no_unit_weight",
                }
            )
            continue
        available = row.stock_milli - int(row.held)
        counted = row.unit in COUNTED_UNITS
        if available >= step_milli(counted):
            candidates[row.id] = (Lot(row.id, row.village_code, available, grams, counted), row)
    if "product_ids" in body:
        named = {s["product_id"] for s in skipped} | set(candidates)
        skipped.extend(
            {"product_id": p, "product_name": None, "village_code": None, "reason": "no_stock"}
            for p in sorted(set(body["product_ids"]) - named)
        )
    skipped.sort(key=lambda s: (s["village_code"] or "", s["product_id"]))
    return candidates, skipped


def _not_plannable(product_ids, category, region_code):
    """Listed products that a proposal cannot use, each with its reason."""
    found = _products(product_ids)
    skipped = []
    for product_id in product_ids:
        product = found.get(product_id)
        if product is None or product["deleted"]:
            reason = "unknown_product"
        elif not covers([region_code], product["village_code"]):
            reason = "outside_region"
        elif product["status"] != "approved":
            reason = "not_approved"
        elif category and product["category"] != category:
            reason = "wrong_category"
        else:
            continue
        skipped.append(
            {
                "product_id": product_id,
                "product_name": product["name"] if product and covers([region_code], product["village_code"]) else None,
                "village_code": product["village_code"] if product else None,
                "reason": reason,
            }
        )
    return skipped


def _cannot_add(plan, product):
    """Why a product cannot be added to a plan (a field error code), or None."""
    if product is None or product["deleted"]:
        return "unknown_product"
    if not covers([plan.region_code], product["village_code"]):
        return "outside_region"
    if product["status"] != "approved":
        return "not_approved"
    if plan.category and product["category"] != plan.category:
        return "wrong_category"
    if grams_per_unit(product["unit"], product["unit_weight_g"]) is None:
        return "no_unit_weight"
    return None


def _net_of_edit(product, qty, line):
    """Net grams of a new or changed line: by the product's unit weight, else in proportion to the line's."""
    grams = grams_per_unit(product["unit"], product["unit_weight_g"])
    if grams is None:  # the weight was removed since: scale what was planned (lowering only gets here)
        return -(-line.net_g * qty // line.qty_milli)
    return net_grams(qty, grams)


def _line_id_of(lines, product_id):
    return next((line.id for line in lines.values() if line.product_id == product_id), None)


def _route_order(lines, products):
    """Lines by kecamatan, then desa, then producer and product name: the order of the pickup route."""

    def key(line):
        product = products.get(line.product_id) or {}
        village = product.get("village_code") or ""
        return (
            kecamatan_of(village),
            village,
            product.get("producer_name") or "",
            product.get("name") or "",
            line.id,
        )

    return sorted(lines, key=key)


def shipment_movement_id(plan_id, line_id):
    """The id of a line's shipment movement: the same for every try, so a retry is a duplicate."""
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, f"{plan_id}/{line_id}"))


def _epoch_ms(naive_utc):
    return int(naive_utc.replace(tzinfo=UTC).timestamp() * 1000)


# -- rendering --------------------------------------------------------------------------------------


def plan_json(plan):
    """A plan as the API shows it: header, lines in route order, totals."""
    lines = _lines_of(plan.id)
    products = _products(line.product_id for line in lines)
    ordered = _route_order(lines, products)
    villages = {p["village_code"] for p in products.values()}
    names = _region_names(villages | {kecamatan_of(v) for v in villages} | {plan.region_code})
    out = []
    for lot, line in enumerate(ordered, start=1):
        product = products.get(line.product_id) or {}
        village = product.get("village_code") or ""
        out.append(
            {
                "id": line.id,
                "lot": lot,
                "product_id": line.product_id,
                "product_name": product.get("name"),
                "producer_id": product.get("producer_id"),
                "producer_name": product.get("producer_name"),
                "village_code": village,
                "village_name": names.get(village),
                "kecamatan_code": kecamatan_of(village),
                "kecamatan_name": names.get(kecamatan_of(village)),
                "hs_code": product.get("hs_code"),
                "qty": format_milli(line.qty_milli),
                "unit": product.get("unit"),
                "net_kg": format_milli(line.net_g),
                "movement_id": line.movement_id,
            }
        )
    by_unit = {}
    for line in ordered:
        unit = (products.get(line.product_id) or {}).get("unit") or "?"
        by_unit[unit] = by_unit.get(unit, 0) + line.qty_milli
    totals = (len(ordered), sum(line.net_g for line in ordered), by_unit)
    creators = _user_names({plan.created_by})
    return {**_header(plan, names, creators, totals), "lines": out}


def _header(plan, region_names, creators, totals):
    count, net_g, by_unit = totals or (0, 0, {})
    return {
        "id": plan.id,
        "status": plan.status,
        "category": plan.category,
        "region": {"code": plan.region_code, "name": region_names.get(plan.region_code)},
        "capacity_kg": format_milli(plan.capacity_g),
        "port": plan.port,
        "date": plan.pickup_date,
        "created_by": plan.created_by,
        "created_by_name": creators.get(plan.created_by),
        "created_at": rfc3339(plan.created_at),
        "shipped_at": rfc3339(plan.shipped_at),
        "totals": {
            "lines": count,
            "net_kg": format_milli(net_g),
            "capacity_kg": format_milli(plan.capacity_g),
            "fill_percent": f"{net_g * 100 / plan.capacity_g:.1f}",
            "qty_by_unit": {unit: format_milli(qty) for unit, qty in sorted(by_unit.items())},
        },
    }


def _totals_of(plan_ids):
    """{plan_id: (lines, net grams, {unit: qty})} in a few grouped queries."""
    if not plan_ids:
        return {}
    query = (
        select(
            ConsolidationLine.plan_id,
            Product.unit,
            func.count(),
            func.sum(ConsolidationLine.net_g),
            func.sum(ConsolidationLine.qty_milli),
        )
        .outerjoin(Product, Product.id == ConsolidationLine.product_id)
        .where(ConsolidationLine.plan_id.in_(plan_ids))
        .group_by(ConsolidationLine.plan_id, Product.unit)
    )
    totals = {}
    for plan_id, unit, count, net_g, qty in db.session.execute(query):
        lines, net, by_unit = totals.get(plan_id, (0, 0, {}))
        by_unit[unit or "?"] = int(qty)
        totals[plan_id] = (lines + count, net + int(net_g), by_unit)
    return totals


def _region_names(codes):
    codes = sorted(c for c in codes if c)
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def _user_names(ids):
    ids = sorted(i for i in ids if i)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _category_label(category):
    if not category:
        return "Campuran / Mixed"
    indonesian, english = CATEGORY_NAMES.get(category, (category, category))
    return f"{indonesian} / {english}"


def _by_unit_text(by_unit):
    return "; ".join(f"{qty} {unit}" for unit, qty in by_unit.items())


def _header_rows(plan):
    return [
        ("Manifes muatan / Load manifest", ""),
        ("ID rencana / Plan id", plan["id"]),
        ("Komoditas / Commodity", _category_label(plan["category"])),
        ("Wilayah / Region", f"{plan['region']['code']} {plan['region']['name'] or ''}".strip()),
        ("Kapasitas (kg) / Capacity (kg)", plan["capacity_kg"]),
        ("Pelabuhan / Port", plan["port"]),
        ("Tanggal / Date", plan["date"]),
        ("Status / Status", plan["status"]),
        ("Jumlah baris / Lines", str(plan["totals"]["lines"])),
        ("Berat bersih total (kg) / Total net (kg)", plan["totals"]["net_kg"]),
    ]


# (key in a line, Indonesian heading, English heading): the manifest's columns, HTML and CSV alike.
MANIFEST_COLUMNS = (
    ("lot", "Lot", "Lot"),
    ("kecamatan_name", "Kecamatan", "District"),
    ("village_code", "Kode desa", "Village code"),
    ("village_name", "Nama desa", "Village"),
    ("producer_name", "Produsen", "Producer"),
    ("product_name", "Produk", "Product"),
    ("hs_code", "Kode HS", "HS code"),
    ("qty", "Jumlah kemasan", "Package count"),
    ("unit", "Satuan", "Unit"),
    ("net_kg", "Berat bersih (kg)", "Net (kg)"),
)

MANIFEST_TEMPLATE = """<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Manifes {{ plan.id }}</title>
<style>
  @page { size: A4 landscape; margin: 12mm; }
  body { font: 11pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #111; margin: 16px; }
  h1 { font-size: 16pt; margin: 0 0 2px; }
  .en { color: #555; font-size: 85%; font-weight: normal; }
  th .en, dt .en { display: block; }
  dl.header { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 16px; margin: 12px 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; margin-top: 8px; }
  th, td { border: 1px solid #888; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #eee; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tfoot td { font-weight: 700; background: #f6f6f6; }
  .signatures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; margin-top: 36px; }
  .signature .line { border-bottom: 1px solid #111; height: 64px; }
  .hint { color: #555; font-size: 9pt; }
  @media print {
    body { margin: 0; }
    .hint { display: none; }
    th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    thead { display: table-header-group; }
    tfoot { display: table-row-group; }
    tr, .signatures { break-inside: avoid; page-break-inside: avoid; }
  }
</style>
</head>
<body>
<p class="hint">Cetak halaman ini (Ctrl+P). <span class="en">Print this page (Ctrl+P).</span></p>
<h1>Manifes Muatan Konsolidasi <span class="en">Consolidated load manifest</span></h1>
<dl class="header">
  <dt>ID rencana <span class="en">Plan id</span></dt><dd>{{ plan.id }}</dd>
  <dt>Komoditas <span class="en">Commodity</span></dt><dd>{{ category }}</dd>
  <dt>Kapasitas <span class="en">Capacity</span></dt><dd>{{ plan.capacity_kg }} kg</dd>
  <dt>Pelabuhan <span class="en">Port</span></dt><dd>{{ plan.port }}</dd>
  <dt>Tanggal <span class="en">Date</span></dt><dd>{{ plan.date }}</dd>
  <dt>Wilayah <span class="en">Region</span></dt><dd>{{ plan.region.code }} {{ plan.region.name or "" }}</dd>
  <dt>Status <span class="en">Status</span></dt><dd>{{ plan.status }}</dd>
  <dt>Berat bersih total <span class="en">Total net weight</span></dt>
  <dd>{{ plan.totals.net_kg }} kg ({{ plan.totals.fill_percent }}%)</dd>
</dl>
<table>
<thead><tr>
  <th class="num">Lot <span class="en">Lot</span></th>
  <th>Kecamatan <span class="en">District</span></th>
  <th>Kode desa <span class="en">Village code</span></th>
  <th>Nama desa <span class="en">Village</span></th>
  <th>Produsen <span class="en">Producer</span></th>
  <th>Produk <span class="en">Product</span></th>
  <th>Kode HS <span class="en">HS code</span></th>
  <th class="num">Jumlah kemasan <span class="en">Package count</span></th>
  <th>Satuan <span class="en">Unit</span></th>
  <th class="num">Berat bersih (kg) <span class="en">Net (kg)</span></th>
</tr></thead>
<tbody>
{% for line in plan.lines %}<tr class="line">
  <td class="num">{{ line.lot }}</td>
  <td>{{ line.kecamatan_name or "" }}</td>
  <td>{{ line.village_code }}</td>
  <td>{{ line.village_name or "" }}</td>
  <td>{{ line.producer_name or "" }}</td>
  <td>{{ line.product_name or "" }}</td>
  <td>{{ line.hs_code or "-" }}</td>
  <td class="num">{{ line.qty }}</td>
  <td>{{ line.unit or "" }}</td>
  <td class="num">{{ line.net_kg }}</td>
</tr>
{% endfor %}</tbody>
<tfoot><tr class="totals">
  <td colspan="7">Total ({{ plan.totals.lines }} baris <span class="en">lines</span>)</td>
  <td class="num" colspan="2">
    {%- for unit, qty in plan.totals.qty_by_unit.items() -%}
    {{ qty }} {{ unit }}{% if not loop.last %}; {% endif %}
    {%- endfor -%}
  </td>
  <td class="num">{{ plan.totals.net_kg }}</td>
</tr></tfoot>
</table>
<div class="signatures">
  <div class="signature"><div class="line"></div>
    Koordinator <span class="en">Coordinator</span><br>
    Nama &amp; tanggal <span class="en">Name &amp; date</span></div>
  <div class="signature"><div class="line"></div>
    Pengemudi <span class="en">Driver</span><br>
    Nama &amp; tanggal <span class="en">Name &amp; date</span></div>
  <div class="signature"><div class="line"></div>
    Penerima <span class="en">Receiving party</span><br>
    Nama &amp; tanggal <span class="en">Name &amp; date</span></div>
</div>
</body>
</html>
"""
