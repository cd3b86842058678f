import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkedFields, fieldLabel, fieldProblems, problemText } from "../../pwa/src/rules.js";
import { t } from "../../pwa/src/i18n.js";
import { vectors } from "./vectors.mjs";

const VECTORS = vectors("fields");

describe("field rule vectors (the server's, sync/records.py)", () => {
  for (const c of VECTORS.validate) {
    test(c.name, () => {
      const problems = fieldProblems(c.input.entity, c.input.fields);
      const codes = Object.fromEntries(Object.entries(problems).map(([name, p]) => [name, p.code]));
      assert.deepEqual(codes, c.expect);
    });
  }
});

describe("entity field vectors (sync/records.py's ENTITIES)", () => {
  test("the phone checks every field an op may set, in the server's order", () => {
    for (const c of VECTORS.entities.filter((c) => c.input !== "review")) {
      assert.deepEqual(checkedFields(c.input), c.expect.fields, c.name);
    }
  });

  test("reviews are an admin's, checked by the server alone", () => {
    assert.equal(checkedFields("review"), null);
  });
});

describe("problems in words", () => {
  test("a field is named by its label, never its key", () => {
    for (const c of VECTORS.validate) {
      for (const [name, problem] of Object.entries(fieldProblems(c.input.entity, c.input.fields))) {
        const words = problemText(t, c.input.entity, name, problem);
        assert.ok(!words.includes(name), `${c.name}: ${words}`);
        assert.ok(!/[a-z]+_[a-z]+/.test(words), `${c.name}: ${words}`);
      }
    }
  });

  test("NIB, HS code and limits in plain Indonesian", () => {
    assert.equal(problemText(t, "producer", "nib", { code: "invalid" }), "NIB harus 13 angka.");
    assert.equal(problemText(t, "product", "hs_code", { code: "invalid" }), "Kode HS harus 8 angka, misalnya 0901.11.00.");
    assert.equal(problemText(t, "product", "unit_weight_kg", { code: "must_not_be_zero" }), "Berat per satuan harus lebih dari 0.");
    assert.equal(problemText(t, "product", "name", { code: "too_long" }), "Nama terlalu panjang: paling banyak 200 huruf.");
    assert.equal(problemText(t, "stock_movement", "qty", { code: "out_of_range", limit: "1000000000" }), "Jumlah paling banyak 1.000.000.000.");
    assert.equal(
      problemText(t, "product", "certifications[0].valid_until", { code: "out_of_range", limit: "2100-12-31" }),
      "Sertifikat harus antara tahun 2000 dan 2100.",
    );
  });

  test("an unknown field is still words", () => {
    assert.equal(fieldLabel(t, "product", "stock_on_hand"), "Data");
    assert.equal(fieldLabel(t, "stock_movement", "kind"), "Jenis catatan");
  });
});
