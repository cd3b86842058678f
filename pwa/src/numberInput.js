// A quantity, weight, capacity or price input that reads what is typed the way the person's
// language writes numbers (readTyped), and says under the input what it understood
// ("= 1.000 kg", "= Rp 120.000") as they type. A text that reads two ways ("1,000") is asked
// about with one button per reading; a text that is no number gets its reason once the person
// leaves the input or saves. Used by the field app's forms and the admin screens alike.
import { h } from "./dom.js";
import { readPrice } from "./format.js";
import { currentLang, t } from "./i18n.js";
import { displayQuantity, readTyped } from "./quantity.js";

let counter = 0;

/**
 * Wire `input`: `unit()` gives the unit's word for the preview, `price` reads rupiah, `initial`
 * is the canonical value already there (shown the person's way, never asked about). Returns
 * {hint, read, check}: place `hint` after the input; `check()` before saving.
 */
export function numberInput(input, { unit = () => "", price = false, initial = null } = {}) {
  const hint = h("div", { class: "understood", id: `understood-${++counter}`, "aria-live": "polite" });
  // A text whose meaning is settled: the initial value, or the reading the person picked.
  let settled = null;
  if (initial !== null && initial !== undefined && initial !== "") settle(String(initial));

  function settle(value) {
    settled = { text: typedText(value), value: price ? Number(value) : value };
    input.value = settled.text;
  }

  function typedText(value) {
    return displayQuantity(String(value), currentLang());
  }

  function shown(value) {
    const text = typedText(value);
    if (price) return `Rp ${text}`;
    const word = unit();
    return word ? `${text} ${word}` : text;
  }

  /** {value} (a canonical text; a number for a price) | {ambiguous: [a, b]} | {error: reason}. */
  function read() {
    if (settled && input.value === settled.text) return { value: settled.value };
    return price ? readPrice(input.value, currentLang()) : readTyped(input.value, currentLang());
  }

  function draw(withReason) {
    const described = input.getAttribute("aria-describedby") || "";
    if (!described.includes(hint.id)) input.setAttribute("aria-describedby", `${described} ${hint.id}`.trim());
    const answer = read();
    hint.textContent = "";
    hint.className = "understood";
    if (answer.value !== undefined) {
      hint.textContent = `= ${shown(answer.value)}`;
    } else if (answer.ambiguous) {
      const [a, b] = answer.ambiguous;
      hint.classList.add("ask");
      const bare = (value) => (price ? shown(value) : typedText(value));
      hint.append(
        h("span", null, t("number_means", { a: bare(a), b: bare(b) })),
        ...answer.ambiguous.map((reading) =>
          h("button", { type: "button", class: "btn small", onclick: () => pick(reading) }, shown(reading)),
        ),
      );
    } else if (withReason && answer.error !== "empty") {
      hint.classList.add("bad");
      hint.textContent = answer.error === "price_too_large" ? t("invalid_price") : t(`number_${answer.error}`);
    }
    const bad = withReason && answer.value === undefined && answer.error !== "empty";
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    return answer;
  }

  function pick(reading) {
    settle(reading);
    draw(false);
    input.focus();
  }

  /** Before saving: {ok: true, value (null when empty)}, or {ok: false} with the question or reason shown. */
  function check() {
    const answer = draw(true);
    if (answer.value !== undefined) return { ok: true, value: answer.value };
    if (answer.error === "empty") return { ok: true, value: null };
    const button = hint.querySelector("button");
    (button || input).focus();
    return { ok: false };
  }

  input.addEventListener("input", () => draw(false));
  input.addEventListener("change", () => draw(true));
  draw(false);
  return { hint, read, check };
}
