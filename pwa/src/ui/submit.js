// A form's Simpan: one tap saves once. While it saves, the button says so and takes no second
// tap (a quick double tap made the same producer twice). A save that did not happen (`save`
// answers false: a field to fix, a question to answer; or it threw) gives the button back; a
// save that happened keeps it disabled, since the form is done and the next screen is coming.
import { t } from "../i18n.js";

export function saveOnce(form, save) {
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector("button[type=submit]");
    const text = button ? button.textContent : "";
    if (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = t("saving");
    }
    let done = false;
    try {
      done = (await save(event)) !== false;
    } finally {
      if (!done) {
        busy = false;
        if (button) {
          button.disabled = false;
          button.removeAttribute("aria-busy");
          button.textContent = text;
        }
      }
    }
  });
  return form;
}
