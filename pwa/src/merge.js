// Merge rules, the twin of sync/merge.py: field by field the later HLC wins; losers are kept.
// The device uses them to show what the server will decide (an edit of an approved product
// goes back to review) before it has synced.

export const REVIEWED_FIELDS = ["name", "description", "unit", "unit_weight_kg", "price_idr", "certifications", "photos"];

/** Deep equality of plain JSON values (Python's == on dicts and lists). */
export function sameValue(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue(a[key], b[key]));
}

function valueOf(record, name) {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : null;
}

/** Merge incoming fields stamped `hlc` into a record's values and field clocks. */
export function mergeUpsert(current, hlcs, fields, hlc) {
  const result = { changed: {}, hlcs: { ...hlcs }, losers: [] };
  for (const [name, value] of Object.entries(fields)) {
    const stored = hlcs[name] || "";
    if (hlc > stored) {
      if (!sameValue(valueOf(current, name), value)) result.changed[name] = value;
      result.hlcs[name] = hlc;
    } else if (hlc < stored && !sameValue(valueOf(current, name), value)) {
      result.losers.push([name, value, stored]);
    }
  }
  return result;
}

function later(a, b) {
  return a > b ? a : b;
}

/** A review sets the product's status whatever the clocks say, and later edits lose to it. */
export function reviewStatus(merge, decision, hlc) {
  merge.changed.status = decision;
  merge.hlcs.status = later(merge.hlcs.status || "", hlc);
  return merge;
}

/** An edit of what a reviewer approved sends the product back to review. */
export function resubmitIfEdited(merge, currentStatus, hlc) {
  if (currentStatus === "approved" && REVIEWED_FIELDS.some((name) => name in merge.changed)) {
    merge.changed.status = "submitted";
    merge.hlcs.status = later(merge.hlcs.status || "", hlc);
  }
  return merge;
}

/** Every field of an edit that arrives after the record's deletion is kept as a conflict. */
export function deletedLosers(fields, deletedHlc) {
  const losers = Object.entries(fields).map(([name, value]) => [name, value, deletedHlc]);
  return losers.length ? losers : [[null, null, deletedHlc]];
}

/** Whether an immutable record sent again carries the same values (a duplicate). */
export function sameImmutable(existing, fields) {
  return Object.entries(fields).every(([name, value]) => sameValue(valueOf(existing, name), value));
}
