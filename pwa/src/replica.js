// A device's sync client: records, outbox and cursor in IndexedDB. The twin of sync/client.py.
//
// Every local write puts the record and its op in the outbox in one transaction; `sync()` pushes
// the outbox, then pulls until `more` is false. Sending the same push again is always safe (op
// ids), so any failure is retried with backoff; the cursor is saved with each page, so a pull
// resumes where it stopped.
//
// With `recentDays`, the first pull is recent-first (the pull's `since`): movements of those last
// days only, and each product's opening stock for the older ones (META "openings": {as_of, stock,
// loaded}); `loadOlder` fetches a product's older movements, which then replace its opening.
//
// The network is whatever `transport` the caller passes: an async function
// `transport(method, path, {params, body}) -> {status, body}` that throws TransportError when
// no answer came. A transport with an `encode(body)` has a push's body encoded ahead (see push),
// and is then passed what `encode` answered as the call's options.
import {
  BY_ENTITY,
  BY_OP_ID,
  BY_STATE,
  META,
  OUTBOX,
  PENDING,
  PHOTOS,
  RECORDS,
  REJECTED,
  atomic,
  getMeta,
  recordKey,
  setMeta,
} from "./db.js";
import { Clock } from "./hlc.js";
import { opIdFor, uuid7 } from "./ids.js";
import { resubmitIfEdited, sameValue } from "./merge.js";
import { waitingFor, waitingOn } from "./outbox.js";

export const PUSH_BATCH = 500;
const PUSH_PATH = "/api/v1/sync/push";
export const PULL_LIMIT = 1000;
export const STORE_BATCH = 50;
export const RECENT_DAYS = 90;
const DAY_MS = 86400000;

/** The since of a recent-first sync: the start (UTC) of the day `days` days before now (ms). */
export function recentSince(nowMs, days) {
  return `${new Date(nowMs - days * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`;
}

/** No answer came (network down, timeout, dropped connection). */
export class TransportError extends Error {}

/** The server answered with an error that retrying will not fix. */
export class SyncError extends Error {
  constructor(status, body) {
    super(`${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** Exponential backoff with jitter: base * 2^attempt, capped, times 0.5..1.5. */
export function backoffDelay(attempt, base = 2000, cap = 300000, random = Math.random) {
  return Math.min(cap, base * 2 ** attempt) * (0.5 + random());
}

/** The fields of an op as the wire carries them (local bookkeeping stays on the device). */
export function wireOp(op) {
  return { op_id: op.op_id, entity: op.entity, entity_id: op.entity_id, action: op.action, fields: op.fields, hlc: op.hlc };
}

/** A record's data with an upsert's fields on top; an edit of an approved product goes back to review. */
export function applyFields(entity, data, entityId, fields, hlc) {
  const changed = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!sameValue(data[name] ?? null, value)) changed[name] = value;
  }
  const next = { ...data, id: entityId, ...fields };
  if (entity === "product") {
    const merge = resubmitIfEdited({ changed, hlcs: {} }, data.status, hlc);
    if (merge.changed.status && !("status" in fields)) next.status = merge.changed.status;
  }
  return next;
}

export class Replica {
  constructor(db, { deviceId, last = "", transport = null, now, sleep, onChange, recentDays = null, pushBatch = PUSH_BATCH } = {}) {
    this.db = db;
    this.pushBatch = pushBatch;
    this.deviceId = deviceId;
    this.clock = new Clock(deviceId, last, now);
    this.now = now || Date.now;
    this.recentDays = recentDays;
    this.transport = transport;
    this.sleep = sleep || ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onChange = onChange || (() => {});
  }

  /** The device's replica: its id is made once, on the device, and kept. */
  static async open(db, options = {}) {
    let deviceId = await getMeta(db, "device_id");
    if (!deviceId) {
      deviceId = uuid7();
      await setMeta(db, "device_id", deviceId);
    }
    const last = (await getMeta(db, "hlc")) || "";
    return new Replica(db, { ...options, deviceId, last });
  }

  // -- local writes ----------------------------------------------------------

  /**
   * Record a local change: the record and its op (and its photos) are written together.
   * Answers the op, with the record row as now stored in `saved`.
   */
  upsert(entity, entityId, fields, extra = {}) {
    return this._recordOp(entity, entityId, "upsert", fields, extra);
  }

  /** Record a local deletion. */
  delete(entity, entityId, extra = {}) {
    return this._recordOp(entity, entityId, "delete", {}, extra);
  }

  /**
   * Send a corrected rejected op again, as a new op; the rejected one goes in the same
   * transaction, and the ops that waited for it are queued again behind it.
   *
   * `fields` are the form's: a field it clears is null there, and null is what is sent. Only
   * fields the form does not show (a product's producer_id, its status) come from the rejected op.
   */
  resend(rejected, fields, extra = {}) {
    const merged = { ...rejected.fields, ...fields };
    const options = { enteredBy: rejected.entered_by, ...extra, replaces: rejected };
    return this._recordOp(rejected.entity, rejected.entity_id, rejected.action, merged, options);
  }

  /**
   * One transaction, and nothing else, stands between a tap on Simpan and the saved record: a
   * sync running at the same time holds these stores only for one small batch (see pull).
   * `draft` names a form draft (drafts.js) that the saved record replaces: dropped with it.
   */
  async _recordOp(entity, entityId, action, fields, { enteredBy = null, photos = [], replaces = null, draft = null } = {}) {
    let op;
    let saved;
    await atomic(this.db, [RECORDS, OUTBOX, PHOTOS, META], async (tx) => {
      // A fix takes its rejected op's place, and the ops that waited for it queue again behind it.
      const waited = replaces ? await this._waitingOn(tx, replaces.seq) : [];
      // Both reads at once, then all the writes at once: each request waited for alone costs a
      // round trip to the database, and a slow phone during a sync makes those long.
      const records = tx.objectStore(RECORDS);
      const [last, existing] = await all([tx.objectStore(META).get("hlc"), records.get(recordKey(entity, entityId))]);
      // The service worker may have synced (and advanced the stored clock) since this page started.
      this.clock.observe(last);
      const opId = opIdFor(entity, entityId, action, { resend: Boolean(replaces) });
      op = { op_id: opId, entity, entity_id: entityId, action, fields, hlc: this.clock.tick() };
      saved = appliedRow(existing, op, enteredBy);
      const row = { ...op, state: PENDING, error: null, entered_by: enteredBy, created_at: new Date().toISOString() };
      const writes = [];
      try {
        if (replaces) writes.push(tx.objectStore(OUTBOX).delete(replaces.seq));
        writes.push(records.put(saved), tx.objectStore(OUTBOX).add(row), tx.objectStore(META).put(op.hlc, "hlc"));
        if (draft) writes.push(tx.objectStore(META).delete(draft));
        for (const photo of photos) writes.push(tx.objectStore(PHOTOS).put({ uploaded: false, error: null, ...photo }));
      } finally {
        // A request refused as it is asked (a photo without its key) throws here; the ones asked
        // before it are then aborted with the transaction, a failure already reported.
        for (const write of writes) write.catch(() => {});
      }
      await all(writes);
      await this._requeue(tx, waited);
    });
    this.onChange("write");
    return { ...op, saved };
  }

  /** Queue ops again after the newest, in their order: the server meets the record they need first. */
  async _requeue(tx, ops) {
    const outbox = tx.objectStore(OUTBOX);
    for (const { seq, ...op } of ops) {
      await outbox.delete(seq);
      await outbox.add({ ...op, state: PENDING, error: null });
    }
  }

  async _applyLocal(tx, op, enteredBy = null) {
    const store = tx.objectStore(RECORDS);
    const row = appliedRow(await store.get(recordKey(op.entity, op.entity_id)), op, enteredBy);
    await store.put(row);
    return row;
  }

  /** Forget a rejected op, and the ops that waited for it (they can never go): each record
   * goes back to the server's state with the pending ops on top. */
  async discard(rejected) {
    await atomic(this.db, [RECORDS, OUTBOX], async (tx) => {
      const waited = await this._waitingOn(tx, rejected.seq);
      for (const op of [...waited.reverse(), rejected]) await this._discardOne(tx, op);
    });
    this.onChange("discard");
  }

  async _discardOne(tx, rejected) {
    await tx.objectStore(OUTBOX).delete(rejected.seq);
    const pending = (await tx.objectStore(OUTBOX).index(BY_STATE).getAll(PENDING)).filter(
      (op) => op.entity_id === rejected.entity_id,
    );
    const key = recordKey(rejected.entity, rejected.entity_id);
    const row = await tx.objectStore(RECORDS).get(key);
    if (row && !row.base && !pending.length) {
      await tx.objectStore(RECORDS).delete(key); // it never existed anywhere but in the rejected op
    } else if (row) {
      await tx.objectStore(RECORDS).put({ ...row, data: row.base || {}, deleted: 0 });
      for (const op of pending) await this._applyLocal(tx, op);
    }
  }

  // -- ops that wait for a rejected one (outbox.js) ----------------------------------------

  /** Map of seq -> the rejected op it waits for; empty (and cheap) when nothing was rejected. */
  async waiting(tx = this.db.transaction([OUTBOX, RECORDS])) {
    const outbox = tx.objectStore(OUTBOX);
    const rejected = await outbox.index(BY_STATE).getAll(REJECTED);
    if (!rejected.length) return new Map();
    const ops = await outbox.getAll();
    const onServer = new Set();
    for (const op of rejected) {
      const row = await tx.objectStore(RECORDS).get(recordKey(op.entity, op.entity_id));
      if (row && row.base) onServer.add(op.entity_id);
    }
    return waitingFor(ops, onServer);
  }

  /** The ops waiting for the rejected op `seq`, oldest first. */
  async _waitingOn(tx, seq) {
    const waiting = await this.waiting(tx);
    if (!waiting.size) return [];
    return waitingOn(await tx.objectStore(OUTBOX).getAll(), waiting, seq);
  }

  // -- reading ---------------------------------------------------------------

  /** The device's record rows (not deleted), optionally of one entity. */
  async rows(entity = null) {
    const rows = entity ? await this.db.getAllFromIndex(RECORDS, BY_ENTITY, entity) : await this.db.getAll(RECORDS);
    return rows.filter((row) => !row.deleted);
  }

  /** The device's records as a Map of id -> data, of one entity. */
  async records(entity) {
    return new Map((await this.rows(entity)).map((row) => [row.id, row.data]));
  }

  /** Ops not yet accepted by the server, oldest first (those that wait for a fix included). */
  pending(limit = undefined) {
    return this.db.getAllFromIndex(OUTBOX, BY_STATE, PENDING, limit);
  }

  /**
   * The oldest `limit` pending ops that may go now: not those waiting for a rejected op's fix.
   * With nothing rejected, only those ops are read, not the whole outbox: a phone 10,000 ops
   * behind reads 500 for each push, not 10,000.
   */
  async sendable(limit = undefined) {
    const waiting = await this.waiting();
    if (!waiting.size) return this.pending(limit);
    return (await this.pending()).filter((op) => !waiting.has(op.seq)).slice(0, limit);
  }

  /** Ops the server rejected, with its reason: shown to the person, never resent as they are. */
  rejected() {
    return this.db.getAllFromIndex(OUTBOX, BY_STATE, REJECTED);
  }

  /** How many ops are still to go, and how many rejections the person must fix (a rejected op
   * that only waits for another's fix is still to go). */
  async counts() {
    const tx = this.db.transaction(OUTBOX);
    const index = tx.store.index(BY_STATE);
    const [pending, rejected] = await Promise.all([index.count(PENDING), index.count(REJECTED)]);
    if (!rejected) return { pending, rejected };
    const waiting = await this.waiting();
    const waitingRejected = (await this.rejected()).filter((op) => waiting.has(op.seq)).length;
    return { pending: pending + waitingRejected, rejected: rejected - waitingRejected };
  }

  // -- sync ------------------------------------------------------------------

  /** Push then pull, retrying with exponential backoff and jitter when no answer comes. */
  async sync({ attempts = 6, baseDelay = 500 } = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.push();
        return await this.pull();
      } catch (error) {
        if (!(error instanceof TransportError) || attempt === attempts - 1) throw error;
        await this.sleep(backoffDelay(attempt, baseDelay));
      }
    }
  }

  /**
   * Send the outbox in batches, in order; answers how many ops the server accepted.
   *
   * One batch works ahead: while a batch is on the wire, the next is read and encoded (by the
   * transport's `encode`, when it has one), and it goes only once the batch before it is answered
   * and settled. A rejection changes which ops wait (outbox.js): the next batch is then read
   * again. When no answer comes, the batch read ahead is dropped unsent: the retry reads both
   * again, in order, and op ids make the second sending of the first harmless.
   */
  async push() {
    let accepted = 0;
    let batch = await this._pushBatch(0);
    while (batch) {
      const answering = this.transport("POST", PUSH_PATH, batch.request);
      const ahead = this._pushBatch(batch.last);
      ahead.catch(() => {}); // dropped, unsent, when this batch fails
      const answer = await answering;
      if (answer.status !== 200) throw new SyncError(answer.status, answer.body);
      const settled = await this._settle(batch.ops, answer.body);
      accepted += settled;
      batch = settled === batch.ops.length ? await ahead : await this._pushBatch(batch.last);
    }
    return accepted;
  }

  /**
   * The sendable ops queued after outbox seq `after`, at most a batch, with the request that
   * sends them and the last one's seq; null when there are none. Reads the outbox a slice at a
   * time: a phone with 10,000 ops to go reads one batch's worth, not the whole outbox, per batch.
   */
  async _pushBatch(after) {
    const waiting = await this.waiting();
    const ops = [];
    let from = after;
    for (;;) {
      const rows = await this.db.getAll(OUTBOX, IDBKeyRange.lowerBound(from, true), this.pushBatch);
      for (const op of rows) {
        if (op.state === PENDING && !waiting.has(op.seq) && ops.length < this.pushBatch) ops.push(op);
      }
      if (ops.length === this.pushBatch || rows.length < this.pushBatch) break;
      from = rows[rows.length - 1].seq;
    }
    if (!ops.length) return null;
    const body = { device_id: this.deviceId, ops: ops.map(wireOp) };
    const request = this.transport.encode ? await this.transport.encode(body) : { body };
    return { ops, request, last: ops[ops.length - 1].seq };
  }

  async _settle(ops, body) {
    if (!body || !Array.isArray(body.results) || body.results.length !== ops.length) {
      throw new SyncError(200, body);
    }
    let accepted = 0;
    await atomic(this.db, [OUTBOX, META], async (tx) => {
      const outbox = tx.objectStore(OUTBOX);
      const first = ops[0].seq;
      const last = ops[ops.length - 1].seq;
      if (last - first + 1 === ops.length && body.results.every((result) => result.status !== "rejected")) {
        // The usual answer: all taken, and the batch is every op between its first and its last.
        await outbox.delete(IDBKeyRange.bound(first, last));
        accepted = ops.length;
      } else {
        // All the batch's writes asked at once: one at a time, each waits a round trip to the database.
        await all(
          ops.map((op, i) => {
            const result = body.results[i];
            if (result.status === "rejected") return outbox.put({ ...op, state: REJECTED, error: result.error });
            accepted += 1;
            return outbox.delete(op.seq);
          }),
        );
      }
      this.clock.observe(body.hlc);
      await tx.objectStore(META).put(this.clock.tick(), "hlc");
    });
    this.onChange("push");
    return accepted;
  }

  /**
   * Follow the cursor until nothing more; answers the number of changes taken.
   *
   * The next page is asked for as soon as a page has come, so the network and the server work
   * on it while this page is stored: on a cheap phone, storing a page takes about as long as
   * fetching one. Each page is stored in order, its cursor last (see _store).
   */
  async pull(limit = PULL_LIMIT) {
    let taken = 0;
    const cursor = await getMeta(this.db, "cursor");
    this.since = await getMeta(this.db, "since");
    if (this.recentDays && !cursor && !this.since) {
      this.since = recentSince(this.now(), this.recentDays);
      await setMeta(this.db, "since", this.since);
    }
    const openings = await this.openings();
    let page = this._firstPage(cursor, limit);
    for (;;) {
      const body = await page;
      page = body.more ? this._page(body.cursor, limit) : null;
      // A page that fails to come is met when it is awaited; if storing this one fails first,
      // that failure is the one to report.
      if (page) page.catch(() => {});
      // Products an ordinary pull brought movements older than their opening, kept with the page.
      await this._store(body, openings && !this.since ? olderThan(body.changes, openings) : new Set());
      taken += body.changes.length;
      if (body.changes.length) this.onChange("pull");
      if (!page) break;
    }
    // Such a movement may be one the opening counts already (a producer that moved desa sends its
    // movements again): the product's whole older history then stands in for its opening. Kept
    // with the page, so a failure here is made good by the next pull.
    for (const productId of (await this.openings())?.wanted || []) await this.loadOlder(productId);
    return taken;
  }

  /**
   * What a recent-first sync left out, or null: {as_of, stock: {product id: qty}, loaded: [product
   * ids whose older movements are held], wanted: [product ids whose older movements are to fetch]}.
   */
  async openings() {
    return (await getMeta(this.db, "openings")) || null;
  }

  /** Fetch a product's movements older than its opening; they replace the opening. Answers how many came. */
  async loadOlder(productId) {
    const openings = await this.openings();
    if (!openings) return 0;
    const changes = [];
    let page = null;
    do {
      const params = { product_id: productId, before: openings.as_of, limit: PULL_LIMIT };
      if (page) params.page = page;
      const answer = await this.transport("GET", "/api/v1/sync/history", { params });
      if (answer.status === 403) return this._forgetWanted(productId); // out of scope now: its records are leaving
      if (answer.status !== 200) throw new SyncError(answer.status, answer.body);
      changes.push(...answer.body.changes);
      page = answer.body.next;
    } while (page);
    await atomic(this.db, [RECORDS, META], async (tx) => {
      const store = tx.objectStore(RECORDS);
      const existing = await all(changes.map((c) => store.get(recordKey(c.entity, c.entity_id))));
      await all(changes.map((change, i) => store.put(this._taken(change, existing[i]))));
      const now = (await tx.objectStore(META).get("openings")) || openings;
      const stock = { ...now.stock };
      delete stock[productId];
      const loaded = [...now.loaded.filter((id) => id !== productId), productId];
      const wanted = (now.wanted || []).filter((id) => id !== productId);
      await tx.objectStore(META).put({ ...now, stock, loaded, wanted }, "openings");
    });
    this.onChange("older");
    return changes.length;
  }

  async _forgetWanted(productId) {
    const openings = await this.openings();
    if (openings) await setMeta(this.db, "openings", { ...openings, wanted: (openings.wanted || []).filter((id) => id !== productId) });
    return 0;
  }

  /**
   * Store a page in transactions of STORE_BATCH changes, the cursor with the last. A save
   * waits for the batch being stored, never for a whole page of a first sync (1,000 records: seconds
   * on a cheap phone). Stopped halfway, the page is pulled again: taking a change twice is harmless.
   */
  async _store(body, olderWanted = new Set()) {
    const last = Math.max(0, Math.ceil(body.changes.length / STORE_BATCH) - 1);
    for (let batch = 0; batch <= last; batch++) {
      const changes = body.changes.slice(batch * STORE_BATCH, (batch + 1) * STORE_BATCH);
      await atomic(this.db, [RECORDS, OUTBOX, META], async (tx) => {
        // Read for each batch: a save between two batches may have queued an op.
        const pending = await tx.objectStore(OUTBOX).index(BY_STATE).getAll(PENDING);
        if (body.reset && batch === 0) {
          await this._dropSynced(tx, pending);
          await tx.objectStore(META).delete("openings");
        }
        const pendingById = groupBy(pending, (op) => op.entity_id);
        // All the batch's reads, then all its writes, asked at once: one at a time, each waits
        // a round trip to the database (hundreds of milliseconds a batch on a slow phone).
        const store = tx.objectStore(RECORDS);
        const existing = await all(changes.map((c) => store.get(recordKey(c.entity, c.entity_id))));
        const rows = changes.map((change, i) => this._taken(change, existing[i]));
        await all(rows.map((row) => store.put(row)));
        for (const row of rows) {
          for (const op of row.deleted ? [] : pendingById.get(row.id) || []) await this._applyLocal(tx, op);
        }
        if (batch < last) return;
        await this._takeRejected(tx, body.rejected || []);
        this.clock.observe(body.hlc);
        await tx.objectStore(META).put(this.clock.peek(), "hlc");
        await tx.objectStore(META).put(body.cursor, "cursor");
        const openings = olderWanted.size ? await tx.objectStore(META).get("openings") : null;
        if (openings) {
          const wanted = [...new Set([...(openings.wanted || []), ...olderWanted])];
          await tx.objectStore(META).put({ ...openings, wanted }, "openings");
        }
        if (body.more) return;
        // The end of a recent-first first sync (a server without the mode answers no openings).
        if (body.openings) await tx.objectStore(META).put({ ...body.openings, loaded: [], wanted: [] }, "openings");
        if (this.since) await tx.objectStore(META).delete("since");
      });
    }
    if (body.rejected?.length) this.onChange("pull");
  }

  /**
   * Ops the hub applied but its upstream rejected (the pull's `rejected`): they go in the outbox
   * as rejected, as if the push had been answered so, to fix or to discard. With the cursor that
   * came with them, so the hub stops giving them; an op the outbox holds already is left as it is.
   */
  async _takeRejected(tx, rejected) {
    const outbox = tx.objectStore(OUTBOX);
    const held = await all(rejected.map((op) => outbox.index(BY_OP_ID).getKey(op.op_id)));
    const created_at = new Date().toISOString();
    const rows = rejected
      .filter((_, i) => held[i] === undefined)
      .map(({ error, ...op }) => ({ ...op, state: REJECTED, error, entered_by: null, created_at }));
    await all(rows.map((row) => outbox.add(row)));
  }

  /**
   * The page after the saved cursor; when the server does not know that cursor (another server's,
   * as for a phone between a hub and the region, or one signed with a secret since changed), the
   * first page from the beginning, taken as a reset.
   */
  async _firstPage(cursor, limit) {
    try {
      return await this._page(cursor, limit);
    } catch (error) {
      if (!cursor || !(error instanceof SyncError) || error.status !== 400) throw error;
      if (error.body?.error?.code !== "invalid_cursor") throw error;
    }
    return { ...(await this._page(null, limit)), reset: true };
  }

  /** One page of changes after the cursor (the body of a 200 answer). */
  async _page(cursor, limit) {
    const params = { limit };
    if (cursor) params.cursor = cursor;
    if (this.since) params.since = this.since; // the same on every page of a recent-first sync
    const answer = await this.transport("GET", "/api/v1/sync/pull", { params });
    if (answer.status !== 200) throw new SyncError(answer.status, answer.body);
    return answer.body;
  }

  /** The row of a record as the server has it (this device's pending ops are replayed on it after). */
  _taken(change, existing) {
    const key = recordKey(change.entity, change.entity_id);
    const deleted = change.action === "delete" ? 1 : 0;
    const data = change.data || (existing ? existing.data : {});
    const base = change.data || (existing ? existing.base : null);
    const row = { key, entity: change.entity, id: change.entity_id, data, base, deleted };
    if (existing && existing.entered_by) row.entered_by = existing.entered_by;
    return row;
  }

  async _dropSynced(tx, pending) {
    const pendingKeys = new Set(pending.map((op) => recordKey(op.entity, op.entity_id)));
    const store = tx.objectStore(RECORDS);
    for (const key of await store.getAllKeys()) {
      if (!pendingKeys.has(key)) await store.delete(key);
    }
  }
}

/**
 * The results of requests asked at once. When one fails, the transaction aborts the ones after
 * it: the first failure is the one thrown, and none is left unhandled.
 */
async function all(requests) {
  const results = await Promise.allSettled(requests);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => result.value);
}

/** A record's row with a local op applied (a new row when there is none yet). */
export function appliedRow(existing, op, enteredBy = null) {
  const key = recordKey(op.entity, op.entity_id);
  const row = existing ? { ...existing } : { key, entity: op.entity, id: op.entity_id, data: {}, base: null, deleted: 0 };
  if (op.action === "delete") {
    row.deleted = 1;
  } else {
    row.data = applyFields(op.entity, row.data, op.entity_id, op.fields, op.hlc);
  }
  if (enteredBy) row.entered_by = enteredBy;
  return row;
}

/** The products, still under an opening, of pulled movements that occurred before it. */
function olderThan(changes, openings) {
  const ids = new Set();
  for (const change of changes) {
    const data = change.data;
    if (change.entity !== "stock_movement" || !data || data.occurred_at >= openings.as_of) continue;
    if (!openings.loaded.includes(data.product_id)) ids.add(data.product_id);
  }
  return ids;
}

function groupBy(items, keyOf) {
  const groups = new Map();
  for (const item of items) {
    const key = keyOf(item);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  return groups;
}
