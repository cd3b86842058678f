// The login screen. Its markup is also inline in index.html (the first paint, whose button says
// "Memuat…" until this script takes over); this wires it up. "Lupa PIN?" says who resets a PIN;
// "Punya kode dari pendamping?" opens the set-up with a facilitator's code (claim.js).
import { adopt, login } from "../auth.js";
import { clearAccount, getMeta } from "../db.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function loginScreen(ctx, { phone = "" } = {}) {
  const phoneInput = h("input", { id: "phone", name: "phone", type: "tel", inputmode: "tel", autocomplete: "tel", required: true, value: phone });
  const pinInput = h("input", {
    id: "pin",
    name: "pin",
    type: "password",
    inputmode: "numeric",
    autocomplete: "current-password",
    maxlength: "6",
    pattern: "[0-9]{6}",
    required: true,
  });
  const message = h("p", { id: "login-msg", class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "btn primary" }, t("login"));
  const form = h(
    "form",
    { id: "login", class: "card", onsubmit: submit },
    h("h1", null, t("app_name")),
    h("p", null, t("login_intro")),
    h("label", { for: "phone" }, t("phone")),
    phoneInput,
    h("label", { for: "pin" }, t("pin")),
    pinInput,
    button,
    message,
    h("a", { href: "#/claim", class: "btn", id: "have-code" }, t("have_code")),
    h("details", { class: "fold", id: "forgot-pin" }, h("summary", null, t("forgot_pin")), h("p", null, t("forgot_pin_help"))),
    h("div", { class: "install-slot" }),
  );

  async function submit(event) {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    button.textContent = t("logging_in");
    try {
      const result = await login(ctx.db, ctx.transport, ctx.replica.deviceId, phoneInput.value, pinInput.value);
      if (result.switchAccount) {
        const { pending } = await ctx.replica.counts();
        if (pending && !window.confirm(t("switch_account_warning", { n: pending }))) return;
        await clearAccount(ctx.db);
        await adopt(ctx.db, result.switchAccount, result.credential);
        result.session = result.switchAccount;
      }
      if (result.error) {
        message.textContent = typeof result.error === "string" ? t(result.error) : result.error.message;
        return;
      }
      await ctx.enter(result.session);
    } finally {
      button.disabled = false;
      button.textContent = t("login");
    }
  }

  if (!phone) {
    getMeta(ctx.db, "session").then((session) => {
      if (session && !phoneInput.value) phoneInput.value = session.phone;
    });
  }
  return h("main", { id: "main" }, form);
}
