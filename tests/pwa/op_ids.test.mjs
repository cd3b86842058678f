// Op ids (tests/vectors/op_ids.json): the rule in pwa/src/ids.js, and the ops the device's
// Replica makes by it, a corrected resend of a rejected op included.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { test } from "node:test";

import { dropStore, openStore } from "../../pwa/src/db.js";
import { opIdFor } from "../../pwa/src/ids.js";
import { Replica, TransportError } from "../../pwa/src/replica.js";
import { FakeServer } from "./fake_server.mjs";
import { vectors } from "./vectors.mjs";

const CASES = vectors("op_ids").op_id;
const ENTITY_ID = "0190f000-0000-7000-8000-00000000000a";
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Two ops made for the same case: both keyed by the entity's id, or both fresh and distinct. */
function assertFollows(testCase, opIds) {
  if (testCase.expect === "entity_id") {
    assert.deepEqual(opIds, [ENTITY_ID, ENTITY_ID]);
  } else {
    assert.equal(testCase.expect, "fresh");
    for (const opId of opIds) assert.match(opId, UUID7);
    assert.ok(!opIds.includes(ENTITY_ID) && opIds[0] !== opIds[1]);
  }
}

for (const testCase of CASES) {
  const { entity, action, resend } = testCase.input;
  test(`op id vector: ${testCase.name}`, () => {
    assertFollows(testCase, [opIdFor(entity, ENTITY_ID, action, { resend }), opIdFor(entity, ENTITY_ID, action, { resend })]);
  });
}

/** The op a fresh device makes for a case; a resend corrects an op the server rejected. */
async function opMadeOnADevice({ entity, action, resend }) {
  await dropStore();
  const db = await openStore();
  try {
    const server = new FakeServer();
    server.TransportError = TransportError;
    const replica = await Replica.open(db, { transport: server.transport(), sleep: async () => {} });
    if (!resend) return action === "upsert" ? await replica.upsert(entity, ENTITY_ID, { name: "x" }) : await replica.delete(entity, ENTITY_ID);
    server.reject = () => ({ code: "out_of_range", message: "Terlalu besar.", details: {} });
    const first = await replica.upsert(entity, ENTITY_ID, { name: "x" });
    await replica.push();
    const [rejected] = await replica.rejected();
    assert.equal(rejected.op_id, first.op_id);
    server.reject = () => null;
    const again = await replica.resend(rejected, { name: "y" });
    assert.notEqual(again.op_id, rejected.op_id); // a new op, never the rejected one sent as it was
    await replica.push();
    assert.deepEqual(await replica.counts(), { pending: 0, rejected: 0 });
    assert.ok(server.applied.has(again.op_id));
    return again;
  } finally {
    db.close();
  }
}

for (const testCase of CASES) {
  test(`the device's Replica follows the vector: ${testCase.name}`, async () => {
    const ops = [await opMadeOnADevice(testCase.input), await opMadeOnADevice(testCase.input)];
    assertFollows(testCase, ops.map((op) => op.op_id));
  });
}
