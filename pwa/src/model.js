// What the screens show, read from IndexedDB in one pass: producers, products with their stock
// on hand (the exact sum of the local movements, plus the opening a recent-first sync gave for
// the older ones), movements and review notes per product, and who entered each record.
import { formatMilli, parseMilli } from "./quantity.js";

// The order of localeCompare, many times faster: a first sync sorts thousands of products.
const collator = new Intl.Collator();
function byName(a, b) {
  return collator.compare(String(a.name), String(b.name));
}

function push(map, key, value) {
  if (!map.has(key)) map.set(key, []);
  map.get(key).push(value);
}

/**
 * Who entered a record: the name the server gives (created_by_name) once it has the record;
 * before that, the account that recorded it on this device (kept with its op as entered_by).
 */
export function enteredBy(row) {
  const data = row.data || {};
  if (data.created_by) return data.created_by_name || null;
  return row.entered_by || null;
}

export async function loadModel(replica) {
  const [rows, pending, allRejected, waiting, openings] = await Promise.all([
    replica.rows(),
    replica.pending(),
    replica.rejected(),
    replica.waiting(),
    replica.openings(),
  ]);
  // A rejected op that only waits for another's fix is not the person's to fix (outbox.js).
  const rejected = allRejected.filter((op) => !waiting.has(op.seq));
  const waitingOps = [...pending, ...allRejected].filter((op) => waiting.has(op.seq)).sort((a, b) => a.seq - b.seq);
  const model = {
    producers: [],
    products: [],
    producerById: new Map(),
    productById: new Map(),
    movementsByProduct: new Map(),
    reviewsByProduct: new Map(),
    stockByProduct: new Map(),
    enteredBy: new Map(),
    unsentIds: new Set([...pending, ...waitingOps].map((op) => op.entity_id)),
    pending: pending.length + waitingOps.filter((op) => op.state !== "pending").length, // all that is still to go
    rejected, // the server's rejections to fix
    rejectedIds: new Set(rejected.map((op) => op.entity_id)),
    waitingOps, // ops held back until the rejected op they need is fixed
    waitingFor: new Map(waitingOps.map((op) => [op.entity_id, waiting.get(op.seq)])), // record id -> that op
    needsChanges: [], // products a reviewer asked to change
    inboxCount: 0, // "Perlu tindakan": rejections to fix and changes asked for
    olderAsOf: openings ? openings.as_of : null, // movements before it are not held unless loaded
    olderLoaded: new Set(openings ? openings.loaded : []), // products whose older movements are held
  };
  const milli = new Map(Object.entries(openings ? openings.stock : {}).map(([id, qty]) => [id, parseMilli(qty) || 0n]));
  for (const row of rows) {
    const data = row.data;
    const author = enteredBy(row);
    if (author) model.enteredBy.set(row.id, author);
    if (row.entity === "producer") {
      model.producers.push(data);
      model.producerById.set(row.id, data);
    } else if (row.entity === "product") {
      model.products.push(data);
      model.productById.set(row.id, data);
    } else if (row.entity === "stock_movement") {
      push(model.movementsByProduct, data.product_id, data);
      milli.set(data.product_id, (milli.get(data.product_id) || 0n) + (parseMilli(data.qty) || 0n));
    } else if (row.entity === "review") {
      push(model.reviewsByProduct, data.product_id, data);
    }
  }
  for (const [productId, total] of milli) model.stockByProduct.set(productId, formatMilli(total));
  model.producers.sort(byName);
  model.products.sort(byName);
  model.needsChanges = model.products.filter((p) => p.status === "needs_changes");
  model.inboxCount = rejected.length + model.needsChanges.length;
  return model;
}

/** Whether a product's movements before a recent-first sync's cut-off are on this device. */
export function olderHistoryHeld(model, productId) {
  return !model.olderAsOf || model.olderLoaded.has(productId);
}

function putSorted(list, data) {
  const at = list.findIndex((item) => item.id === data.id);
  if (at >= 0) list.splice(at, 1);
  // The list is sorted by name (loadModel): find the place by halving, not by comparing all.
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (byName(list[mid], data) > 0) high = mid;
    else low = mid + 1;
  }
  list.splice(low, 0, data);
}

/**
 * A record just saved on this device, put into the model in place: the next screen shows it at
 * once. Reading the whole model again takes long while a first sync stores thousands of records
 * (and it follows the save anyway, through the replica's onChange).
 */
export function noteSaved(model, row) {
  if (!row) return;
  const data = row.data;
  model.pending += 1; // ops waiting to be sent: this save queued one
  model.unsentIds.add(row.id);
  const author = enteredBy(row);
  if (author) model.enteredBy.set(row.id, author);
  if (row.entity === "producer") {
    putSorted(model.producers, data);
    model.producerById.set(row.id, data);
  } else if (row.entity === "product") {
    putSorted(model.products, data);
    model.productById.set(row.id, data);
  } else if (row.entity === "stock_movement") {
    push(model.movementsByProduct, data.product_id, data);
    const before = parseMilli(model.stockByProduct.get(data.product_id) || "0") || 0n;
    model.stockByProduct.set(data.product_id, formatMilli(before + (parseMilli(data.qty) || 0n)));
  }
}
