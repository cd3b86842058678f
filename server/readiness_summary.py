"""A region's export readiness, counted in SQL by the rules of server/readiness.py.

Certifications are a JSON list per product, and the two engines take a JSON list apart
differently (SQLite's json_each and json_extract, PostgreSQL's json_array_elements and ->>),
so that one step is written per dialect; the rest is the same Core expression on both: per
product the latest valid_until of the documents each requirement accepts, a CASE per
requirement, and one GROUP BY category, child region and state.
"""

from datetime import timedelta

from sqlalchemy import String, and_, case, false, func, literal, literal_column, or_, select, true, type_coerce

from .extensions import db
from .models import Producer, Product
from .readiness import FAR, RULES, WINDOW_DAYS, active
from .workspace import child_level, region_key, region_names, scope_filter

STATES = ("ready", "missing", "expiring")
COUNTS = ("missing", "expired", "expiring")


def _elements(dialect):
    """(the table of a product's certifications, its kind, its valid_until), for this engine."""
    column = Product.__table__.c.certifications
    if dialect == "postgresql":
        items = func.json_array_elements(column).table_valued("value", joins_implicitly=True)
        # Inlined keys: a bound one is ambiguous between ->> text and ->> integer.
        get = lambda key: type_coerce(items.c.value.op("->>")(literal_column(f"'{key}'")), String)  # noqa: E731
    else:
        items = func.json_each(column).table_valued("value", joins_implicitly=True)
        get = lambda key: type_coerce(func.json_extract(items.c.value, f"$.{key}"), String)  # noqa: E731
    return items, get("kind"), get("valid_until")


def _held(where, requirements):
    """Per product: for each requirement key, the latest valid_until of the documents it accepts."""
    p = Product.__table__
    items, kind, until = _elements(db.session.get_bind().dialect.name)
    keys = {r.key: r.documents for r in requirements}
    columns = [func.max(case((kind.in_(docs), func.coalesce(until, FAR)))).label(key) for key, docs in keys.items()]
    return select(p.c.id.label("pid"), *columns).select_from(p, items).where(*where).group_by(p.c.id).subquery()


def _best(req, held, p, pr):
    """SQL: the latest valid_until a product holds for a requirement (FAR: never expires)."""
    best = held.c[req.key]
    if "hs_code" in req.documents:
        best = case((and_(p.c.hs_code.is_not(None), p.c.hs_code != ""), literal(FAR)), else_=best)
    if "nib" in req.documents:
        best = case((and_(pr.c.nib.is_not(None), pr.c.nib != ""), literal(FAR)), else_=best)
    return best


def _applies(req, held, p):
    """SQL: the requirement applies to the product (its category, and its condition if any)."""
    category = true() if req.categories == frozenset(RULES["categories"]) else p.c.category.in_(req.categories)
    if not req.mentions and not req.holds:
        return category
    text = func.lower(func.coalesce(p.c.name, "") + " " + func.coalesce(p.c.description, ""))
    mentioned = [text.like(f"%{word}%") for word in req.mentions]
    holds = [held.c[req.key].is_not(None)] if req.holds else []
    return and_(category, or_(false(), *mentioned, *holds))


def _judged(regions, level, as_of, status):
    """A subquery: per product its category, region, state and 0/1 per requirement key and problem."""
    p, pr = Product.__table__, Producer.__table__
    requirements = active(as_of)
    where = [scope_filter(p.c.village_code, regions), p.c.deleted == false()]
    if status:
        where.append(p.c.status == status)
    held = _held(where, requirements)
    today, horizon = as_of.isoformat(), (as_of + timedelta(days=WINDOW_DAYS)).isoformat()
    bad, soon, flags = [], [], {}
    for req in requirements:
        applies, best = _applies(req, held, p), _best(req, held, p, pr)
        problems = {
            "missing": and_(applies, best.is_(None)),
            "expired": and_(applies, best < today),
            "expiring": and_(applies, best >= today, best <= horizon),
        }
        bad += [problems["missing"], problems["expired"]]
        soon.append(problems["expiring"])
        for name, condition in problems.items():
            flags.setdefault((req.key, name), []).append(condition)
    state = case((or_(false(), *bad), "missing"), (or_(false(), *soon), "expiring"), else_="ready")
    flag_columns = [
        case((or_(*conds), 1), else_=0).label(f"{key}__{name}") for (key, name), conds in sorted(flags.items())
    ]
    query = (
        select(p.c.category, region_key(p.c.village_code, level).label("region"), state.label("state"), *flag_columns)
        .select_from(p.outerjoin(held, held.c.pid == p.c.id).join(pr, pr.c.id == p.c.producer_id))
        .where(*where)
    )
    return query.subquery(), sorted(flags)


def summarize(regions, by, as_of, status=None):
    """Readiness counts of the products in the regions: totals, per category, per child region, per document."""
    level = child_level(regions, by)
    judged, flags = _judged(regions, level, as_of, status)
    sums = [func.sum(judged.c[f"{key}__{name}"]).label(f"{key}__{name}") for key, name in flags]
    rows = db.session.execute(
        select(judged.c.category, judged.c.region, judged.c.state, func.count().label("n"), *sums).group_by(
            judged.c.category, judged.c.region, judged.c.state
        )
    ).all()
    return _shape(rows, flags, regions, level, as_of)


def _shape(rows, flags, regions, level, as_of):
    """Aggregate rows (a few per category and region) into the answer's totals and lists."""
    totals, categories, places, documents = _zero(), {}, {}, {}
    for row in rows:
        for bucket in (totals, categories.setdefault(row.category, _zero()), places.setdefault(row.region, _zero())):
            bucket[row.state] += row.n
            bucket["products"] += row.n
        for key, name in flags:
            documents.setdefault(key, dict.fromkeys(COUNTS, 0))[name] += int(getattr(row, f"{key}__{name}") or 0)
    names = region_names(places)
    return {
        "regions": regions,
        "by": next(name for name, lvl in (("kabupaten", 2), ("kecamatan", 3), ("desa", 4)) if lvl == level),
        "as_of": as_of.isoformat(),
        "expiring_within_days": WINDOW_DAYS,
        "totals": totals,
        "by_category": [{"category": c, **v} for c, v in sorted(categories.items())],
        "by_region": [{"code": c, "name": names.get(c), **v} for c, v in sorted(places.items())],
        "documents": [{"requirement": k, **v} for k, v in sorted(documents.items())],
    }


def _zero():
    return {"products": 0, **dict.fromkeys(STATES, 0)}
