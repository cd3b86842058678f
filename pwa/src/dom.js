// DOM building in a few lines: h("button", {class: "big", onclick}, "Simpan"), a labelled field, a
// drop-down, radio tiles.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** A labelled field: the label is tied to the input for screen readers and bigger tap areas. */
let fieldCounter = 0;
export function field(labelText, input, hint = null) {
  const id = input.id || `f${++fieldCounter}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  input.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field" }, h("label", { for: id }, labelText), input, hint, error);
}

export function showFieldError(input, message) {
  const error = document.getElementById(`${input.id}-error`);
  if (error) error.textContent = message || "";
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

export function select(options, value, attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)),
  );
}

/**
 * Radio tiles in a grid: real radios in their labels, so a keyboard's arrows and a screen reader
 * know them; `iconOf(value)` puts an icon on the tile, the word under it.
 */
export function radios(name, values, checked, labelOf, iconOf = () => null) {
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
