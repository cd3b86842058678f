// Record stock: harvest, production, purchase, sale, spoilage or adjustment. The person types a
// positive amount on the numeric keypad, the way their language writes numbers (numberInput.js);
// the kind gives it its sign, as sync/records.py requires (sales and spoilage take stock away).
// Taking away more than the stock on hand is asked about before it is saved.
import { h, field, radios, showFieldError } from "../dom.js";
import { draftKey, draftNote, keepWhileTyping, loadDraft, startAgain } from "../drafts.js";
import { quantity, today } from "../format.js";
import { uuid7 } from "../ids.js";
import { label, t } from "../i18n.js";
import { movementIcon } from "../icons.js";
import { numberInput } from "../numberInput.js";
import { formatMilli, parseMilli, qtyLimitPassed, stockLimitPassed } from "../quantity.js";
import { saveOnce } from "./submit.js";

const KINDS = ["harvest", "production", "purchase", "sale", "spoilage", "adjustment"];
const OUTGOING = new Set(["sale", "spoilage", "shipment"]);

/** The signed quantity of a movement from a typed positive amount. */
export function signedQty(kind, amount, takeAway = false) {
  const negative = OUTGOING.has(kind) || (kind === "adjustment" && takeAway);
  return negative ? `-${amount}` : amount;
}

/** A movement's fields as the form saves them, in the wire's order; a blank note is left out. */
export function movementFields(productId, kind, qty, occurredAt, note = "") {
  const fields = { product_id: productId, kind, qty, occurred_at: occurredAt };
  if (note.trim()) fields.note = note.trim();
  return fields;
}

/** When a movement happened: on `day` (YYYY-MM-DD) at noon, or this very moment when it is today. */
export function occurredAt(day, now = new Date()) {
  // The hour of another day was not asked for.
  return day === today() || !day ? now.toISOString() : `${day}T12:00:00Z`;
}

/** Record a movement for a product, or correct a rejected movement op (`fix`). */
export async function movementForm(ctx, { productId, fix = null }) {
  const draftName = fix ? null : draftKey("stock", productId);
  const draft = fix ? null : await loadDraft(ctx.db, draftName);
  const initial = fix ? fix.fields : {};
  const pid = fix ? initial.product_id : productId;
  const product = ctx.model.productById.get(pid) || {};
  const initialKind = initial.kind || "harvest";
  const kinds = radios("kind", KINDS, initialKind, (k) => label("movement", k), movementIcon);
  const amount = h("input", { id: "amount", inputmode: "decimal", autocomplete: "off", required: true, enterkeyhint: "done" });
  const amountReader = numberInput(amount, { unit: () => label("unit", product.unit), initial: initial.qty ? initial.qty.replace("-", "") : null });
  const overStock = h("div", { class: "ask-box", id: "over-stock", role: "alertdialog", "aria-labelledby": "over-stock-text", hidden: true });
  let overStockConfirmed = null; // the qty the person said to record although it is more than the stock
  const direction = radios("direction", ["add", "take"], initial.qty && initial.qty.startsWith("-") ? "take" : "add", (d) =>
    d === "add" ? t("add_stock") : t("remove_stock"),
  );
  const directionField = h("fieldset", { class: "direction" }, h("legend", null, t("direction")), direction);
  const date = h("input", {
    type: "date",
    value: initial.occurred_at ? initial.occurred_at.slice(0, 10) : today(),
    min: "2000-01-01",
    max: today(),
  });
  const note = h("input", { maxlength: "1000", value: initial.note || "", autocomplete: "off" });

  function chosen(name) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : null;
  }

  function syncDirection() {
    directionField.hidden = chosen("kind") !== "adjustment";
  }
  kinds.addEventListener("change", syncDirection);

  // The server's limits (SYNC-CONTRACT 1.1), told here before the movement is saved: a rejected
  // op would come back only after a sync. A fix replaces a movement the stock shown may hold.
  function amountError(value, qty) {
    if (value === null || value === "0") return t("invalid_number");
    if (qtyLimitPassed(parseMilli(qty)) !== null) return t("qty_too_large");
    if (!fix && stockLimitPassed(stockOnHand() + parseMilli(qty)) !== null) return t("stock_too_large");
    return "";
  }

  function stockOnHand() {
    return parseMilli(ctx.model.stockByProduct.get(pid) || "0") || 0n;
  }

  /** A sale or loss larger than the stock on hand: asked, "Stok hanya 1 pak — tetap catat?". */
  function askOverStock(qty) {
    const stock = stockOnHand();
    if (fix || !qty.startsWith("-") || stock + parseMilli(qty) >= 0n || overStockConfirmed === qty) return false;
    const yes = h("button", { type: "button", class: "btn primary", id: "over-stock-yes" }, t("record_anyway"));
    const no = h("button", { type: "button", class: "btn", id: "over-stock-no" }, t("cancel"));
    yes.addEventListener("click", () => {
      overStockConfirmed = qty;
      overStock.hidden = true;
      form.requestSubmit();
    });
    no.addEventListener("click", () => {
      overStock.hidden = true;
      amount.focus();
    });
    const shown = quantity(formatMilli(stock < 0n ? 0n : stock), label("unit", product.unit));
    overStock.textContent = "";
    overStock.append(h("p", { id: "over-stock-text" }, t("stock_only", { qty: shown })), yes, no);
    overStock.hidden = false;
    yes.focus();
    return true;
  }

  /** Saves, or answers false when nothing was saved (saveOnce gives the button back then). */
  async function save() {
    overStock.hidden = true;
    const read = amountReader.check();
    if (!read.ok) return false;
    const value = read.value;
    const kind = chosen("kind");
    const qty = value === null ? null : signedQty(kind, value, chosen("direction") === "take");
    const error = amountError(value, qty);
    showFieldError(amount, error);
    if (error) {
      amount.focus();
      return false;
    }
    if (askOverStock(qty)) return false;
    const fields = movementFields(pid, kind, qty, occurredAt(date.value), note.value);
    if (fix && !("note" in fields)) fields.note = null; // a cleared note is cleared, not the rejected one's sent again
    if (fix) {
      await ctx.replica.resend(fix, fields);
      await ctx.afterWrite(); // the fix list must lose it before it shows
      ctx.go("#/fix");
      return true;
    }
    keeper.stop();
    const back = location.hash;
    ctx.saveSoon("stock_movement", uuid7(), fields, { enteredBy: ctx.enteredBy() }, { draft: draftName, values: values(), back });
    ctx.flash(t(navigator.onLine ? "saved_online" : "saved")); // "when there is a signal" only without one
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
    field(`${t("amount")} (${label("unit", product.unit)})`, amount, [h("span", { class: "unit-suffix", "aria-hidden": "true" }, label("unit", product.unit)), amountReader.hint]),
    field(t("date"), date),
    field(t("note"), note),
    overStock,
    h("button", { type: "submit", class: "btn primary" }, t("save")),
    h("a", { href: fix ? "#/fix" : `#/products/${pid}`, class: "btn", onclick: fix ? null : () => keeper.discard() }, t("cancel")),
  );
  saveOnce(form, save);
  if (draft) restore(draft);
  const keeper = fix ? null : keepWhileTyping(ctx.db, draftName, form, values);

  directionField.hidden = (draft ? draft.kind : initialKind) !== "adjustment";
  const draftBox = draft ? draftNote(() => startAgain(ctx, keeper)) : null;
  return h("main", { id: "main" }, h("h1", null, `${t("record_stock")}: ${product.name || ""}`), draftBox, form);
}
