// The admin screens' API (pwa/src/admin/api.js) goes through the app's transport: one token
// refresh for JSON and files alike, and the server's answer when the refresh is refused.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiFailure, fileName, makeApi } from "../../pwa/src/admin/api.js";
import { httpTransport } from "../../pwa/src/transport.js";

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
  assert.deepEqual(saved, [{ access_token: "new", refresh_token: "R" }]);
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
