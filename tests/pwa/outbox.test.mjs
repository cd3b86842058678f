// One mistake, one thing to fix: ops that need a record whose creation the server rejected wait
// for its fix (pwa/src/outbox.js), are never pushed meanwhile, and go by themselves after it.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { dropStore, openStore } from "../../pwa/src/db.js";
import { waitingFor, waitingOn } from "../../pwa/src/outbox.js";
import { Replica, TransportError } from "../../pwa/src/replica.js";
import { FakeServer } from "./fake_server.mjs";

const PRODUCER = "0190f000-0000-7000-8000-000000000001";
const PRODUCT = "0190f000-0000-7000-8000-000000000002";
const MOVEMENT = "0190f000-0000-7000-8000-000000000003";
const OTHER = "0190f000-0000-7000-8000-000000000004";
const UNKNOWN = { code: "unknown_reference", message: "Data yang dirujuk tidak ada.", details: {} };
const INVALID = { code: "validation_error", message: "Ada data yang tidak sah.", details: { fields: { nib: { code: "invalid" } } } };

function op(seq, entity, entityId, fields = {}, state = "pending", error = null) {
  return { seq, entity, entity_id: entityId, action: "upsert", fields, state, error };
}

describe("waitingFor", () => {
  const producer = op(1, "producer", PRODUCER, { nib: "123" }, "rejected", INVALID);
  const product = op(2, "product", PRODUCT, { producer_id: PRODUCER });
  const movement = op(3, "stock_movement", MOVEMENT, { product_id: PRODUCT });

  test("a product of a rejected new producer and its movements wait for the producer", () => {
    const waiting = waitingFor([producer, product, movement], new Set());
    assert.deepEqual([...waiting.keys()], [2, 3]);
    assert.equal(waiting.get(2), producer);
    assert.equal(waiting.get(3), producer); // the root, not the product
    assert.deepEqual(waitingOn([producer, product, movement], waiting, 1), [product, movement]);
  });

  test("ops the server rejected unknown_reference because of it wait too", () => {
    const rejectedProduct = { ...product, state: "rejected", error: UNKNOWN };
    const rejectedMovement = { ...movement, state: "rejected", error: UNKNOWN };
    const waiting = waitingFor([producer, rejectedProduct, rejectedMovement], new Set());
    assert.deepEqual([...waiting.keys()], [2, 3]);
  });

  test("a dependent with a mistake of its own is shown to fix; its movements wait for it", () => {
    const badProduct = { ...product, state: "rejected", error: { code: "validation_error", details: {} } };
    const waiting = waitingFor([producer, badProduct, movement], new Set());
    assert.deepEqual([...waiting.keys()], [3]);
    assert.equal(waiting.get(3), badProduct);
  });

  test("a later edit of a record whose creation was rejected waits", () => {
    const submit = op(4, "product", PRODUCT, { status: "submitted" });
    const badProduct = { ...product, state: "rejected", error: INVALID };
    assert.equal(waitingFor([badProduct, submit], new Set()).get(4), badProduct);
  });

  test("a rejected edit of a record the server has holds nothing back", () => {
    const edit = { ...producer };
    assert.equal(waitingFor([edit, product, movement], new Set([PRODUCER])).size, 0);
  });

  test("ops of other records go", () => {
    const other = op(5, "product", OTHER, { producer_id: OTHER });
    assert.equal(waitingFor([producer, other], new Set()).size, 0);
  });

  test("nothing rejected, nothing waits", () => {
    assert.equal(waitingFor([product, movement], new Set()).size, 0);
  });
});

describe("Replica: the fix loop", () => {
  let db;
  let server;

  beforeEach(async () => {
    if (db) db.close();
    await dropStore();
    db = await openStore();
    server = new FakeServer();
    server.TransportError = TransportError;
    // As server/engine/apply.py: a bad NIB is invalid; a record that names one the server lacks is unknown.
    server.reject = (o) => {
      if (o.fields.nib && o.fields.nib.length !== 13) return INVALID;
      const reference = o.fields.producer_id ? `producer:${o.fields.producer_id}` : o.fields.product_id ? `product:${o.fields.product_id}` : null;
      return reference && !server.records.has(reference) ? UNKNOWN : null;
    };
  });

  async function device() {
    return Replica.open(db, { transport: server.transport(), sleep: async () => {} });
  }

  async function enter(replica, nib) {
    await replica.upsert("producer", PRODUCER, { name: "Ibu Euis", village_code: "32.04.10.2001", kind: "individual", nib });
    await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi", category: "coffee", unit: "kg" });
    await replica.upsert("stock_movement", MOVEMENT, { product_id: PRODUCT, kind: "harvest", qty: "10", occurred_at: "2026-11-27T08:00:00Z" });
  }

  test("rejected in the same push: one thing to fix, the rest goes after the fix", async () => {
    const replica = await device();
    await enter(replica, "123");
    await replica.sync();
    const rejected = await replica.rejected();
    assert.equal(rejected.length, 3); // the server's answer: one invalid, two unknown_reference
    const waiting = await replica.waiting();
    assert.equal(waiting.size, 2); // ...but only the producer needs the person
    assert.deepEqual(await replica.counts(), { pending: 2, rejected: 1 });

    const [producer] = rejected.filter((o) => !waiting.has(o.seq));
    assert.equal(producer.entity, "producer");
    await replica.resend(producer, { nib: null }); // the NIB cleared
    const pending = await replica.pending();
    assert.deepEqual(pending.map((o) => o.entity), ["producer", "product", "stock_movement"]); // in that order
    assert.equal(pending[0].fields.nib, null);
    await replica.sync();
    assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
    assert.equal(server.records.get(`producer:${PRODUCER}`).data.nib ?? null, null);
    assert.ok(server.records.has(`product:${PRODUCT}`));
    assert.ok(server.records.has(`stock_movement:${MOVEMENT}`));
  });

  test("queued after the rejection: held back, never pushed, then sent after the fix", async () => {
    const replica = await device();
    await replica.upsert("producer", PRODUCER, { name: "Ibu Euis", village_code: "32.04.10.2001", kind: "individual", nib: "123" });
    await replica.sync();
    const [producer] = await replica.rejected();
    const pushed = [];
    const reject = server.reject;
    server.reject = (o) => {
      pushed.push(o.entity);
      return reject(o);
    };
    await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi", category: "coffee", unit: "kg" });
    await replica.upsert("stock_movement", MOVEMENT, { product_id: PRODUCT, kind: "harvest", qty: "10", occurred_at: "2026-11-27T08:00:00Z" });
    await replica.sync();
    assert.deepEqual(pushed, []); // the server never saw them
    assert.deepEqual(await replica.counts(), { pending: 2, rejected: 1 });

    await replica.resend(producer, { nib: "3204100000001" });
    await replica.sync();
    assert.deepEqual(pushed, ["producer", "product", "stock_movement"]);
    assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
  });

  test("a cleared field is sent as null, not merged back from the rejected op", async () => {
    const replica = await device();
    await replica.upsert("producer", PRODUCER, { name: "Ibu Euis", village_code: "32.04.10.2001", kind: "individual", nib: "123", phone: null });
    await replica.sync();
    const [producer] = await replica.rejected();
    await replica.resend(producer, { name: "Ibu Euis", village_code: "32.04.10.2001", kind: "individual", nib: null, phone: null });
    await replica.sync();
    assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
    assert.equal((await replica.records("producer")).get(PRODUCER).nib ?? null, null);
  });

  test("discarding the rejected producer discards what waited for it", async () => {
    const replica = await device();
    await enter(replica, "123");
    await replica.sync();
    const waiting = await replica.waiting();
    const [producer] = (await replica.rejected()).filter((o) => !waiting.has(o.seq));
    await replica.discard(producer);
    assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
    assert.equal((await replica.rows()).length, 0);
  });
});
