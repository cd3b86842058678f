"""A hub's copy of its kecamatan: upstream's changes taken in, through the same batch writer as ops.

A hub pulls its kecamatan from upstream like an admin of it; each change carries `copy`: where
the record sits (producer_id, village_code) and its clocks. Upstream has already judged every
op behind them, so no rule is asked again: a record the hub lacks is added as upstream holds
it, one it holds is merged field by field by the clocks (sync.merge.merge_copy), so the hub's
own ops not yet relayed keep what they changed until upstream's answer comes back. Movements
and reviews never change: one the hub holds is left as it is. Each record taken gets a new
sequence number of the hub's feed, so the hub's devices pull it.
"""

from flask import current_app
from sqlalchemy import bindparam, func, select

from sync.hlc import Clock
from sync.merge import merge_copy
from sync.quantity import parse_milli

from .apply import Batch, Rec
from .models import ProductStock, StockMovement
from .records import WIRE_FIELDS, stored_time
from .scope import Actor
from .store import add_to_column, rows_in

_movements = StockMovement.__table__.c
HELD_TOTALS = (  # what the movements the hub holds of each product add up to
    select(_movements.product_id, func.sum(_movements.qty_milli))
    .where(_movements.product_id.in_(bindparam("keys", expanding=True)))
    .group_by(_movements.product_id)
)
UPSTREAM = Actor(id=None, role="upstream", regions=(), phone=None)  # no account: upstream judged it all


def take_copy(changes, upstream_hlc):
    """Take a page of upstream's changes into this hub's copy, in the caller's transaction."""
    batch = CopyBatch(UPSTREAM, None)
    batch.take(changes, upstream_hlc)


def forget_clocks(ops):
    """Drop from the copy the field clocks that ops upstream rejected gave their records, so that
    upstream's state of those records wins when the copy takes it again; in the caller's transaction."""
    CopyBatch(UPSTREAM, None).forget(ops)


def drop_records(keys):
    """Mark deleted the records [(entity, id)] upstream does not hold; in the caller's transaction."""
    CopyBatch(UPSTREAM, None).drop(keys)


class CopyBatch(Batch):
    """A Batch that takes records as upstream holds them instead of applying ops."""

    def take(self, changes, upstream_hlc):
        """Load what the changes name, merge each into the copy, write."""
        state = self._lock()
        self.clock = Clock(current_app.config["SERVER_ID"], state.hlc)
        self.clock.observe(upstream_hlc)  # the hub's own later ops stamp after upstream's
        self._preload([_as_op(change) for change in changes])
        for change in changes:
            self._take(change)
        self._write(state)

    def forget(self, ops):
        """Drop the clocks each op set in its record (and undo a delete it made); write."""
        self._start([{"entity": op["entity"], "entity_id": op["entity_id"], "fields": {}} for op in ops])
        for op in ops:
            rec = self.cache.get((op["entity"], op["entity_id"]))
            if rec is None:
                continue
            kept = {name: clock for name, clock in rec.hlcs.items() if clock != op["hlc"]}
            if kept != rec.hlcs:
                rec.deleted = rec.deleted and "_deleted" in kept
                rec.hlcs = kept
                self._touch(rec)
        self._write(self.state)

    def drop(self, keys):
        """Mark each record deleted; write."""
        self._start([{"entity": entity, "entity_id": entity_id, "fields": {}} for entity, entity_id in keys])
        for key in keys:
            rec = self.cache.get(tuple(key))
            if rec is not None and not rec.deleted:
                rec.deleted = True
                self._touch(rec)
        self._write(self.state)

    def _start(self, ops):
        self.state = self._lock()
        self.clock = Clock(current_app.config["SERVER_ID"], self.state.hlc)
        self._preload(ops)

    def _take(self, change):
        entity, rec = change["entity"], self.cache.get((change["entity"], change["entity_id"]))
        if change["action"] == "delete":
            if rec is not None and not rec.deleted:
                rec.deleted, rec.hlcs = True, {**rec.hlcs, **change.get("copy", {}).get("hlcs", {})}
                self._touch(rec)
        elif entity in ("producer", "product"):
            self._take_record(change, rec)
        elif entity == "stock_movement":
            self._take_movement(change, rec)
        elif rec is None:  # a review the hub does not hold yet
            self._add(self._new_rec(change, {"": change["copy"].get("hlc", "")}))

    def _take_record(self, change, rec):
        copy, incoming = change["copy"], _fields(change)
        if rec is None:
            self._add(self._new_rec(change, copy.get("hlcs") or {}))
            return
        merged = merge_copy(rec.data, rec.hlcs, incoming, copy.get("hlcs") or {})
        place = copy.get("village_code", incoming.get("village_code"))
        if merged.changed or merged.hlcs != rec.hlcs or place != rec.village_code:
            rec.cascade = rec.cascade or (rec.entity == "producer" and place != rec.village_code)
            rec.data, rec.hlcs, rec.village_code = {**rec.data, **merged.changed}, merged.hlcs, place
            self._touch(rec)

    def _take_movement(self, change, rec):
        if rec is not None or change["entity_id"] in self.new_movements:
            return  # a movement never changes
        data, copy = change["data"], change["copy"]
        qty_milli = parse_milli(data["qty"])
        product = self.cache.get(("product", data["product_id"]))
        if product is not None:  # else its product comes later, or never (see _write_stock)
            product.stock_delta += qty_milli
        row = (
            change["entity_id"],
            data["product_id"],
            copy["producer_id"],
            copy["village_code"],
            qty_milli,
            data["kind"],
            stored_time(data["occurred_at"]),
            data.get("note"),
            copy.get("hlc") or "",
            data.get("created_by"),
            self.now,
        )
        self.new_movements[change["entity_id"]] = (data, copy["producer_id"], row)

    def _write_stock(self):
        """A product held before adds what this page's movements add; one new to the copy starts at
        the sum of the movements held of it, those of this page and any that came before it. A
        movement of a product never held (deleted upstream before the hub took it) adds to nothing."""
        products = [(key[1], rec) for key, rec in self.cache.items() if key[0] == "product"]
        held = [(product_id, rec.stock_delta) for product_id, rec in products if not rec.new and rec.stock_delta]
        arriving = sorted(product_id for product_id, rec in products if rec.new)
        totals = dict(rows_in(HELD_TOTALS, arriving))
        started = [(product_id, int(totals.get(product_id, 0))) for product_id in arriving]
        add_to_column(ProductStock.__table__, "stock_milli", held + started, key="product_id")

    def _new_rec(self, change, hlcs):
        copy = change["copy"]
        rec = Rec(
            change["entity"],
            data={"id": change["entity_id"], **_fields(change)},
            hlcs=hlcs,
            created_by=change["data"].get("created_by"),
            new=True,
        )
        rec.village_code = copy.get("village_code", rec.data.get("village_code"))
        rec.producer_id = change["entity_id"] if rec.entity == "producer" else copy.get("producer_id")
        return rec


def _fields(change):
    """A change's wire fields, without its id and what the feed adds (who entered it)."""
    data = change.get("data", {})
    return {name: data[name] for name in WIRE_FIELDS[change["entity"]] if name != "id" and name in data}


def _as_op(change):
    """What Batch._preload reads of an op, for a change: the record and those it refers to."""
    fields = _fields(change) if change["action"] == "upsert" else {}
    return {"entity": change["entity"], "entity_id": change["entity_id"], "fields": fields}
