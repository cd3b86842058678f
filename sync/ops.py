"""What an op does to a stored record: the op rules as functions of plain values.

The write path (server/engine/apply.py) loads the records an op names, asks these functions what
the op does to them, and writes the answer; whether the account may write a record at all (scope)
it asks server/engine/scope. A rule that refuses an op raises OpError with the code of its result.
"""

from dataclasses import dataclass, field

from .merge import deleted_losers, merge_upsert, resubmit_if_edited, review_status, same_immutable
from .quantity import STOCK_LIMIT_MILLI, stock_limit_passed
from .records import DEVICE_STATUSES, OpError, missing_required

# A producer's children: they carry its desa, and follow it when it moves (or changes phone).
CHILDREN = ("product", "stock_movement", "review")


@dataclass
class Edit:
    """What an upsert does to a stored record."""

    changed: dict = field(default_factory=dict)  # field -> new value
    hlcs: dict = field(default_factory=dict)  # the record's field clocks after the op
    conflicts: list = field(default_factory=list)  # (reason, field, incoming value, winning hlc)
    cascade: bool = False  # a producer's desa or phone changed: its children are sent again


def check_upsert(entity, fields, role):
    """Refuse what no account's scope allows: a status only a review sets, a review by a non-admin."""
    if entity == "product" and fields.get("status") not in (None,) + DEVICE_STATUSES:
        raise OpError("forbidden", reason="status_set_by_review")
    if entity == "review" and role != "admin":
        raise OpError("forbidden", reason="admins_review")


def check_region(fields, desa_codes):
    """A producer's desa is one the regions table holds (desa_codes: those of the push that it does)."""
    if "village_code" in fields and fields["village_code"] not in desa_codes:
        raise OpError("validation_error", {"village_code": ("unknown_region", {"code": fields["village_code"]})})


def check_create(entity, role):
    """A facilitator or an admin registers producers; a producer account does not."""
    if entity == "producer" and role == "producer":
        raise OpError("forbidden", reason="registered_by_facilitator")


def check_delete(entity, role):
    """Movements and reviews are never deleted; a producer account deletes no producer."""
    if entity in ("stock_movement", "review"):
        raise OpError("immutable")
    check_create(entity, role)


def require_fields(entity, fields):
    """A creating upsert carries every required field: else validation_error naming the missing."""
    missing = missing_required(entity, fields)
    if missing:
        raise OpError("validation_error", {name: ("required", {}) for name in missing})


def new_record(entity, entity_id, fields, hlc, names):
    """The values and field clocks of a record a creating upsert makes; `names` are all its fields."""
    require_fields(entity, fields)
    values = {**dict.fromkeys(names), **_defaults(entity), **fields, "id": entity_id}
    return values, dict.fromkeys(fields, hlc)


def _defaults(entity):
    """What a new record holds until an op sets it (lists made afresh: each record owns its values)."""
    return {"status": "draft", "certifications": [], "photos": []} if entity == "product" else {}


def check_own_edit(village, phone, fields, account_phone, in_own_desa):
    """A producer account edits its own record, but keeps it in its own desa and on its own phone.

    The phone decides whose pull a record lands in and the desa who oversees it: either, set by
    a producer, would hand its record to someone else's account or region. `in_own_desa` tells
    whether a desa code lies in the account's regions.
    """
    moved_to = fields.get("village_code", village)
    if moved_to != village and not in_own_desa(moved_to):
        raise OpError("forbidden", reason="own_desa")
    if "phone" in fields and fields["phone"] not in (account_phone, phone):
        raise OpError("forbidden", reason="own_phone")


def edit(entity, values, hlcs, deleted, fields, hlc):
    """What an upsert stamped `hlc` does to a stored producer or product (values, field clocks, deleted).

    A deleted record keeps every field of the edit as a conflict and changes nothing. A product
    keeps its producer; an edit of what a reviewer approved sends it back to review. A producer
    that moves desa or changes phone takes its children along (`cascade`).
    """
    if deleted:
        return Edit(
            hlcs=hlcs, conflicts=[("deleted", *loser) for loser in deleted_losers(fields, hlcs.get("_deleted", ""))]
        )
    if entity == "product" and "producer_id" in fields and fields["producer_id"] != values.get("producer_id"):
        raise OpError("validation_error", {"producer_id": ("immutable", {})})
    merge = merge_upsert(values, hlcs, fields, hlc)
    if entity == "product":
        resubmit_if_edited(merge, values.get("status"), hlc)
    conflicts = [("lost_to_later", *loser) for loser in merge.losers]
    cascade = entity == "producer" and ("village_code" in merge.changed or "phone" in merge.changed)
    return Edit(merge.changed, merge.hlcs, conflicts, cascade)


def review_edit(values, hlcs, decision, hlc, server_hlc):
    """What a review does to its product: the decision is its status whatever the clocks say.

    It is stamped no earlier than the server's clock (`server_hlc`): the decision takes effect
    now, so an edit made offline before it cannot undo it.
    """
    stamp = max(hlc, server_hlc)
    merge = review_status(merge_upsert(values, hlcs, {}, stamp), decision, stamp)
    return Edit(merge.changed, merge.hlcs)


def review_record(review_id, fields, reviewer_id, at):
    """The values of a new review: its fields, who reviewed and when (the server's, whatever was sent)."""
    return {"id": review_id, "note": None, **fields, "reviewer_id": reviewer_id, "at": at}


def sent_again(existing, fields):
    """An immutable record sent again: "duplicate" when nothing differs; it never changes."""
    if same_immutable(existing, fields):
        return "duplicate"
    raise OpError("immutable")


def stock_after(on_hand, qty_milli):
    """A product's stock on hand after a movement (thousandths); out_of_range past the contract's limit."""
    stock = on_hand + qty_milli
    if not -STOCK_LIMIT_MILLI <= stock <= STOCK_LIMIT_MILLI:
        raise OpError("out_of_range", field="stock_on_hand", limit=stock_limit_passed(stock))
    return stock


def deleted_hlcs(hlcs, deleted, hlc):
    """A delete's field clocks for a record (`_deleted` its clock); None when it is already deleted."""
    return None if deleted else {**hlcs, "_deleted": hlc}
