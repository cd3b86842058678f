"""Who is asking: the regions an account is assigned to, and the Actor it acts as."""

from sqlalchemy import select

from ...extensions import db
from ..models import UserRegion
from ..reads import read_rows
from .rules import Actor


def user_regions(user_id):
    """The region codes an account is assigned to, sorted."""
    rows = db.session.execute(
        select(UserRegion.region_code).where(UserRegion.user_id == user_id).order_by(UserRegion.region_code)
    )
    return [code for (code,) in rows]


REGIONS_SQL = "SELECT region_code FROM user_regions WHERE user_id = {mark} ORDER BY region_code"


def caller_regions(user_id):
    """The calling account's region codes, sorted, read through the driver (server/engine/reads.py):
    every pull reads them."""
    return [code for (code,) in read_rows(REGIONS_SQL, (user_id,))]


def actor_for(user):
    """The Actor an account (a User row) acts as, or is seen as when another account asks about it."""
    return Actor(id=user.id, role=user.role, regions=tuple(caller_regions(user.id)), phone=user.phone)
