import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { adminZone, day, month, when, zoneOf } from "../../pwa/src/admin/dates.js";

describe("admin dates", () => {
  test("the zone comes from the region's province", () => {
    for (const code of ["11", "19.01", "21", "31", "32.04", "36", "61", "62.01"]) assert.equal(zoneOf(code), "WIB", code);
    for (const code of ["51", "53", "63", "64.71", "65", "71", "73.71", "76"]) assert.equal(zoneOf(code), "WITA", code);
    for (const code of ["81", "82", "91", "94.71", "97"]) assert.equal(zoneOf(code), "WIT", code);
    assert.equal(zoneOf(""), "WIB");
    assert.equal(adminZone({ regions: ["73.71"] }), "WITA");
    assert.equal(adminZone({ regions: [] }), "WIB");
  });

  test("a moment is shown in the zone, with its name, never as ISO text", () => {
    const iso = "2026-12-01T01:15:00Z";
    assert.match(when(iso, "WIB", "id"), /^1 Des 2026 08[.:]15 WIB$/);
    assert.match(when(iso, "WITA", "id"), /^1 Des 2026 09[.:]15 WITA$/);
    assert.match(when(iso, "WIT", "en"), /^1 Dec 2026 10:15 WIT$/);
    // Late in the UTC evening it is already the next day in Jayapura.
    assert.match(when("2026-12-01T20:30:00Z", "WIT", "id"), /^2 Des 2026 05[.:]30 WIT$/);
    assert.equal(when(null), "");
  });

  test("a calendar day and a month keep their date", () => {
    assert.equal(day("2026-12-08", "id"), "8 Des 2026");
    assert.equal(day("2026-12-08", "en"), "8 Dec 2026");
    assert.equal(month("2026-11", "id"), "Nov 2026");
    assert.equal(month("2026-05", "en"), "May 2026");
    assert.equal(day(""), "");
  });
});
