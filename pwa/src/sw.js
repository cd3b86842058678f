// The service worker: the app shell from a versioned cache (Offline Cookbook style), API calls
// always to the network (data lives in IndexedDB, never in a cache), safe updates (a new version
// waits until the person taps "muat ulang"), and Background Sync of the outbox.
import { openStore, getMeta } from "./db.js";
import { Replica, TransportError } from "./replica.js";
import { sessionTokens } from "./auth.js";
import { SYNC_TAG, exclusively } from "./syncloop.js";
import { uploadPendingPhotos } from "./photos.js";
import { httpTransport } from "./transport.js";

const VERSION = "__LUMBUNG_VERSION__"; // written in by the server: the build's hash (and tag)
const PREFIX = "lumbung-shell-";
const CACHE = PREFIX + VERSION;
const SHELL = __PRECACHE__; // the build's list: "/", the hashed assets, manifest, icons

self.addEventListener("install", (event) => {
  // {cache: "reload"}: straight from the server, never from the HTTP cache of an older version.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // network only: answers are data, not shell
  if (request.mode === "navigate") {
    event.respondWith(caches.match("/", { cacheName: CACHE }).then((cached) => cached || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((cached) => cached || fetch(request)));
});

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(backgroundPush());
});

/** An open page syncs itself (it redraws too); with none open, push the outbox from here. */
async function backgroundPush() {
  const windows = await self.clients.matchAll({ type: "window" });
  if (windows.length) {
    windows.forEach((client) => client.postMessage({ type: "sync" }));
    return;
  }
  const db = await openStore();
  try {
    if (!(await getMeta(db, "session"))) return;
    const lang = (await getMeta(db, "lang")) || "id";
    const transport = httpTransport({ session: sessionTokens(db), lang: () => lang });
    const replica = await Replica.open(db, { transport });
    await exclusively(async () => {
      await replica.push();
      await uploadPendingPhotos(db, transport);
    });
  } catch (error) {
    if (error instanceof TransportError) throw error; // the browser tries the sync again later
  } finally {
    db.close();
  }
}
