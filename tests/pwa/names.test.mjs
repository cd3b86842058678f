// Same name, same person: case, spaces and titles do not count; another desa is another person.
import assert from "node:assert/strict";
import { test } from "node:test";

import { nameKey, sameNameIn } from "../../pwa/src/names.js";

test("case, spaces and titles in front do not count", () => {
  for (const name of ["Ibu Ani", "ani", "Bu  ANI", " Pak Ani ", "Hj. Ani", "ibu bu ani"]) assert.equal(nameKey(name), "ani", name);
  assert.equal(nameKey("Ani Suryani"), nameKey("AniSuryani"));
  assert.equal(nameKey("Ibu"), "ibu"); // a title alone is a name
  assert.notEqual(nameKey("Ani"), nameKey("Ana"));
  assert.equal(nameKey("Éuis"), nameKey("Euis"));
});

test("the same name in the same desa is found; in another desa it is not", () => {
  const producers = [
    { id: "1", name: "Ibu Ani", village_code: "32.04.10.2001" },
    { id: "2", name: "Pak Budi", village_code: "32.04.10.2002" },
  ];
  assert.equal(sameNameIn(producers, "ani", "32.04.10.2001").id, "1");
  assert.equal(sameNameIn(producers, "Bapak BUDI", "32.04.10.2002").id, "2");
  assert.equal(sameNameIn(producers, "Ani", "32.04.10.2002"), null);
  assert.equal(sameNameIn(producers, "  ", "32.04.10.2001"), null);
});
