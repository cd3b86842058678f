// Products of the producer being entered for: first photo, stock on hand, status badge, search
// and filters, in a list that renders only what is visible (and fetches only those thumbnails).
import { h, field, select } from "../dom.js";
import { quantity } from "../format.js";
import { choices, label, t } from "../i18n.js";
import { virtualList } from "../vlist.js";
import { describeOp } from "./fix.js";

const ROW_HEIGHT = 76;

export function statusBadge(status) {
  const value = status || "draft";
  return h("span", { class: `badge status-${value}` }, label("status", value));
}

/** "belum terkirim", or "menunggu: Produsen Ibu Euis" when it waits for that record's fix, or
 * "Ditolak server" when it is the one to fix. */
export function unsentBadge(ctx, id) {
  if (ctx.model.rejectedIds.has(id)) return h("span", { class: "badge status-rejected" }, t("rejected"));
  const blocker = ctx.model.waitingFor.get(id);
  if (blocker) return h("span", { class: "badge unsent waiting" }, t("waiting_for", { what: describeOp(ctx, blocker) }));
  return ctx.model.unsentIds.has(id) ? h("span", { class: "badge unsent" }, t("not_sent")) : null;
}

export function productsScreen(ctx) {
  const ui = ctx.ui;
  const search = h("input", { type: "search", id: "product-search", placeholder: t("search_products"), value: ui.productQuery || "" });
  const status = select(
    [["", t("all_statuses")], ...choices("status").map((value) => [value, label("status", value)])],
    ui.statusFilter || "",
    { id: "status-filter" },
  );
  const category = select(
    [["", t("all_categories")], ...choices("category").map((value) => [value, label("category", value)])],
    ui.categoryFilter || "",
    { id: "category-filter" },
  );
  const holder = h("div");
  const view = ctx.photos.view(); // thumbnails of the rows on screen, fetched as they show
  const producerId = ctx.currentProducerId();

  function visible() {
    const query = search.value.trim().toLowerCase();
    return ctx.model.products.filter(
      (p) =>
        (!producerId || p.producer_id === producerId) &&
        (!query || String(p.name).toLowerCase().includes(query)) &&
        (!status.value || (p.status || "draft") === status.value) &&
        (!category.value || p.category === category.value),
    );
  }

  function row(product) {
    const stock = ctx.model.stockByProduct.get(product.id) || "0";
    const photo = (product.photos || [])[0];
    return h(
      "a",
      { href: `#/products/${product.id}`, class: photo ? "row with-thumb" : "row" },
      photo ? view.photo(photo, "thumb", { className: "row-thumb" }) : null,
      h("span", { class: "row-title" }, product.name),
      h(
        "span",
        { class: "row-sub" },
        h("span", { class: "stock" }, quantity(stock, label("unit", product.unit))),
        statusBadge(product.status),
        unsentBadge(ctx, product.id),
      ),
    );
  }

  function draw() {
    Object.assign(ui, { productQuery: search.value, statusFilter: status.value, categoryFilter: category.value });
    const items = visible();
    holder.textContent = "";
    holder.append(
      h("p", { class: "count" }, h("span", { id: "product-count" }, t("n_products", { n: items.length }))),
      items.length
        ? virtualList({ items, rowHeight: ROW_HEIGHT, renderRow: row, label: t("products") })
        : h("p", { class: "empty" }, t("no_products")),
    );
  }

  for (const control of [search, status, category]) control.addEventListener("input", draw);
  draw();
  const main = h(
    "main",
    { id: "main" },
    h("h1", null, t("products")),
    ctx.model.inboxCount ? h("a", { href: "#/fix", class: "btn block inbox-link", id: "inbox-link" }, t("inbox_link", { n: ctx.model.inboxCount })) : null,
    h("a", { href: "#/products/new", class: "btn primary block" }, t("add_product")),
    field(t("search"), search),
    h("div", { class: "filters" }, field(t("status"), status), field(t("category"), category)),
    holder,
  );
  main.release = view.release;
  return main;
}
