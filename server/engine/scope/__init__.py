"""Scope, in one place: who is asking, and what it may see, write and manage.

`rules` answers over plain values, without Flask or SQL (the Actor, `covers`, `may_see` and
`may_write` for a producer's records, `manages` for accounts); `accounts` reads an account's
regions and the Actor it acts as; `queries` holds the same rules as SQL, for the queries that
restrict rows to an actor's scope. Every other module asks here.
"""

from .accounts import actor_for, actors_by_id, device_states, hub_key_rows, signed_in_account, user_regions
from .queries import (
    accounts_around,
    accounts_below,
    in_regions,
    in_regions_given,
    region_params,
    visible_keys,
    visible_rows,
)
from .rules import (
    Actor,
    covers,
    lies_below,
    lies_within,
    manages,
    manages_role,
    may_see,
    may_write,
    region_level,
    would_manage,
)

__all__ = [
    "Actor",
    "accounts_around",
    "accounts_below",
    "actor_for",
    "actors_by_id",
    "device_states",
    "covers",
    "hub_key_rows",
    "in_regions",
    "in_regions_given",
    "lies_below",
    "lies_within",
    "manages",
    "manages_role",
    "may_see",
    "may_write",
    "region_level",
    "region_params",
    "signed_in_account",
    "user_regions",
    "visible_keys",
    "visible_rows",
    "would_manage",
]
