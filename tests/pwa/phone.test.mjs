import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { normalizePhone } from "../../pwa/src/phone.js";
import { vectors } from "./vectors.mjs";

describe("phone vectors", () => {
  for (const c of vectors("phone").normalize) {
    test(`normalize: ${c.name}`, () => assert.equal(normalizePhone(c.input), c.expect));
  }
});
