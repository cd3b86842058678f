"""Dashboards of an admin's regions: stock, products by status, growth, sync freshness, conflicts.

Every figure is an aggregate the database computes (GROUP BY over SQLAlchemy Core, the same on
SQLite and PostgreSQL); Python only shapes the few aggregate rows. Stock on hand is read from
the running total the apply path keeps (product_stock), never by summing movements.
"""

from datetime import timedelta

from flask_jwt_extended import current_user
from marshmallow import fields, validate
from sqlalchemy import String, and_, case, cast, exists, false, func, or_, select

from sync.quantity import format_milli
from sync.records import CATEGORIES, STATUSES

from ..engine.models import Conflict, Device, Producer, Product, Review, StockMovement, User, UserRegion
from ..engine.scope import accounts_below, in_regions
from ..extensions import db
from ..web.json_body import Blueprint
from ..web.openapi import INTEGER, OBJECT, OBJECTS, TEXTS, json_object, signed_in, stacked
from ..web.schemas import BaseSchema, RegionCode
from ..web.timeutil import rfc3339, utcnow
from .common import admin_regions, asked_regions, region_key, region_names

blp = Blueprint("dashboards", __name__, url_prefix="/api/v1/dashboards", description="Dashboards")

STALE_DAYS = 7
MONTHS = 12


class RegionArgs(BaseSchema):
    region = RegionCode(metadata={"description": "A region inside the admin's; default: all of them."})


class StockArgs(RegionArgs):
    by = fields.String(validate=validate.OneOf(["category", "kecamatan", "desa"]), load_default="category")
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata={"description": "Only this category."})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "Only products of this status."})


def dashboard(path, args, description, **answer):
    """A dashboard's view: GET path for admins, its query args, and an answer of `regions` and these properties."""
    return stacked(
        blp.route(path, methods=["GET"]),
        signed_in(blp, 400, 403),
        blp.arguments(args, location="query", error_status_code=400),
        blp.response(200, description=description),
        blp.doc(**json_object(regions=TEXTS, **answer)),
    )


def _products(regions):
    """WHERE clauses: live products in the regions."""
    return [in_regions(Product.village_code, regions), Product.deleted == false()]


# -- stock ---------------------------------------------------------------------------------------


@dashboard(
    "/stock",
    StockArgs,
    "groups: key (category or region code), name, products, stock_kg (exact decimal text), "
    "and unweighed {unit: quantity} for products of no known weight.",
    by={"type": "string", "enum": ["category", "kecamatan", "desa"]},
    groups=OBJECTS,
)
def stock(args):
    """Stock on hand by category, kecamatan or desa: kg where the unit weight is known, per unit otherwise."""
    regions = asked_regions(admin_regions(), args.get("region"))
    key = _stock_key(args["by"])
    where = _products(regions) + [Product.category == args[k] if k == "category" else Product.status == args[k]
                                  for k in ("category", "status") if args.get(k)]  # fmt: skip
    # Grams per unit: the product's own weight, else what a unit of weight is by definition.
    grams = func.coalesce(Product.unit_weight_g, case((Product.unit == "kg", 1000), (Product.unit == "g", 1)))
    # Stock summed per weight of a unit, and multiplied here: stock_milli (thousandths of a unit)
    # times grams per unit is milligrams, exact in Python's integers, where in the database a
    # stock at its limit times a heavy unit passes 64 bits.
    rows = db.session.execute(
        select(key.label("key"), Product.unit, grams.label("grams"), func.count().label("products"),
               func.sum(Product.stock_milli).label("milli"))
        .where(*where).group_by(key, Product.unit, grams)
    ).all()  # fmt: skip
    return {"regions": regions, "by": args["by"], "groups": _stock_groups(rows, args["by"])}


def _stock_key(by):
    if by == "category":
        return Product.category
    return region_key(Product.village_code, 3 if by == "kecamatan" else 4)


def _stock_groups(rows, by):
    groups = {}
    for row in rows:
        group = groups.setdefault(row.key, {"key": row.key, "products": 0, "mg": 0, "per_unit": {}})
        group["products"] += row.products
        if row.grams is not None:
            group["mg"] += int(row.milli or 0) * row.grams
        else:
            group["per_unit"][row.unit] = group["per_unit"].get(row.unit, 0) + int(row.milli or 0)
    names = region_names(groups) if by != "category" else {}
    return [
        {"key": g["key"], "name": names.get(g["key"]), "products": g["products"],
         "stock_kg": format_milli((g["mg"] + 500) // 1000),  # whole grams, half up
         "unweighed": {unit: format_milli(milli) for unit, milli in sorted(g["per_unit"].items())}}
        for g in sorted(groups.values(), key=lambda g: (-g["mg"], g["key"] or ""))
    ]  # fmt: skip


# -- products by status --------------------------------------------------------------------------


@dashboard(
    "/products-by-status",
    RegionArgs,
    "totals {status: count} and by_category [{category, statuses}].",
    totals=OBJECT,
    by_category=OBJECTS,
)
def products_by_status(args):
    """How many products are draft, submitted, approved, needs_changes or rejected, per category."""
    regions = asked_regions(admin_regions(), args.get("region"))
    rows = db.session.execute(
        select(Product.category, Product.status, func.count().label("n"))
        .where(*_products(regions))
        .group_by(Product.category, Product.status)
    ).all()
    totals, categories = {}, {}
    for row in rows:
        totals[row.status] = totals.get(row.status, 0) + row.n
        categories.setdefault(row.category, {})[row.status] = row.n
    return {
        "regions": regions,
        "totals": totals,
        "by_category": [{"category": c, "statuses": s} for c, s in sorted(categories.items())],
    }


# -- growth --------------------------------------------------------------------------------------


@dashboard(
    "/growth",
    RegionArgs,
    "months [{month: YYYY-MM, producers, products}], oldest first; deleted records are not counted.",
    months=OBJECTS,
)
def growth(args):
    """Producers and products added per month, the last 12 months (this one included)."""
    regions = asked_regions(admin_regions(), args.get("region"))
    months = _last_months(utcnow())
    start = utcnow().replace(year=int(months[0][:4]), month=int(months[0][5:]), day=1, hour=0, minute=0, second=0,
                             microsecond=0)  # fmt: skip
    producers = _per_month(Producer, [in_regions(Producer.village_code, regions)], start)
    products = _per_month(Product, [in_regions(Product.village_code, regions)], start)
    return {
        "regions": regions,
        "months": [{"month": m, "producers": producers.get(m, 0), "products": products.get(m, 0)} for m in months],
    }


def _per_month(model, where, start):
    # "YYYY-MM" as the first 7 characters of the time as text: the same on SQLite (stored as
    # text) and PostgreSQL (a timestamp cast to text), where strftime and to_char are not.
    month = func.substr(cast(model.created_at, String), 1, 7)
    query = (
        select(month.label("month"), func.count().label("n"))
        .where(*where, model.deleted == false(), model.created_at >= start)
        .group_by(month)
    )
    return {row.month: row.n for row in db.session.execute(query)}


def _last_months(now):
    """The last 12 months as YYYY-MM, oldest first."""
    year, month = now.year, now.month
    months = []
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


# -- sync freshness ------------------------------------------------------------------------------


@dashboard(
    "/freshness",
    RegionArgs,
    "devices {role: {total, stale}}, stale_devices (oldest first, at most 100) "
    "and facilitators {total, stale, stale_list}.",
    stale_after_days=INTEGER,
    devices=OBJECT,
    stale_devices=OBJECTS,
    facilitators=OBJECT,
)
def freshness(args):
    """Devices and facilitators in the admin's regions that have not synced for 7 days or more."""
    mine = admin_regions()
    regions = asked_regions(mine, args.get("region"))
    cutoff = utcnow() - timedelta(days=STALE_DAYS)
    # An account is in the regions when one of its assigned regions lies in them.
    in_scope = exists().where(UserRegion.user_id == User.id, in_regions(UserRegion.region_code, regions))
    stale = or_(Device.last_sync_at.is_(None), Device.last_sync_at < cutoff)
    # The caller's own devices are not someone to chase, nor are a peer admin's devices it cannot manage.
    live = and_(in_scope, Device.revoked_at.is_(None), User.id != current_user.id,
                or_(User.role != "admin", accounts_below(mine)))  # fmt: skip
    devices = db.session.execute(
        select(User.role, func.count().label("n"), func.sum(case((stale, 1), else_=0)).label("stale"))
        .join(User, User.id == Device.user_id).where(live).group_by(User.role)
    ).all()  # fmt: skip
    return {
        "regions": regions,
        "stale_after_days": STALE_DAYS,
        "devices": {row.role: {"total": row.n, "stale": int(row.stale or 0)} for row in devices},
        "stale_devices": _stale_devices(live, stale),
        "facilitators": _stale_facilitators(in_scope, cutoff),
    }


def _stale_devices(live, stale, limit=100):
    rows = db.session.execute(
        select(Device.device_id, Device.last_sync_at, User.id, User.name, User.role, User.phone)
        .join(User, User.id == Device.user_id).where(live, stale)
        .order_by(Device.last_sync_at.is_not(None), Device.last_sync_at, Device.id).limit(limit)
    ).all()  # fmt: skip
    return [_who(row) | {"device_id": row.device_id} for row in rows]


def _stale_facilitators(in_scope, cutoff):
    """Facilitators none of whose devices synced within the window (or who never synced)."""
    last = func.max(Device.last_sync_at)
    query = (
        select(User.id, User.name, User.role, User.phone, last.label("last_sync_at"))
        .outerjoin(Device, and_(Device.user_id == User.id, Device.revoked_at.is_(None)))
        .where(User.role == "facilitator", in_scope)
        .group_by(User.id, User.name, User.role, User.phone)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.having(or_(last.is_(None), last < cutoff)).order_by(User.name)).all()
    return {"total": total, "stale": len(rows), "stale_list": [_who(row) for row in rows]}


def _who(row):
    last = row.last_sync_at
    if isinstance(last, str):  # an aggregate over a DateTime column comes back as text on SQLite
        from datetime import datetime

        last = datetime.fromisoformat(last)
    days = None if last is None else (utcnow() - last).days
    return {"user_id": row.id, "name": row.name, "role": row.role, "phone": row.phone,
            "last_sync_at": None if last is None else rfc3339(last), "days_since_sync": days}  # fmt: skip


# -- conflicts -----------------------------------------------------------------------------------


@dashboard(
    "/conflicts",
    RegionArgs,
    "total, by_entity [{entity, reason, count}] and latest (the 20 newest conflict records).",
    total=INTEGER,
    by_entity=OBJECTS,
    latest=OBJECTS,
)
def conflicts(args):
    """Conflict records of records in the admin's regions: counts by entity and reason, and the latest 20."""
    regions = asked_regions(admin_regions(), args.get("region"))
    scoped = _conflicts_in(regions)
    counts = db.session.execute(
        select(scoped.c.entity, scoped.c.reason, func.count().label("n")).group_by(scoped.c.entity, scoped.c.reason)
    ).all()
    latest = db.session.execute(
        select(Conflict).join(scoped, scoped.c.id == Conflict.id).order_by(Conflict.id.desc()).limit(20)
    ).scalars()
    return {
        "regions": regions,
        "total": sum(row.n for row in counts),
        "by_entity": [{"entity": r.entity, "reason": r.reason, "count": r.n} for r in counts],
        "latest": [_conflict_json(c) for c in latest],
    }


def _conflicts_in(regions):
    """A subquery of (id, entity, reason) of conflicts whose record lies in the regions."""
    c = Conflict.__table__
    # Every conflict record is open: nothing resolves them yet. Each entity's table gives the
    # village its record lies in, probed by primary or unique key from each conflict (EXISTS,
    # not a join, so no engine is tempted to walk a million movements of the region first).
    owners = (("producer", Producer), ("product", Product), ("stock_movement", StockMovement), ("review", Review))
    in_scope = [
        and_(c.c.entity == entity, exists().where(model.id == c.c.entity_id, in_regions(model.village_code, regions)))
        for entity, model in owners
    ]
    return select(c.c.id, c.c.entity, c.c.reason).where(or_(*in_scope)).subquery()


def _conflict_json(conflict):
    return {"id": conflict.id, "entity": conflict.entity, "entity_id": conflict.entity_id,
            "reason": conflict.reason, "field": conflict.field, "value": conflict.value, "hlc": conflict.hlc,
            "winning_hlc": conflict.winning_hlc, "user_id": conflict.user_id,
            "created_at": rfc3339(conflict.created_at)}  # fmt: skip
