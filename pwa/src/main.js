// The app: boot, the router, the service worker's registration and updates, and the glue that
// keeps the status bar (unsent count, last sync) true after every write and sync. Admins get the
// admin screens instead (src/admin/, a chunk loaded by import() only for them: online screens,
// no sync loop, no local records).
import { isUnlocked, lock, sessionTokens } from "./auth.js";
import { getMeta, openStore, setMeta } from "./db.js";
import { keepDraft } from "./drafts.js";
import { h } from "./dom.js";
import { shieldTaps, watchFingers, whenLifted } from "./fingers.js";
import { currentLang, setLang, t } from "./i18n.js";
import { loadModel, noteSaved } from "./model.js";
import { PhotoCache } from "./photocache.js";
import { cacheVillages, regionNames } from "./regions.js";
import { RECENT_DAYS, Replica, appliedRow } from "./replica.js";
import { SYNC_TAG, SyncLoop } from "./syncloop.js";
import { httpTransport } from "./transport.js";
import { fixScreen } from "./ui/fix.js";
import { homeScreen } from "./ui/home.js";
import { hubScreen } from "./ui/hubStatus.js";
import { claimScreen } from "./ui/claim.js";
import { enrolPhoneScreen } from "./ui/enrolPhone.js";
import { loginScreen } from "./ui/login.js";
import { movementForm } from "./ui/movementForm.js";
import { productScreen } from "./ui/product.js";
import { productForm } from "./ui/productForm.js";
import { pinScreen, producerForm, producersScreen } from "./ui/producers.js";
import { productsScreen } from "./ui/products.js";
import { bottomNav, forBar, installButton, statusBar, updateBanner } from "./ui/shell.js";
import { syncScreen } from "./ui/syncScreen.js";

const ctx = { ui: {}, session: null, model: null, loop: null, syncState: {}, lastSync: null, saving: new Set() };
let routeLive = false;
let reloadingForUpdate = false;

// -- routes --------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/producers$/, () => producersScreen(ctx), true],
  [/^#\/producers\/new$/, () => producerForm(ctx), false],
  [/^#\/producers\/([0-9a-f-]{36})\/pin$/, (id) => pinScreen(ctx, id), false],
  [/^#\/producers\/([0-9a-f-]{36})\/enrol$/, (id) => enrolPhoneScreen(ctx, id), false],
  [/^#\/home$/, () => homeScreen(ctx), true],
  [/^#\/products$/, () => productsScreen(ctx), true],
  [/^#\/products\/new$/, () => productForm(ctx), false],
  [/^#\/products\/([0-9a-f-]{36})$/, (id) => productScreen(ctx, id), true],
  [/^#\/products\/([0-9a-f-]{36})\/edit$/, (id) => productForm(ctx, { productId: id }), false],
  [/^#\/products\/([0-9a-f-]{36})\/stock$/, (id) => movementForm(ctx, { productId: id }), false],
  [/^#\/sync$/, () => syncScreen(ctx), true],
  [/^#\/hub$/, () => hubScreen(ctx), false],
  [/^#\/fix$/, () => fixScreen(ctx), true],
  [/^#\/fix\/([0-9]+)$/, (seq) => fixForm(Number(seq)), false],
];

function fixForm(seq) {
  const op = ctx.model.rejected.find((candidate) => candidate.seq === seq);
  if (!op) return fixScreen(ctx);
  if (op.entity === "producer") return producerForm(ctx, { fix: op });
  if (op.entity === "product") return productForm(ctx, { fix: op });
  return movementForm(ctx, { fix: op });
}

function isFacilitator() {
  return ctx.session && ctx.session.user.role !== "producer";
}

/** Where a route really goes: a facilitator picks a producer first; a producer needs its record. */
function redirect(route) {
  const needsProducer = /^#\/(products|home)/.test(route);
  if (needsProducer && !currentProducerId()) {
    if (isFacilitator()) return "#/producers";
    // A producer without its record is told whom to ask, once the first sync has shown there is none.
    if (ctx.lastSync) return "#/producers/new";
  }
  if (!isFacilitator() && /^#\/producers/.test(route)) {
    // A producer has one record, entered by its facilitator: until it comes, whom to ask.
    return currentProducerId() || !ctx.lastSync ? "#/products" : "#/producers/new";
  }
  // A producer starts at home (where they stand); a facilitator at the products of their producer.
  return ROUTES.some(([pattern]) => pattern.test(route)) ? route : isFacilitator() ? "#/products" : "#/home";
}

let renderCount = 0; // renders started
let shownRender = 0; // the latest of them on screen
let shownRoute = null;
async function render() {
  if (!ctx.session) return;
  if (ctx.admin) {
    await ctx.admin.render();
    return;
  }
  const route = redirect(location.hash);
  if (route !== location.hash) {
    location.replace(route);
    return;
  }
  const [pattern, screen, live] = ROUTES.find(([p]) => p.test(route));
  const mine = ++renderCount;
  let main;
  try {
    main = await screen(...route.match(pattern).slice(1));
  } catch (error) {
    main = errorScreen(error);
  }
  // Screens are built asynchronously and may finish out of order. One that took longer to
  // build than the person took to move on (a redraw of the sync screen, then a tap on Produsen)
  // must not come back; nor may an older build of this screen replace a newer one. A newer
  // build still running does not hold this one back: it may never finish (a fetch cut off).
  if (route !== location.hash || mine < shownRender) return;
  shownRender = mine;
  routeLive = live;
  const old = document.getElementById("main");
  fillInstallSlots(main);
  old.replaceWith(main);
  if (old.release) old.release(); // the photos the old screen showed
  drawChrome(route);
  // Another screen opens at its top (after a long form, the product would open halfway down);
  // the same screen drawn again keeps where the person is.
  if (route !== shownRoute) window.scrollTo(0, 0);
  shownRoute = route;
  if (live && ctx.stale) dataChanged(); // drawn at once from the model at hand, then brought up to date
}

function drawChrome(route = location.hash) {
  const counts = { pending: ctx.model.pending, rejected: ctx.model.inboxCount };
  const state = { online: navigator.onLine, lastSync: ctx.lastSync, ...counts, ...ctx.syncState };
  const producer = isFacilitator() ? ctx.model.producerById.get(currentProducerId()) : null;
  setChildren("top", statusBar(state), forBar(producer, true));
  setChildren("bottom", ctx.waitingWorker ? updateBanner(applyUpdate) : null, bottomNav(route, isFacilitator(), ctx.model.inboxCount, ctx.hub));
}

function setChildren(id, ...children) {
  const holder = document.getElementById(id);
  holder.textContent = "";
  holder.append(...children.filter(Boolean));
}

// -- data ----------------------------------------------------------------------------------

let reloadTimer = 0;
function dataChanged(why) {
  // A pulled page changes nothing a form shows, and reading every record again (thousands in a
  // first sync) would keep the phone busy while the person types: read when a live screen opens.
  if (why === "pull" && !routeLive && document.querySelector("#main form")) {
    ctx.stale = true;
    return;
  }
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(refresh, 30);
}

/** Read the model again and redraw: live screens fully, unless the person is typing in them. */
async function refresh({ redraw = true } = {}) {
  if (!ctx.session) return;
  // A save still committing would be missing from a model read now: the screen would lose it.
  while (ctx.saving.size) await Promise.allSettled([...ctx.saving]);
  ctx.stale = false;
  ctx.model = await loadModel(ctx.replica);
  ctx.lastSync = await getMeta(ctx.db, "last_sync");
  const typing = document.activeElement && document.activeElement.closest && document.activeElement.closest("#main input, #main textarea, #main select");
  if (redraw && routeLive && !typing) await whenLifted(render);
  else whenLifted(drawChrome);
}

function currentProducerId() {
  if (!ctx.session) return null;
  if (isFacilitator()) return ctx.model.producerById.has(ctx.ui.currentProducer) ? ctx.ui.currentProducer : null;
  const own = ctx.model.producers.find((p) => p.phone === ctx.session.phone) || ctx.model.producers[0];
  return own ? own.id : null;
}

/** Enter for this producer, then open `target` (their products, or one of them). */
function chooseProducer(id, target = "#/products") {
  ctx.ui.currentProducer = id;
  // Kept for the next start; the screen does not wait for it (a sync may hold the store a moment).
  setMeta(ctx.db, "current_producer", id).catch(() => {});
  go(target);
}

/**
 * After a local write. With `saved` (the op a replica write answers), the record goes into the
 * model in place and the next screen opens at once; the full read follows. Without it, the
 * model is read again first.
 */
async function afterWrite({ quiet = false, saved = null, shown = false } = {}) {
  if (saved || shown) {
    if (saved) noteSaved(ctx.model, saved.saved);
    // The model is read again, but the screen about to open shows the saved record already: not
    // drawn again for it (a tap landing while a screen is replaced is lost).
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => refresh({ redraw: false }), 30);
  } else {
    await refresh();
  }
  if (quiet) return;
  askPersistence();
  if (ctx.registration && ctx.registration.sync) ctx.registration.sync.register(SYNC_TAG).catch(() => {});
  if (navigator.onLine) ctx.loop.request("write");
}

/**
 * Save a record and let the next screen open before the save commits: a sync storing a page
 * holds the database for a moment, and the person must not wait for it. The model shows the
 * record at once, as the save will store it; reads of the model wait for the commit. The form's
 * draft is dropped in the save's own transaction, so nothing typed is lost if the app closes
 * first; if the save fails, the form (`back`) comes back with what was typed.
 */
function saveSoon(entity, id, fields, extra, { draft = null, values = null, back }) {
  const known = entity === "product" ? ctx.model.productById.get(id) : null; // an edit's record
  const shown = appliedRow(known ? { entity, id, data: known } : null, { entity, entity_id: id, action: "upsert", fields, hlc: "" }, extra.enteredBy);
  if (draft && values) keepDraft(ctx.db, draft, values).catch(() => {}); // the last keystrokes too
  const saving = ctx.replica.upsert(entity, id, fields, { ...extra, draft });
  shieldNext = true; // a double tap on Simpan: its second tap must not land on the next screen
  ctx.saving.add(saving);
  noteSaved(ctx.model, shown);
  saving.then(
    () => afterWrite({ shown: true }),
    () => {
      dataChanged(); // the model loses the record it showed
      flash(t("save_failed"));
      go(back);
    },
  ).finally(() => ctx.saving.delete(saving));
}

/** After the first record: ask the browser not to evict our data. A refusal is told on the
 * facilitator's sync screen (under Rincian), not in a toast a producer cannot act on. */
async function askPersistence() {
  if ((await getMeta(ctx.db, "persisted")) !== undefined || !navigator.storage || !navigator.storage.persist) return;
  const granted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  await setMeta(ctx.db, "persisted", granted);
}

// -- session -------------------------------------------------------------------------------

async function enter(session) {
  ctx.session = session;
  if (session.user.role === "admin") {
    await enterAdmin();
    return;
  }
  ctx.ui.currentProducer = await getMeta(ctx.db, "current_producer");
  ctx.model = await loadModel(ctx.replica);
  ctx.lastSync = await getMeta(ctx.db, "last_sync");
  ctx.regionNames = await regionNames(ctx.db);
  document.body.classList.add("in-app");
  if (!ctx.loop) {
    ctx.loop = new SyncLoop({ replica: ctx.replica, transport: ctx.transport, onState: syncStateChanged });
    ctx.loop.start();
  } else {
    ctx.loop.request("login");
  }
  cacheVillages(ctx.db, ctx.transport, session.user.regions || [])
    .then(async () => {
      ctx.regionNames = await regionNames(ctx.db);
    })
    .catch(() => {}); // offline: the kept list serves
  if (isFacilitator()) findHub();
  await render();
}

/** Whether this server is a kecamatan hub: its status page is then in the facilitator's menu. */
function findHub() {
  ctx.transport("GET", "/api/v1/hub/status", { timeoutMs: 10000 })
    .then((answer) => {
      ctx.hub = answer.status === 200;
      if (ctx.hub && ctx.model) whenLifted(drawChrome);
    })
    .catch(() => {}); // offline: asked again at the next login or start
}

/** The admin screens: fetched on demand (never precached), then they draw every route. */
async function enterAdmin() {
  document.body.classList.add("in-app", "admin");
  try {
    const { startAdmin } = await import("./admin/admin.js");
    ctx.admin = startAdmin(ctx);
  } catch (error) {
    // Offline, or this page is an older version than the server's: a reload fetches the right one.
    document.getElementById("main").replaceWith(errorScreen(error));
    return;
  }
  await render();
}

/** A screen that could not be built: what went wrong, and a reload (never a screen that stays put). */
function errorScreen(error) {
  const text = String(error && error.message ? error.message : error);
  const reload = h("button", { type: "button", class: "btn primary", onclick: () => location.reload() }, t("reload"));
  return h("main", { id: "main" }, h("p", { class: "error", role: "alert" }, text), reload);
}

function syncStateChanged(state) {
  ctx.syncState = { syncing: state.syncing, error: state.error };
  if (!state.syncing) syncEnded();
  else if (ctx.model) whenLifted(drawChrome);
}

/** A sync ended: the status bar says how. What it changed in the data comes through the
 * replica's onChange; redrawing the screen here as well would replace it for nothing, and a tap
 * that lands while the screen is replaced is lost (a sync failing as the phone goes offline would
 * do that).
 * The sync screen shows the sync itself, and the first sync decides where a new producer starts:
 * those are drawn again. */
async function syncEnded() {
  if (!ctx.session || !ctx.model) return;
  const last = await getMeta(ctx.db, "last_sync");
  if ((last && !ctx.lastSync) || location.hash === "#/sync") {
    // The first sync's end and the records it brought are read together (refresh): a screen
    // opened in between saw the sync done without the producer's record, and said "Belum
    // terdaftar" to a registered producer.
    await refresh();
  } else {
    ctx.lastSync = last;
    whenLifted(drawChrome);
  }
}

function leave() {
  lock();
  if (ctx.admin) ctx.admin.stop();
  ctx.admin = null;
  ctx.hub = undefined;
  document.body.classList.remove("admin");
  ctx.session = null;
  ctx.ui = {};
  if (ctx.loop) ctx.loop.stop();
  ctx.loop = null;
  document.body.classList.remove("in-app");
  setChildren("top");
  setChildren("bottom");
  showLogin();
}

function showLogin() {
  const inline = document.getElementById("main");
  const typed = inline.querySelector("#phone");
  const claimed = CLAIM_ROUTE.exec(location.hash);
  const screen = claimed ? claimScreen(ctx, { code: claimed[1], back: leaveClaim }) : loginScreen(ctx, { phone: typed ? typed.value : "" });
  fillInstallSlots(screen);
  inline.replaceWith(screen);
  if (inline.release) inline.release();
}

// A phone set up with a facilitator's code (ui/claim.js): the QR's address fills the code in.
const CLAIM_ROUTE = /^#\/claim(?:\/([A-Za-z0-9-]*))?$/;

function leaveClaim() {
  history.replaceState(null, "", location.pathname);
  showLogin();
}

// -- the service worker ----------------------------------------------------------------------

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloadingForUpdate) location.reload(); // only when the person asked for it
  });
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "sync" && ctx.loop) ctx.loop.request("background-sync");
  });
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((registration) => {
    ctx.registration = registration;
    if (registration.waiting && navigator.serviceWorker.controller) updateWaiting(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) updateWaiting(worker);
      });
    });
  });
}

function checkForUpdate() {
  if (ctx.registration) ctx.registration.update().catch(() => {});
}

/** A new version is installed and waits: offer it, never force it (the person may be typing). */
function updateWaiting(worker) {
  ctx.waitingWorker = worker;
  if (ctx.session && ctx.model) drawChrome();
  else document.getElementById("bottom").append(updateBanner(applyUpdate));
}

function applyUpdate() {
  reloadingForUpdate = true;
  ctx.waitingWorker.postMessage({ type: "SKIP_WAITING" });
}

// -- small things --------------------------------------------------------------------------

/**
 * Open a screen now. Its hashchange event would wait behind every task already queued (a sync
 * storing records queues hundreds): it draws only the routes this did not (the back button).
 */
let shieldNext = false; // the next screen opened is a save's: shield it from a second tap
function go(hash) {
  if (shieldNext) {
    shieldNext = false;
    shieldTaps(hash);
  }
  if (location.hash !== hash) location.hash = hash;
  wentTo = hash;
  render();
}

let wentTo = null;
function hashChanged() {
  if (!ctx.session && CLAIM_ROUTE.test(location.hash)) showLogin();
  else if (location.hash !== wentTo) render();
  wentTo = null;
}

function flash(message) {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => {
    toast.hidden = true;
  }, 5000);
}

async function setLanguage(lang) {
  setLang(lang);
  await setMeta(ctx.db, "lang", lang); // the service worker asks the server in it too
  await render();
}

function enteredBy() {
  const user = ctx.session.user;
  return user.name;
}

// -- install ------------------------------------------------------------------------------

/** The browser can install the app: keep its prompt and offer our own button where a screen has a slot. */
function installOffered(event) {
  event.preventDefault(); // our button, not the browser's mini-bar
  ctx.installPrompt = event;
  fillInstallSlots();
}

function fillInstallSlots(root = document) {
  for (const slot of root.querySelectorAll(".install-slot")) {
    slot.textContent = "";
    if (ctx.installPrompt) slot.append(installButton(install));
  }
}

async function install() {
  const prompt = ctx.installPrompt;
  if (!prompt) return;
  ctx.installPrompt = null;
  fillInstallSlots();
  await prompt.prompt();
}

function syncNow() {
  checkForUpdate();
  return ctx.loop.request("button");
}

async function boot() {
  document.documentElement.lang = currentLang();
  const meta = document.querySelector('meta[name="lumbung-version"]');
  ctx.version = meta ? meta.content : "dev";
  ctx.db = await openStore();
  ctx.transport = httpTransport({ session: sessionTokens(ctx.db), lang: currentLang });
  ctx.replica = await Replica.open(ctx.db, { transport: ctx.transport, onChange: dataChanged, recentDays: RECENT_DAYS });
  ctx.photos = new PhotoCache({ db: ctx.db, transport: ctx.transport }); // photos of other devices
  Object.assign(ctx, { go, enter, leave, afterWrite, saveSoon, flash, chooseProducer, currentProducerId, enteredBy, setLanguage, syncNow, fillInstallSlots });
  window.addEventListener("hashchange", hashChanged);
  watchFingers();
  window.addEventListener("online", () => {
    checkForUpdate();
    if (ctx.model) drawChrome();
  });
  window.addEventListener("offline", () => ctx.model && drawChrome());
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && checkForUpdate());
  registerServiceWorker();
  const session = await getMeta(ctx.db, "session");
  if (isUnlocked(session)) await enter(session);
  else showLogin();
  document.body.setAttribute("data-ready", "1"); // for the browser tests: the app has taken over
}

window.lumbung = ctx; // for the browser tests and for curious support staff
// Listened for before boot: the browser may offer the install while the store still opens.
window.addEventListener("beforeinstallprompt", installOffered);
window.addEventListener("appinstalled", () => {
  ctx.installPrompt = null;
  fillInstallSlots();
});
boot().catch((error) => {
  document.body.append(h("p", { class: "error", role: "alert" }, String(error)));
  throw error;
});
