// What the screens show, read from IndexedDB in one pass: producers, products with their stock
// on hand (the exact sum of the local movements), movements and review notes per product, and
// who entered each record.
import { formatMilli, parseMilli } from "./quantity.js";

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
  const [rows, pending, allRejected, waiting] = await Promise.all([replica.rows(), replica.pending(), replica.rejected(), replica.waiting()]);
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
  };
  const milli = new Map();
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
  model.producers.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  model.products.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  model.needsChanges = model.products.filter((p) => p.status === "needs_changes");
  model.inboxCount = rejected.length + model.needsChanges.length;
  return model;
}
