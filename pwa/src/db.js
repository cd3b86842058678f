// The device's IndexedDB: the one module that knows the schema (Workbox QueueDb style).
//
//   records  "<entity>:<id>" -> {key, entity, id, data, base, deleted, entered_by}
//            data: the record as this device sees it (server state + pending ops replayed);
//            base: the server's last state (null until pulled), so a discarded op can be undone.
//   outbox   seq (auto) -> {seq, op_id, entity, entity_id, action, fields, hlc, state, error,
//            entered_by, created_at}; state "pending" or "rejected"; seq keeps the order.
//   photos   sha256 -> {sha256, blob, product_id, uploaded, error}   (taken on this device)
//   photo_cache  "<size>:<sha256>" -> {key, sha256, size, blob, bytes, fetched_at}
//            photos taken on other devices, fetched from the server ("thumb" or "full");
//            index by_size_time [size, fetched_at] finds the oldest to drop over the cap.
//   regions  parent code -> {parent, regions: [{code, name, level, parent_code}], fetched_at}
//   meta     key -> value (device_id, hlc, cursor, session, credential, last_sync, lang, ...);
//            "draft:<form>" -> {values, kept_at}: a form's half-filled values (drafts.js)
import { deleteDB, openDB } from "idb";

export const DB_NAME = "lumbung";
const DB_VERSION = 2;

export const RECORDS = "records";
export const OUTBOX = "outbox";
export const PHOTOS = "photos";
export const PHOTO_CACHE = "photo_cache";
export const REGIONS = "regions";
export const META = "meta";

export const BY_ENTITY = "by_entity";
export const BY_STATE = "by_state";
export const BY_OP_ID = "by_op_id";
export const BY_PRODUCT = "by_product";
export const BY_SIZE_TIME = "by_size_time";

export const PENDING = "pending";
export const REJECTED = "rejected";

/** Open (and create or upgrade) the device's database. */
export function openStore(name = DB_NAME) {
  return openDB(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore(RECORDS, { keyPath: "key" }).createIndex(BY_ENTITY, "entity");
        const outbox = db.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
        outbox.createIndex(BY_STATE, "state");
        outbox.createIndex(BY_OP_ID, "op_id", { unique: true });
        db.createObjectStore(PHOTOS, { keyPath: "sha256" }).createIndex(BY_PRODUCT, "product_id");
        db.createObjectStore(REGIONS, { keyPath: "parent" });
        db.createObjectStore(META);
      }
      if (oldVersion < 2) {
        db.createObjectStore(PHOTO_CACHE, { keyPath: "key" }).createIndex(BY_SIZE_TIME, ["size", "fetched_at"]);
      }
    },
    blocking(currentVersion, blockedVersion, event) {
      // A newer app version needs a schema upgrade: let it have the database.
      event.target.close();
    },
  });
}

/**
 * Run `work(tx)` in one transaction: all of it is written, or (on any error, even one thrown
 * between requests, which IndexedDB alone would not undo) none of it.
 */
export async function atomic(db, stores, work) {
  const tx = db.transaction(stores, "readwrite");
  try {
    const result = await work(tx);
    await tx.done;
    return result;
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // already finished or aborted
    }
    await tx.done.catch(() => {});
    throw error;
  }
}

/** Remove the whole database (tests). */
export function dropStore(name = DB_NAME) {
  return deleteDB(name);
}

export function recordKey(entity, id) {
  return `${entity}:${id}`;
}

export function getMeta(db, key) {
  return db.get(META, key);
}

export function setMeta(db, key, value) {
  return db.put(META, value, key);
}

/** Everything of one account's work: dropped when the person logs out (the device id stays). */
export const ACCOUNT_STORES = [RECORDS, OUTBOX, PHOTOS, PHOTO_CACHE, REGIONS];
export const ACCOUNT_META = ["cursor", "session", "credential", "last_sync", "current_producer", "persisted"];

/** Drop one account's work from the device, in one transaction. */
export async function clearAccount(db) {
  const tx = db.transaction([...ACCOUNT_STORES, META], "readwrite");
  await Promise.all(ACCOUNT_STORES.map((name) => tx.objectStore(name).clear()));
  await Promise.all(ACCOUNT_META.map((key) => tx.objectStore(META).delete(key)));
  await tx.objectStore(META).delete(IDBKeyRange.bound("draft:", "draft:\uffff")); // drafts.js
  await tx.done;
}

// -- photos fetched from the server ------------------------------------------------------------

function cacheKey(sha256, size) {
  return `${size}:${sha256}`;
}

/** A photo this device took itself (the original), or undefined. */
export async function ownPhoto(db, sha256) {
  const photo = await db.get(PHOTOS, sha256);
  return photo ? photo.blob : undefined;
}

/** A fetched photo ("thumb" or "full") kept on the device, or undefined. */
export async function cachedPhoto(db, sha256, size) {
  const entry = await db.get(PHOTO_CACHE, cacheKey(sha256, size));
  return entry ? entry.blob : undefined;
}

/** Keep a fetched photo; past `cap` photos of that size, the longest kept go first. */
export async function keepPhoto(db, sha256, size, blob, { cap = Infinity, now = new Date().toISOString() } = {}) {
  await atomic(db, [PHOTO_CACHE], async (tx) => {
    const store = tx.objectStore(PHOTO_CACHE);
    await store.put({ key: cacheKey(sha256, size), sha256, size, blob, bytes: blob.size, fetched_at: now });
    const range = IDBKeyRange.bound([size, ""], [size, "\uffff"]);
    let extra = (await store.index(BY_SIZE_TIME).count(range)) - cap;
    let cursor = extra > 0 ? await store.index(BY_SIZE_TIME).openCursor(range) : null;
    while (cursor && extra > 0) {
      if (cursor.value.sha256 !== sha256) {
        await cursor.delete();
        extra -= 1;
      }
      cursor = await cursor.continue();
    }
  });
}

/** What photos take on the device: {count, bytes} of those taken here and of those fetched. */
export async function photoUsage(db) {
  const usage = { own: { count: 0, bytes: 0 }, fetched: { count: 0, bytes: 0 } };
  const tx = db.transaction([PHOTOS, PHOTO_CACHE]);
  for (let cursor = await tx.objectStore(PHOTOS).openCursor(); cursor; cursor = await cursor.continue()) {
    usage.own.count += 1;
    usage.own.bytes += cursor.value.blob ? cursor.value.blob.size : 0;
  }
  for (let cursor = await tx.objectStore(PHOTO_CACHE).openCursor(); cursor; cursor = await cursor.continue()) {
    usage.fetched.count += 1;
    usage.fetched.bytes += cursor.value.bytes || 0;
  }
  await tx.done;
  return usage;
}
