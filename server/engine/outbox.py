"""The ops a hub relays upstream: kept when its devices' pushes apply them, answered by upstream.

A hub applies a device's ops to its own copy, through the one write path, and in the same
transaction keeps each applied op with its author, in the order they came. The relay
(server/hub/) sends them upstream unchanged, oldest first, and stores upstream's answer here;
an op upstream rejected goes back to its author's device through the hub.
"""

from sqlalchemy import bindparam, func, select, update

from . import hub_state
from .models import RelayOp
from .store import insert_new, run

OP_KEYS = ("op_id", "entity", "entity_id", "action", "fields", "hlc")

_relay = RelayOp.__table__.c
PENDING = (
    select(_relay.seq, _relay.op, _relay.user_id, _relay.device_id)
    .where(_relay.answered_at.is_(None))
    .order_by(_relay.seq)
    .limit(bindparam("limit"))
)
ANSWER = (
    update(RelayOp.__table__)
    .where(_relay.op_id == bindparam("answered_op"), _relay.answered_at.is_(None))
    .values(answered_at=bindparam("at"), status=bindparam("answer"), error=bindparam("problem"))
)
WAITING = select(func.count()).select_from(RelayOp.__table__).where(_relay.answered_at.is_(None))
LAST_REJECTED = (
    select(_relay.user_id, func.max(_relay.seq).label("seq"))
    .where(_relay.op_id.in_(bindparam("op_ids", expanding=True)), _relay.status == "rejected")
    .group_by(_relay.user_id)
)
REJECTED_SINCE = (
    select(_relay.seq, _relay.op, _relay.error)
    .where(_relay.user_id == bindparam("user_id"), _relay.status == "rejected", _relay.seq > bindparam("after"))
    .order_by(_relay.seq)
)
REJECTED_FOR = (
    select(_relay.op_id, _relay.op, _relay.error)
    .where(_relay.device_id == bindparam("device_id"), _relay.status == "rejected")
    .order_by(_relay.seq)
)


HOLDS = (
    select(_relay.seq)
    .where(
        _relay.answered_at.is_(None),
        _relay.op["entity"].as_string() == bindparam("entity"),
        _relay.op["entity_id"].as_string() == bindparam("entity_id"),
    )
    .limit(1)
)


def holds(entity, entity_id):
    """Whether an op on this record waits to go upstream (the hub's copy may not have the record yet)."""
    return run(HOLDS, {"entity": entity, "entity_id": entity_id}).first() is not None


def keep(ops, results, user_id, device_id, now):
    """Keep the ops a push applied (with the HLC the hub gave any it re-stamped) to relay them upstream."""
    rows = []
    for op, result in zip(ops, results, strict=True):
        if result["status"] != "applied":
            continue  # rejected here, or already kept when it first came
        relayed = {key: op[key] for key in OP_KEYS if key in op}
        if "hlc" in result:
            relayed["hlc"] = result["hlc"]
        rows.append(
            {"op_id": relayed["op_id"], "op": relayed, "user_id": user_id, "device_id": device_id, "received_at": now}
        )
    insert_new(RelayOp.__table__, rows)  # an op held for upstream, sent again, is kept once


def pending(limit):
    """The oldest ops upstream has not answered yet, each as it goes upstream: the op with its author."""
    rows = run(PENDING, {"limit": limit}).all()
    return [{**row.op, "author": {"user_id": row.user_id, "device_id": row.device_id}} for row in rows]


def answer(results, now):
    """Store upstream's answer to relayed ops (results of a push, one per op)."""
    params = [
        {"answered_op": r["op_id"], "at": now, "answer": r["status"], "problem": r.get("error")}
        for r in results
        if r.get("op_id")
    ]
    if params:
        run(ANSWER, params)
    rejected = [r["op_id"] for r in results if r.get("op_id") and r["status"] == "rejected"]
    if rejected:
        _note_rejections(run(LAST_REJECTED, {"op_ids": rejected}).all())


def _note_rejections(rows):
    # Each account's latest rejection, kept by name so that a device's pull at the hub, the most
    # frequent request, asks one small row whether there is anything to give it.
    latest = hub_state.recall("rejected_seq", {})
    for row in rows:
        latest[row.user_id] = max(latest.get(row.user_id, 0), row.seq)
    hub_state.remember("rejected_seq", latest)


def last_rejection(user_id):
    """The mark of an account's latest op upstream rejected (0: none)."""
    return hub_state.recall("rejected_seq", {}).get(user_id, 0)


def rejections_after(user_id, mark):
    """An account's ops upstream rejected after a mark, as a pull gives them, and the new mark:
    ([{op_id, entity, entity_id, action, fields, hlc, error}], mark)."""
    if last_rejection(user_id) <= mark:
        return [], mark
    rows = run(REJECTED_SINCE, {"user_id": user_id, "after": mark}).all()
    given = [
        {**{key: row.op.get(key) for key in OP_KEYS}, "fields": row.op.get("fields") or {}, "error": row.error}
        for row in rows
    ]
    return given, max((row.seq for row in rows), default=mark)


def waiting():
    """How many ops wait to go upstream."""
    return run(WAITING).scalar()


def rejected_for(device_id):
    """The ops of a device that upstream rejected: [{op_id, op, error}], oldest first."""
    return [dict(row._mapping) for row in run(REJECTED_FOR, {"device_id": device_id})]
