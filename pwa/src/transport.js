// An HTTP transport for the sync client, the twin of sync/http.py: JSON both ways, gzip request
// bodies where the browser can make them, the access token refreshed when it expires.
import { SyncError, TransportError } from "./replica.js";

const GZIP_MIN = 200; // smaller bodies gain nothing from gzip
const GZIP_HEADER_BYTES = 24; // "Content-Encoding: gzip" and its line end: gzip must save more
// Refreshed this long before its end: a request on its way still finds the token good.
const EXPIRY_MARGIN_MS = 60000;

/**
 * Until when (this device's ms) an access token received at `receivedAt` is good: its lifetime
 * (exp - iat, read from its claims) from then on; null when its claims cannot be read. Counted
 * from its arrival, not from its exp, so that a phone's clock set wrong changes nothing.
 */
export function accessUntil(token, receivedAt = Date.now()) {
  try {
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    const lifetime = claims.exp - claims.iat;
    return Number.isFinite(lifetime) && lifetime > 0 ? receivedAt + lifetime * 1000 - EXPIRY_MARGIN_MS : null;
  } catch {
    return null;
  }
}

async function gzipped(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

/**
 * A JSON body as the wire carries it: `{raw, headers}` for a request's options, gzipped where the
 * browser can and gzip saves more than its header costs. The sync client makes the next push's
 * while the one before is on the wire (Replica.push).
 */
export async function encodeBody(body) {
  const text = JSON.stringify(body);
  const headers = { "Content-Type": "application/json" };
  const packed = text.length >= GZIP_MIN && typeof CompressionStream === "function" ? await gzipped(text) : null;
  if (packed && packed.byteLength + GZIP_HEADER_BYTES < new TextEncoder().encode(text).length) {
    return { raw: packed, headers: { ...headers, "Content-Encoding": "gzip" } };
  }
  return { raw: text, headers };
}

function withParams(path, params) {
  if (!params) return path;
  return `${path}?${new URLSearchParams(params)}`;
}

/**
 * A transport: `transport(method, path, {params, body, raw, headers, as, timeoutMs})` -> {status, body, headers},
 * and `transport.encode(body)` -> `{raw, headers}`, a body encoded ahead for a later call's options.
 * With `as: "blob"`, a 2xx answer's body is a Blob (a photo, a file), an error's still its JSON.
 * `timeoutMs` of a request overrides the transport's; 0 waits as long as the answer takes.
 * `session` is an object with `get()` (tokens or null) and `save(tokens)`; `lang()` the language.
 * The one place the app refreshes its access token: the sync, the photos and the admin screens
 * all call through here. A session's `access_until` (accessUntil) says when to refresh before
 * sending; a 401 token_expired answer refreshes too, whatever the session says.
 */
export function httpTransport({ base = "", session, lang = () => "id", timeoutMs = 60000, fetchImpl, now = () => Date.now() } = {}) {
  const doFetch = fetchImpl || ((...args) => fetch(...args));

  async function send(method, path, { params, body, raw, headers = {}, as, timeoutMs: limit = timeoutMs }, token) {
    const encoded = raw === undefined && body !== undefined ? await encodeBody(body) : { raw, headers: {} };
    const request = { method, headers: { Accept: "application/json", "Accept-Language": lang(), ...encoded.headers, ...headers } };
    if (token) request.headers.Authorization = `Bearer ${token}`;
    if (encoded.raw !== undefined) request.body = encoded.raw;
    const controller = limit && typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller && setTimeout(() => controller.abort(), limit);
    if (controller) request.signal = controller.signal;
    try {
      const response = await doFetch(base + withParams(path, params), request);
      if (as === "blob" && response.ok) return { status: response.status, body: await response.blob(), headers: response.headers };
      const text = await response.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null; // an HTML error page of a proxy: the status says enough
      }
      return { status: response.status, body: json, headers: response.headers };
    } catch (error) {
      throw new TransportError(String(error && error.message ? error.message : error));
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function refresh(tokens) {
    const answer = await send("POST", "/api/v1/auth/refresh", {}, tokens.refresh_token);
    if (answer.status !== 200) throw new SyncError(answer.status, answer.body);
    const fresh = { ...tokens, access_token: answer.body.access_token, access_until: accessUntil(answer.body.access_token, now()) };
    await session.save(fresh);
    return fresh;
  }

  async function transport(method, path, options = {}) {
    let tokens = session ? await session.get() : null;
    // A token known to be past its lifetime is refreshed first: sent, it would come back 401,
    // the request (a push's whole body) sent twice. One whose end is not known is sent as it is.
    if (tokens && tokens.refresh_token && tokens.access_until && now() >= tokens.access_until) tokens = await refresh(tokens);
    let answer = await send(method, path, options, tokens && tokens.access_token);
    const code = answer.body && answer.body.error && answer.body.error.code;
    if (answer.status === 401 && tokens && (code === "token_expired" || code === "invalid_token")) {
      tokens = await refresh(tokens);
      answer = await send(method, path, options, tokens.access_token);
    }
    return answer;
  }
  transport.encode = encodeBody;
  return transport;
}
