// The device's sync client against a fake server, on fake-indexeddb: outbox, settle, pull and
// the merge of pulled state into local records (take the server's state, replay pending ops).
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { OUTBOX, RECORDS, dropStore, getMeta, openStore } from "../../pwa/src/db.js";
import { Replica, TransportError, backoffDelay } from "../../pwa/src/replica.js";
import { FakeServer } from "./fake_server.mjs";

const PRODUCER = "0190f000-0000-7000-8000-000000000001";
const PRODUCT = "0190f000-0000-7000-8000-000000000002";
let db;
let server;

async function device(options = {}) {
  server.TransportError = TransportError;
  return Replica.open(db, { transport: server.transport(), sleep: async () => {}, ...options });
}

beforeEach(async () => {
  if (db) db.close();
  await dropStore();
  db = await openStore();
  server = new FakeServer();
});

test("a write puts the record and its op in the outbox together", async () => {
  const replica = await device();
  const op = await replica.upsert("producer", PRODUCER, { name: "Pak Budi" }, { enteredBy: "Bu Sari" });
  const tx = db.transaction([RECORDS, OUTBOX]);
  const row = await tx.objectStore(RECORDS).get(`producer:${PRODUCER}`);
  assert.deepEqual(row.data, { id: PRODUCER, name: "Pak Budi" });
  assert.equal(row.entered_by, "Bu Sari");
  const [queued] = await tx.objectStore(OUTBOX).getAll();
  assert.equal(queued.op_id, op.op_id);
  assert.equal(queued.state, "pending");
  assert.equal(queued.entered_by, "Bu Sari");
  assert.deepEqual(await replica.counts(), { pending: 1, rejected: 0 });
  assert.match(op.op_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("a failed write leaves neither the record nor the op", async () => {
  const replica = await device();
  // A photo without its key fails the transaction's last request: nothing of it may remain.
  await assert.rejects(replica.upsert("product", PRODUCT, { name: "Kopi" }, { photos: [{ blob: "x" }] }));
  assert.equal((await db.getAll(RECORDS)).length, 0);
  assert.equal((await db.getAll(OUTBOX)).length, 0);
});

test("the outbox, cursor and device id survive a restart", async () => {
  const first = await device();
  await first.upsert("producer", PRODUCER, { name: "Pak Budi" });
  db.close();
  db = await openStore();
  const again = await device();
  assert.equal(again.deviceId, first.deviceId);
  assert.equal((await again.pending()).length, 1);
});

test("sync pushes the outbox, then pulls the server's state", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi", village_code: "32.04.10.2001", kind: "individual" });
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi", category: "coffee", unit: "kg" });
  await replica.sync();
  assert.equal((await replica.pending()).length, 0);
  assert.equal(server.applied.size, 2);
  const products = await replica.records("product");
  assert.equal(products.get(PRODUCT).name, "Kopi");
  assert.equal(await getMeta(db, "cursor"), "2");
});

test("pulled state is taken, then the pending local ops are replayed on top", async () => {
  const replica = await device();
  server.applyOp({
    op_id: "s1",
    entity: "product",
    entity_id: PRODUCT,
    action: "upsert",
    fields: { name: "Kopi", price_idr: 50000, status: "approved" },
    hlc: "0001764230400000:0000:admin",
  });
  await replica.pull();
  await replica.upsert("product", PRODUCT, { price_idr: 60000 });
  // Someone else edits the description while this device's price edit is still pending.
  server.applyOp({
    op_id: "s2",
    entity: "product",
    entity_id: PRODUCT,
    action: "upsert",
    fields: { description: "Arabika" },
    hlc: "0001764230400001:0000:other",
  });
  await replica.pull();
  const data = (await replica.records("product")).get(PRODUCT);
  assert.equal(data.description, "Arabika"); // the server's change is taken
  assert.equal(data.price_idr, 60000); // the pending edit stays on top
  assert.equal(data.status, "submitted"); // and an edit of an approved product goes back to review
});

test("a rejected op goes to the rejected list with its reason; the rest is accepted", async () => {
  const replica = await device();
  server.reject = (op) =>
    op.fields.hs_code === "12" ? { code: "validation_error", message: "Ada data yang tidak sah.", details: {} } : null;
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi", hs_code: "12" });
  await replica.push();
  const [rejected] = await replica.rejected();
  assert.equal(rejected.entity_id, PRODUCT);
  assert.equal(rejected.error.message, "Ada data yang tidak sah.");
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 1 });
  await replica.push(); // never resent as it is
  assert.equal(server.applied.size, 1);

  await replica.resend(rejected, { hs_code: "09011100" });
  assert.deepEqual(await replica.counts(), { pending: 1, rejected: 0 });
  await replica.push();
  assert.equal(server.records.get(`product:${PRODUCT}`).data.hs_code, "09011100");
  assert.equal(server.records.get(`product:${PRODUCT}`).data.name, "Kopi");
});

test("discarding a rejected op undoes it locally", async () => {
  const replica = await device();
  server.reject = (op) => (op.entity === "product" ? { code: "forbidden", message: "no", details: {} } : null);
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi Santoso" });
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi" });
  server.reject = () => ({ code: "forbidden", message: "no", details: {} });
  await replica.push();
  for (const op of await replica.rejected()) await replica.discard(op);
  assert.equal((await replica.records("product")).size, 0); // it existed only in the rejected op
  assert.equal((await replica.records("producer")).get(PRODUCER).name, "Pak Budi"); // back to the server's
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
});

test("a push whose answer is lost is sent again: applied once, the rest duplicates", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi" });
  server.dropAfterApply = 1;
  await assert.rejects(replica.push(), TransportError);
  assert.equal((await replica.pending()).length, 2); // nothing lost
  await replica.sync();
  assert.equal((await replica.pending()).length, 0);
  assert.equal(server.applied.size, 2); // nothing twice
});

test("a reset drops what is not pending and takes the changes from the beginning", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  server.records.clear(); // the caller's scope changed: the producer is no longer visible
  server.resetNext = true;
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi" });
  server.reject = () => ({ code: "forbidden", message: "no", details: {} });
  await replica.pull();
  assert.equal((await replica.records("producer")).size, 0);
  assert.equal((await replica.records("product")).size, 1); // still pending: kept
});

test("a cursor the server refuses is dropped and the pull starts over once, as a reset", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  assert.equal(await getMeta(db, "cursor"), "1");
  // Another server (a hub, then the region) or a new cursor secret: this cursor means nothing here.
  server.records.clear();
  const refused = { status: 400, body: { error: { code: "invalid_cursor", message: "Kursor tidak sah", details: {} } } };
  const asked = [];
  const pull = server.pull.bind(server);
  server.pull = (params) => {
    asked.push(params.cursor ?? null);
    return params.cursor === "1" ? refused : pull(params);
  };
  assert.equal(await replica.pull(), 0);
  assert.deepEqual(asked, ["1", null]);
  assert.equal((await replica.records("producer")).size, 0); // dropped as on a reset
  assert.equal(await getMeta(db, "cursor"), "0");
  server.pull = () => refused; // refused from the beginning too: the error reaches the caller
  await assert.rejects(replica.pull(), (error) => error.status === 400);
});

test("a deletion from the server removes the record", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  server.applyOp({ op_id: "d", entity: "producer", entity_id: PRODUCER, action: "delete", hlc: "0001764230400009:0000:a" });
  await replica.pull();
  assert.equal((await replica.records("producer")).size, 0);
});

test("the device clock moves past every server hlc", async () => {
  const replica = await device({ now: () => 1000 });
  server.hlc = "0009000000000000:0005:server";
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  const op = await replica.upsert("producer", PRODUCER, { name: "Pak Budi 2" });
  assert.ok(op.hlc > server.hlc, `${op.hlc} > ${server.hlc}`);
});

function seedProducers(count) {
  for (let i = 0; i < count; i++) {
    server.applyOp({
      op_id: `p${i}`,
      entity: "producer",
      entity_id: `0190f000-0000-7000-8000-0000000001${String(i).padStart(2, "0")}`,
      action: "upsert",
      fields: { name: `P${i}` },
      hlc: "0001764230400000:0000:a",
    });
  }
}

test("pull follows the cursor page by page", async () => {
  const replica = await device();
  seedProducers(25);
  assert.equal(await replica.pull(10), 25);
  assert.equal((await replica.records("producer")).size, 25);
});

test("the next page is asked for while the one that came is being stored", async () => {
  seedProducers(25);
  const events = [];
  const transport = server.transport();
  const replica = await device({
    transport: async (method, path, options) => {
      events.push(`ask after ${options.params.cursor || "start"}`);
      return transport(method, path, options);
    },
    onChange: (what) => events.push(`stored (${what})`),
  });
  assert.equal(await replica.pull(10), 25);
  assert.deepEqual(events, [
    "ask after start",
    "ask after 10",
    "stored (pull)",
    "ask after 20",
    "stored (pull)",
    "stored (pull)",
  ]);
});

test("a page that fails to come leaves the pages before it stored, and the next pull goes on from there", async () => {
  seedProducers(25);
  const transport = server.transport();
  let asked = 0;
  const replica = await device({
    transport: async (method, path, options) => {
      asked += 1;
      if (asked === 2) throw new TransportError("connection reset");
      return transport(method, path, options);
    },
  });
  await assert.rejects(replica.pull(10), TransportError);
  assert.equal((await replica.records("producer")).size, 10);
  assert.equal(await getMeta(db, "cursor"), "10");
  assert.equal(await replica.pull(10), 15);
  assert.equal((await replica.records("producer")).size, 25);
});

test("backoff doubles, is capped, and is jittered", () => {
  assert.equal(backoffDelay(0, 1000, 60000, () => 0.5), 1000);
  assert.equal(backoffDelay(3, 1000, 60000, () => 0.5), 8000);
  assert.equal(backoffDelay(20, 1000, 60000, () => 0.5), 60000);
  assert.equal(backoffDelay(1, 1000, 60000, () => 0), 1000);
  assert.equal(backoffDelay(1, 1000, 60000, () => 0.999), 2998);
});

test("a write during a pull waits for one small batch, not for the whole page", async () => {
  seedProducers(1000);
  const replica = await device();
  const pulling = replica.pull(1000);
  // A first sync is storing its page of 1,000 records...
  while (!(await db.countFromIndex(RECORDS, "by_entity", "producer"))) await new Promise((resolve) => setTimeout(resolve, 1));
  // ...and a save lands in the middle of it.
  const saved = await replica.upsert("product", PRODUCT, { name: "Kopi" }, { draft: "draft:product:new:x" });
  const storedWhenSaved = await db.countFromIndex(RECORDS, "by_entity", "producer");
  assert.ok(storedWhenSaved < 1000, `the save waited for the page: ${storedWhenSaved} records stored before it`);
  assert.equal(saved.saved.data.name, "Kopi");
  assert.equal(await pulling, 1000);
  assert.equal((await replica.records("producer")).size, 1000);
  assert.equal(await getMeta(db, "cursor"), "1000");
  assert.deepEqual((await replica.pending()).map((op) => op.entity_id), [PRODUCT]);
});

test("a save drops its form's draft in its own transaction", async () => {
  const replica = await device();
  await db.put("meta", { values: { name: "Kop" } }, "draft:product:new:x");
  await replica.upsert("product", PRODUCT, { name: "Kopi" }, { draft: "draft:product:new:x" });
  assert.equal(await getMeta(db, "draft:product:new:x"), undefined);
});

test("an op the hub's upstream rejected comes in a pull and waits in the outbox to be fixed", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  const op = await replica.upsert("producer", PRODUCER, { name: "Pak Budi Santoso" });
  await replica.push(); // the hub applied it: gone from the outbox
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
  const error = { code: "forbidden", message: "Di luar wilayah Anda.", details: {} };
  const { op_id, entity, entity_id, action, fields, hlc } = op;
  server.upstreamRejected.push({ op_id, entity, entity_id, action, fields, hlc, error });

  await replica.pull();
  const [rejected] = await replica.rejected();
  assert.deepEqual(
    { op_id: rejected.op_id, fields: rejected.fields, error: rejected.error, state: rejected.state },
    { op_id, fields: { name: "Pak Budi Santoso" }, error, state: "rejected" },
  );
  await replica.pull(); // taken once: the cursor stored with it tells the hub
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 1 });

  await replica.resend(rejected, { name: "Pak Budi S." });
  assert.deepEqual(await replica.counts(), { pending: 1, rejected: 0 });
});

test("a pulled rejection already in the outbox is taken once, and discarding it works as for a push's", async () => {
  const replica = await device();
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  const op = await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi" });
  await replica.push();
  const error = { code: "forbidden", message: "no", details: {} };
  const { op_id, entity, entity_id, action, fields, hlc } = op;
  server.upstreamRejected.push({ op_id, entity, entity_id, action, fields, hlc, error });
  const cursor = await getMeta(db, "cursor");
  await replica.pull();
  await db.put("meta", cursor, "cursor"); // as if the answer had been lost: it comes again
  await replica.pull();
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 1 });

  for (const rejected of await replica.rejected()) await replica.discard(rejected);
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
});

test("a push that is all taken clears its own ops from the outbox and never a rejected one between them", async () => {
  const replica = await device();
  const other = "0190f000-0000-7000-8000-000000000003";
  await replica.upsert("producer", PRODUCER, { name: "Pak Budi" });
  await replica.sync();
  const op = await replica.upsert("producer", PRODUCER, { name: "Pak Budi Santoso" });
  await replica.push();
  await replica.upsert("producer", other, { name: "Bu Sari" }); // pending, before the rejection
  const error = { code: "forbidden", message: "Di luar wilayah Anda.", details: {} };
  const { op_id, entity, entity_id, action, fields, hlc } = op;
  server.upstreamRejected.push({ op_id, entity, entity_id, action, fields, hlc, error });
  await replica.pull(); // the rejection lands in the outbox after the pending op
  await replica.upsert("producer", other, { name: "Bu Sari Dewi" }); // pending, after it
  assert.deepEqual(await replica.counts(), { pending: 2, rejected: 1 });

  assert.equal(await replica.push(), 2);
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 1 });
  assert.equal((await replica.rejected())[0].op_id, op_id);
  for (let i = 0; i < 3; i++) await replica.upsert("producer", other, { name: `Bu Sari ${i}` });
  assert.equal(await replica.push(), 3);
  assert.deepEqual(await replica.counts(), { pending: 0, rejected: 1 });
});
