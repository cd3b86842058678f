// Record stock: harvest, production, purchase, sale, spoilage or adjustment. The person types a
// positive amount on the numeric keypad (decimal comma welcome); the kind gives it its sign, as
// sync/records.py requires (sales and spoilage take stock away).
import { h, field, showFieldError } from "../dom.js";
import { today } from "../format.js";
import { uuid7 } from "../ids.js";
import { label, t } from "../i18n.js";
import { movementIcon } from "../icons.js";
import { parseTyped } from "../quantity.js";

const KINDS = ["harvest", "production", "purchase", "sale", "spoilage", "adjustment"];
const OUTGOING = new Set(["sale", "spoilage", "shipment"]);

/** The signed quantity of a movement from a typed positive amount. */
export function signedQty(kind, amount, takeAway = false) {
  const negative = OUTGOING.has(kind) || (kind === "adjustment" && takeAway);
  return negative ? `-${amount}` : amount;
}

function radios(name, values, checked, labelOf, iconOf = () => null) {
  return h(
    "div",
    { class: "choices", role: "radiogroup" },
    values.map((value) => {
      const mark = iconOf(value);
      return h(
        "label",
        { class: mark ? "choice has-icon" : "choice" },
        h("input", { type: "radio", name, value, checked: value === checked }),
        mark,
        h("span", null, labelOf(value)),
      );
    }),
  );
}

/** Record a movement for a product, or correct a rejected movement op (`fix`). */
export function movementForm(ctx, { productId, fix = null }) {
  const initial = fix ? fix.fields : {};
  const pid = fix ? initial.product_id : productId;
  const product = ctx.model.productById.get(pid) || {};
  const initialKind = initial.kind || "harvest";
  const initialAmount = initial.qty ? initial.qty.replace("-", "").replace(".", ",") : "";
  const kinds = radios("kind", KINDS, initialKind, (k) => label("movement", k), movementIcon);
  const amount = h("input", { id: "amount", inputmode: "decimal", autocomplete: "off", required: true, value: initialAmount, enterkeyhint: "done" });
  const direction = radios("direction", ["add", "take"], initial.qty && initial.qty.startsWith("-") ? "take" : "add", (d) =>
    d === "add" ? t("add_stock") : t("remove_stock"),
  );
  const directionField = h("fieldset", { class: "direction" }, h("legend", null, t("direction")), direction);
  const date = h("input", { type: "date", value: initial.occurred_at ? initial.occurred_at.slice(0, 10) : today(), max: today() });
  const note = h("input", { maxlength: "1000", value: initial.note || "", autocomplete: "off" });

  function chosen(name) {
    const input = document.querySelector(`input[name="${name}"]:checked`);
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

  async function save(event) {
    event.preventDefault();
    const value = parseTyped(amount.value);
    const valid = value !== null && !value.startsWith("-") && value !== "0";
    showFieldError(amount, valid ? "" : t("invalid_number"));
    if (!valid) return amount.focus();
    const kind = chosen("kind");
    const fields = { product_id: pid, kind, qty: signedQty(kind, value, chosen("direction") === "take"), occurred_at: occurredAt() };
    if (note.value.trim()) fields.note = note.value.trim();
    if (fix) {
      await ctx.replica.resend(fix, fields);
      await ctx.afterWrite();
      return ctx.go("#/fix");
    }
    await ctx.replica.upsert("stock_movement", uuid7(), fields, { enteredBy: ctx.enteredBy() });
    await ctx.afterWrite();
    ctx.flash(t(navigator.onLine ? "saved_online" : "saved")); // "when there is a signal" only without one
    return ctx.go(`#/products/${pid}`);
  }

  const form = h(
    "form",
    { class: "card", onsubmit: save, id: "movement-form" },
    h("fieldset", null, h("legend", null, t("movement_kind")), kinds),
    directionField,
    field(`${t("amount")} (${label("unit", product.unit)})`, amount, h("span", { class: "unit-suffix", "aria-hidden": "true" }, label("unit", product.unit))),
    field(t("date"), date),
    field(t("note"), note),
    h("button", { type: "submit", class: "btn primary" }, t("save")),
    h("a", { href: fix ? "#/fix" : `#/products/${pid}`, class: "btn" }, t("cancel")),
  );
  directionField.hidden = initialKind !== "adjustment";
  return h("main", { id: "main" }, h("h1", null, `${t("record_stock")}: ${product.name || ""}`), form);
}
