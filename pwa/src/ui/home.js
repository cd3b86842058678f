// A producer's home: where they stand at a glance. Their name, what waits for them (to send,
// to fix), their stock by product and this month's sales, in money where a price is known.
import { h } from "../dom.js";
import { quantity, rupiah } from "../format.js";
import { label, t } from "../i18n.js";
import { icon } from "../icons.js";
import { formatMilli, parseMilli } from "../quantity.js";

const SHOWN_PRODUCTS = 10; // the rest are one tap away on the Produk tab

/** This month's sales per product: [{product, milli, rupiah}], biggest first, and the total rupiah. */
export function monthSales(model, products, now = new Date()) {
  const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  const sales = [];
  let total = 0n;
  for (const product of products) {
    let milli = 0n;
    for (const m of model.movementsByProduct.get(product.id) || []) {
      if (m.kind !== "sale" || localMonth(m.occurred_at) !== month) continue;
      const qty = parseMilli(m.qty) || 0n;
      milli += qty < 0n ? -qty : qty;
    }
    if (!milli) continue;
    const price = product.price_idr ? BigInt(product.price_idr) : null;
    const money = price === null ? null : (milli * price) / 1000n;
    if (money !== null) total += money;
    sales.push({ product, milli, money });
  }
  sales.sort((a, b) => (a.money === b.money ? 0 : (b.money || 0n) > (a.money || 0n) ? 1 : -1));
  return { sales, total };
}

/** The phone's own month of a moment (a sale at 23:30 WIB on the 31st is that month's). */
function localMonth(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

function waitingCard(ctx) {
  const pending = ctx.model.pending;
  const toFix = ctx.model.inboxCount; // "Perlu tindakan": the same count as the Produk tab's
  const items = [];
  if (pending) items.push(h("li", null, icon("waiting"), `${t("waiting_to_send")}: `, h("b", { id: "home-pending" }, String(pending))));
  if (toFix) {
    items.push(h("li", null, h("a", { href: "#/fix", id: "home-fix" }, icon("waiting"), `${t("home_to_fix")}: `, h("b", null, String(toFix)))));
  }
  return h(
    "section",
    { class: "home-card", id: "home-waiting" },
    h("h2", null, t("home_waiting")),
    items.length ? h("ul", { class: "home-list" }, items) : h("p", { class: "ok" }, icon("sent"), t("home_all_good")),
  );
}

function stockCard(ctx, products) {
  const shown = products.slice(0, SHOWN_PRODUCTS);
  return h(
    "section",
    { class: "home-card", id: "home-stock" },
    h("h2", null, t("home_stock")),
    products.length
      ? h(
          "ul",
          { class: "home-list" },
          shown.map((p) =>
            h(
              "li",
              null,
              h(
                "a",
                { href: `#/products/${p.id}`, class: "home-row" },
                icon(p.category),
                h("span", { class: "home-name" }, p.name),
                h("b", { class: "home-qty" }, quantity(ctx.model.stockByProduct.get(p.id) || "0", label("unit", p.unit))),
              ),
            ),
          ),
        )
      : h("p", { class: "empty" }, t("no_products")),
    products.length > SHOWN_PRODUCTS ? h("a", { href: "#/products", class: "btn" }, t("see_all", { n: products.length })) : null,
    h("a", { href: "#/products/new", class: "btn" }, t("add_product")),
  );
}

function salesCard(ctx, products) {
  const { sales, total } = monthSales(ctx.model, products);
  return h(
    "section",
    { class: "home-card", id: "home-sales" },
    h("h2", null, t("home_sales")),
    sales.length
      ? [
          total ? h("p", { class: "big-number" }, h("b", { id: "home-sales-total" }, rupiah(String(total)))) : null,
          h(
            "ul",
            { class: "home-list" },
            sales.slice(0, SHOWN_PRODUCTS).map(({ product, milli, money }) =>
              h(
                "li",
                { class: "home-row" },
                h("span", { class: "home-name" }, product.name),
                h("span", { class: "home-qty" }, quantity(formatMilli(milli), label("unit", product.unit)), money !== null ? ` · ${rupiah(String(money))}` : ""),
              ),
            ),
          ),
        ]
      : h("p", { class: "empty" }, t("home_no_sales")),
  );
}

export function homeScreen(ctx) {
  const producerId = ctx.currentProducerId();
  const producer = ctx.model.producerById.get(producerId) || {};
  const products = ctx.model.products.filter((p) => p.producer_id === producerId);
  return h(
    "main",
    { id: "main", class: "home" },
    h("h1", { id: "home-name" }, t("home_hello", { name: producer.name || ctx.session.user.name })),
    waitingCard(ctx),
    stockCard(ctx, products),
    salesCard(ctx, products),
    h("div", { class: "install-slot" }),
  );
}
