// Record stock: harvest, production, purchase, sale, spoilage or adjustment. The person types a
// positive amount on the numeric keypad (decimal comma welcome); the kind gives it its sign, as
// sync/records.py requires (sales and spoilage take stock away).
import { h, field, showFieldError } from "../dom.js";
import { draftKey, draftNote, dropDraft, keepWhileTyping, loadDraft } from "../drafts.js";
import { today } from "../format.js";
import { uuid7 } from "../ids.js";
import { label, t } from "../i18n.js";
import { parseTyped } from "../quantity.js";
import { saveOnce } from "./submit.js";

const KINDS = ["harvest", "production", "purchase", "sale", "spoilage", "adjustment"];
const OUTGOING = new Set(["sale", "spoilage", "shipment"]);

/** The signed quantity of a movement from a typed positive amount. */
export function signedQty(kind, amount, takeAway = false) {
  const negative = OUTGOING.has(kind) || (kind === "adjustment" && takeAway);
  return negative ? `-${amount}` : amount;
}

function radios(name, values, checked, labelOf) {
  return h(
    "div",
    { class: "choices", role: "radiogroup" },
    values.map((value) =>
      h("label", { class: "choice" }, h("input", { type: "radio", name, value, checked: value === checked }), h("span", null, labelOf(value))),
    ),
  );
}

/** Record a movement for a product, or correct a rejected movement op (`fix`). */
export async function movementForm(ctx, { productId, fix = null }) {
  const draftName = fix ? null : draftKey("stock", productId);
  const draft = fix ? null : await loadDraft(ctx.db, draftName);
  const initial = fix ? fix.fields : {};
  const pid = fix ? initial.product_id : productId;
  const product = ctx.model.productById.get(pid) || {};
  const initialKind = initial.kind || "harvest";
  const initialAmount = initial.qty ? initial.qty.replace("-", "").replace(".", ",") : "";
  const kinds = radios("kind", KINDS, initialKind, (k) => label("movement", k));
  const amount = h("input", { id: "amount", inputmode: "decimal", autocomplete: "off", required: true, value: initialAmount, enterkeyhint: "done" });
  const direction = radios("direction", ["add", "take"], initial.qty && initial.qty.startsWith("-") ? "take" : "add", (d) =>
    d === "add" ? t("add_stock") : t("remove_stock"),
  );
  const directionField = h("fieldset", { class: "direction" }, h("legend", null, t("direction")), direction);
  const date = h("input", { type: "date", value: initial.occurred_at ? initial.occurred_at.slice(0, 10) : today(), max: today() });
  const note = h("input", { maxlength: "1000", value: initial.note || "", autocomplete: "off" });

  function chosen(name) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : null;
  }

  function syncDirection() {
    directionField.hidden = chosen("kind") !== "adjustment";
  }
  kinds.addEventListener("change", syncDirection);

  function occurredAt() {
    // Today: this very moment; another day: noon of it (the hour was not asked for).
    return date.value === today() || !date.value ? new Date().toISOString() : `${date.value}T12:00:00Z`;
  }

  async function save() {
    const value = parseTyped(amount.value);
    const valid = value !== null && !value.startsWith("-") && value !== "0";
    showFieldError(amount, valid ? "" : t("invalid_number"));
    if (!valid) {
      amount.focus();
      return false;
    }
    const kind = chosen("kind");
    const fields = { product_id: pid, kind, qty: signedQty(kind, value, chosen("direction") === "take"), occurred_at: occurredAt() };
    if (note.value.trim()) fields.note = note.value.trim();
    if (fix) {
      await ctx.replica.resend(fix, fields);
      await ctx.afterWrite(); // the fix list must lose it before it shows
      ctx.go("#/fix");
      return true;
    }
    keeper.stop();
    const saved = await ctx.replica.upsert("stock_movement", uuid7(), fields, { enteredBy: ctx.enteredBy(), draft: draftName });
    await ctx.afterWrite({ saved });
    ctx.flash(t("saved"));
    ctx.go(`#/products/${pid}`);
    return true;
  }

  /** What is typed, as it is (a draft keeps the text, not what it means). */
  function values() {
    return { kind: chosen("kind"), direction: chosen("direction"), amount: amount.value, date: date.value, note: note.value };
  }

  function restore(kept) {
    for (const [group, value] of [["kind", kept.kind], ["direction", kept.direction]]) {
      const input = form.querySelector(`input[name="${group}"][value="${value}"]`);
      if (input) input.checked = true;
    }
    amount.value = kept.amount || "";
    date.value = kept.date || date.value;
    note.value = kept.note || "";
  }

  const form = h(
    "form",
    { class: "card", id: "movement-form" },
    h("fieldset", null, h("legend", null, t("movement_kind")), kinds),
    directionField,
    field(`${t("amount")} (${label("unit", product.unit)})`, amount, h("span", { class: "unit-suffix", "aria-hidden": "true" }, label("unit", product.unit))),
    field(t("date"), date),
    field(t("note"), note),
    h("button", { type: "submit", class: "btn primary" }, t("save")),
    h("a", { href: fix ? "#/fix" : `#/products/${pid}`, class: "btn", onclick: fix ? null : discard }, t("cancel")),
  );
  saveOnce(form, save);
  if (draft) restore(draft);
  const keeper = fix ? null : keepWhileTyping(ctx.db, draftName, form, values);

  function discard() {
    keeper.stop();
    dropDraft(ctx.db, draftName).catch(() => {});
  }

  function startAgain() {
    discard();
    ctx.go(`#/products/${pid}/stock`);
  }

  directionField.hidden = (draft ? draft.kind : initialKind) !== "adjustment";
  const draftBox = draft ? draftNote(startAgain) : null;
  return h("main", { id: "main" }, h("h1", null, `${t("record_stock")}: ${product.name || ""}`), draftBox, form);
}
