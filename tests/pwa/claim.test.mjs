import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkCredential } from "../../pwa/src/auth.js";
import { askForCode, claimPhone, shownCode, typedCode } from "../../pwa/src/claim.js";
import { TransportError } from "../../pwa/src/replica.js";

const DEVICE = "0b6f4c2e-8a1d-4f3b-9c7e-2d5a6b8c9e01";
const USER = { id: "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6", phone: "+6281300000001", role: "producer", name: "Siti" };

/** A transport that answers one fixed response and keeps what it was sent. */
function hub(status, body) {
  const sent = [];
  const transport = async (method, path, options) => {
    sent.push({ method, path, body: options.body });
    return { status, body };
  };
  return { transport, sent };
}

describe("the code as typed", () => {
  test("case, spaces and dashes do not matter", () => assert.equal(typedCode(" abcd-efg h "), "ABCDEFGH"));
  test("is shown in two groups of four", () => assert.equal(shownCode("ABCDEFGH"), "ABCD-EFGH"));
});

describe("claiming this phone with a code", () => {
  test("sends the code and this device's id, and keeps the new PIN only as a hash that opens the app", async () => {
    const { transport, sent } = hub(200, { access_token: "a", refresh_token: "r", user: USER });
    const result = await claimPhone(transport, DEVICE, "abcd-efgh", "482913", "482913");
    assert.deepEqual(sent, [{ method: "POST", path: "/api/v1/hub/claim", body: { code: "ABCDEFGH", device_id: DEVICE } }]);
    assert.deepEqual(result.session, { user: USER, phone: USER.phone, access_token: "a", refresh_token: "r" });
    assert.equal(result.credential.phone, USER.phone);
    assert.equal(JSON.stringify(result.credential).includes("482913"), false);
    assert.equal(await checkCredential(result.credential, "482913"), true);
    assert.equal(await checkCredential(result.credential, "482914"), false);
  });

  for (const [name, code, pin, again, error] of [
    ["a short code", "ABCDEFG", "482913", "482913", "claim_code_length"],
    ["a PIN not of six digits", "ABCDEFGH", "4829", "4829", "pin_six_digits"],
    ["two different PINs", "ABCDEFGH", "482913", "482931", "pins_differ"],
  ]) {
    test(`refuses ${name} without asking the hub`, async () => {
      const { transport, sent } = hub(200, {});
      assert.deepEqual(await claimPhone(transport, DEVICE, code, pin, again), { error });
      assert.deepEqual(sent, []);
    });
  }

  test("says the hub's own words for a wrong or used code", async () => {
    const message = "Kode ini salah, sudah dipakai, atau sudah lewat 15 menit. Minta kode baru ke pendamping.";
    const { transport } = hub(404, { error: { code: "claim_code_invalid", message } });
    assert.deepEqual(await claimPhone(transport, DEVICE, "ABCDEFGH", "482913", "482913"), { error: { message } });
  });

  test("without a connection, asks to join the hub's Wi-Fi", async () => {
    const transport = async () => {
      throw new TransportError("offline");
    };
    assert.deepEqual(await claimPhone(transport, DEVICE, "ABCDEFGH", "482913", "482913"), { error: "claim_needs_hub" });
    assert.deepEqual(await askForCode(transport, USER.phone), { error: "claim_needs_hub" });
  });
});

describe("asking for a code, as a facilitator", () => {
  test("asks by the producer record's phone and answers the code", async () => {
    const code = { code: "ABCDEFGH", url: "http://hub/#/claim/ABCDEFGH", qr: "data:image/svg+xml,", expires_at: "x" };
    const { transport, sent } = hub(201, code);
    assert.deepEqual(await askForCode(transport, USER.phone), code);
    assert.deepEqual(sent, [{ method: "POST", path: "/api/v1/hub/claim-codes", body: { phone: USER.phone } }]);
  });

  test("says why not: this server is no hub", async () => {
    const { transport } = hub(404, { error: { code: "not_a_hub", message: "Server ini bukan hub kecamatan." } });
    assert.deepEqual(await askForCode(transport, USER.phone), { error: { message: "Server ini bukan hub kecamatan." } });
  });
});
