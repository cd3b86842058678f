// A small in-memory sync server for the JavaScript unit tests: push applies ops field by field
// (the merge rules of pwa/src/merge.js), pull follows a numeric cursor through a change feed.
import { mergeUpsert } from "../../pwa/src/merge.js";

export const SERVER_HLC = "0001764230400000:0000:server";

export class FakeServer {
  constructor() {
    this.records = new Map(); // "<entity>:<id>" -> {entity, id, data, hlcs, deleted, seq}
    this.applied = new Set();
    this.seq = 0;
    this.hlc = SERVER_HLC;
    this.reject = () => null; // op -> error or null
    this.dropAfterApply = 0; // answers to lose after applying (a network that drops)
    this.resetNext = false;
    this.upstreamRejected = []; // as a hub: ops it applied that its upstream rejected, given in pulls
    this.rejectedGiven = new Map(); // cursor issued with rejections -> how many of them it covers
  }

  transport() {
    return async (method, path, { params, body } = {}) => {
      if (path === "/api/v1/sync/push") return this.push(body);
      if (path === "/api/v1/sync/pull") return this.pull(params);
      return { status: 404, body: null };
    };
  }

  push(body) {
    const results = body.ops.map((op) => this.applyOp(op));
    if (this.dropAfterApply > 0) {
      this.dropAfterApply -= 1;
      throw new this.TransportError("connection reset");
    }
    return { status: 200, body: { results, hlc: this.hlc } };
  }

  applyOp(op) {
    if (this.applied.has(op.op_id)) return { op_id: op.op_id, status: "duplicate" };
    const error = this.reject(op);
    if (error) return { op_id: op.op_id, status: "rejected", error };
    this.applied.add(op.op_id);
    const key = `${op.entity}:${op.entity_id}`;
    const row = this.records.get(key) || { entity: op.entity, id: op.entity_id, data: { id: op.entity_id }, hlcs: {} };
    if (op.action === "delete") {
      row.deleted = true;
    } else {
      const merge = mergeUpsert(row.data, row.hlcs, op.fields, op.hlc);
      row.data = { ...row.data, ...merge.changed };
      row.hlcs = merge.hlcs;
    }
    row.seq = ++this.seq;
    this.records.set(key, row);
    return { op_id: op.op_id, status: "applied" };
  }

  pull(params = {}) {
    const after = this.resetNext ? 0 : Number(String(params.cursor || 0).split("~")[0]);
    const reset = this.resetNext;
    this.resetNext = false;
    const limit = Number(params.limit || 500);
    const rows = [...this.records.values()].filter((row) => row.seq > after).sort((a, b) => a.seq - b.seq);
    const page = rows.slice(0, limit);
    const changes = page.map((row) =>
      row.deleted
        ? { entity: row.entity, entity_id: row.id, action: "delete" }
        : { entity: row.entity, entity_id: row.id, action: "upsert", data: { ...row.data } },
    );
    const position = String(page.length ? page[page.length - 1].seq : after);
    const body = { changes, cursor: position, more: rows.length > limit, reset, hlc: this.hlc };
    // As a hub: rejections come until a pull presents a cursor issued with them.
    const given = this.rejectedGiven.get(params.cursor) || 0;
    if (this.upstreamRejected.length > given) {
      body.rejected = this.upstreamRejected.slice(given);
      body.cursor = `${position}~${this.upstreamRejected.length}`;
      this.rejectedGiven.set(body.cursor, this.upstreamRejected.length);
    } else if (given) {
      body.cursor = `${position}~${given}`;
    }
    return { status: 200, body };
  }
}
