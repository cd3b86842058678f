import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Clock, formatHlc, parseHlc } from "../../pwa/src/hlc.js";
import { vectors } from "./vectors.mjs";

const VECTORS = vectors("hlc");

function sign(a, b) {
  return a < b ? "<" : a > b ? ">" : "=";
}

function tupleSign(a, b) {
  for (const key of ["ms", "counter", "node"]) {
    if (a[key] !== b[key]) return sign(a[key], b[key]);
  }
  return "=";
}

/** Play a clock case as tests/sync/test_hlc.py does: one output per step. */
function runSteps(spec) {
  const wall = { now: spec.now };
  const clock = new Clock(spec.node, spec.last, () => wall.now);
  return spec.steps.map((step) => {
    if (step.now !== undefined) wall.now = step.now;
    if (step.do === "tick") return clock.tick();
    if (step.do === "peek") return clock.peek();
    if (step.do === "observe") return clock.observe(step.hlc) ?? null;
    if (step.do === "guard") return clock.guard(step.hlc);
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  });
}

describe("hlc vectors", () => {
  for (const c of VECTORS.parse) {
    test(`parse: ${c.name}`, () => {
      const parsed = parseHlc(c.input);
      assert.deepEqual(parsed, c.expect);
      // Past 2^53 ms (year 287396) a double cannot hold the ms: only text order applies there.
      if (parsed && Number.isSafeInteger(parsed.ms)) {
        assert.equal(formatHlc(parsed.ms, parsed.counter, parsed.node), c.input);
      }
    });
  }
  for (const c of VECTORS.order) {
    test(`order: ${c.name}`, () => {
      assert.equal(sign(c.input.a, c.input.b), c.expect);
      assert.equal(tupleSign(parseHlc(c.input.a), parseHlc(c.input.b)), c.expect);
    });
  }
  for (const group of ["clock", "guard"]) {
    for (const c of VECTORS[group]) {
      test(`${group}: ${c.name}`, () => assert.deepEqual(runSteps(c.input), c.expect));
    }
  }
});

test("a clock restored from garbage starts as new", () => {
  const T = 1764230400000;
  assert.equal(new Clock("dev", "garbage", () => T).tick(), formatHlc(T, 0, "dev"));
});
