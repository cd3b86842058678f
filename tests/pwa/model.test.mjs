// A record just saved goes into the model in place, where a full read would put it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { noteSaved } from "../../pwa/src/model.js";

function emptyModel() {
  return {
    producers: [{ id: "a", name: "Ani" }, { id: "c", name: "Cecep" }],
    products: [],
    producerById: new Map(),
    productById: new Map(),
    movementsByProduct: new Map(),
    reviewsByProduct: new Map(),
    stockByProduct: new Map([["k", "2.5"]]),
    enteredBy: new Map(),
    unsentIds: new Set(),
    pending: 0,
    rejected: [],
  };
}

test("a saved producer is in its sorted place, unsent, with who entered it", () => {
  const model = emptyModel();
  noteSaved(model, { entity: "producer", id: "b", data: { id: "b", name: "budi" }, entered_by: "Bu Sari" });
  assert.deepEqual(model.producers.map((p) => p.id), ["a", "b", "c"]);
  assert.equal(model.producerById.get("b").name, "budi");
  assert.equal(model.enteredBy.get("b"), "Bu Sari");
  assert.ok(model.unsentIds.has("b"));
  assert.equal(model.pending, 1);
  // Saved again (renamed): moved, not doubled.
  noteSaved(model, { entity: "producer", id: "b", data: { id: "b", name: "Dedi" } });
  assert.deepEqual(model.producers.map((p) => p.id), ["a", "c", "b"]);
  assert.equal(model.pending, 2); // two ops wait to be sent
});

test("a saved stock movement changes the stock on hand exactly", () => {
  const model = emptyModel();
  noteSaved(model, { entity: "stock_movement", id: "m", data: { id: "m", product_id: "k", qty: "-0.75" } });
  assert.equal(model.stockByProduct.get("k"), "1.75");
  assert.equal(model.movementsByProduct.get("k").length, 1);
});
