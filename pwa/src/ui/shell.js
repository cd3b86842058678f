// What is on every screen: the status bar (online, unsent count, last sync, needs fixing), the
// "entering for" bar, the bottom navigation and the update banner.
import { h } from "../dom.js";
import { dateTime } from "../format.js";
import { t } from "../i18n.js";

export function statusBar({ online, pending, rejected, lastSync, syncing, error }) {
  const state = syncing ? t("syncing") : online ? t("online") : t("offline");
  const problem = error === "session" ? h("p", { class: "warn", role: "alert" }, t("session_expired")) : null;
  return h(
    "div",
    { class: "status" },
    h(
      "a",
      { href: "#/sync", class: "status-link", "aria-label": t("sync_title") },
      h("span", { class: online ? "dot on" : "dot off", "aria-hidden": "true" }),
      h("span", { id: "net-state" }, state),
      h("span", null, ` · ${t("unsent")}: `, h("b", { id: "unsent-count" }, String(pending))),
      h("span", null, ` · ${t("last_sync")}: `, h("b", { id: "last-sync" }, lastSync ? dateTime(lastSync) : t("never"))),
    ),
    rejected
      ? h("a", { href: "#/fix", class: "fix-link", id: "fix-count" }, `${t("needs_fixing")}: ${rejected}`)
      : null,
    problem,
  );
}

export function forBar(producer, canChange) {
  if (!producer) return null;
  return h(
    "div",
    { class: "for-bar", id: "for-bar" },
    h("span", null, `${t("entering_for")} `, h("b", null, producer.name)),
    canChange ? h("a", { href: "#/producers", class: "btn small" }, t("change")) : null,
  );
}

export function bottomNav(route, isFacilitator, inbox = 0) {
  const item = (hash, text, count = 0) =>
    h(
      "a",
      { href: hash, class: route.startsWith(hash) ? "active" : null, "aria-current": route.startsWith(hash) ? "page" : null },
      text,
      // What needs the person's action ("Perlu tindakan"): the server's rejections and reviewers' requests.
      count ? h("span", { class: "nav-count", id: "inbox-count", title: t("inbox_count", { n: count }) }, String(count)) : null,
    );
  return h(
    "nav",
    { class: "bottom", "aria-label": "Menu" },
    item("#/products", t("nav_products"), inbox),
    isFacilitator ? item("#/producers", t("nav_producers")) : null,
    item("#/sync", t("nav_sync")),
  );
}

export function updateBanner(onReload) {
  return h("button", { class: "update", id: "update-banner", type: "button", onclick: onReload }, t("update_ready"));
}
