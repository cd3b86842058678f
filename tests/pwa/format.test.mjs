import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ago, count } from "../../pwa/src/format.js";

// Without localStorage (node), the app speaks Indonesian, its default.
const NOW = Date.parse("2026-12-02T10:00:00Z");
const before = (minutes) => new Date(NOW - minutes * 60000).toISOString();

describe("times and counts in Indonesian", () => {
  test("how long ago, in words", () => {
    assert.equal(ago(before(0.5), NOW), "baru saja");
    assert.equal(ago(before(5), NOW), "5 menit lalu");
    assert.equal(ago(before(59), NOW), "59 menit lalu");
    assert.equal(ago(before(60), NOW), "1 jam lalu");
    assert.equal(ago(before(3 * 60 + 20), NOW), "3 jam lalu");
    assert.equal(ago(before(2 * 24 * 60), NOW), "2 hari lalu");
    assert.equal(ago(before(1500 * 24 * 60), NOW), "1.500 hari lalu");
  });

  test("counts with a dot between thousands", () => {
    assert.equal(count(0), "0");
    assert.equal(count(1000), "1.000");
    assert.equal(count(1234567), "1.234.567");
  });
});
