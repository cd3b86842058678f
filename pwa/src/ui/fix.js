// "Perlu diperbaiki": ops the server rejected, with its reason (in the language the request was
// sent in). Correct opens the record's form and sends it again as a new op; discard drops it.
import { h } from "../dom.js";
import { label, t } from "../i18n.js";

function summary(ctx, op) {
  const f = op.fields || {};
  if (op.entity === "stock_movement") {
    const product = ctx.model.productById.get(f.product_id);
    return `${label("movement", f.kind)} ${f.qty || ""} · ${product ? product.name : ""}`;
  }
  const record = ctx.model[op.entity === "producer" ? "producerById" : "productById"].get(op.entity_id) || {};
  return f.name || record.name || op.entity_id;
}

function reasons(error) {
  if (!error) return [];
  const lines = [error.message];
  const fields = (error.details && error.details.fields) || {};
  for (const [name, problem] of Object.entries(fields)) lines.push(`${name}: ${problem.message || problem.code}`);
  return lines;
}

export function fixScreen(ctx) {
  const ops = ctx.model.rejected;
  async function discard(op) {
    if (!window.confirm(t("discard_confirm"))) return;
    await ctx.replica.discard(op);
    await ctx.afterWrite({ quiet: true });
  }
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("fix_title")),
    ops.length ? h("p", null, t("fix_intro")) : h("p", { class: "empty" }, t("nothing_to_fix")),
    h(
      "ul",
      { class: "fix-list", id: "fix-list" },
      ops.map((op) =>
        h(
          "li",
          { class: "card" },
          h("p", { class: "row-title" }, `${t(`entity_${op.entity}`)}: ${summary(ctx, op)}`),
          h("p", { class: "reason" }, h("b", null, `${t("reason")}: `), reasons(op.error).join(" · ")),
          op.entered_by ? h("p", { class: "row-sub" }, `${t("entered_by")}: ${op.entered_by}`) : null,
          h(
            "div",
            { class: "actions" },
            op.action === "upsert" ? h("a", { href: `#/fix/${op.seq}`, class: "btn primary" }, t("fix")) : null,
            h("button", { type: "button", class: "btn danger", onclick: () => discard(op) }, t("discard")),
          ),
        ),
      ),
    ),
  );
}
