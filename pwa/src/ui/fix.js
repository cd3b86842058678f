// "Perlu tindakan": one inbox for what awaits the person. Two kinds, told apart in words:
//   - "Ditolak server — perbaiki": ops the server rejected, with its reason in plain words.
//     Perbaiki opens the record's form and sends it again as a new op; Buang drops it. The ops
//     that wait for one (its products, their stock) are listed under it and go after its fix.
//   - "Diminta diubah oleh petugas": products a reviewer sent back, with the reviewer's note.
import { h } from "../dom.js";
import { label, t } from "../i18n.js";
import { fieldLabel, problemText } from "../rules.js";

function recordName(ctx, op) {
  const f = op.fields || {};
  if (op.entity === "stock_movement") {
    const product = ctx.model.productById.get(f.product_id);
    return `${label("movement", f.kind)} ${f.qty || ""} · ${product ? product.name : ""}`;
  }
  const record = ctx.model[op.entity === "producer" ? "producerById" : "productById"].get(op.entity_id) || {};
  return f.name || record.name || "";
}

/** "Produsen Ibu Euis": what an op is about, in words. */
export function describeOp(ctx, op) {
  return `${t(`entity_${op.entity}`)} ${recordName(ctx, op)}`.trim();
}

/** The server's reason in words: each field named by its label, never by its key. */
function reasons(op) {
  const error = op.error;
  if (!error) return [];
  const fields = (error.details && error.details.fields) || {};
  const lines = Object.entries(fields).map(([name, problem]) =>
    problem.code ? problemText(t, op.entity, name, problem) : `${fieldLabel(t, op.entity, name)}: ${problem.message}`,
  );
  if (error.code === "out_of_range" && error.details && error.details.field) {
    lines.push(problemText(t, op.entity, error.details.field, { code: "out_of_range", limit: error.details.limit }));
  }
  return lines.length ? lines : [error.message];
}

function rejectedCard(ctx, op) {
  const waiters = ctx.model.waitingOps.filter((w) => ctx.model.waitingFor.get(w.entity_id).seq === op.seq);
  async function discard() {
    if (!window.confirm(waiters.length ? t("discard_confirm_waiting", { n: waiters.length }) : t("discard_confirm"))) return;
    await ctx.replica.discard(op);
    await ctx.afterWrite({ quiet: true });
  }
  return h(
    "li",
    { class: "card" },
    h("p", { class: "row-title" }, `${t(`entity_${op.entity}`)}: ${recordName(ctx, op)}`),
    h("ul", { class: "reason" }, reasons(op).map((line) => h("li", null, line))),
    waiters.length
      ? h("p", { class: "row-sub waiting-list" }, t("waiting_behind", { n: waiters.length }), " ", waiters.map((w) => describeOp(ctx, w)).join(" · "))
      : null,
    op.entered_by ? h("p", { class: "row-sub" }, `${t("entered_by")}: ${op.entered_by}`) : null,
    h(
      "div",
      { class: "actions" },
      op.action === "upsert" ? h("a", { href: `#/fix/${op.seq}`, class: "btn primary" }, t("fix")) : null,
      h("button", { type: "button", class: "btn danger", onclick: discard }, t("discard")),
    ),
  );
}

/** The reviewer's latest request for changes on a product, or null. */
export function changeRequest(ctx, productId) {
  const reviews = (ctx.model.reviewsByProduct.get(productId) || []).filter((r) => r.decision === "needs_changes");
  return reviews.sort((a, b) => String(b.at).localeCompare(String(a.at)))[0] || null;
}

function changesCard(ctx, product) {
  const review = changeRequest(ctx, product.id);
  const producer = ctx.model.producerById.get(product.producer_id);
  return h(
    "li",
    { class: "card" },
    h("p", { class: "row-title" }, product.name),
    producer ? h("p", { class: "row-sub" }, producer.name) : null,
    h("p", { class: "review-note" }, review && review.note ? review.note : t("changes_no_note")),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "btn primary", onclick: () => ctx.chooseProducer(product.producer_id, `#/products/${product.id}`) }, t("open_product")),
    ),
  );
}

export function fixScreen(ctx) {
  const ops = ctx.model.rejected;
  const products = ctx.model.needsChanges;
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("fix_title")),
    ops.length || products.length ? null : h("p", { class: "empty" }, t("nothing_to_fix")),
    ops.length
      ? [
          h("h2", null, t("rejected_fix")),
          h("p", null, t("fix_intro")),
          h("ul", { class: "fix-list", id: "fix-list" }, ops.map((op) => rejectedCard(ctx, op))),
        ]
      : null,
    products.length
      ? [
          h("h2", null, t("changes_requested")),
          h("p", null, t("changes_intro")),
          h("ul", { class: "fix-list", id: "changes-list" }, products.map((product) => changesCard(ctx, product))),
        ]
      : null,
  );
}
