// When to sync, so nobody has to think about it: on start, when the network comes back, when
// the app becomes visible, every few minutes while open, on the button, and when the service
// worker's Background Sync fires. One sync at a time on this device (a Web Lock shared with the
// service worker); after a failure, exponential backoff with jitter.
import { setMeta } from "./db.js";
import { uploadPendingPhotos } from "./photos.js";
import { SyncError, TransportError, backoffDelay } from "./replica.js";

export const SYNC_LOCK = "lumbung-sync";
export const SYNC_TAG = "lumbung-push";
const EVERY_MS = 3 * 60 * 1000;

/** Run `work` alone: no other tab or the service worker syncs at the same time. */
export function exclusively(work) {
  if (typeof navigator !== "undefined" && navigator.locks) return navigator.locks.request(SYNC_LOCK, work);
  return work();
}

/** Push, upload the photos whose products the server has, then pull. */
export async function syncOnce(replica, transport) {
  await replica.push();
  await uploadPendingPhotos(replica.db, transport);
  return replica.pull();
}

export class SyncLoop {
  constructor({ replica, transport, onState = () => {}, random = Math.random }) {
    this.replica = replica;
    this.transport = transport;
    this.onState = onState;
    this.random = random;
    this.running = false;
    this.again = false;
    this.failures = 0;
    this.retryTimer = null;
    this.state = { syncing: false, error: null };
  }

  start() {
    window.addEventListener("online", () => this.request("online"));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.request("visible");
    });
    this.interval = setInterval(() => this.request("timer"), EVERY_MS);
    this.request("start");
  }

  stop() {
    clearInterval(this.interval);
    clearTimeout(this.retryTimer);
  }

  /** Sync now, or right after the sync that is running. */
  request(reason) {
    if (this.running) {
      this.again = true;
      return this.current;
    }
    clearTimeout(this.retryTimer);
    this.current = this._run(reason);
    return this.current;
  }

  async _run(reason) {
    this.running = true;
    this._set({ syncing: true, reason });
    try {
      await exclusively(() => syncOnce(this.replica, this.transport));
      this.failures = 0;
      await setMeta(this.replica.db, "last_sync", new Date().toISOString());
      this._set({ syncing: false, error: null });
    } catch (error) {
      this._failed(error);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      return this.request("again");
    }
    return undefined;
  }

  _failed(error) {
    const offline = error instanceof TransportError;
    const status = error instanceof SyncError ? error.status : 0;
    const code = error instanceof SyncError && error.body && error.body.error ? error.body.error.code : null;
    this._set({ syncing: false, error: offline ? "offline" : status === 401 ? "session" : code || "error" });
    if (status === 401) return; // retrying will not help: the person must log in again
    const delay = backoffDelay(this.failures++, 2000, 5 * 60 * 1000, this.random);
    this.retryTimer = setTimeout(() => this.request("retry"), delay);
  }

  _set(patch) {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
  }
}
