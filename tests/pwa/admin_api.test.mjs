// The admin screens' API (pwa/src/admin/api.js) goes through the app's transport: one token
// refresh for JSON and files alike, and the server's answer when the refresh is refused.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiFailure, fileName, makeApi } from "../../pwa/src/admin/api.js";
import { accessUntil, httpTransport } from "../../pwa/src/transport.js";

const EXPIRED = { error: { code: "token_expired", message: "Sesi berakhir.", details: {} } };

/** A server whose access tokens are "old" (expired) or "new"; answers `refresh` to a refresh. */
function server({ refresh = { status: 200, body: { access_token: "new" } } } = {}) {
  const requests = [];
  const fetchImpl = async (url, request) => {
    const token = (request.headers.Authorization || "").replace("Bearer ", "");
    requests.push({ url, token, accept: request.headers.Accept });
    if (url === "/api/v1/auth/refresh") return new Response(JSON.stringify(refresh.body), { status: refresh.status });
    if (token !== "new") return new Response(JSON.stringify(EXPIRED), { status: 401 });
    if (url.startsWith("/api/v1/exports/")) {
      const headers = { "Content-Disposition": 'attachment; filename="produk.csv"' };
      return new Response(new Blob(["id,name\n"], { type: "text/csv" }), { status: 200, headers });
    }
    return new Response(JSON.stringify({ ok: true }), { status: 200 });
  };
  const saved = [];
  let tokens = { access_token: "old", refresh_token: "R" };
  const session = {
    get: async () => tokens,
    save: async (fresh) => {
      tokens = fresh;
      saved.push(fresh);
    },
  };
  return { api: makeApi({ transport: httpTransport({ session, fetchImpl }) }), requests, saved };
}

test("a file with an expired token is fetched again after one refresh, as JSON is", async () => {
  const { api, requests, saved } = server();
  const answer = await api.file("/api/v1/exports/products.csv", { region: "32.04", featured: false });
  assert.equal(await answer.blob.text(), "id,name\n");
  assert.equal(fileName(answer, "x.csv"), "produk.csv");
  assert.deepEqual(
    requests.map((r) => [r.url, r.token]),
    [
      ["/api/v1/exports/products.csv?region=32.04", "old"],
      ["/api/v1/auth/refresh", "R"],
      ["/api/v1/exports/products.csv?region=32.04", "new"],
    ],
  );
  assert.equal(requests[0].accept, "*/*");
  assert.deepEqual(saved, [{ access_token: "new", refresh_token: "R", access_until: null }]);
  assert.deepEqual(await api.json("GET", "/api/v1/regions"), { ok: true });
  assert.equal(requests.length, 4); // the refreshed token is used from then on
});

test("a refused refresh is the server's answer, for files and JSON", async () => {
  const revoked = { error: { code: "device_revoked", message: "Perangkat dicabut.", details: {} } };
  for (const call of [(api) => api.file("/api/v1/exports/products.csv"), (api) => api.json("GET", "/api/v1/regions")]) {
    const { api } = server({ refresh: { status: 401, body: revoked } });
    await assert.rejects(call(api), (error) => error instanceof ApiFailure && error.status === 401 && error.code === "device_revoked");
  }
});

test("no answer at all is a network error", async () => {
  const transport = httpTransport({ session: null, fetchImpl: async () => Promise.reject(new Error("offline")) });
  const api = makeApi({ transport });
  await assert.rejects(api.file("/api/v1/blobs/abc"), (error) => error instanceof ApiFailure && error.status === 0);
});

/** A JWT-shaped token whose claims say it lives `seconds` (its signature is not read on the device). */
function tokenLiving(seconds, name) {
  const claims = btoa(JSON.stringify({ iat: 1764230400, exp: 1764230400 + seconds, jti: name })).replace(/=+$/, "");
  return `e30.${claims.replace(/\+/g, "-").replace(/\//g, "_")}.sig`;
}

test("an access token is good for its lifetime from its arrival, less a minute, whatever the phone's clock says", () => {
  assert.equal(accessUntil(tokenLiving(3600, "a"), 5000), 5000 + 3600000 - 60000);
  assert.equal(accessUntil("not a token"), null);
  assert.equal(accessUntil(tokenLiving(0, "a")), null);
});

test("a token past its lifetime is refreshed before the request is sent: no 401, the body sent once", async () => {
  const old = tokenLiving(3600, "old");
  const fresh = tokenLiving(3600, "fresh");
  const requests = [];
  const fetchImpl = async (url, request) => {
    requests.push([url, request.headers.Authorization, request.body]);
    if (url === "/api/v1/auth/refresh") return new Response(JSON.stringify({ access_token: fresh }), { status: 200 });
    return new Response(JSON.stringify({ ok: true }), { status: 200 });
  };
  let tokens = { access_token: old, access_until: 1000, refresh_token: "R" };
  const session = { get: async () => tokens, save: async (next) => (tokens = next) };
  let clock = 999;
  const transport = httpTransport({ session, fetchImpl, now: () => clock });
  await transport("POST", "/api/v1/sync/push", { body: { ops: [] } });
  clock = 1000;
  await transport("POST", "/api/v1/sync/push", { body: { ops: [1] } });
  await transport("GET", "/api/v1/sync/pull");
  assert.deepEqual(
    requests.map(([url, authorization]) => [url, authorization]),
    [
      ["/api/v1/sync/push", `Bearer ${old}`],
      ["/api/v1/auth/refresh", "Bearer R"],
      ["/api/v1/sync/push", `Bearer ${fresh}`],
      ["/api/v1/sync/pull", `Bearer ${fresh}`],
    ],
  );
  assert.equal(tokens.access_until, 1000 + 3600000 - 60000);
});

test("a body is gzipped when that saves more than the header it adds, a small push included", async () => {
  const sent = [];
  const fetchImpl = async (url, request) => {
    sent.push([request.headers["Content-Encoding"] || "plain", request.body]);
    return new Response("{}", { status: 200 });
  };
  const transport = httpTransport({ session: null, fetchImpl });
  const op = { op_id: "0190f000-0000-7000-8000-000000000101", entity: "stock_movement", fields: { qty: "12.5" } };
  await transport("POST", "/api/v1/sync/push", { body: { ops: [op, op] } }); // about 260 bytes
  await transport("POST", "/api/v1/sync/push", { body: { ops: [] } });
  assert.deepEqual(
    sent.map(([encoding]) => encoding),
    ["gzip", "plain"],
  );
  assert.ok(sent[0][1].byteLength + 24 < JSON.stringify({ ops: [op, op] }).length);
});

test("a body encoded ahead goes as the same bytes and headers as one encoded in the call", async () => {
  const sent = [];
  const fetchImpl = async (url, request) => {
    sent.push(request);
    return new Response("{}", { status: 200 });
  };
  const transport = httpTransport({ session: null, fetchImpl });
  const op = { op_id: "0190f000-0000-7000-8000-000000000101", entity: "stock_movement", fields: { qty: "12.5" } };
  const body = { ops: [op, op] };
  await transport("POST", "/api/v1/sync/push", { body });
  await transport("POST", "/api/v1/sync/push", await transport.encode(body));
  assert.deepEqual(sent[1].headers, sent[0].headers);
  assert.equal(sent[1].headers["Content-Encoding"], "gzip");
  assert.deepEqual(new Uint8Array(sent[1].body), new Uint8Array(sent[0].body));
});
