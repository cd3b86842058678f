// The admin screens talk to the API online, through the app's transport (Accept-Language of the
// app's language, the access token refreshed when it expires): JSON, and files (photos,
// manifests, exports) shown or saved through object URLs that the screen revokes when it is left.
import { SyncError } from "../replica.js";
import { at } from "./words.js";

/** An answer of the API that is not a success, with the server's message in the app's language. */
export class ApiFailure extends Error {
  constructor(status, body, fallback) {
    const error = body && body.error;
    super((error && error.message) || fallback || `HTTP ${status}`);
    this.status = status;
    this.code = error ? error.code : null;
    this.details = (error && error.details) || {};
  }
}

function query(path, params) {
  const kept = Object.entries(params || {}).filter(([, value]) => value !== "" && value !== null && value !== undefined && value !== false);
  return kept.length ? `${path}?${new URLSearchParams(kept)}` : path;
}

export function makeApi(ctx) {
  /** An answer of the app's transport (which refreshes the access token); throws ApiFailure. */
  async function call(method, path, options) {
    let answer;
    try {
      answer = await ctx.transport(method, path, options);
    } catch (error) {
      // A refresh the server refused (a revoked device) is its answer; anything else, no answer.
      if (error instanceof SyncError) throw new ApiFailure(error.status, error.body);
      throw new ApiFailure(0, null, at("network_error"));
    }
    if (answer.status >= 400) throw new ApiFailure(answer.status, answer.body);
    return answer;
  }

  /** JSON in and out; throws ApiFailure. */
  async function json(method, path, { params, body } = {}) {
    return (await call(method, query(path, params), { body })).body;
  }

  /** A file (a photo, an export, a manifest) as {blob, headers}; throws ApiFailure. */
  async function file(path, params) {
    // A download takes as long as its size needs on the admin's connection: no timeout.
    const options = { as: "blob", headers: { Accept: "*/*" }, timeoutMs: 0 };
    const answer = await call("GET", query(path, params), options);
    return { blob: answer.body, headers: answer.headers };
  }

  return { json, file };
}

/** The file name a file answer offers (Content-Disposition), else the fallback. */
export function fileName(answer, fallback) {
  const disposition = answer.headers.get("Content-Disposition") || "";
  const star = disposition.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) return decodeURIComponent(star[1]);
  const plain = disposition.match(/filename="?([^";]+)"?/i);
  return plain ? plain[1] : fallback;
}

/** Object URLs made for one screen, revoked together when the screen is left. */
export class UrlScope {
  constructor() {
    this.urls = [];
  }

  url(blob) {
    const made = URL.createObjectURL(blob);
    this.urls.push(made);
    return made;
  }

  revoke() {
    for (const made of this.urls) URL.revokeObjectURL(made);
    this.urls = [];
  }
}
