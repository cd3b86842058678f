"""The scope rules over plain values, without Flask or SQL: who sees, writes and manages what.

Every record belongs to a producer record, and the producer record decides who reaches it: its
desa, the account that made it and its phone. A facilitator or an admin reaches the records of
the desa its regions cover; a producer account only the producer records it made or that carry
its phone, and of those only the ones in its own desa. Seeing and writing are one right: a pull
sends exactly what a push may change.

A hub (the server at a kecamatan office, SYNC-CONTRACT "Hubs") is assigned one kecamatan and
sees and writes its records as a facilitator of all its desa would.

Accounts: an account manages those strictly below it. A facilitator manages the producers of its
villages; an admin the facilitators, hubs and producers of its regions, and the admins of regions
strictly inside its own (a province's admin a kabupaten's); a hub manages nobody. Nobody manages
an equal: two admins of one kabupaten could otherwise change each other's PIN and take the other's
account.
"""

from dataclasses import dataclass

# The roles each role manages (in regions below its own).
MANAGED_ROLES = {
    "admin": ("producer", "facilitator", "hub", "admin"),
    "facilitator": ("producer",),
    "hub": (),
    "producer": (),
}


@dataclass(frozen=True)
class Actor:
    """An account as scope sees it: its id, role, region codes and phone (who asks, or whom it is about)."""

    id: str
    role: str
    regions: tuple
    phone: str = None


def covers(region_codes, code):
    """Tell whether a region code lies inside (or is) one of the given region codes."""
    if not code:
        return False
    return any(code == r or code.startswith(r + ".") for r in region_codes)


def lies_below(region_codes, code):
    """Tell whether a region code lies strictly inside one of the given region codes."""
    return bool(code) and any(code.startswith(r + ".") for r in region_codes)


def lies_within(region_codes, account_regions):
    """Whether an account has regions and each lies inside (or is) one of these region codes: the
    accounts a hub answers for (the tokens it signs, the devices it enrols)."""
    return bool(account_regions) and all(covers(region_codes, code) for code in account_regions)


def region_level(code):
    """1 for a province, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1


def may_write(actor, village_code, made_by=None, phone=None):
    """Whether an actor may write (and so see) the records of a producer in this desa, made by this
    account, with this phone."""
    if actor.role == "producer":
        owned = made_by == actor.id or (actor.phone is not None and phone == actor.phone)
        return owned and covers(actor.regions, village_code)
    return covers(actor.regions, village_code)


def may_see(actor, village_code, made_by=None, phone=None):
    """Whether an actor may see the records of a producer in this desa, made by this account, with this phone."""
    return may_write(actor, village_code, made_by, phone)


def manages_role(actor, role):
    """Whether an actor manages accounts of this role at all (those in regions below its own)."""
    return role in MANAGED_ROLES.get(actor.role, ())


def would_manage(actor, role, regions):
    """Whether an account of this role and these regions would lie strictly below an actor."""
    if not regions or not manages_role(actor, role):
        return False
    inside = lies_below if role == "admin" else covers
    return all(inside(actor.regions, code) for code in regions)


def manages(actor, account):
    """Whether an actor manages another account (both Actors): it lies strictly below the actor."""
    return account.id != actor.id and would_manage(actor, account.role, account.regions)
