"""A region's export readiness, counted in SQL by the rules of rules.py.

Certifications are a JSON list per product, and the two engines take a JSON list apart
differently (SQLite's json_each and json_extract, PostgreSQL's json_array_elements and ->>),
so that one step is written per dialect; the rest is the same Core expression on both: per
product the latest valid_until of the documents each requirement accepts, a CASE per
requirement giving its outcome as a small code, and one GROUP BY category, child region and
those codes; the few aggregate rows that come back are added up here.
"""

from datetime import timedelta

from sqlalchemy import String, and_, case, false, func, literal, literal_column, or_, select, true, type_coerce

from ...engine.models import Producer, Product
from ...engine.scope import in_regions
from ...extensions import db
from ..common import BY_LEVEL, child_level, region_key, region_names
from .rules import FAR, RULES, WINDOW_DAYS, active

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


# A requirement's outcome for one product, as a small integer the GROUP BY can take.
NOT_APPLIED, MISSING, EXPIRED, EXPIRING, OK = range(5)
OUTCOMES = {MISSING: "missing", EXPIRED: "expired", EXPIRING: "expiring"}


def _judged(regions, level, as_of, status):
    """A subquery: per product its category, region and one outcome code per requirement in force."""
    p, pr = Product.__table__, Producer.__table__
    requirements = active(as_of)
    where = [in_regions(p.c.village_code, regions), p.c.deleted == false()]
    if status:
        where.append(p.c.status == status)
    held = _held(where, requirements)
    today, horizon = as_of.isoformat(), (as_of + timedelta(days=WINDOW_DAYS)).isoformat()
    outcomes = []
    for i, req in enumerate(requirements):
        best = _best(req, held, p, pr)
        outcome = case(
            (~_applies(req, held, p), NOT_APPLIED),
            (best.is_(None), MISSING),
            (best < today, EXPIRED),
            (best <= horizon, EXPIRING),
            else_=OK,
        )
        outcomes.append(outcome.label(f"r{i}"))
    query = (
        select(p.c.category, region_key(p.c.village_code, level).label("region"), *outcomes)
        .select_from(p.outerjoin(held, held.c.pid == p.c.id).join(pr, pr.c.id == p.c.producer_id))
        .where(*where)
    )
    return query.subquery(), requirements


def summarize(regions, by, as_of, status=None):
    """Readiness counts of the products in the regions: totals, per category, per child region, per document."""
    level = child_level(regions, by)
    judged, requirements = _judged(regions, level, as_of, status)
    # One GROUP BY over the outcome codes: a few rows per category and region, whatever the
    # number of products; the state of each row follows from its codes.
    keys = [judged.c.category, judged.c.region, *(judged.c[f"r{i}"] for i in range(len(requirements)))]
    rows = db.session.execute(select(*keys, func.count().label("n")).group_by(*keys)).all()
    return _shape(rows, requirements, regions, level, as_of)


def _shape(rows, requirements, regions, level, as_of):
    """Aggregate rows into the answer's totals and lists."""
    totals, categories, places = _zero(), {}, {}
    documents = {r.key: dict.fromkeys(COUNTS, 0) for r in requirements}
    for row in rows:
        codes = [(req.key, getattr(row, f"r{i}")) for i, req in enumerate(requirements)]
        state = _state([code for _, code in codes])
        for bucket in (totals, categories.setdefault(row.category, _zero()), places.setdefault(row.region, _zero())):
            bucket[state] += row.n
            bucket["products"] += row.n
        for key, code in codes:
            if code in OUTCOMES:
                documents[key][OUTCOMES[code]] += row.n
    names = region_names(places)
    return {
        "regions": regions,
        "by": next(name for name, lvl in BY_LEVEL.items() if lvl == level),
        "as_of": as_of.isoformat(),
        "expiring_within_days": WINDOW_DAYS,
        "totals": totals,
        "by_category": [{"category": c, **v} for c, v in sorted(categories.items())],
        "by_region": [{"code": c, "name": names.get(c), **v} for c, v in sorted(places.items())],
        "documents": [{"requirement": k, **v} for k, v in sorted(documents.items())],
    }


def _state(codes):
    if MISSING in codes or EXPIRED in codes:
        return "missing"
    return "expiring" if EXPIRING in codes else "ready"


def _zero():
    return {"products": 0, **dict.fromkeys(STATES, 0)}
