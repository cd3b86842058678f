// A push of movements as the phone sends it (tests/vectors/movement_push.json): the form's fields,
// the Replica's op ids and clock, the transport's JSON text. tests/bench/test_device.py holds the
// benchmarks' device to the same bytes.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { test } from "node:test";

import { dropStore, openStore } from "../../pwa/src/db.js";
import { today } from "../../pwa/src/format.js";
import { Replica } from "../../pwa/src/replica.js";
import { movementFields, occurredAt, signedQty } from "../../pwa/src/ui/movementForm.js";
import { vectors } from "./vectors.mjs";

/** The text of the push a device sends after recording the movements (as transport.js writes it). */
async function pushedText({ device_id, now, movements }) {
  await dropStore();
  const db = await openStore();
  try {
    const sent = [];
    const transport = async (method, path, { body }) => {
      sent.push(JSON.stringify(body));
      return { status: 200, body: { results: body.ops.map((op) => ({ op_id: op.op_id, status: "applied" })), hlc: "" } };
    };
    const replica = new Replica(db, { deviceId: device_id, now: () => now, transport });
    for (const m of movements) {
      const fields = movementFields(m.product_id, m.kind, signedQty(m.kind, m.amount), occurredAt(today(), new Date(m.at_ms)), m.note);
      await replica.upsert("stock_movement", m.entity_id, fields);
    }
    await replica.push();
    assert.equal(sent.length, 1);
    return sent[0];
  } finally {
    db.close();
  }
}

for (const testCase of vectors("movement_push").push) {
  test(`movement push vector: ${testCase.name}`, async () => {
    assert.equal(await pushedText(testCase.input), testCase.expect);
  });
}

test("a movement of another day is timed at its noon, in whole seconds", () => {
  assert.equal(occurredAt("2026-11-20", new Date(1764230400123)), "2026-11-20T12:00:00Z");
  assert.equal(occurredAt(today(), new Date(1764230400123)), "2025-11-27T08:00:00.123Z");
});
