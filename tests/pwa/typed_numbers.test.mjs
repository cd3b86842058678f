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
