// What is on every screen: the status bar (signal, what waits to be sent, needs fixing), the
// "entering for" bar, the bottom navigation, the update banner and the install button.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { icon } from "../icons.js";

/** The status bar in a producer's words: no signal (its own colour and icon), waiting to be
 * sent (how many), sending, or sent. "Akan dikirim saat ada sinyal" only when there is none. */
export function statusBar({ online, pending, rejected, syncing, error }) {
  const [state, iconName, word] = syncing
    ? ["sending", "sending", t("sending")]
    : !online
      ? ["offline", "no_signal", t("no_signal")]
      : pending
        ? ["waiting", "waiting", t("waiting_to_send")]
        : ["sent", "sent", t("all_sent")];
  // The count stays in the page (tests and screen readers read it); shown only when not zero.
  const count = h("b", { id: "unsent-count" }, String(pending));
  const waiting = pending
    ? h("span", null, state === "waiting" ? ": " : ` · ${t("waiting_to_send")}: `, count)
    : h("span", { class: "visually-hidden" }, `${t("waiting_to_send")}: `, count);
  const problem = error === "session" ? h("p", { class: "warn", role: "alert" }, t("session_expired")) : null;
  return h(
    "div",
    { class: `status ${state}`, "data-state": state },
    h(
      "a",
      { href: "#/sync", class: "status-link", "aria-label": t("sync_title") },
      icon(iconName),
      h("b", { id: "net-state" }, word),
      waiting,
      !online && pending ? h("span", { class: "status-hint", id: "send-later" }, t("sent_when_signal")) : null,
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

export function bottomNav(route, isFacilitator, inbox = 0, isHub = false) {
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
    isFacilitator ? null : item("#/home", t("nav_home")),
    item("#/products", t("nav_products"), inbox),
    isFacilitator ? item("#/producers", t("nav_producers")) : null,
    item("#/sync", t("nav_sync")),
    isFacilitator && isHub ? item("#/hub", t("nav_hub")) : null,
  );
}

export function updateBanner(onReload) {
  return h("button", { class: "update", id: "update-banner", type: "button", onclick: onReload }, t("update_ready"));
}

/** The app's own install button, offered when the browser says it can install (beforeinstallprompt). */
export function installButton(onInstall) {
  return h("button", { type: "button", class: "btn install", id: "install-app", onclick: onInstall }, icon("install"), t("install_app"));
}
