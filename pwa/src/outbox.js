// Which ops of the outbox wait for another op's fix: one mistake, one thing to fix.
//
// When the server rejects the op that creates a record (a producer with a mistyped NIB), the
// ops that need that record (its products, their stock movements, later edits of it) cannot go
// either: the server would reject each `unknown_reference`, and the person would face four
// rejections for one typo. They wait instead: held back from the push, shown as waiting on the
// rejected op, and queued again behind its correction (Replica.resend).

// The field of an op that names the record it needs, by entity.
const REFERENCE = { product: "producer_id", stock_movement: "product_id", review: "product_id" };

/**
 * The ops that wait, as a Map of seq -> the rejected op they wait for.
 *
 * `ops`: the outbox (pending and rejected), oldest first. `onServer`: the ids of records the
 * server has (a rejected edit of such a record keeps nothing from the server: nothing waits
 * for it). An op waits when it names, or is an op on, a record kept off the server by a rejected
 * op; a rejected op waits too when the server said `unknown_reference` (it was rejected only
 * because of the other), not when it has a mistake of its own: that one is shown to fix.
 */
export function waitingFor(ops, onServer) {
  const missing = new Map(); // record id -> the rejected op that keeps it off the server
  const waiting = new Map();
  for (const op of ops) {
    const reference = op.fields ? op.fields[REFERENCE[op.entity]] : undefined;
    const blocker = missing.get(op.entity_id) || (reference && missing.get(reference));
    const rejected = op.state === "rejected";
    const ownMistake = rejected && !(op.error && op.error.code === "unknown_reference");
    if (blocker && !ownMistake) {
      waiting.set(op.seq, blocker);
      if (!missing.has(op.entity_id) && !onServer.has(op.entity_id)) missing.set(op.entity_id, blocker);
    } else if (rejected && !onServer.has(op.entity_id)) {
      missing.set(op.entity_id, op);
    }
  }
  return waiting;
}

/** The ops waiting (directly or further down) for the rejected op `seq`, oldest first. */
export function waitingOn(ops, waiting, seq) {
  return ops.filter((op) => waiting.has(op.seq) && waiting.get(op.seq).seq === seq);
}
