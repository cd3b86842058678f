// One product: its photos, details, stock on hand, the stock history, the admins' review notes,
// and "Siap diajukan" (ready to submit).
import { PHOTOS } from "../db.js";
import { h } from "../dom.js";
import { dateOnly, dateTime, quantity, rupiah } from "../format.js";
import { label, t } from "../i18n.js";
import { statusBadge } from "./products.js";

function detail(term, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", null, term), h("dd", null, value)];
}

async function photoStrip(ctx, product) {
  const strip = h("div", { class: "thumbs" });
  for (const sha of product.photos || []) {
    const photo = await ctx.db.get(PHOTOS, sha);
    strip.append(
      photo
        ? h("img", { src: URL.createObjectURL(photo.blob), alt: product.name, width: "96", height: "96", class: "thumb-img" })
        : h("span", { class: "thumb-missing", title: sha.slice(0, 12) }, "📷"),
    );
  }
  return strip;
}

function historyList(ctx, product) {
  const movements = [...(ctx.model.movementsByProduct.get(product.id) || [])].sort((a, b) =>
    String(b.occurred_at).localeCompare(String(a.occurred_at)),
  );
  if (!movements.length) return h("p", { class: "empty" }, t("no_history"));
  const unit = label("unit", product.unit);
  return h(
    "ul",
    { class: "history", id: "history" },
    movements.map((m) =>
      h(
        "li",
        null,
        h("span", { class: "row-title" }, `${label("movement", m.kind)} ${quantity(m.qty, unit)}`),
        h(
          "span",
          { class: "row-sub" },
          dateTime(m.occurred_at),
          ctx.model.enteredBy.get(m.id) ? ` · ${t("entered_by")}: ${ctx.model.enteredBy.get(m.id)}` : "",
          m.note ? ` · ${m.note}` : "",
          ctx.model.unsentIds.has(m.id) ? h("span", { class: "badge unsent" }, t("not_sent")) : null,
        ),
      ),
    ),
  );
}

function reviewList(ctx, product) {
  const reviews = [...(ctx.model.reviewsByProduct.get(product.id) || [])].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  if (!reviews.length) return h("p", { class: "empty" }, t("no_reviews"));
  return h(
    "ul",
    { class: "reviews", id: "reviews" },
    reviews.map((r) => h("li", null, statusBadge(r.decision), h("span", null, ` ${dateOnly(r.at)} `), h("p", null, r.note || ""))),
  );
}

export async function productScreen(ctx, productId) {
  const product = ctx.model.productById.get(productId);
  if (!product) return h("main", { id: "main" }, h("p", null, t("no_products")), h("a", { href: "#/products", class: "btn" }, t("back")));
  const stock = ctx.model.stockByProduct.get(productId) || "0";
  const status = product.status || "draft";
  const canSubmit = status === "draft" || status === "needs_changes";

  async function submit() {
    await ctx.replica.upsert("product", productId, { status: "submitted" }, { enteredBy: ctx.enteredBy() });
    await ctx.afterWrite();
    ctx.flash(t("submitted_note"));
  }

  const certs = (product.certifications || []).map(
    (c) => `${label("certification", c.kind)}${c.number ? ` ${c.number}` : ""}${c.valid_until ? ` (${t("valid_until")} ${dateOnly(c.valid_until)})` : ""}`,
  );
  return h(
    "main",
    { id: "main" },
    h("h1", null, product.name, " ", statusBadge(product.status)),
    await photoStrip(ctx, product),
    h("p", { class: "big-number" }, `${t("stock_on_hand")}: `, h("b", { id: "stock-on-hand" }, quantity(stock, label("unit", product.unit)))),
    h("div", { class: "actions" },
      h("a", { href: `#/products/${productId}/stock`, class: "btn primary" }, t("record_stock")),
      h("a", { href: `#/products/${productId}/edit`, class: "btn" }, t("edit")),
      canSubmit ? h("button", { type: "button", class: "btn", onclick: submit, id: "ready" }, t("ready_to_submit")) : null,
    ),
    h(
      "dl",
      { class: "details" },
      detail(t("category"), label("category", product.category)),
      detail(t("unit"), label("unit", product.unit)),
      detail(t("unit_weight"), product.unit_weight_kg ? quantity(product.unit_weight_kg, "kg") : null),
      detail(t("price"), rupiah(product.price_idr)),
      detail(t("hs_code"), product.hs_code),
      detail(t("certifications"), certs.length ? certs.join("; ") : null),
      detail(t("description"), product.description),
      detail(t("entered_by"), ctx.model.enteredBy.get(productId)),
    ),
    h("h2", null, t("reviews")),
    reviewList(ctx, product),
    h("h2", null, t("history")),
    historyList(ctx, product),
  );
}
