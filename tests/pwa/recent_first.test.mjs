// The PWA's recent-first first sync: recent movements and openings, stock exact, older history
// on demand, and a back-dated movement after the first sync counted once.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { dropStore, getMeta, openStore } from "../../pwa/src/db.js";
import { loadModel, olderHistoryHeld } from "../../pwa/src/model.js";
import { RECENT_DAYS, Replica, TransportError, recentSince } from "../../pwa/src/replica.js";
import { FakeServer } from "./fake_server.mjs";

const NOW = Date.UTC(2026, 10, 30, 9, 30); // 2026-11-30: 90 days after 2026-09-01
const PRODUCT_A = "0190f000-0000-7000-8000-00000000000a";
const PRODUCT_B = "0190f000-0000-7000-8000-00000000000b";
const OLD = "2025-03-10T08:00:00Z";
const RECENT = "2026-11-27T08:15:00Z";
let db;
let server;
let movements = 0;

function movement(productId, qty, occurredAt) {
  const id = `0190f000-0000-7000-8000-${String(++movements).padStart(12, "0")}`;
  const fields = { product_id: productId, qty, kind: qty.startsWith("-") ? "sale" : "harvest", occurred_at: occurredAt };
  server.applyOp({ op_id: id, entity: "stock_movement", entity_id: id, action: "upsert", fields, hlc: `${String(NOW).padStart(16, "0")}:0000:x` });
  return id;
}

function seed() {
  for (const id of [PRODUCT_A, PRODUCT_B]) {
    server.applyOp({ op_id: `op-${id}`, entity: "product", entity_id: id, action: "upsert", fields: { name: "Kopi" }, hlc: "0" });
  }
  for (const qty of ["10", "5.5", "-2"]) movement(PRODUCT_A, qty, OLD);
  movement(PRODUCT_A, "-1", RECENT);
  movement(PRODUCT_B, "4", OLD);
  movement(PRODUCT_B, "3", RECENT);
}

function serverStock() {
  const stock = new Map();
  for (const row of server.records.values()) {
    if (row.entity === "stock_movement") stock.set(row.data.product_id, (stock.get(row.data.product_id) || 0) + Number(row.data.qty));
  }
  return Object.fromEntries([...stock].map(([id, qty]) => [id, String(qty)]));
}

async function phone() {
  server.TransportError = TransportError;
  return Replica.open(db, { transport: server.transport(), sleep: async () => {}, now: () => NOW, recentDays: RECENT_DAYS });
}

async function shownStock(replica) {
  const model = await loadModel(replica);
  return Object.fromEntries([PRODUCT_A, PRODUCT_B].map((id) => [id, model.stockByProduct.get(id)]));
}

beforeEach(async () => {
  if (db) db.close();
  await dropStore();
  db = await openStore();
  server = new FakeServer();
  seed();
});

test("since is the start of the day 90 days back", () => {
  assert.equal(recentSince(NOW, 90), "2026-09-01T00:00:00Z");
});

test("the first sync asks for recent movements on every page and shows exact stock", async () => {
  const asked = [];
  const transport = server.transport();
  server.TransportError = TransportError;
  const replica = await Replica.open(db, {
    transport: (method, path, options) => (asked.push(options.params), transport(method, path, options)),
    now: () => NOW,
    recentDays: RECENT_DAYS,
  });
  await replica.pull(2);
  assert.ok(asked.length > 1 && asked.every((params) => params.since === "2026-09-01T00:00:00Z"));
  const model = await loadModel(replica);
  assert.deepEqual(await shownStock(replica), { [PRODUCT_A]: "12.5", [PRODUCT_B]: "7" });
  assert.deepEqual(await shownStock(replica), serverStock());
  assert.equal(model.movementsByProduct.get(PRODUCT_A).length, 1);
  assert.equal(olderHistoryHeld(model, PRODUCT_A), false);
  assert.equal(await getMeta(db, "since"), undefined);
  await replica.pull();
  assert.equal(asked.at(-1).since, undefined, "later pulls are ordinary ones");
});

test("older history comes on demand and replaces the opening", async () => {
  const replica = await phone();
  await replica.pull();
  assert.equal(await replica.loadOlder(PRODUCT_A), 3);
  const model = await loadModel(replica);
  assert.equal(olderHistoryHeld(model, PRODUCT_A), true);
  assert.equal(olderHistoryHeld(model, PRODUCT_B), false);
  assert.equal(model.movementsByProduct.get(PRODUCT_A).length, 4);
  assert.deepEqual(await shownStock(replica), serverStock());
});

test("a movement back-dated after the first sync is counted once", async () => {
  const replica = await phone();
  await replica.pull();
  movement(PRODUCT_B, "-1.5", OLD);
  await replica.pull();
  assert.deepEqual(await shownStock(replica), serverStock());
  const model = await loadModel(replica);
  assert.equal(olderHistoryHeld(model, PRODUCT_B), true, "its product's older history came with it");
  assert.equal(model.movementsByProduct.get(PRODUCT_B).length, 3);
});

test("older history that failed to come is fetched by the next pull", async () => {
  const replica = await phone();
  await replica.pull();
  movement(PRODUCT_B, "-1.5", OLD);
  const transport = replica.transport;
  replica.transport = async (method, path, options) => {
    if (path === "/api/v1/sync/history") throw new TransportError("the signal went");
    return transport(method, path, options);
  };
  await assert.rejects(replica.pull(), TransportError);
  assert.deepEqual((await replica.openings()).wanted, [PRODUCT_B]);
  replica.transport = transport;
  await replica.pull();
  assert.deepEqual((await replica.openings()).wanted, []);
  assert.equal(olderHistoryHeld(await loadModel(replica), PRODUCT_B), true);
  assert.deepEqual(await shownStock(replica), serverStock());
});

test("a phone without recentDays pulls everything, as before", async () => {
  server.TransportError = TransportError;
  const replica = await Replica.open(db, { transport: server.transport(), now: () => NOW });
  await replica.pull();
  const model = await loadModel(replica);
  assert.equal(model.olderAsOf, null);
  assert.equal(model.movementsByProduct.get(PRODUCT_A).length, 4);
  assert.deepEqual(await shownStock(replica), serverStock());
});
