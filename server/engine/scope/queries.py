"""The scope rules as SQL: the rows an actor sees, for the change feed, photos and the workspace.

Codes under a region lie between `code + "."` and `code + "/"` ("/" sorts just after "."), so a
region is an index range on both engines, never a LIKE.
"""

from functools import lru_cache

from sqlalchemy import Integer, and_, bindparam, exists, false, or_, select

from ..models import Producer, Region, User, UserRegion
from ..store import run
from .rules import region_level


def in_regions(column, regions):
    """SQL: the column's region code is one of, or lies under one of, the region codes."""
    if not regions:
        return false()
    return or_(*(or_(column == r, and_(column >= r + ".", column < r + "/")) for r in regions))


def in_regions_given(column, count):
    """SQL, as in_regions, for `count` regions given later as parameters (region_params): one
    statement serves every actor with as many regions, so it is built and compiled once."""
    if not count:
        return false()
    return or_(
        *(
            or_(column == bindparam(f"r{i}"), and_(column >= bindparam(f"r{i}_lo"), column < bindparam(f"r{i}_hi")))
            for i in range(count)
        )
    )


def region_params(regions):
    """The parameters of in_regions_given for these region codes."""
    params = {}
    for i, code in enumerate(regions):
        params[f"r{i}"], params[f"r{i}_lo"], params[f"r{i}_hi"] = code, code + ".", code + "/"
    return params


def accounts_below(regions):
    """SQL: the User row has regions, each strictly under one of these: as an admin, one that an admin
    of these regions manages (rules.manages); never a peer of the same region."""
    below = or_(*(and_(UserRegion.region_code >= r + ".", UserRegion.region_code < r + "/") for r in regions))
    outside = exists().where(UserRegion.user_id == User.id, ~below)
    return and_(exists().where(UserRegion.user_id == User.id), ~outside)


def accounts_around(regions):
    """SQL: the User row has a region inside one of these regions or covering one (its kabupaten, its
    province): for a hub's kecamatan, every account whose phones may sync at the hub."""
    above = {code.rsplit(".", n)[0] for code in regions for n in range(1, region_level(code))}
    near = or_(UserRegion.region_code.in_(sorted(above)), in_regions(UserRegion.region_code, regions))
    return exists().where(UserRegion.user_id == User.id, near)


def owned_producer_ids(actor):
    """The producer records a producer account owns: those in its regions it made or with its phone.

    Only in its regions: whoever opens an account chooses its phone, and a phone alone would
    hand them the records of that phone anywhere, outside the regions they may see (rules.may_write).
    """
    params = {"user_id": actor.id, "phone": actor.phone, **region_params(actor.regions)}
    return list(run(_owned(len(actor.regions)), params).scalars())


def desa_under(regions, limit):
    """The codes of at most `limit` desa lying under any of the regions."""
    return list(run(_desa_under(len(regions)), {"limit": limit, **region_params(regions)}).scalars())


# A pull asks these on every page: each is built once per number of regions.
@lru_cache(maxsize=64)
def _owned(count):
    producers = Producer.__table__.c
    mine = or_(producers.created_by == bindparam("user_id"), producers.phone == bindparam("phone"))
    return select(producers.id).where(mine, in_regions_given(producers.village_code, count))


@lru_cache(maxsize=64)
def _desa_under(count):
    regions = Region.__table__.c
    under = in_regions_given(regions.code, count)
    return select(regions.code).where(regions.level == 4, under).limit(bindparam("limit", type_=Integer))


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
