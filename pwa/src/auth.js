// Login: online against the server the first time; after that the PIN is checked on the device
// against a salted PBKDF2 hash (never the PIN itself), so the app opens without a signal.
import { META, getMeta, setMeta } from "./db.js";
import { normalizePhone } from "./phone.js";
import { TransportError } from "./replica.js";
import { accessUntil } from "./transport.js";

export const PIN_ITERATIONS = 150000;
const MAX_LOCAL_FAILURES = 5;
const LOCKOUT_MS = 15 * 60 * 1000;
const UNLOCKED_KEY = "lumbung.unlocked"; // per tab: a new tab asks for the PIN again

function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text) {
  return new Uint8Array(text.match(/../g).map((pair) => parseInt(pair, 16)));
}

/** PBKDF2-SHA-256 of a PIN with a salt, as hex. */
export async function hashPin(pin, salt, iterations = PIN_ITERATIONS) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return toHex(bits);
}

/** A credential to keep on the device: salt and slow hash, never the PIN. */
export async function makeCredential(phone, pin, userId) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { phone, user_id: userId, salt: toHex(salt), iterations: PIN_ITERATIONS, hash: await hashPin(pin, salt) };
}

export async function checkCredential(credential, pin) {
  const hash = await hashPin(pin, fromHex(credential.salt), credential.iterations);
  // Compared in full: no early exit that would tell how much of it matched.
  let diff = hash.length ^ credential.hash.length;
  for (let i = 0; i < hash.length; i++) diff |= hash.charCodeAt(i) ^ credential.hash.charCodeAt(i);
  return diff === 0;
}

export function isUnlocked(session) {
  try {
    return Boolean(session) && sessionStorage.getItem(UNLOCKED_KEY) === session.user.id;
  } catch {
    return false;
  }
}

function unlock(session) {
  sessionStorage.setItem(UNLOCKED_KEY, session.user.id);
}

export function lock() {
  sessionStorage.removeItem(UNLOCKED_KEY);
}

async function localFailuresBlock(db) {
  const failures = (await getMeta(db, "pin_failures")) || { count: 0, since: 0 };
  return failures.count >= MAX_LOCAL_FAILURES && Date.now() - failures.since < LOCKOUT_MS;
}

async function countLocalFailure(db) {
  const failures = (await getMeta(db, "pin_failures")) || { count: 0, since: Date.now() };
  const fresh = Date.now() - failures.since > LOCKOUT_MS;
  await setMeta(db, "pin_failures", { count: fresh ? 1 : failures.count + 1, since: fresh ? Date.now() : failures.since });
}

/**
 * Log in. Answers {session} or {error: "<i18n key>" | {message}} or {switchAccount: session}
 * when another account's data is on the device (the caller asks, then calls `adopt`).
 */
export async function login(db, transport, deviceId, phoneText, pin) {
  if (!/^[0-9]{6}$/.test(pin)) return { error: "pin_six_digits" };
  const phone = normalizePhone(phoneText) || phoneText.trim();
  const session = await getMeta(db, "session");
  const credential = await getMeta(db, "credential");
  if (credential && credential.phone === phone && session) {
    if (await localFailuresBlock(db)) return { error: "too_many_offline" };
    if (await checkCredential(credential, pin)) {
      await setMeta(db, "pin_failures", { count: 0, since: 0 });
      unlock(session);
      return { session };
    }
    await countLocalFailure(db);
  }
  return loginOnline(db, transport, deviceId, phone, pin, session);
}

async function loginOnline(db, transport, deviceId, phone, pin, previous) {
  let answer;
  try {
    answer = await transport("POST", "/api/v1/auth/login", { body: { phone, pin, device_id: deviceId } });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { error: previous && previous.phone === phone ? "wrong_pin_offline" : "offline_first_login" };
  }
  if (answer.status !== 200) {
    const message = answer.body && answer.body.error ? answer.body.error.message : `HTTP ${answer.status}`;
    return { error: { message } };
  }
  const body = answer.body;
  const session = {
    user: body.user,
    phone: body.user.phone || phone,
    access_token: body.access_token,
    access_until: accessUntil(body.access_token),
    refresh_token: body.refresh_token,
  };
  const credential = await makeCredential(session.phone, pin, body.user.id);
  if (previous && previous.user.id !== body.user.id) return { switchAccount: session, credential };
  await adopt(db, session, credential);
  return { session };
}

/** Keep a session and its credential, and open it in this tab. */
export async function adopt(db, session, credential) {
  const tx = db.transaction(META, "readwrite");
  await tx.store.put(session, "session");
  await tx.store.put(credential, "credential");
  await tx.store.put({ count: 0, since: 0 }, "pin_failures");
  await tx.done;
  unlock(session);
}

/** The session store the transport reads tokens from and saves refreshed ones to. */
export function sessionTokens(db) {
  return {
    get: () => getMeta(db, "session"),
    save: (session) => setMeta(db, "session", session),
  };
}
