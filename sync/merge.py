"""Merge rules: field by field, the later HLC wins; what loses is kept, never dropped."""

from dataclasses import dataclass, field

from .records import REVIEWED_FIELDS


@dataclass
class Merge:
    """The outcome of merging an upsert into a record."""

    changed: dict = field(default_factory=dict)  # field -> new value
    hlcs: dict = field(default_factory=dict)  # the record's field clocks after the merge
    losers: list = field(default_factory=list)  # (field, incoming value, winning hlc)


def merge_upsert(current, hlcs, fields, hlc):
    """Merge incoming fields stamped `hlc` into a record's values and field clocks."""
    result = Merge(hlcs=dict(hlcs))
    for name, value in fields.items():
        stored = hlcs.get(name, "")
        if hlc > stored:
            if current.get(name) != value:  # the same value again is no change (and no edit to review)
                result.changed[name] = value
            result.hlcs[name] = hlc
        elif hlc < stored and current.get(name) != value:
            result.losers.append((name, value, stored))
    return result


def merge_copy(current, hlcs, incoming, incoming_hlcs):
    """Merge another server's copy of a record (its values and their field clocks) into this one's:
    field by field, the later clock wins, so taking the same copy twice, or copies in any order, ends alike."""
    result = Merge(hlcs=dict(hlcs))
    for name, value in incoming.items():
        theirs = incoming_hlcs.get(name, "")
        if theirs > hlcs.get(name, ""):
            if current.get(name) != value:
                result.changed[name] = value
            result.hlcs[name] = theirs
    return result


def review_status(merge, decision, hlc):
    """A review sets the product's status whatever the clocks say, and later edits lose to it."""
    merge.changed["status"] = decision
    merge.hlcs["status"] = max(merge.hlcs.get("status", ""), hlc)
    return merge


def resubmit_if_edited(merge, current_status, hlc):
    """An edit of what a reviewer approved sends the product back to review."""
    if current_status == "approved" and any(name in merge.changed for name in REVIEWED_FIELDS):
        merge.changed["status"] = "submitted"
        merge.hlcs["status"] = max(merge.hlcs.get("status", ""), hlc)
    return merge


def deleted_losers(fields, deleted_hlc):
    """Every field of an edit that arrives after the record's deletion is kept as a conflict."""
    return [(name, value, deleted_hlc) for name, value in fields.items()] or [(None, None, deleted_hlc)]


def same_immutable(existing, fields):
    """Tell whether an immutable record sent again carries the same values (a duplicate)."""
    return all(existing.get(name) == value for name, value in fields.items())
