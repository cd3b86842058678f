"""The scope rules as SQL: the rows an actor sees, for the change feed, photos and the workspace.

Codes under a region lie between `code + "."` and `code + "/"` ("/" sorts just after "."), so a
region is an index range on both engines, never a LIKE.
"""

from sqlalchemy import and_, exists, false, or_

from ...extensions import db
from ..bulk import driver_rows, param_mark
from ..models import User, UserRegion
from .rules import region_level

DESA_UNDER_SQL = "SELECT code FROM regions WHERE level = 4 AND ({under}) LIMIT {mark}"
OWNED_SQL = "SELECT id FROM producers WHERE (created_by = {mark} OR phone = {mark}) AND ({inside})"


def in_regions(column, regions):
    """SQL: the column's region code is one of, or lies under one of, the region codes."""
    if not regions:
        return false()
    return or_(*(or_(column == r, and_(column >= r + ".", column < r + "/")) for r in regions))


def regions_sql(column, regions, mark):
    """Raw SQL for the driver, as in_regions: (the condition on the column, its parameters)."""
    one = f"({column} = {mark} OR ({column} >= {mark} AND {column} < {mark}))"
    params = tuple(value for r in regions for value in (r, r + ".", r + "/"))
    return " OR ".join([one] * len(regions)) or "1 = 0", params


def accounts_below(regions):
    """SQL: the User row has regions, each strictly under one of these: as an admin, one that an admin
    of these regions manages (rules.manages); never a peer of the same region."""
    below = or_(*(and_(UserRegion.region_code >= r + ".", UserRegion.region_code < r + "/") for r in regions))
    outside = exists().where(UserRegion.user_id == User.id, ~below)
    return and_(exists().where(UserRegion.user_id == User.id), ~outside)


# Read through the driver: a pull asks these on every page, and SQLAlchemy's building of a
# query with a clause per region costs many times more than running it.
def owned_producer_ids(actor):
    """The producer records a producer account owns: those in its regions it made or with its phone.

    Only in its regions: whoever opens an account chooses its phone, and a phone alone would
    hand them the records of that phone anywhere, outside the regions they may see (rules.may_write).
    """
    connection = db.session.connection()
    mark = param_mark(connection)
    inside, params = regions_sql("village_code", actor.regions, mark)
    rows = driver_rows(connection, OWNED_SQL.format(mark=mark, inside=inside), (actor.id, actor.phone, *params))
    return [producer_id for (producer_id,) in rows]


def desa_under(regions, limit):
    """The codes of at most `limit` desa lying under any of the regions."""
    connection = db.session.connection()
    mark = param_mark(connection)
    under, params = regions_sql("code", regions, mark)
    rows = driver_rows(connection, DESA_UNDER_SQL.format(mark=mark, under=under), (*params, limit))
    return [code for (code,) in rows]


def visible_keys(actor, limit):
    """What an actor sees, as equality keys: ("producer", id) for each producer record a producer
    account owns, else ("village", code) for each desa its regions hold; None for more than `limit` desa."""
    if actor.role == "producer":
        return [("producer", producer_id) for producer_id in owned_producer_ids(actor)]
    desa = {r for r in actor.regions if region_level(r) == 4}
    wider = [r for r in actor.regions if region_level(r) < 4]
    if wider:  # one query for all of them, stopping as soon as there are too many
        desa.update(desa_under(wider, limit + 1))
        if len(desa) > limit:
            return None
    return [("village", code) for code in sorted(desa)]


def visible_rows(actor, model):
    """SQL: the rows of a producer's records (products, movements, reviews: a model with producer_id
    and village_code) that an actor sees."""
    if actor.role == "producer":
        owned = owned_producer_ids(actor)
        return model.producer_id.in_(owned) if owned else false()
    return in_regions(model.village_code, actor.regions)
