// Dashboards of the admin's regions, every figure computed by the database: stock on hand by
// category, kecamatan and desa; products by status; producers and products added per month;
// devices and facilitators not synced for 7 days; open conflicts. Charts are small SVG bars with
// the figures as a table beside them (screen readers, and anyone who wants the numbers).
import { field, h } from "../dom.js";
import { choices, label, t } from "../i18n.js";
import { barChart, errorBox, kg, moment, monthChart, qtyUnit, regionChoices, regionSelect, table } from "./ui.js";
import { at } from "./words.js";

const STATUS_COLORS = { draft: "#555", submitted: "#0b4f8a", approved: "#0b5d1e", needs_changes: "#7a4100", rejected: "#a00000" };
const TOP_DESA = 15;

function stockRows(groups, name) {
  return groups.map((g) => ({ label: name(g), value: Number(g.stock_kg) || 0, shown: kg(g.stock_kg) }));
}

function unweighedNote(groups, name) {
  const rows = groups.filter((g) => Object.keys(g.unweighed || {}).length);
  if (!rows.length) return null;
  return h("p", { class: "hint" }, `${at("unweighed")}: `,
    rows.map((g) => `${name(g)} ${Object.entries(g.unweighed).map(([unit, qty]) => qtyUnit(qty, unit)).join(", ")}`).join("; "));
}

function section(title, ...content) {
  return h("section", { class: "dash" }, h("h2", null, title), ...content);
}

function statusView(data) {
  const statuses = choices("status");
  const rows = statuses.map((s) => ({ label: label("status", s), value: data.totals[s] || 0, shown: String(data.totals[s] || 0), color: STATUS_COLORS[s] }));
  return h("div", null,
    barChart({ id: "chart-status", title: at("products_by_status"), rows, valueTitle: at("count") }),
    table([{ title: at("category") }, ...statuses.map((s) => ({ title: label("status", s), num: true }))],
      data.by_category.map((row) => [label("category", row.category), ...statuses.map((s) => String(row.statuses[s] || 0))]), { id: "status-table" }));
}

function freshnessView(env, data) {
  const roles = Object.entries(data.devices);
  const who = (row) => [row.name, at(`role_${row.role}`), row.phone || "", row.last_sync_at ? moment(env, row.last_sync_at) : at("never")];
  return h("div", { id: "freshness" },
    h("p", null, at("stale_after", { n: data.stale_after_days })),
    h("div", { class: "big-figures" },
      roles.map(([role, n]) => h("div", null, h("b", null, `${n.stale} / ${n.total}`), `${at("devices")} (${at(`role_${role}`)}) ${at("stale")}`)),
      h("div", null, h("b", null, `${data.facilitators.stale} / ${data.facilitators.total}`), `${at("facilitators")} ${at("stale")}`)),
    data.facilitators.stale_list.length
      ? table([{ title: at("name") }, { title: at("role") }, { title: at("phone") }, { title: at("last_sync") }], data.facilitators.stale_list.map(who), { cards: true })
      : null,
    data.stale_devices.length
      ? h("details", null, h("summary", null, `${at("devices")}: ${data.stale_devices.length}`),
          table([{ title: at("name") }, { title: at("role") }, { title: at("phone") }, { title: at("last_sync") }], data.stale_devices.map(who), { cards: true }))
      : null);
}

function conflictsView(env, data) {
  if (!data.total) return h("p", { id: "conflicts" }, at("no_conflicts"));
  return h("div", { id: "conflicts" },
    h("div", { class: "big-figures" }, h("div", null, h("b", null, String(data.total)), at("conflicts"))),
    table([{ title: at("entity") }, { title: at("reason") }, { title: at("count"), num: true }],
      data.by_entity.map((r) => [t(`entity_${r.entity}`), r.reason, String(r.count)])),
    table([{ title: at("when") }, { title: at("entity") }, { title: at("field") }, { title: at("reason") }],
      data.latest.map((c) => [moment(env, c.created_at), `${t(`entity_${c.entity}`)} ${c.entity_id.slice(0, 8)}`, c.field || "", c.reason]), { cards: true }));
}

export async function dashboardsScreen(env) {
  const filters = env.state.dashboards || (env.state.dashboards = { region: "" });
  const regions = await regionChoices(env);
  const region = regionSelect(regions, filters.region, { id: "dash-region" });
  const holder = h("div");

  async function load() {
    holder.textContent = at("loading");
    const params = { region: filters.region };
    const get = (path, extra = {}) => env.api.json("GET", `/api/v1/dashboards/${path}`, { params: { ...params, ...extra } });
    const parts = await Promise.allSettled([
      get("stock", { by: "category" }), get("stock", { by: "kecamatan" }), get("stock", { by: "desa" }),
      get("products-by-status"), get("growth"), get("freshness"), get("conflicts"),
    ]);
    const [byCategory, byKecamatan, byDesa, statuses, growth, freshness, conflicts] = parts;
    const view = (part, draw) => (part.status === "fulfilled" ? draw(part.value) : errorBox(part.reason));
    const categoryName = (g) => label("category", g.key);
    const regionName = (g) => g.name || g.key;
    holder.textContent = "";
    holder.append(
      section(at("stock_on_hand"),
        h("div", { class: "grid2" },
          view(byCategory, (d) => h("div", null, barChart({ id: "chart-stock-category", title: at("stock_by_category"), rows: stockRows(d.groups, categoryName), valueTitle: "kg" }), unweighedNote(d.groups, categoryName))),
          view(byKecamatan, (d) => h("div", null, barChart({ id: "chart-stock-kecamatan", title: at("stock_by_kecamatan"), rows: stockRows(d.groups, regionName), valueTitle: "kg" }), unweighedNote(d.groups, regionName))),
          view(byDesa, (d) => barChart({ id: "chart-stock-desa", title: at("stock_by_desa"), rows: stockRows(d.groups.slice(0, TOP_DESA), regionName), valueTitle: "kg" })),
          view(statuses, statusView))),
      section(at("growth"),
        view(growth, (d) => monthChart({ id: "chart-growth", title: at("growth"), months: d.months,
          series: [{ key: "producers", title: at("producers_added"), color: "#0b4f8a" }, { key: "products", title: at("products_added"), color: "#155724" }] }))),
      section(at("freshness"), view(freshness, (d) => freshnessView(env, d))),
      section(at("conflicts"), view(conflicts, (d) => conflictsView(env, d))),
    );
    holder.setAttribute("data-loaded", "1");
  }

  region.addEventListener("change", () => {
    filters.region = region.value;
    holder.removeAttribute("data-loaded");
    load();
  });
  await load();
  return h("main", { id: "main" }, h("h1", null, at("dashboards_title")), h("div", { class: "toolbar" }, field(at("region"), region)), holder);
}
