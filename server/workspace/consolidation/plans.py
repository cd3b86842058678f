"""Plans in the database: their lines, what draft plans hold, the products they draw on, and a
plan as the API shows it."""

from sqlalchemy import false, func, select, text

from sync.quantity import format_milli

from ...engine.models import ConsolidationLine, ConsolidationPlan, Producer, Product, User
from ...engine.scope import in_regions
from ...extensions import db
from ...web.timeutil import rfc3339
from ..common import region_names
from .rules import kecamatan_of, lots_of, route_order, unplannable


def lock():
    """Take the write lock every sync write takes: plans and stock change one writer at a time."""
    db.session.execute(text("UPDATE sync_state SET seq = seq WHERE id = 1"))


def lines_of(plan_id):
    """The plan's lines, in no particular order."""
    return list(db.session.scalars(select(ConsolidationLine).where(ConsolidationLine.plan_id == plan_id)))


def held(product_ids, exclude_plan=None):
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


def products(product_ids):
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


def candidates(body, region_code):
    """({product_id: (Lot, product)}, skipped) for a proposal: approved stock less other plans' holds."""
    drafts = (
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
            func.coalesce(drafts.c.held, 0).label("held"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(drafts, drafts.c.product_id == Product.id)
        .where(
            Product.status == "approved",
            Product.deleted == false(),
            Producer.deleted == false(),
            Product.stock_milli > 0,
            in_regions(Product.village_code, [region_code]),
        )
    )
    skipped, wanted = [], None
    if "category" in body:
        query = query.where(Product.category == body["category"])
    if "product_ids" in body:
        wanted = sorted(set(body["product_ids"]))
        query = query.where(Product.id.in_(wanted))
        skipped = unplannable(wanted, products(wanted), body.get("category"), region_code)
    return lots_of(db.session.execute(query), skipped, wanted)


def plan_json(plan):
    """A plan as the API shows it: header, lines in route order, totals."""
    lines = lines_of(plan.id)
    found = products(line.product_id for line in lines)
    ordered = route_order(lines, found)
    villages = {p["village_code"] for p in found.values()}
    names = region_names(villages | {kecamatan_of(v) for v in villages} | {plan.region_code})
    out = []
    for lot, line in enumerate(ordered, start=1):
        product = found.get(line.product_id) or {}
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
        unit = (found.get(line.product_id) or {}).get("unit") or "?"
        by_unit[unit] = by_unit.get(unit, 0) + line.qty_milli
    totals = (len(ordered), sum(line.net_g for line in ordered), by_unit)
    creators = user_names({plan.created_by})
    return {**header(plan, names, creators, totals), "lines": out}


def header(plan, names, creators, totals):
    """A plan's header and totals as the API shows them (`totals`: lines, net grams, {unit: qty})."""
    count, net_g, by_unit = totals or (0, 0, {})
    return {
        "id": plan.id,
        "status": plan.status,
        "category": plan.category,
        "region": {"code": plan.region_code, "name": names.get(plan.region_code)},
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


def totals_of(plan_ids):
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


def user_names(ids):
    """{user id: name} for account ids, in one query."""
    ids = sorted(i for i in ids if i)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
