// Photo uploads (pwa/src/photos.js): an answer that says "later" (409, 429, 503) leaves the photo
// to be sent again; only an answer that retrying cannot fix is a SyncError.
import assert from "node:assert/strict";
import { test } from "node:test";

import { uploadPhoto } from "../../pwa/src/photos.js";
import { SyncError, TransportError } from "../../pwa/src/replica.js";

function transportAnswering(status) {
  return async (method) => {
    if (method === "HEAD") return { status: 404, headers: new Headers({ "Upload-Offset": "0" }), body: null };
    const body = { error: { code: status === 429 ? "rate_limited" : "unsupported_media_type", message: "", details: {} } };
    return { status, headers: new Headers(status === 429 ? { "Retry-After": "30" } : {}), body };
  };
}

const photo = { sha256: "0".repeat(64), blob: new Blob([new Uint8Array(1000)], { type: "image/jpeg" }) };

test("an upload refused for the account's photos a minute (429) is tried again later", async () => {
  await assert.rejects(uploadPhoto(transportAnswering(429), photo), TransportError);
});

test("an upload refused for good (415) is a SyncError", async () => {
  await assert.rejects(uploadPhoto(transportAnswering(415), photo), SyncError);
});
