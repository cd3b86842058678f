// A producer's home: this month's sales, in the phone's month, exact to the thousandth.
import assert from "node:assert/strict";
import { test } from "node:test";

import { monthSales } from "../../pwa/src/ui/home.js";

function model(movements) {
  const byProduct = new Map();
  for (const m of movements) {
    if (!byProduct.has(m.product_id)) byProduct.set(m.product_id, []);
    byProduct.get(m.product_id).push(m);
  }
  return { movementsByProduct: byProduct };
}

const NOW = new Date(2026, 11, 15, 10, 0); // 15 December 2026, the phone's own time
const local = (month, day) => new Date(2026, month, day, 12, 0).toISOString();

test("only this month's sales count, as positive amounts, with their value", () => {
  const products = [
    { id: "a", name: "Kopi", price_idr: 50000 },
    { id: "b", name: "Gula aren", price_idr: null },
  ];
  const { sales, total } = monthSales(
    model([
      { product_id: "a", kind: "sale", qty: "-2.5", occurred_at: local(11, 1) },
      { product_id: "a", kind: "sale", qty: "-1.25", occurred_at: local(11, 14) },
      { product_id: "a", kind: "sale", qty: "-9", occurred_at: local(10, 30) }, // November
      { product_id: "a", kind: "harvest", qty: "20", occurred_at: local(11, 2) },
      { product_id: "b", kind: "sale", qty: "-3", occurred_at: local(11, 3) },
    ]),
    products,
    NOW,
  );
  assert.deepEqual(
    sales.map((s) => [s.product.id, s.milli, s.money]),
    [
      ["a", 3750n, 187500n],
      ["b", 3000n, null],
    ],
  );
  assert.equal(total, 187500n);
});

test("no sales this month: an empty list and nothing in money", () => {
  const { sales, total } = monthSales(model([]), [{ id: "a", name: "Kopi", price_idr: 1000 }], NOW);
  assert.deepEqual(sales, []);
  assert.equal(total, 0n);
});
