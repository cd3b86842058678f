// The admin screens talk to the API online: JSON through the app's transport (Accept-Language
// of the app's language, the access token refreshed when it expires), and files (photos,
// manifests, exports) by fetch() with the Bearer header, shown or saved through object URLs that
// the screen revokes when it is left.
import { sessionTokens } from "../auth.js";
import { currentLang } from "../i18n.js";
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
  const tokens = sessionTokens(ctx.db);

  /** JSON in and out; throws ApiFailure. */
  async function json(method, path, { params, body } = {}) {
    let answer;
    try {
      answer = await ctx.transport(method, query(path, params), { body });
    } catch {
      throw new ApiFailure(0, null, at("network_error"));
    }
    if (answer.status >= 400) throw new ApiFailure(answer.status, answer.body);
    return answer.body;
  }

  async function send(path, token) {
    const headers = { "Accept-Language": currentLang() };
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(path, { headers, cache: "no-store" });
    } catch {
      throw new ApiFailure(0, null, at("network_error"));
    }
  }

  /** A file answer (a Response) fetched with the Bearer header; throws ApiFailure. */
  async function file(path, params) {
    const url = query(path, params);
    let session = await tokens.get();
    let response = await send(url, session && session.access_token);
    if (response.status === 401 && session) {
      const refreshed = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { Authorization: `Bearer ${session.refresh_token}` } });
      if (refreshed.ok) {
        session = { ...session, access_token: (await refreshed.json()).access_token };
        await tokens.save(session);
        response = await send(url, session.access_token);
      }
    }
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      throw new ApiFailure(response.status, body);
    }
    return response;
  }

  return { json, file };
}

/** The file name a response offers (Content-Disposition), else the fallback. */
export function fileName(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
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
