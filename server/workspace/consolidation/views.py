"""The consolidation endpoints: propose, list, read, edit, cancel and ship plans; print manifests.

Every change takes the sync write lock first (plans.lock), so that holds and stock are read and
changed by one writer at a time; the checks are the rules of rules.py.
"""

from flask import Response, current_app
from flask_jwt_extended import current_user
from sqlalchemy import select

from sync.ids import uuid7

from ...engine.apply import apply_ops
from ...engine.models import ConsolidationLine, ConsolidationPlan, Region
from ...engine.scope import actor_for, covers, in_regions
from ...extensions import db
from ...web.csv_writer import csv_bytes
from ...web.errors import ApiError, validation_error
from ...web.json_body import Blueprint
from ...web.openapi import signed_in
from ...web.timeutil import rfc3339, utcnow
from ..common import admin_regions, region_names
from . import manifest, plans, rules
from .plans import plan_json
from .rules import fill, net_grams
from .schemas import LinesPatchSchema, ListArgs, PlanHeaderSchema, PlanSchema, ProposedPlanSchema, ProposeSchema

blp = Blueprint(
    "consolidations",
    __name__,
    url_prefix="/api/v1/consolidations",
    description="Pickup plans: pooled stock of many villages into one load for a port (admins)",
)


@blp.route("", methods=["POST"])
@signed_in(blp, 400, 403, 409, 413, 422)
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
    regions = admin_regions()
    region = db.session.get(Region, body["region"])
    if region is None:
        raise validation_error({"region": ("unknown_region", {"code": body["region"]})})
    if not covers(regions, region.code):
        raise ApiError(403, "forbidden")
    plans.lock()
    candidates, skipped = plans.candidates(body, region.code)
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
@signed_in(blp, 400, 403)
@blp.arguments(ListArgs, location="query", error_status_code=400)
@blp.response(200, PlanHeaderSchema(many=True))
def list_plans(args):
    """The plans in the caller's regions, newest first (headers and totals, no lines)."""
    regions = admin_regions()
    query = select(ConsolidationPlan).where(in_regions(ConsolidationPlan.region_code, regions))
    if args.get("status"):
        query = query.where(ConsolidationPlan.status == args["status"])
    found = list(
        db.session.scalars(
            query.order_by(ConsolidationPlan.created_at.desc(), ConsolidationPlan.id).limit(args["limit"])
        )
    )
    totals = plans.totals_of([p.id for p in found])
    names = region_names({p.region_code for p in found})
    creators = plans.user_names({p.created_by for p in found})
    return [plans.header(p, names, creators, totals.get(p.id)) for p in found]


@blp.route("/<uuid_text:plan_id>", methods=["GET"])
@signed_in(blp, 403, 404)
@blp.response(200, PlanSchema)
@blp.alt_response(404, description="No such plan in the caller's regions.")
def get_plan(plan_id):
    """One plan: header, lines in route order (kecamatan, then desa) and totals."""
    return plan_json(_plan_in_scope(plan_id))


@blp.route("/<uuid_text:plan_id>/lines", methods=["PATCH"])
@signed_in(blp, 400, 403, 404, 409, 413, 422)
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
    admin_regions()
    plans.lock()
    plan = _plan_in_scope(plan_id)
    _require_open(plan)
    lines = {line.id: line for line in plans.lines_of(plan.id)}
    edits = body["lines"]
    errors = rules.unknown_lines(edits, lines)
    if errors:
        db.session.rollback()
        raise validation_error(errors)
    edit = rules.edited(edits, lines)
    products = plans.products(edit.after.keys())
    errors = rules.edit_errors(plan, edits, edit, products)
    if errors:
        db.session.rollback()
        raise validation_error(errors)
    short = rules.over_stock(edit, products, plans.held(edit.after.keys(), exclude_plan=plan.id), lines)
    if short:
        db.session.rollback()
        raise ApiError(409, "over_stock", {"lines": short})
    nets = rules.line_nets(edit, products, lines)
    over = rules.over_capacity(sum(nets.values()), plan.capacity_g)
    if over:
        db.session.rollback()
        raise ApiError(409, "over_capacity", over)

    for line in lines.values():
        if line.product_id not in edit.after:
            db.session.delete(line)
        elif edit.after[line.product_id] != line.qty_milli:
            line.qty_milli, line.net_g = edit.after[line.product_id], nets[line.product_id]
    for product_id in edit.added:
        db.session.add(
            ConsolidationLine(
                plan_id=plan.id, product_id=product_id, qty_milli=edit.after[product_id], net_g=nets[product_id]
            )
        )
    db.session.commit()
    return plan_json(plan)


@blp.route("/<uuid_text:plan_id>/cancel", methods=["POST"])
@signed_in(blp, 403, 404, 409)
@blp.response(200, PlanSchema)
@blp.alt_response(409, description="`plan_not_open`: the plan is shipped.")
def cancel_plan(plan_id):
    """Cancel a draft plan: its quantities are no longer held. Cancelling again changes nothing."""
    admin_regions()
    plans.lock()
    plan = _plan_in_scope(plan_id)
    if plan.status == "shipped":
        db.session.rollback()
        raise ApiError(409, "plan_not_open", {"status": plan.status})
    plan.status = "cancelled"
    db.session.commit()
    return plan_json(plan)


@blp.route("/<uuid_text:plan_id>/ship", methods=["POST"])
@signed_in(blp, 403, 404, 409)
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
    regions = admin_regions()
    plans.lock()
    plan = _plan_in_scope(plan_id)
    if plan.status == "shipped":
        db.session.rollback()
        return plan_json(plan)
    _require_open(plan)
    lines = plans.lines_of(plan.id)
    if not lines:
        db.session.rollback()
        raise ApiError(409, "plan_empty")
    products = plans.products(line.product_id for line in lines)
    short = rules.stock_changed(rules.route_order(lines, products), products, regions)
    if short:
        db.session.rollback()
        raise ApiError(409, "stock_changed", {"lines": short})
    now = utcnow()
    stamp = rules.hlc_stamp(now, current_app.config["SERVER_ID"])
    for line in lines:
        line.movement_id = rules.shipment_movement_id(plan.id, line.id)
    ops = rules.shipment_ops(plan, lines, rfc3339(now), stamp)
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
@signed_in(blp, 403, 404)
@blp.response(200, description="A printable manifest (HTML, no external resources).", content_type="text/html")
def manifest_html(plan_id):
    """The plan's manifest for print: header, lines, totals and signature lines (Indonesian, English subtitles)."""
    response = Response(manifest.html(plan_json(_plan_in_scope(plan_id))), mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<uuid_text:plan_id>/manifest.csv", methods=["GET"])
@signed_in(blp, 403, 404)
@blp.response(
    200, description="The manifest as CSV: UTF-8 with BOM, header rows, lines, totals.", content_type="text/csv"
)
def manifest_csv(plan_id):
    """The plan's manifest for a spreadsheet: header rows, a blank row, the lines, then totals."""
    plan = plan_json(_plan_in_scope(plan_id))
    body = csv_bytes(manifest.csv_rows(plan))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="manifest-{plan["id"]}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _plan_in_scope(plan_id):
    """The plan, when it lies in the calling admin's regions; 404 otherwise (403 for non-admins)."""
    regions = admin_regions()
    plan = db.session.get(ConsolidationPlan, plan_id)
    if plan is None or not covers(regions, plan.region_code):
        db.session.rollback()
        raise ApiError(404, "not_found")
    return plan


def _require_open(plan):
    if plan.status != "draft":
        db.session.rollback()
        raise ApiError(409, "plan_not_open", {"status": plan.status})
