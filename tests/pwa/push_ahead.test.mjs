// A push works one batch ahead: the next batch is read from the outbox and encoded while the one
// before is on the wire, and goes only after that one is answered and settled. In order, nothing
// lost, nothing applied twice, and nothing sent that a rejection in the batch before holds back.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { dropStore, openStore } from "../../pwa/src/db.js";
import { Replica, TransportError } from "../../pwa/src/replica.js";
import { FakeServer } from "./fake_server.mjs";

const PRODUCER = "0190f000-0000-7000-8000-000000000001";
const PRODUCT = "0190f000-0000-7000-8000-000000000002";
const INVALID = { code: "validation_error", message: "Ada data yang tidak sah.", details: {} };
const UNKNOWN = { code: "unknown_reference", message: "Data yang dirujuk tidak ada.", details: {} };
let db;
let server;

/**
 * The FakeServer's transport with an `encode`, noting what happens in order. Each of the first
 * `ahead` pushes waits on the wire until the batch after it is encoded: a client that does not
 * work ahead never gets its answer. The pushes numbered in `lose` are applied, their answers lost.
 */
function encodingTransport(server, { ahead, lose = [] }) {
  const events = [];
  let encodedCount = 0;
  let onEncoded = () => {};
  const inner = server.transport();
  async function transport(method, path, options = {}) {
    if (path !== "/api/v1/sync/push") return inner(method, path, options);
    const sent = events.filter((e) => e.startsWith("send")).length + 1;
    events.push(`send ${options.encoded.ops[0].fields.name}`);
    const answer = await inner(method, path, { body: options.encoded });
    if (sent <= ahead && encodedCount <= sent) {
      const encoded = new Promise((resolve) => (onEncoded = resolve));
      let timer;
      const late = new Promise((resolve) => (timer = setTimeout(() => resolve("late"), 2000)));
      const first = await Promise.race([encoded, late]);
      clearTimeout(timer);
      assert.notEqual(first, "late", "the next batch was not encoded while this one was on the wire");
    }
    if (lose.includes(sent)) throw new TransportError("answer lost");
    return answer;
  }
  transport.encode = async (body) => {
    encodedCount += 1;
    events.push(`encode ${body.ops[0].fields.name}`);
    onEncoded();
    return { encoded: structuredClone(body) };
  };
  return { transport, events };
}

beforeEach(async () => {
  if (db) db.close();
  await dropStore();
  db = await openStore();
  server = new FakeServer();
});

async function fiveOps(replica) {
  const ops = [];
  for (const name of ["a", "b", "c", "d", "e"]) ops.push(await replica.upsert("producer", `${PRODUCER.slice(0, -1)}${name}`, { name }));
  return ops;
}

test("the next batch is encoded while one is on the wire, and sent after it", async () => {
  const { transport, events } = encodingTransport(server, { ahead: 2 });
  const replica = await Replica.open(db, { transport, pushBatch: 2 });
  const ops = await fiveOps(replica);
  assert.equal(await replica.push(), 5);
  assert.deepEqual(events, ["encode a", "send a", "encode c", "send c", "encode e", "send e"]);
  assert.deepEqual([...server.applied], ops.map((o) => o.op_id));
  assert.equal((await replica.pending()).length, 0);
});

test("an answer lost with the next batch encoded: everything lands once, in order", async () => {
  const { transport, events } = encodingTransport(server, { ahead: 2, lose: [2] });
  const replica = await Replica.open(db, { transport, pushBatch: 2 });
  const ops = await fiveOps(replica);
  await assert.rejects(replica.push(), TransportError);
  assert.deepEqual(events, ["encode a", "send a", "encode c", "send c", "encode e"]); // e encoded, never sent
  assert.deepEqual((await replica.pending()).map((o) => o.op_id), ops.slice(2).map((o) => o.op_id));
  assert.equal(await replica.push(), 3);
  assert.deepEqual([...server.applied], ops.map((o) => o.op_id)); // each once, in order
  assert.equal((await replica.pending()).length, 0);
});

test("a rejection in a batch holds back the ops read ahead that need the rejected record", async () => {
  server.reject = (o) => {
    if (o.fields.nib) return INVALID;
    return o.fields.producer_id && !server.records.has(`producer:${o.fields.producer_id}`) ? UNKNOWN : null;
  };
  const sent = [];
  const inner = server.transport();
  const transport = async (method, path, options) => {
    if (path === "/api/v1/sync/push") sent.push(...options.body.ops.map((o) => o.entity));
    return inner(method, path, options);
  };
  transport.encode = async (body) => ({ body });
  const replica = await Replica.open(db, { transport, pushBatch: 1 });
  await replica.upsert("producer", PRODUCER, { name: "Ibu Euis", nib: "123" });
  await replica.upsert("product", PRODUCT, { producer_id: PRODUCER, name: "Kopi" });
  await replica.push();
  assert.deepEqual(sent, ["producer"]); // the product, read ahead, waits for the producer's fix
  assert.deepEqual(await replica.counts(), { pending: 1, rejected: 1 });
});
