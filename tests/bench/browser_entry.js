// The browser benchmark's page (tests/bench/browser.py): the PWA's own modules on one side,
// pouchdb-browser on the other, each driven as its app drives it. Bundled by esbuild; the Python
// side calls the functions on window.bench and times them.
import PouchDB from "pouchdb-browser";

import { login, sessionTokens } from "../../pwa/src/auth.js";
import { openStore } from "../../pwa/src/db.js";
import { uuid7 } from "../../pwa/src/ids.js";
import { RECENT_DAYS, Replica } from "../../pwa/src/replica.js";
import { SyncLoop } from "../../pwa/src/syncloop.js";
import { httpTransport } from "../../pwa/src/transport.js";

const PIN = "246810";
const MINUTE = 60000;

let app = null; // {db, replica, loop} of the Lumbung side
let pouch = null;

/** Open the PWA's database, replica, transport and sync loop against `base`, as main.js boots them. */
async function openApp(base) {
  const db = await openStore();
  const transport = httpTransport({ base, session: sessionTokens(db) });
  const replica = await Replica.open(db, { transport, recentDays: RECENT_DAYS });
  const loop = new SyncLoop({ replica, transport });
  return { db, replica, loop, transport };
}

/** Open the app of this profile against `base` (the server, through the counting proxy). */
async function lumbungOpen(base) {
  app = await openApp(base);
}

/** Log in, as the login screen does. */
async function lumbungLogin(phone) {
  const answer = await login(app.db, app.transport, app.replica.deviceId, phone, PIN);
  if (!answer.session) throw new Error(`login failed: ${JSON.stringify(answer)}`);
}

/** One sync through the real sync loop (push, photos, pull); throws when it ended in error. */
async function lumbungSync() {
  await app.loop.request("bench");
  if (app.loop.state.error) throw new Error(`sync failed: ${app.loop.state.error}`);
  return app.replica.counts();
}

/** The product ids this device holds (from its sync), oldest first, as the movement form lists them. */
async function lumbungProducts() {
  const rows = await app.replica.rows("product");
  return rows.map((row) => row.id).sort();
}

/** The i-th movement of the workload: the peer's qty rule, one a minute up to `nowMs`. */
function movement(i, n, nowMs) {
  const qty = ((i * 37) % 200) - 50 || 1;
  return { qty, atMs: nowMs - (n - i) * MINUTE + ((i * 7919) % 1000) };
}

/** Record n movements, one save each, as the movement form saves (Replica.upsert, one at a time). */
async function lumbungRecord(n, products, nowMs) {
  for (let i = 0; i < n; i++) {
    const { qty, atMs } = movement(i, n, nowMs);
    const kind = qty > 0 ? "harvest" : "sale";
    const fields = { product_id: products[(i * 7919) % products.length], kind, qty: String(qty), occurred_at: new Date(atMs).toISOString() };
    await app.replica.upsert("stock_movement", uuid7(), fields, { enteredBy: null });
  }
  return app.replica.counts();
}

/** How many movements the device holds. */
async function lumbungMovements() {
  return (await app.replica.rows("stock_movement")).length;
}

/** Close the PWA's database (before the profile is closed and measured). */
function lumbungClose() {
  app.loop.stop();
  app.db.close();
}

/** Open the PouchDB database of this profile ("idb" adapter, pouchdb-browser's default). */
function pouchOpen() {
  pouch = new PouchDB("bench");
  return pouch.info().then((info) => info.doc_count);
}

/** Record n documents of the peer's shape (peer-sync/bench.mjs makeDoc), one put each. */
async function pouchRecord(n, products, deviceId, nowMs) {
  const units = ["kg", "bag", "litre", "piece", "box"];
  const reasons = ["sale", "purchase", "adjustment", "transfer_in", "transfer_out", "spoilage"];
  for (let i = 0; i < n; i++) {
    const { qty, atMs } = movement(i, n, nowMs);
    await pouch.put({
      _id: `sm:${deviceId}:${String(i).padStart(8, "0")}`,
      type: "stock_movement",
      product_id: products[(i * 7919) % products.length],
      village_code: `V${String((i % 50) + 1).padStart(3, "0")}`,
      qty,
      unit: units[i % units.length],
      reason: reasons[i % reasons.length],
      at: new Date(atMs).toISOString(),
      device_id: deviceId,
    });
  }
  return (await pouch.info()).doc_count;
}

/** Replicate to (push) or from (pull) the server's database: answers the docs written. */
async function pouchReplicate(direction, url, batchSize) {
  const remote = new PouchDB(url);
  const options = { batch_size: batchSize };
  const result = direction === "push" ? await pouch.replicate.to(remote, options) : await pouch.replicate.from(remote, options);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.docs_written;
}

function pouchClose() {
  return pouch.close();
}

window.bench = {
  lumbungOpen,
  lumbungLogin,
  lumbungSync,
  lumbungProducts,
  lumbungRecord,
  lumbungMovements,
  lumbungClose,
  pouchOpen,
  pouchRecord,
  pouchReplicate,
  pouchClose,
  newId: uuid7,
};
