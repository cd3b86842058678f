// Photos of other devices (pwa/src/photocache.js) on fake-indexeddb: fetched with the transport
// (so with the Bearer header), kept in photo_cache, never fetched when this device took them,
// a few at a time, only while wanted and online, with backoff on failure; and who entered what.
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { PHOTOS, PHOTO_CACHE, cachedPhoto, clearAccount, dropStore, keepPhoto, openStore, photoUsage } from "../../pwa/src/db.js";
import { enteredBy } from "../../pwa/src/model.js";
import { PhotoCache, RETRY_BASE_MS } from "../../pwa/src/photocache.js";
import { TransportError } from "../../pwa/src/replica.js";
import { httpTransport } from "../../pwa/src/transport.js";

const SHA = (n) => String(n).padStart(64, "0");
let db;

beforeEach(async () => {
  if (db) db.close();
  await dropStore();
  db = await openStore();
});

/** A server that answers photos by sha: {sha: Blob | status}; `hold` keeps answers until released. */
function fakeServer(photos = {}) {
  const server = { calls: [], inFlight: 0, maxInFlight: 0, held: [], hold: false, offline: false };
  server.transport = async (method, path, options = {}) => {
    server.calls.push({ method, path, options });
    if (server.offline) throw new TransportError("no network");
    server.inFlight += 1;
    server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
    if (server.hold) await new Promise((resolve) => server.held.push(resolve));
    server.inFlight -= 1;
    const sha = path.split("/").pop();
    const found = photos[sha];
    if (found instanceof Blob) return { status: 200, body: found, headers: new Headers() };
    return { status: found || 404, body: { error: { code: "not_found" } }, headers: new Headers() };
  };
  server.release = () => server.held.splice(0).forEach((resolve) => resolve());
  return server;
}

/** Timers the test runs by hand, and a clock it moves. */
function fakeTime() {
  const time = { now: 1_000_000, timers: [] };
  time.setTimer = (fn, ms) => {
    const timer = { fn, at: time.now + ms };
    time.timers.push(timer);
    return timer;
  };
  time.advance = async (ms) => {
    time.now += ms;
    const due = time.timers.filter((timer) => timer.at <= time.now);
    time.timers = time.timers.filter((timer) => timer.at > time.now);
    for (const timer of due) timer.fn();
    await settle();
  };
  return time;
}

function settle(ms = 30) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Until `condition()` holds (fake-indexeddb answers on timers of its own), at most 2 s. */
async function until(condition) {
  for (let waited = 0; !condition() && waited < 2000; waited += 10) await settle(10);
}

function jpeg(text = "photo") {
  return new Blob([text], { type: "image/jpeg" });
}

function makeCache(server, time, options = {}) {
  return new PhotoCache({
    db,
    transport: server.transport,
    online: () => !server.offline,
    now: () => time.now,
    random: () => 0.5, // no jitter: backoffDelay is then base * 2^attempt
    setTimer: time.setTimer,
    ...options,
  });
}

/** want() as a promise of what was shown (or "not yet" when nothing was, once settled). */
async function shown(cache, sha, size = "thumb", wanted = () => true) {
  let blob = "not yet";
  const kept = await cache.want(sha, size, (b) => (blob = b), wanted);
  if (kept || !cache.online()) return blob;
  await until(() => blob !== "not yet" && !cache.running);
  return blob;
}

test("a photo this device took is shown from its original and never fetched", async () => {
  const original = jpeg("original");
  await db.put(PHOTOS, { sha256: SHA(1), blob: original, product_id: "p", uploaded: true, error: null });
  const server = fakeServer({ [SHA(1)]: jpeg("from the server") });
  const cache = makeCache(server, fakeTime());
  assert.equal(await (await shown(cache, SHA(1), "thumb")).text(), "original");
  assert.equal(await (await shown(cache, SHA(1), "full")).text(), "original");
  assert.equal(server.calls.length, 0);
});

test("a thumbnail is fetched through the transport, kept, and then shown without the network", async () => {
  const server = fakeServer({ [SHA(2)]: jpeg("thumb of 2") });
  const time = fakeTime();
  const cache = makeCache(server, time);
  assert.equal(await (await shown(cache, SHA(2))).text(), "thumb of 2");
  assert.deepEqual(server.calls.map((c) => [c.method, c.path, c.options.params, c.options.as]), [
    ["GET", `/api/v1/blobs/${SHA(2)}`, { size: "thumb" }, "blob"],
  ]);
  assert.equal(await (await cachedPhoto(db, SHA(2), "thumb")).text(), "thumb of 2");
  assert.equal(await cachedPhoto(db, SHA(2), "full"), undefined);

  // Another session of the app, offline: the kept thumbnail shows, nothing is asked.
  server.offline = true;
  const again = makeCache(server, time);
  assert.equal(await (await shown(again, SHA(2))).text(), "thumb of 2");
  assert.equal(server.calls.length, 1);
});

test("the full photo is fetched when opened, without ?size, and serves as a thumbnail too", async () => {
  const server = fakeServer({ [SHA(3)]: jpeg("full 3") });
  const cache = makeCache(server, fakeTime());
  assert.equal(await (await shown(cache, SHA(3), "full")).text(), "full 3");
  assert.equal(server.calls[0].options.params, undefined);
  assert.equal(await (await shown(cache, SHA(3), "thumb")).text(), "full 3");
  assert.equal(server.calls.length, 1);
});

test("a few at a time, and only the photos still wanted (rows scrolled away are not)", async () => {
  const photos = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [SHA(100 + i), jpeg(`p${i}`)]));
  const server = fakeServer(photos);
  server.hold = true;
  const cache = makeCache(server, fakeTime(), { concurrency: 3 });
  const wanted = new Set(Object.keys(photos));
  const got = [];
  for (const sha of Object.keys(photos)) await cache.want(sha, "thumb", () => got.push(sha), () => wanted.has(sha));
  await until(() => server.held.length === 3);
  await settle();
  assert.equal(server.inFlight, 3);
  // Scrolled on: the last four rows went away before their turn came.
  for (const sha of Object.keys(photos).slice(6)) wanted.delete(sha);
  for (let round = 0; round < 5; round++) {
    server.release();
    await until(() => server.held.length === server.inFlight && (server.inFlight === 3 || !cache.queue.length));
  }
  await until(() => got.length === 6);
  assert.equal(server.maxInFlight, 3);
  assert.equal(server.calls.length, 6);
  assert.deepEqual(got.sort(), Object.keys(photos).slice(0, 6).sort());
});

test("the same photo wanted twice is fetched once", async () => {
  const server = fakeServer({ [SHA(4)]: jpeg() });
  server.hold = true;
  const cache = makeCache(server, fakeTime());
  const got = [];
  await cache.want(SHA(4), "thumb", () => got.push(1));
  await cache.want(SHA(4), "thumb", () => got.push(2));
  await until(() => server.held.length === 1);
  server.release();
  await until(() => got.length === 2);
  assert.equal(server.calls.length, 1);
  assert.deepEqual(got, [1, 2]);
});

test("offline nothing is fetched; back online, what is still wanted is", async () => {
  const server = fakeServer({ [SHA(5)]: jpeg("5") });
  server.offline = true;
  const cache = makeCache(server, fakeTime());
  assert.equal(await shown(cache, SHA(5)), "not yet");
  assert.equal(server.calls.length, 0);
  let blob = null;
  await cache.want(SHA(5), "thumb", (b) => (blob = b));
  server.offline = false;
  cache.resume(); // the window's "online" event
  await until(() => blob);
  assert.equal(await blob.text(), "5");
  assert.equal(server.calls.length, 1);
});

test("a photo not on the server yet is asked again later, with exponential backoff", async () => {
  const photos = {};
  const server = fakeServer(photos);
  const time = fakeTime();
  const cache = makeCache(server, time);
  let blob = null;
  await cache.want(SHA(6), "thumb", (b) => (blob = b));
  await until(() => time.timers.length === 1);
  assert.equal(server.calls.length, 1); // 404: not uploaded yet
  assert.equal(time.timers.length, 1);
  assert.equal(time.timers[0].at - time.now, RETRY_BASE_MS);
  await time.advance(RETRY_BASE_MS - 1);
  assert.equal(server.calls.length, 1);
  await time.advance(1);
  await until(() => time.timers.length === 1);
  assert.equal(server.calls.length, 2); // 404 again: twice as long now
  assert.equal(time.timers[0].at - time.now, 2 * RETRY_BASE_MS);
  // Asked again meanwhile (the screen was drawn again): still waits its turn.
  await cache.want(SHA(6), "thumb", () => {});
  await settle();
  assert.equal(server.calls.length, 2);
  photos[SHA(6)] = jpeg("6 at last");
  await time.advance(2 * RETRY_BASE_MS);
  await until(() => blob);
  assert.equal(server.calls.length, 3);
  assert.equal(await blob.text(), "6 at last");
  assert.equal(cache.failures.size, 0);
});

test("a failed photo nobody wants any more is not asked again", async () => {
  const server = fakeServer({});
  const time = fakeTime();
  const cache = makeCache(server, time);
  let wanted = true;
  await cache.want(SHA(7), "thumb", () => {}, () => wanted);
  await until(() => time.timers.length === 1);
  wanted = false;
  await time.advance(60 * 60 * 1000);
  assert.equal(server.calls.length, 1);
  assert.equal(cache.jobs.size, 0);
});

test("no answer at all pauses every fetch, then they go on", async () => {
  const server = fakeServer({ [SHA(8)]: jpeg("8"), [SHA(9)]: jpeg("9") });
  const time = fakeTime();
  const cache = makeCache(server, time, { concurrency: 1 });
  const origTransport = server.transport;
  let drop = true;
  cache.transport = async (...args) => {
    if (drop) {
      server.calls.push({ dropped: true });
      throw new TransportError("connection reset");
    }
    return origTransport(...args);
  };
  const got = [];
  await cache.want(SHA(8), "thumb", () => got.push(8));
  await cache.want(SHA(9), "thumb", () => got.push(9));
  await until(() => time.timers.length === 1);
  assert.equal(server.calls.length, 1); // the second waits with the first
  drop = false;
  await time.advance(RETRY_BASE_MS);
  await until(() => got.length === 2);
  assert.deepEqual(got.sort(), [8, 9]);
});

test("kept photos stay under their cap (the longest kept go first) and count in storage use", async () => {
  for (let i = 0; i < 5; i++) {
    await keepPhoto(db, SHA(200 + i), "full", jpeg("x".repeat(100)), { cap: 3, now: `2026-11-27T10:00:0${i}Z` });
  }
  await keepPhoto(db, SHA(300), "thumb", jpeg("t".repeat(10)), { cap: 3 });
  const kept = (await db.getAll(PHOTO_CACHE)).map((entry) => `${entry.size}:${entry.sha256.slice(-3)}`).sort();
  assert.deepEqual(kept, ["full:202", "full:203", "full:204", "thumb:300"]);
  await db.put(PHOTOS, { sha256: SHA(1), blob: jpeg("o".repeat(50)), product_id: "p", uploaded: false, error: null });
  assert.deepEqual(await photoUsage(db), { own: { count: 1, bytes: 50 }, fetched: { count: 4, bytes: 310 } });
  await clearAccount(db); // logging out drops them with the account's other work
  assert.deepEqual(await photoUsage(db), { own: { count: 0, bytes: 0 }, fetched: { count: 0, bytes: 0 } });
});

test("the transport sends the Bearer header and answers a photo as a Blob, an error as JSON", async () => {
  const requests = [];
  const fetchImpl = async (url, request) => {
    requests.push({ url, request });
    if (url.includes(SHA(1))) return new Response(new Blob(["img"], { type: "image/webp" }), { status: 200 });
    return new Response(JSON.stringify({ error: { code: "forbidden" } }), { status: 403 });
  };
  const session = { get: async () => ({ access_token: "T0K" }), save: async () => {} };
  const transport = httpTransport({ session, fetchImpl });
  const ok = await transport("GET", `/api/v1/blobs/${SHA(1)}`, { params: { size: "thumb" }, as: "blob" });
  assert.equal(ok.status, 200);
  assert.ok(ok.body instanceof Blob);
  assert.equal(await ok.body.text(), "img");
  assert.equal(requests[0].url, `/api/v1/blobs/${SHA(1)}?size=thumb`);
  assert.equal(requests[0].request.headers.Authorization, "Bearer T0K");
  const refused = await transport("GET", `/api/v1/blobs/${SHA(2)}`, { as: "blob" });
  assert.deepEqual([refused.status, refused.body], [403, { error: { code: "forbidden" } }]);
});

test("who entered a record: the server's name once synced, this device's account before", () => {
  assert.equal(enteredBy({ data: { name: "Kopi" }, entered_by: "Bu Sari" }), "Bu Sari");
  assert.equal(enteredBy({ data: { created_by: "u1", created_by_name: "Pak Dedi" }, entered_by: "Bu Sari" }), "Pak Dedi");
  assert.equal(enteredBy({ data: { created_by: "u1", created_by_name: null }, entered_by: "Bu Sari" }), null);
  assert.equal(enteredBy({ data: {} }), null);
});
