import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  deletedLosers,
  mergeUpsert,
  resubmitIfEdited,
  reviewStatus,
  sameImmutable,
} from "../../pwa/src/merge.js";
import { vectors } from "./vectors.mjs";

const VECTORS = vectors("merge");

function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function applyAll(values, hlcs, ops) {
  let state = { values: { ...values }, hlcs: { ...hlcs } };
  for (const op of ops) {
    const merge = mergeUpsert(state.values, state.hlcs, op.fields, op.hlc);
    state = { values: { ...state.values, ...merge.changed }, hlcs: merge.hlcs };
  }
  return state;
}

describe("merge vectors", () => {
  for (const c of VECTORS.upsert) {
    test(`upsert: ${c.name}`, () => {
      const before = JSON.stringify(c.input);
      const { current, hlcs, fields, hlc } = c.input;
      assert.deepEqual(mergeUpsert(current, hlcs, fields, hlc), c.expect);
      assert.equal(JSON.stringify(c.input), before);
    });
  }
  for (const c of VECTORS.converge) {
    test(`converge: ${c.name}`, () => {
      for (const order of permutations(c.input.ops)) {
        assert.deepEqual(applyAll(c.input.values, c.input.hlcs, order), c.expect);
      }
    });
  }
  for (const c of VECTORS.review) {
    test(`review: ${c.name}`, () => {
      const { current, hlcs, decision, hlc } = c.input;
      const merge = reviewStatus(mergeUpsert(current, hlcs, {}, hlc), decision, hlc);
      assert.deepEqual({ changed: merge.changed, hlcs: merge.hlcs }, c.expect);
      assert.deepEqual(merge.losers, []);
    });
  }
  for (const c of VECTORS.resubmit) {
    test(`resubmit: ${c.name}`, () => {
      const { current, hlcs, fields, hlc } = c.input;
      const merge = resubmitIfEdited(mergeUpsert(current, hlcs, fields, hlc), current.status, hlc);
      assert.deepEqual(merge, c.expect);
    });
  }
  for (const c of VECTORS.sequence) {
    test(`sequence: ${c.name}`, () => {
      let values = { ...c.input.values };
      let hlcs = { ...c.input.hlcs };
      for (const step of c.input.steps) {
        let merge;
        if ("review" in step) {
          merge = reviewStatus(mergeUpsert(values, hlcs, {}, step.hlc), step.review, step.hlc);
        } else {
          merge = resubmitIfEdited(mergeUpsert(values, hlcs, step.upsert, step.hlc), values.status ?? null, step.hlc);
        }
        values = { ...values, ...merge.changed };
        hlcs = merge.hlcs;
      }
      assert.deepEqual({ values, hlcs }, c.expect);
    });
  }
  for (const c of VECTORS.deleted) {
    test(`deleted: ${c.name}`, () => assert.deepEqual(deletedLosers(c.input.fields, c.input.deleted_hlc), c.expect));
  }
  for (const c of VECTORS.immutable) {
    test(`immutable: ${c.name}`, () => assert.equal(sameImmutable(c.input.existing, c.input.fields), c.expect));
  }
});
