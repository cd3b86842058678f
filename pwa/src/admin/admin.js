// The admin screens (regional admins on a desktop or tablet, online): review queue, export
// readiness, dashboards, consolidation and marketplace exports. This module and those it imports
// are a chunk of their own that main.js import()s only when an admin logs in.
import { clearAccount } from "../db.js";
import { h } from "../dom.js";
import { currentLang } from "../i18n.js";
import { UrlScope, makeApi } from "./api.js";
import { consolidationScreen, planScreen } from "./consolidation.js";
import { dashboardsScreen } from "./dashboards.js";
import { exportsScreen } from "./exports.js";
import { readinessScreen } from "./readiness.js";
import { productScreen, reviewScreen } from "./review.js";
import { errorBox } from "./ui.js";
import { at } from "./words.js";

const ROUTES = [
  [/^#\/admin\/review$/, reviewScreen, "nav_review"],
  [/^#\/admin\/products\/([0-9a-f-]{36})$/, productScreen, "nav_review"],
  [/^#\/admin\/readiness$/, readinessScreen, "nav_readiness"],
  [/^#\/admin\/dashboards$/, dashboardsScreen, "nav_dashboards"],
  [/^#\/admin\/consolidation$/, consolidationScreen, "nav_consolidation"],
  [/^#\/admin\/consolidation\/([0-9a-f-]{36})$/, planScreen, "nav_consolidation"],
  [/^#\/admin\/exports$/, exportsScreen, "nav_exports"],
];
const NAV = [
  ["#/admin/review", "nav_review"],
  ["#/admin/readiness", "nav_readiness"],
  ["#/admin/dashboards", "nav_dashboards"],
  ["#/admin/consolidation", "nav_consolidation"],
  ["#/admin/exports", "nav_exports"],
];
const PARALLEL = 4; // photos fetched at once

function installStyle() {
  if (document.getElementById("admin-style")) return;
  document.head.append(h("style", { id: "admin-style" }, __ADMIN_CSS__));
}

export function startAdmin(ctx) {
  installStyle();
  const api = makeApi(ctx);
  const state = {}; // filters and caches that outlive a screen
  let scope = new UrlScope();
  let drawn = 0;
  let running = 0;
  const waiting = [];

  function queue(job) {
    waiting.push(job);
    pump();
  }

  function pump() {
    while (running < PARALLEL && waiting.length) {
      const job = waiting.shift();
      running += 1;
      job().finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  async function logout() {
    if (!window.confirm(at("logout_confirm"))) return;
    await clearAccount(ctx.db);
    ctx.leave();
  }

  function bar(active) {
    const lang = currentLang();
    const langButton = (code, text) =>
      h("button", { type: "button", lang: code, "aria-pressed": String(lang === code), onclick: () => ctx.setLanguage(code) }, text);
    return h(
      "header",
      { class: "admin-bar" },
      h("span", { class: "brand" }, "Lumbung"),
      h("nav", { "aria-label": at("admin_menu"), id: "admin-nav" },
        NAV.map(([hash, key]) => h("a", { href: hash, "aria-current": key === active ? "page" : null }, at(key)))),
      h("span", { class: "who", title: at("admin") }, ctx.session.user.name),
      h("span", { role: "group", "aria-label": at("language") }, langButton("id", "ID"), langButton("en", "EN")),
      h("button", { type: "button", id: "admin-logout", onclick: logout }, at("logout")),
    );
  }

  function flash(message) {
    ctx.flash(message);
  }

  async function render() {
    const route = location.hash;
    const found = ROUTES.find(([pattern]) => pattern.test(route));
    if (!found) {
      location.replace("#/admin/review");
      return;
    }
    const [pattern, screen, active] = found;
    const token = ++drawn;
    const old = scope;
    scope = new UrlScope();
    waiting.length = 0;
    const env = { ctx, api, state, scope, queue, flash, rerender: render, go: (hash) => (location.hash === hash ? render() : (location.hash = hash)) };
    const top = document.getElementById("top");
    top.textContent = "";
    top.append(bar(active));
    document.getElementById("bottom").querySelectorAll("nav").forEach((nav) => nav.remove());
    const loading = h("main", { id: "main", "aria-busy": "true" }, h("p", null, at("loading")));
    document.getElementById("main").replaceWith(loading);
    let main;
    try {
      main = await screen(env, ...route.match(pattern).slice(1));
    } catch (error) {
      main = h("main", { id: "main" }, errorBox(error), h("button", { type: "button", class: "btn", onclick: render }, at("retry")));
    }
    if (token !== drawn) return; // another route was drawn meanwhile
    old.revoke();
    document.getElementById("main").replaceWith(main);
    document.title = `${at(active)} · Lumbung`;
  }

  function stop() {
    scope.revoke();
    waiting.length = 0;
    document.getElementById("top").textContent = "";
    document.title = "Lumbung";
  }

  return { render, stop };
}
