// The sync screen: what waits to be sent, what was rejected, when the phone last sent, the
// language switch and logout (which warns before it would discard unsent work). Under a
// "Rincian" fold: storage (photos too) and, for a facilitator only, persistence, the app
// version and the device id (words a producer need not read).
import { clearAccount, getMeta, photoUsage } from "../db.js";
import { h } from "../dom.js";
import { bytes, dateTime } from "../format.js";
import { currentLang, t } from "../i18n.js";

async function storageLine() {
  if (!navigator.storage || !navigator.storage.estimate) return "?";
  const { usage, quota } = await navigator.storage.estimate();
  return t("storage_used", { used: bytes(usage), quota: bytes(quota) });
}

/** Of that, the photos: those taken here and those fetched from the server. */
async function photoLine(db) {
  const { own, fetched } = await photoUsage(db);
  return t("photo_usage", { own: own.count, own_bytes: bytes(own.bytes), fetched: fetched.count, fetched_bytes: bytes(fetched.bytes) });
}

/** What only support staff and facilitators need: persistence, the version, the device. */
function technical(ctx, persisted) {
  return [
    persisted === undefined ? null : h("dd", { id: "persisted", class: persisted ? "" : "warn" }, persisted ? t("persisted_yes") : t("persisted_no")),
    h("dt", null, t("app_version")),
    h("dd", { id: "app-version" }, ctx.version),
    h("dt", null, t("device_id")),
    h("dd", { class: "mono" }, ctx.replica.deviceId),
  ];
}

export async function syncScreen(ctx) {
  const { pending, rejected } = await ctx.replica.counts();
  const lastSync = await getMeta(ctx.db, "last_sync");
  const persisted = await getMeta(ctx.db, "persisted");

  async function logout() {
    const { pending: unsent } = await ctx.replica.counts();
    const question = unsent ? t("logout_warning", { n: unsent }) : t("logout_confirm");
    if (!window.confirm(question)) return;
    await clearAccount(ctx.db);
    ctx.leave();
  }

  function switchLanguage(lang) {
    ctx.setLanguage(lang);
  }

  const lang = currentLang();
  const facilitator = ctx.session.user.role !== "producer";
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("sync_title")),
    h(
      "dl",
      { class: "details" },
      h("dt", null, t("waiting_to_send")),
      h("dd", { id: "sync-unsent" }, String(pending)),
      h("dt", null, t("rejected")),
      h("dd", null, rejected ? h("a", { href: "#/fix", id: "sync-rejected" }, String(rejected)) : "0"),
      h("dt", null, t("last_sent")),
      h("dd", { id: "sync-last" }, lastSync ? dateTime(lastSync) : t("never")),
    ),
    h("button", { type: "button", class: "btn primary", id: "sync-now", onclick: () => ctx.syncNow() }, t("sync_now")),
    h("div", { class: "install-slot" }),
    h(
      "details",
      // Open or closed as the person left it: the live screen is redrawn when a sync ends.
      { class: "fold", id: "sync-details", open: Boolean(ctx.ui.syncDetailsOpen), ontoggle: (e) => (ctx.ui.syncDetailsOpen = e.target.open) },
      h("summary", null, t("details_fold")),
      h(
        "dl",
        { class: "details" },
        h("dt", null, t("storage")),
        h("dd", { id: "storage" }, await storageLine()),
        h("dd", { id: "storage-photos" }, await photoLine(ctx.db)),
        facilitator ? technical(ctx, persisted) : null,
      ),
    ),
    h(
      "fieldset",
      { class: "lang" },
      h("legend", null, t("language")),
      h("button", { type: "button", class: lang === "id" ? "btn active" : "btn", "aria-pressed": String(lang === "id"), onclick: () => switchLanguage("id") }, "Bahasa Indonesia"),
      h("button", { type: "button", class: lang === "en" ? "btn active" : "btn", "aria-pressed": String(lang === "en"), onclick: () => switchLanguage("en") }, "English"),
    ),
    h("button", { type: "button", class: "btn danger", id: "logout", onclick: logout }, t("logout")),
  );
}
