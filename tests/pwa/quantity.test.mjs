import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  displayQuantity,
  formatMilli,
  parseMilli,
  parseTyped,
  qtyLimitPassed,
  stockLimitPassed,
  sumQuantities,
} from "../../pwa/src/quantity.js";
import { vectors } from "./vectors.mjs";

const VECTORS = vectors("quantity");

describe("quantity vectors", () => {
  for (const c of VECTORS.parse) {
    test(`parse: ${c.name}`, () => {
      const milli = parseMilli(c.input);
      assert.deepEqual(milli, c.expect === null ? null : BigInt(c.expect));
    });
  }
  for (const c of VECTORS.format) {
    test(`format: ${c.name}`, () => assert.equal(formatMilli(BigInt(c.input)), c.expect));
  }
  for (const c of VECTORS.canonical) {
    test(`canonical: ${c.name}`, () => assert.equal(formatMilli(parseMilli(c.input)), c.expect));
  }
  for (const c of VECTORS.large) {
    test(`large: ${c.name}`, () => {
      const milli = parseMilli(c.input);
      assert.equal(String(milli), c.expect);
      assert.equal(formatMilli(milli), c.input);
    });
  }
  for (const c of VECTORS.qty_limit) {
    test(`qty limit: ${c.name}`, () => assert.equal(qtyLimitPassed(parseMilli(c.input)), c.expect));
  }
  for (const c of VECTORS.stock_limit) {
    test(`stock limit: ${c.name}`, () => assert.equal(stockLimitPassed(BigInt(c.input)), c.expect));
  }
});

test("what a person types: decimal comma, spaces", () => {
  assert.equal(parseTyped("12,5"), "12.5");
  assert.equal(parseTyped(" 3 "), "3");
  assert.equal(parseTyped("12,5,1"), null);
  assert.equal(parseTyped("1.234,5"), null); // thousands separators are not guessed at
  assert.equal(parseTyped(""), null);
});

test("sums are exact where floats are not", () => {
  assert.equal(sumQuantities(["0.1", "0.2", "-0.3"]), "0");
  assert.equal(sumQuantities(["999999999999999.999", "0.001"]), "1000000000000000");
});

test("display groups thousands by language", () => {
  assert.equal(displayQuantity("1234.5", "id"), "1.234,5");
  assert.equal(displayQuantity("-1234567", "en"), "-1,234,567");
});
