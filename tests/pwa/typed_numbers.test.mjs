import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { parseTyped, readTyped } from "../../pwa/src/quantity.js";
import { vectors } from "./vectors.mjs";

describe("typed numbers vectors", () => {
  for (const c of vectors("typed_numbers").typed) {
    test(`${c.lang} ${JSON.stringify(c.text)}: ${c.name}`, () => {
      const read = readTyped(c.text, c.lang);
      if (c.expect === "ambiguous") {
        assert.deepEqual(read, { ambiguous: c.readings });
      } else if (c.expect === "invalid") {
        assert.deepEqual(read, { error: c.reason });
      } else {
        assert.deepEqual(read, { value: c.expect });
      }
      assert.equal(parseTyped(c.text, c.lang), read.value === undefined ? null : read.value);
    });
  }
});

test("Indonesian is the default reading", () => {
  assert.equal(parseTyped("1.000"), "1000");
  assert.equal(parseTyped("1,000"), null);
});

test("prices: whole rupiah, 'Rp' and ',-' welcome, a fraction is not a price", async () => {
  const { readPrice } = await import("../../pwa/src/format.js");
  assert.deepEqual(readPrice("120.000", "id"), { value: 120000 });
  assert.deepEqual(readPrice("Rp 120.000,-", "id"), { value: 120000 });
  assert.deepEqual(readPrice("Rp120,000", "en"), { value: 120000 });
  assert.deepEqual(readPrice("1,000", "id"), { ambiguous: ["1", "1000"] });
  assert.deepEqual(readPrice("12,500", "id"), { value: 12500 }); // 12,5 rupiah is no price: nothing to ask
  assert.deepEqual(readPrice("12,5", "id"), { error: "whole_rupiah" });
  assert.deepEqual(readPrice("1.000.000.000.001", "id"), { error: "price_too_large" });
  assert.deepEqual(readPrice("", "id"), { error: "empty" });
});
