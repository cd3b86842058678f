// One product: its photos (a tap opens one whole), who entered it, details, stock on hand, the
// stock history (each with who entered it), the admins' review notes, and "Siap diajukan".
import { h } from "../dom.js";
import { dateOnly, dateTime, quantity, rupiah } from "../format.js";
import { label, t } from "../i18n.js";
import { movementIcon } from "../icons.js";
import { olderHistoryHeld } from "../model.js";
import { changeRequest } from "./fix.js";
import { statusBadge, unsentBadge } from "./products.js";

function detail(term, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", null, term), h("dd", null, value)];
}

/** The product's photos: thumbnails (fetched when taken on another device); a tap opens one. */
function photoStrip(ctx, view, product) {
  const strip = h("div", { class: "thumbs", id: "photos" });
  for (const sha of product.photos || []) {
    const open = () => {
      ctx.ui.openPhoto = sha;
      strip.after(photoViewer(ctx, view, product, sha));
    };
    strip.append(
      h("button", { type: "button", class: "thumb-open", "aria-label": t("open_photo"), onclick: open }, view.photo(sha, "thumb", { alt: product.name })),
    );
  }
  return strip;
}

/** One photo, whole: fetched when opened (and kept), over the screen until closed. */
function photoViewer(ctx, view, product, sha) {
  const old = document.getElementById("photo-viewer");
  if (old) old.remove();
  const close = () => {
    ctx.ui.openPhoto = null;
    viewer.remove();
  };
  const viewer = h(
    "div",
    { class: "viewer", id: "photo-viewer", role: "dialog", "aria-label": product.name },
    view.photo(sha, "full", { alt: product.name, className: "full-img" }),
    h("button", { type: "button", class: "btn", onclick: close }, t("close")),
  );
  return viewer;
}

function enteredBy(ctx, id) {
  const name = ctx.model.enteredBy.get(id);
  return name ? t("entered_by_name", { name }) : null;
}

const HISTORY_SHOWN = 10; // the latest; the rest behind "Lihat semua" (a page is not 33,000 px long)

function historyList(ctx, product) {
  return [recentHistory(ctx, product), olderHistory(ctx, product)];
}

/** Stock records before a first sync's cut-off are not on the phone until asked for: say so, and fetch them on a tap. */
function olderHistory(ctx, product) {
  if (olderHistoryHeld(ctx.model, product.id)) return null;
  const note = h("p", { class: "empty", id: "history-older-note" }, t("older_history_not_loaded", { date: dateOnly(ctx.model.olderAsOf) }));
  const load = h("button", { type: "button", class: "btn", id: "history-older" }, t("load_older_history"));
  load.addEventListener("click", async () => {
    load.disabled = true;
    load.textContent = t("loading");
    try {
      await ctx.replica.loadOlder(product.id); // the model is read again on the replica's change
    } catch {
      load.disabled = false;
      load.textContent = t("load_older_history");
      note.textContent = t("older_history_failed");
    }
  });
  return h("div", { class: "older-history" }, note, load);
}

function recentHistory(ctx, product) {
  const movements = [...(ctx.model.movementsByProduct.get(product.id) || [])].sort((a, b) =>
    String(b.occurred_at).localeCompare(String(a.occurred_at)),
  );
  if (!movements.length) return h("p", { class: "empty" }, t("no_history"));
  const all = ctx.ui.historyAll === product.id; // kept across the live screen's redraws
  const shown = all ? movements : movements.slice(0, HISTORY_SHOWN);
  const list = historyItems(ctx, product, shown);
  if (shown.length === movements.length) return list;
  const more = h("button", { type: "button", class: "btn", id: "history-all" }, t("see_all", { n: movements.length }));
  more.addEventListener("click", () => {
    ctx.ui.historyAll = product.id;
    list.replaceWith(historyItems(ctx, product, movements));
    more.remove();
  });
  return [list, more];
}

function historyItems(ctx, product, movements) {
  const unit = label("unit", product.unit);
  return h(
    "ul",
    { class: "history", id: "history" },
    movements.map((m) =>
      h(
        "li",
        null,
        h("span", { class: "row-title" }, movementIcon(m.kind), `${label("movement", m.kind)} ${quantity(m.qty, unit)}`),
        h(
          "span",
          { class: "row-sub" },
          dateTime(m.occurred_at),
          enteredBy(ctx, m.id) ? h("span", { class: "entered-by" }, enteredBy(ctx, m.id)) : null,
          m.note ? ` · ${m.note}` : "",
          unsentBadge(ctx, m.id),
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

/** A reviewer's request for changes, at the top where it is seen first: what to change, and then what. */
function changesAsked(ctx, product) {
  if (product.status !== "needs_changes") return null;
  const review = changeRequest(ctx, product.id);
  return h(
    "div",
    { class: "card callout", id: "changes-asked", role: "note" },
    h("p", { class: "row-title" }, t("changes_requested")),
    h("p", { class: "review-note" }, review && review.note ? review.note : t("changes_no_note")),
    h("p", { class: "hint" }, t("changes_intro")),
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
  const view = ctx.photos.view();
  const main = h(
    "main",
    { id: "main" },
    h("h1", null, product.name, " ", statusBadge(product.status)),
    changesAsked(ctx, product),
    ctx.model.waitingFor.has(productId) ? h("p", { class: "row-sub", id: "product-waiting" }, unsentBadge(ctx, productId)) : null,
    enteredBy(ctx, productId) ? h("p", { class: "entered-by", id: "product-entered-by" }, enteredBy(ctx, productId)) : null,
    photoStrip(ctx, view, product),
    ctx.ui.openPhoto && (product.photos || []).includes(ctx.ui.openPhoto) ? photoViewer(ctx, view, product, ctx.ui.openPhoto) : null,
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
    ),
    h("h2", null, t("reviews")),
    reviewList(ctx, product),
    h("h2", null, t("history")),
    historyList(ctx, product),
  );
  main.release = view.release; // main.js: when the screen goes, its photo URLs go too
  return main;
}
