"""The regional workspace's common ground: who may use it and which regions a request is about."""

from flask_jwt_extended import current_user
from sqlalchemy import func, select

from ..engine.models import Region
from ..engine.scope import covers, region_level, user_regions
from ..extensions import db
from ..web.errors import ApiError, field_errors
from ..web.schemas import REGION_RE

# Characters of a region code at each level: 32, 32.04, 32.04.10, 32.04.10.2001.
CODE_LENGTH = {1: 2, 2: 5, 3: 8, 4: 13}
BY_LEVEL = {"kabupaten": 2, "kecamatan": 3, "desa": 4}


def admin_regions():
    """The signed-in admin's region codes; 403 for anyone else."""
    if current_user.role != "admin":
        raise ApiError(403, "forbidden")
    return user_regions(current_user.id)


def asked_regions(mine, region):
    """The region codes a request covers: the one asked for (inside mine, else 403), or all of mine."""
    if region is None:
        return list(mine)
    if not REGION_RE.fullmatch(region):
        raise ApiError(400, "invalid_parameter", field_errors({"region": ("unknown_region", {"code": region})}))
    if not covers(mine, region):
        raise ApiError(403, "forbidden")
    return [region]


def child_level(regions, by):
    """The level to group by: the one named, else the level just below the region asked about."""
    if by is not None:
        return BY_LEVEL[by]
    top = min((region_level(r) for r in regions), default=2)
    return min(top + 1, 4)


def region_key(column, level):
    """SQL: the code of the region at `level` a village code lies in (a prefix of it)."""
    return func.substr(column, 1, CODE_LENGTH[level])


def region_names(codes):
    """{code: name} for region codes, in one query."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
