"""The one write path. Push, admin screens, the hub and imports all call apply_ops.

In one transaction it takes the write lock (the sync_state row), answers ops seen before as
`duplicate`, re-stamps clocks far ahead, checks each op's fields (sync.records), its scope
(server.engine.scope) and its references, asks the op rules (sync.ops) what it does to the records
it names, and then writes every change in a few batched statements, each changed record with a new
change-feed sequence number. Batch loads, caches and writes; sync.ops decides.
Ops are judged one by one: a rejected op changes nothing, and the others still apply.
"""

from dataclasses import dataclass, field
from functools import partial

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from sync.hlc import Clock
from sync.ops import (
    CHILDREN,
    check_create,
    check_delete,
    check_own_edit,
    check_region,
    check_upsert,
    deleted_hlcs,
    edit,
    new_record,
    require_fields,
    review_edit,
    review_record,
    sent_again,
    stock_after,
)
from sync.quantity import parse_milli
from sync.records import OpError, op_author, validate_op

from ..extensions import db
from ..web.timeutil import rfc3339, utcnow
from . import outbox
from .models import AppliedOp, Conflict, Product, ProductStock, Region, StockMovement, SyncState
from .records import MODELS, WIRE_FIELDS, stored_time, to_columns, to_wire
from .relayed import Relay
from .scope import Actor, covers, may_write  # noqa: F401  apply_ops takes an Actor, importable from here too
from .store import add_to_column, insert_rows, insert_values, rows_in, run, select_in, update_rows

# The columns of a new movement's row: the model's, in its order, which the row that
# Batch._upsert_stock_movement makes follows (seq first, added when the batch is written).
MOVEMENT_COLUMNS = tuple(StockMovement.__table__.columns.keys())

_state, _products, _movements = SyncState.__table__.c, Product.__table__.c, StockMovement.__table__.c
# Taking the row lock first orders every writer: feed sequence numbers are handed out in
# commit order, so a pull never skips a change committed late (PostgreSQL).
LOCK = update(SyncState.__table__).where(_state.id == 1).values(seq=_state.seq).returning(_state.seq, _state.hlc)
ADVANCE = update(SyncState.__table__).where(_state.id == 1).values(seq=bindparam("seq"), hlc=bindparam("hlc"))
# Products that movements name, with their stored stock in the same statement (one query a push):
# movements keep it within the contract's limit, so it is checked against the total before each is applied.
STORED_STOCK = select(ProductStock.__table__.c.stock_milli).where(ProductStock.__table__.c.product_id == _products.id)
PRODUCTS_OF_MOVEMENTS = select(
    _products.id, _products.producer_id, _products.village_code, _products.deleted, STORED_STOCK.scalar_subquery()
).where(_products.id.in_(bindparam("keys", expanding=True)))
DESA = select(Region.__table__.c.code).where(
    Region.__table__.c.code.in_(bindparam("keys", expanding=True)), Region.__table__.c.level == 4
)
HIGHEST_MOVEMENT = select(func.max(_movements.id))
# A producer's records of each kind that follow it (sync.ops.CHILDREN), in feed order.
CHILDREN_OF = {
    child: select(MODELS[child].__table__.c.id)
    .where(MODELS[child].__table__.c.producer_id == bindparam("producer_id"))
    .order_by(MODELS[child].__table__.c.seq)
    for child in CHILDREN
}


@dataclass
class Rec:
    """A record held in memory while a batch of ops is applied."""

    entity: str
    data: dict
    hlcs: dict = field(default_factory=dict)
    deleted: bool = False
    village_code: str = None
    producer_id: str = None
    created_by: str = None
    new: bool = False
    dirty: bool = False
    cascade: bool = False  # its village changed: its children follow
    stock: int = 0  # a product's stored stock on hand (thousandths), read when movements name it
    stock_delta: int = 0


def apply_ops(actor, ops, device_id=None):
    """Apply ops for an actor in one transaction; answers (results, server hlc)."""
    batch = Batch(actor, device_id)
    results = batch.run(ops)
    if current_app.config.get("UPSTREAM_URL"):  # a hub: what its devices wrote goes upstream
        outbox.keep(ops, results, actor.id, device_id, batch.now)
    db.session.commit()
    return results, batch.hlc


class Batch:
    """One push's worth of ops, applied against an in-memory cache and written at the end."""

    def __init__(self, actor, device_id):
        self.actor = actor
        self.device_id = device_id
        self.now = utcnow()
        self.cache = {}
        self.villages = set()
        self.conflicts = []
        self.applied = []
        self.touched = []  # records changed, in order
        self.new_movements = {}  # id -> (its fields, its producer's id, its row less seq), in order
        self.hlc = None
        self.covered = {}  # desa code -> whether the acting actor's regions cover it
        # A hub's push: each op acts as its author (server/engine/relayed.py), with a cache of its own.
        self.relay = Relay(actor, self.now) if actor.role == "hub" else None
        self.covered_by = {}  # author id -> that author's `covered`
        self.at_hub = bool(current_app.config.get("UPSTREAM_URL"))
        self.held = set()  # at a hub: records whose ops it left for upstream to judge

    def run(self, ops):
        """Validate, lock, apply each op in order, write; answers one result per op."""
        checked = [self._validate(op) for op in ops]
        valid = [op for op in checked if "error" not in op]
        state = self._lock()
        self.clock = Clock(current_app.config["SERVER_ID"], state.hlc)
        # A self-keyed movement never has an applied_ops row: its own row answers (_self_keyed).
        seen = self._already_applied([op["op_id"] for op in valid if not _self_keyed(op)])
        self._preload(valid)
        if self.relay:
            self.relay.read(valid)
        results = []
        for op in checked:
            if "error" in op:
                results.append(op)
            elif op["op_id"] in seen:
                results.append({"op_id": op["op_id"], "status": "duplicate"})
            else:
                result = self._apply_as_author(op) if self.relay else self._apply_one(op)
                if result["status"] == "rejected" and self._behind_upstream(op, result["error"]):
                    self.held.add(op["entity_id"])
                    result = {"op_id": op["op_id"], "status": "applied"}  # outbox.keep relays it
                results.append(result)
                if result["status"] != "rejected":
                    seen.add(op["op_id"])
        self._write(state)
        return results

    def _behind_upstream(self, op, error):
        """At a hub, whether an op failed only because the hub's copy lacks what upstream may hold: a
        record it refers to, or the record itself, which an op held for upstream made. Upstream judges
        such an op; its rejection comes back to the device through the hub."""
        if not self.at_hub:
            return False
        if error["code"] == "unknown_reference":
            details = error["details"]
            return self.cache.get((details.get("entity"), details.get("id"))) is None
        return op["entity_id"] in self.held or outbox.holds(op["entity"], op["entity_id"])

    # -- reading -------------------------------------------------------------

    def _validate(self, op):
        try:
            checked = validate_op(op)
            author = op_author(op, relayed=self.relay is not None)
            return checked if author is None else {**checked, "author": author}
        except OpError as exc:
            op_id = op.get("op_id") if isinstance(op, dict) else None
            # Echoed so the client can match the result; anything but text is no op_id at all.
            return rejected(op_id if isinstance(op_id, str) else None, exc)

    def _lock(self):
        return run(LOCK).one()

    def _already_applied(self, op_ids):
        return {row["op_id"] for row in select_in(AppliedOp.__table__, ("op_id",), "op_id", op_ids)}

    def _preload(self, ops):
        """Load every record the ops name or refer to, a few queries per entity."""
        full = {name: set() for name in MODELS}
        stocked = set()  # products only named by movements: their scope columns are enough
        for op in ops:
            fields = op["fields"]
            full[op["entity"]].add(op["entity_id"])
            if "producer_id" in fields:
                full["producer"].add(fields["producer_id"])
            if "product_id" in fields:
                (stocked if op["entity"] == "stock_movement" else full["product"]).add(fields["product_id"])
            if "village_code" in fields:
                self.villages.add(fields["village_code"])
        for entity in ("stock_movement", "review", "product", "producer"):
            if entity == "producer":
                self._load_scope_of_products(stocked, full["producer"])
            for row in self._load(entity, full[entity]):
                self.cache[(entity, row["id"])] = self._rec_from_row(entity, row)
                if entity != "producer":
                    full["producer"].add(row["producer_id"])
        if self.villages:
            self.villages = {code for (code,) in rows_in(DESA, sorted(self.villages))}

    def _load(self, entity, ids):
        table = MODELS[entity].__table__
        if entity == "stock_movement":
            ids = _possibly_stored(ids)
        return select_in(table, [c.name for c in table.columns], "id", sorted(ids))

    def _load_scope_of_products(self, ids, producers):
        """Products that movements name: id, owner, desa, whether deleted and stored stock, nothing
        more (the stock of those already loaded in full is added to them)."""
        for product_id, producer_id, village_code, deleted, stock in rows_in(PRODUCTS_OF_MOVEMENTS, sorted(ids)):
            rec = self.cache.get(("product", product_id))
            if rec is None:
                rec = self.cache[("product", product_id)] = Rec(
                    "product",
                    data={"id": product_id},
                    deleted=bool(deleted),
                    village_code=village_code,
                    producer_id=producer_id,
                )
                producers.add(producer_id)
            rec.stock = int(stock or 0)

    @staticmethod
    def _rec_from_row(entity, row):
        return Rec(
            entity=entity,
            data=to_wire(entity, row),
            hlcs=row.get("hlcs") or {},
            deleted=bool(row.get("deleted")),
            village_code=row.get("village_code"),
            producer_id=row["id"] if entity == "producer" else row.get("producer_id"),
            created_by=row.get("created_by"),
        )

    # -- applying one op -----------------------------------------------------

    def _apply_as_author(self, op):
        """An op of a hub's push, applied as its author would apply it, within the hub's scope."""
        try:
            self.actor, self.device_id = self.relay.author(op)
        except OpError as exc:
            return rejected(op["op_id"], exc)
        self.covered = self.covered_by.setdefault(self.actor.id, {})
        return self._apply_one(op)

    def _apply_one(self, op):
        guarded = self.clock.guard(op["hlc"], checked=True)  # validate_op checked it
        restamped = guarded != op["hlc"]
        if restamped:
            op = {**op, "hlc": guarded}
        try:
            status = HANDLERS[op["action"], op["entity"]](self, op)
        except OpError as exc:
            return rejected(op["op_id"], exc)
        if not _self_keyed(op):  # applied or duplicate: remembered by its op id
            self.applied.append(
                {"op_id": op["op_id"], "entity_id": op["entity_id"], "hlc": op["hlc"], "user_id": self.actor.id}
            )
        result = {"op_id": op["op_id"], "status": status}
        if restamped:
            result["hlc"] = guarded
        return result

    def _upsert_producer(self, op):
        rec, fields = self.cache.get(("producer", op["entity_id"])), op["fields"]
        check_region(fields, self.villages)
        if rec is None:
            check_create("producer", self.actor.role)
            rec = self._create("producer", op)
            rec.producer_id, rec.village_code = op["entity_id"], rec.data["village_code"]
            self._require_scope(rec)
            self._add(rec)
            return "applied"
        self._require_scope(rec)
        if self.actor.role == "producer":
            in_own_desa = partial(covers, self.actor.regions)
            check_own_edit(rec.village_code, rec.data.get("phone"), fields, self.actor.phone, in_own_desa)
        change = edit("producer", rec.data, rec.hlcs, rec.deleted, fields, op["hlc"])
        if "village_code" in change.changed:
            phone = change.changed.get("phone", rec.data.get("phone"))
            self._require_may_write(change.changed["village_code"], rec.created_by, phone)
            rec.village_code = change.changed["village_code"]
        rec.cascade = rec.cascade or change.cascade
        return self._commit(rec, op, change)

    def _upsert_product(self, op):
        rec, fields = self.cache.get(("product", op["entity_id"])), op["fields"]
        check_upsert("product", fields, self.actor.role)
        if rec is None:
            rec = self._create("product", op)
            producer = self._live("producer", fields["producer_id"])
            self._require_scope(producer)
            rec.producer_id, rec.village_code = producer.producer_id, producer.village_code
            self._add(rec)
            return "applied"
        self._require_scope(self.cache[("producer", rec.producer_id)])
        return self._commit(rec, op, edit("product", rec.data, rec.hlcs, rec.deleted, fields, op["hlc"]))

    def _upsert_stock_movement(self, op):
        # Movements come by the thousand and never change: a new one goes straight to the
        # values of its row (its seq comes when the batch is written), with no Rec.
        entity_id, fields = op["entity_id"], op["fields"]
        known = self.new_movements.get(entity_id)
        if known is not None:
            return self._again(known[0], known[1], fields)
        rec = self.cache.get(("stock_movement", entity_id))
        if rec is not None:
            return self._again(rec.data, rec.producer_id, fields)
        product = self._product_of_new(op)
        qty_milli = parse_milli(fields["qty"])  # cached in sync.quantity: a push repeats few quantities
        stock_after(product.stock + product.stock_delta, qty_milli)
        product.stock_delta += qty_milli
        row = (
            entity_id,
            fields["product_id"],
            product.producer_id,
            product.village_code,
            qty_milli,
            fields["kind"],
            stored_time(fields["occurred_at"]),
            fields.get("note"),
            op["hlc"],
            self.actor.id,
            self.now,
        )
        self.new_movements[entity_id] = (fields, product.producer_id, row)
        return "applied"

    def _upsert_review(self, op):
        check_upsert("review", op["fields"], self.actor.role)
        rec, fields = self.cache.get(("review", op["entity_id"])), op["fields"]
        if rec is not None:
            return self._again(rec.data, rec.producer_id, fields)
        product = self._product_of_new(op)
        if not covers(self.actor.regions, product.village_code):
            raise OpError("forbidden")
        data = review_record(op["entity_id"], fields, self.actor.id, rfc3339(self.now))
        change = review_edit(product.data, product.hlcs, data["decision"], op["hlc"], self.clock.tick())
        self._commit(product, op, change)
        rec = Rec("review", data=data, hlcs={"": op["hlc"]}, created_by=self.actor.id, new=True)
        rec.producer_id, rec.village_code = product.producer_id, product.village_code
        self._add(rec)
        return "applied"

    def _again(self, existing, producer_id, fields):
        """An immutable record sent again: in scope, a duplicate when nothing differs; it never changes."""
        self._require_scope(self.cache[("producer", producer_id)])
        return sent_again(existing, fields)

    def _product_of_new(self, op):
        """The live product a new movement or review is about, once its fields and scope are checked."""
        require_fields(op["entity"], op["fields"])
        product = self._live("product", op["fields"]["product_id"])
        self._require_scope(self.cache[("producer", product.producer_id)])
        return product

    def _delete(self, op):
        check_delete(op["entity"], self.actor.role)
        rec = self.cache.get((op["entity"], op["entity_id"]))
        if rec is None:
            raise OpError("unknown_reference", entity=op["entity"], id=op["entity_id"])
        self._require_scope(self.cache[("producer", rec.producer_id)])
        hlcs = deleted_hlcs(rec.hlcs, rec.deleted, op["hlc"])
        if hlcs is not None:
            rec.deleted, rec.hlcs = True, hlcs
            self._touch(rec)
        return "applied"

    # -- helpers for the rules -----------------------------------------------

    def _create(self, entity, op):
        """A new record from a creating upsert, not yet added (scope is checked first)."""
        data, hlcs = new_record(entity, op["entity_id"], op["fields"], op["hlc"], WIRE_FIELDS[entity])
        return Rec(entity, data=data, hlcs=hlcs, created_by=self.actor.id, new=True)

    def _add(self, rec):
        self.cache[(rec.entity, rec.data["id"])] = rec
        self._touch(rec)

    def _commit(self, rec, op, change):
        """Keep what an op changed in a record, and what lost as conflicts."""
        for reason, name, value, winner in change.conflicts:
            self._conflict(rec, op, reason, name, value, winner)
        if change.changed or change.hlcs != rec.hlcs:
            rec.data = {**rec.data, **change.changed}
            rec.hlcs = change.hlcs
            self._touch(rec)
        return "applied"

    def _conflict(self, rec, op, reason, name, value, winner):
        self.conflicts.append(
            {
                "entity": rec.entity,
                "entity_id": op["entity_id"],
                "op_id": op["op_id"],
                "reason": reason,
                "field": name,
                "value": value,
                "hlc": op["hlc"],
                "winning_hlc": winner,
                "user_id": self.actor.id,
                "device_id": self.device_id,
                "created_at": self.now,
            }
        )

    def _live(self, entity, entity_id):
        rec = self.cache.get((entity, entity_id))
        if rec is None or rec.deleted:
            raise OpError("unknown_reference", entity=entity, id=entity_id)
        return rec

    def _require_scope(self, producer):
        """Reject the op unless the actor may write the records of this producer (a Rec)."""
        self._require_may_write(producer.village_code, producer.created_by, producer.data.get("phone"))

    def _require_may_write(self, village_code, made_by, phone):
        if self.actor.role == "producer":
            allowed = may_write(self.actor, village_code, made_by, phone)
        else:  # the same answer as may_write's, remembered per desa: a push names few of them
            allowed = self.covered.get(village_code)
            if allowed is None:
                allowed = self.covered[village_code] = may_write(self.actor, village_code)
        if not allowed or (self.relay and not self.relay.covers(village_code)):
            raise OpError("forbidden")

    def _touch(self, rec):
        if not rec.dirty:
            rec.dirty = True
            self.touched.append(rec)

    # -- writing -------------------------------------------------------------

    def _write(self, state):
        seq = state.seq
        rows = {name: ([], []) for name in MODELS}  # (inserts, updates)
        for rec in self.touched:
            seq += 1
            columns = {**to_columns(rec.entity, rec.data), "seq": seq}
            self._scope_columns(rec, columns)
            rows[rec.entity][0 if rec.new else 1].append(columns)
        for entity, (inserts, updates) in rows.items():
            insert_rows(MODELS[entity].__table__, inserts)
            update_rows(MODELS[entity].__table__, updates)
        movements = [(seq + n, *row) for n, (_, _, row) in enumerate(self.new_movements.values(), 1)]
        seq += len(movements)
        insert_values(StockMovement.__table__, MOVEMENT_COLUMNS, movements)
        self._write_stock()
        seq = self._cascade_villages(seq)
        insert_rows(AppliedOp.__table__, [{**a, "applied_at": self.now} for a in self.applied])
        insert_rows(Conflict.__table__, self.conflicts)
        if self.relay:
            self.relay.write()
        self.hlc = self.clock.tick()
        run(ADVANCE, {"seq": seq, "hlc": self.hlc})

    def _write_stock(self):
        """What this batch's movements add to each product's stock total (a new product's starts at 0)."""
        deltas = [
            (product_id, rec.stock_delta)
            for (entity, product_id), rec in self.cache.items()
            if entity == "product" and (rec.new or rec.stock_delta)
        ]
        add_to_column(ProductStock.__table__, "stock_milli", deltas, key="product_id")

    def _scope_columns(self, rec, columns):
        if rec.entity in ("producer", "product"):
            columns["hlcs"] = rec.hlcs
            columns["deleted"] = rec.deleted
            columns["updated_at"] = self.now
        if rec.new:
            if rec.entity != "review":
                columns["created_by"] = rec.created_by
            if rec.entity in ("producer", "product", "stock_movement"):
                columns["created_at"] = self.now
            if rec.entity in ("stock_movement", "review"):
                columns["hlc"] = rec.hlcs[""]
        if rec.entity != "producer":
            columns["village_code"] = rec.village_code
            columns["producer_id"] = rec.producer_id

    def _cascade_villages(self, seq):
        """A producer moved desa or changed phone: its products, stock and reviews are sent again."""
        for rec in self.touched:
            if not (rec.entity == "producer" and rec.cascade):
                continue
            for child in CHILDREN:
                table = MODELS[child].__table__
                rows = []
                for child_id in run(CHILDREN_OF[child], {"producer_id": rec.data["id"]}).scalars():
                    seq += 1
                    rows.append({"id": child_id, "village_code": rec.village_code, "seq": seq})
                update_rows(table, rows)
        return seq


# The method that applies each (action, entity), looked up on the class: bound methods kept on
# the batch would tie it in a reference cycle, and then it and all it holds would wait for the
# garbage collector instead of going when the push ends.
HANDLERS = {("upsert", entity): getattr(Batch, f"_upsert_{entity}") for entity in MODELS} | {
    ("delete", entity): Batch._delete for entity in MODELS
}


def rejected(op_id, exc):
    """The result of an op that was not applied, with its error in the contract's shape."""
    from ..web.errors import field_errors
    from ..web.messages import message

    details = dict(exc.details)
    if exc.fields:
        details.update(field_errors(exc.fields))
    return {
        "op_id": op_id,
        "status": "rejected",
        "error": {"code": exc.code, "message": message(exc.code), "details": details},
    }


def _possibly_stored(movement_ids):
    """The ids that may name stored movements: none above the highest stored id can.

    Devices make ids in time order (UUIDv7, sync/README.md), so nearly every new movement of a
    push lies above it and needs no index probe of its own. (Ids compare as text in the order
    of their bytes.)
    """
    highest = run(HIGHEST_MOVEMENT).scalar()
    return [] if highest is None else [movement_id for movement_id in movement_ids if movement_id <= highest]


def _self_keyed(op):
    """A movement whose op id is its own id is its own idempotency record.

    A movement is written by exactly one op and never changes or goes away, so when a client
    uses the movement's id as the op's id (sync/README.md), the movement row answers
    "duplicate" for that op forever, and a second row in applied_ops would say nothing more.
    """
    return op["entity"] == "stock_movement" and op["op_id"] == op["entity_id"]
