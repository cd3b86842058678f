// Photos taken on other devices. An <img> cannot send the Authorization header the blob API
// asks for, so the app fetches them itself through its transport (the thumbnail of what is on
// screen, the full photo when it is opened), keeps them in IndexedDB (db.js: photo_cache) and
// shows them through blob: URLs, revoked once no screen shows them. A photo this device took
// itself is never fetched: the original is in the photos store.
//
// Fetches: only while online, a few at a time, only for what is still wanted (a row scrolled out
// of the virtual list is not), each failed photo tried again later with exponential backoff and
// jitter; no answer at all (the network) pauses every fetch the same way. Offline, what is kept
// shows, and a placeholder for the rest.
import { cachedPhoto, keepPhoto, ownPhoto } from "./db.js";
import { TransportError, backoffDelay } from "./replica.js";

export const CONCURRENCY = 3;
export const CAPS = { thumb: 3000, full: 60 }; // ~20 KB a thumbnail, ~200 KB a photo
export const RETRY_BASE_MS = 5000;
export const RETRY_CAP_MS = 10 * 60 * 1000;
const SWEEP_AFTER_MS = 1000; // the next screen takes over the URLs it shows too

function keyOf(sha256, size) {
  return `${size}:${sha256}`;
}

export class PhotoCache {
  constructor({
    db,
    transport,
    online = () => navigator.onLine,
    concurrency = CONCURRENCY,
    caps = CAPS,
    now = () => Date.now(),
    random = Math.random,
    setTimer = (fn, ms) => setTimeout(fn, ms),
  }) {
    Object.assign(this, { db, transport, online, concurrency, caps, now, random, setTimer });
    this.jobs = new Map(); // key -> {key, sha256, size, waiters, state: "queued"|"running"|"waiting"}
    this.queue = [];
    this.running = 0;
    this.failures = new Map(); // key -> {count, until}
    this.pause = { count: 0, until: 0 }; // no answer came: every fetch waits
    this.pumpTimer = null;
    this.urls = new Map(); // key -> object URL shown by some view
    this.views = new Set();
    this.fetched = 0; // for the tests and the curious
    if (typeof window !== "undefined") window.addEventListener("online", () => this.resume());
  }

  /** The photo as this device keeps it: its own original first, else a fetched copy. */
  async stored(sha256, size) {
    const own = await ownPhoto(this.db, sha256);
    if (own) return own;
    const kept = await cachedPhoto(this.db, sha256, size);
    if (kept || size !== "thumb") return kept;
    return cachedPhoto(this.db, sha256, "full"); // a thumbnail may show the full photo
  }

  /**
   * Call `show(blob)` once the device has the photo: at once when kept, else after a fetch
   * (tried again with backoff) while `wanted()` stays true. Answers whether it was kept.
   */
  async want(sha256, size, show, wanted = () => true) {
    const blob = await this.stored(sha256, size);
    if (blob) {
      show(blob);
      return true;
    }
    const key = keyOf(sha256, size);
    let job = this.jobs.get(key);
    if (!job) {
      job = { key, sha256, size, waiters: [], state: "new" };
      this.jobs.set(key, job);
    }
    job.waiters.push({ show, wanted });
    if (job.state === "new") this._schedule(job);
    return false;
  }

  /** The network is back: what waited for it is fetched now. */
  resume() {
    this.pause = { count: 0, until: 0 };
    for (const job of this.jobs.values()) {
      if (job.state === "waiting" && !job.timer) this._enqueue(job);
    }
    this._pump();
  }

  _schedule(job) {
    const failure = this.failures.get(job.key);
    const wait = failure ? failure.until - this.now() : 0;
    if (wait > 0) {
      job.state = "waiting";
      job.timer = this.setTimer(() => {
        job.timer = null;
        this._enqueue(job);
        this._pump();
      }, wait);
      return;
    }
    this._enqueue(job);
    this._pump();
  }

  _enqueue(job) {
    job.state = "queued";
    this.queue.push(job);
  }

  _stillWanted(job) {
    job.waiters = job.waiters.filter((waiter) => waiter.wanted());
    if (job.waiters.length) return true;
    if (job.timer) clearTimeout(job.timer);
    this.jobs.delete(job.key);
    return false;
  }

  _pump() {
    while (this.running < this.concurrency && this.queue.length) {
      if (!this.online()) {
        for (const job of this.queue.splice(0)) job.state = "waiting"; // until resume()
        return;
      }
      const paused = this.pause.until - this.now();
      if (paused > 0) {
        if (!this.pumpTimer) {
          this.pumpTimer = this.setTimer(() => {
            this.pumpTimer = null;
            this._pump();
          }, paused);
        }
        return;
      }
      const job = this.queue.shift();
      if (!this._stillWanted(job)) continue;
      this._fetch(job);
    }
  }

  async _fetch(job) {
    job.state = "running";
    this.running += 1;
    try {
      const options = { as: "blob", headers: { Accept: "image/webp,image/jpeg,image/png,image/*" } };
      if (job.size === "thumb") options.params = { size: "thumb" };
      const kept = await this.stored(job.sha256, job.size); // kept by a fetch that just ended?
      if (kept) {
        this._done(job, kept);
        return;
      }
      let answer;
      try {
        answer = await this.transport("GET", `/api/v1/blobs/${job.sha256}`, options);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        this.pause = { count: this.pause.count + 1, until: this.now() + backoffDelay(this.pause.count, RETRY_BASE_MS, RETRY_CAP_MS, this.random) };
        this.queue.unshift(job); // not the photo's fault: first in line when the network is back
        job.state = "queued";
        return;
      }
      this.pause = { count: 0, until: 0 };
      if (answer.status === 200 && answer.body && typeof answer.body.size === "number") {
        await keepPhoto(this.db, job.sha256, job.size, answer.body, { cap: this.caps[job.size] ?? Infinity });
        this.fetched += 1;
        this._done(job, answer.body);
        return;
      }
      this._failed(job); // 404 (not uploaded yet), 403, 5xx...: this photo, later
    } catch {
      this._failed(job); // the device could not keep it (quota): later too
    } finally {
      this.running -= 1;
      this._pump();
    }
  }

  _done(job, blob) {
    this.failures.delete(job.key);
    this.jobs.delete(job.key);
    for (const waiter of job.waiters) if (waiter.wanted()) waiter.show(blob);
  }

  _failed(job) {
    const count = (this.failures.get(job.key) || { count: 0 }).count;
    this.failures.set(job.key, { count: count + 1, until: this.now() + backoffDelay(count, RETRY_BASE_MS, RETRY_CAP_MS, this.random) });
    if (this._stillWanted(job)) this._schedule(job);
  }

  // -- showing -------------------------------------------------------------------------------

  /**
   * The photos of one screen: `photo(sha, size)` answers an element (the photo, or a placeholder
   * that becomes the photo once it is visible and fetched); `release()` when the screen goes.
   */
  view({ doc = document } = {}) {
    const cache = this;
    const keys = new Set();
    const ownUrls = [];
    const visible = new WeakSet();
    let released = false;
    const observer =
      typeof IntersectionObserver === "function"
        ? new IntersectionObserver(
            (entries) => {
              for (const entry of entries) {
                if (entry.isIntersecting) {
                  visible.add(entry.target);
                  if (entry.target.load) entry.target.load();
                } else {
                  visible.delete(entry.target);
                }
              }
            },
            { rootMargin: "200px" },
          )
        : null;

    function url(key, blob) {
      keys.add(key);
      if (!cache.urls.has(key)) cache.urls.set(key, URL.createObjectURL(blob));
      return cache.urls.get(key);
    }

    function image(src, { alt, className }) {
      const img = doc.createElement("img");
      img.className = className;
      img.alt = alt;
      img.src = src;
      return img;
    }

    const view = {
      /** An element showing the photo: at once when this device shows it already. */
      photo(sha256, size, { alt = "", className = "thumb-img" } = {}) {
        const key = keyOf(sha256, size);
        if (cache.urls.has(key)) {
          keys.add(key);
          return image(cache.urls.get(key), { alt, className });
        }
        const holder = doc.createElement("span");
        holder.className = `${className} thumb-missing`;
        holder.title = sha256.slice(0, 12);
        holder.textContent = "📷";
        holder.setAttribute("data-sha", sha256);
        let asked = false;
        holder.load = () => {
          if (asked || released) return;
          asked = true;
          const wanted = () => !released && holder.isConnected && (!observer || visible.has(holder));
          cache
            .want(sha256, size, (blob) => {
              if (released) return;
              if (observer) observer.unobserve(holder);
              holder.replaceWith(image(url(key, blob), { alt, className }));
            }, wanted)
            .then((kept) => {
              if (!kept) asked = false; // asked again when it scrolls into view again
            })
            .catch(() => {
              asked = false;
            });
        };
        if (observer) observer.observe(holder);
        else cache.setTimer(holder.load, 0);
        return holder;
      },
      /** A URL for a blob of this screen alone (a photo just taken), revoked with the screen. */
      blobUrl(blob) {
        const objectUrl = URL.createObjectURL(blob);
        ownUrls.push(objectUrl);
        return objectUrl;
      },
      release() {
        if (released) return;
        released = true;
        if (observer) observer.disconnect();
        cache.views.delete(view);
        cache.setTimer(() => {
          for (const objectUrl of ownUrls.splice(0)) URL.revokeObjectURL(objectUrl);
          cache._sweep();
        }, SWEEP_AFTER_MS);
      },
      keys,
    };
    this.views.add(view);
    return view;
  }

  /** Revoke the URLs no screen shows any more. */
  _sweep() {
    const shown = new Set();
    for (const view of this.views) for (const key of view.keys) shown.add(key);
    for (const [key, objectUrl] of this.urls) {
      if (!shown.has(key)) {
        URL.revokeObjectURL(objectUrl);
        this.urls.delete(key);
      }
    }
  }

  /** Logged out: forget what was fetched for the account (db.js drops the kept photos). */
  reset() {
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
    this.jobs.clear();
    this.queue = [];
    this.failures.clear();
  }
}
