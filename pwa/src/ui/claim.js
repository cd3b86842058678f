// "Punya kode dari pendamping?": a producer's phone that was never online is enrolled with the code
// the facilitator shows at the kecamatan hub (typed, or filled in by the QR's address #/claim/<code>),
// and the producer chooses the PIN that opens the app on this phone.
import { adopt } from "../auth.js";
import { claimPhone, typedCode } from "../claim.js";
import { clearAccount, getMeta } from "../db.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";

export function claimScreen(ctx, { code = "", back }) {
  const codeInput = h("input", {
    id: "claim-code",
    class: "code-input",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: "12",
    required: true,
    value: typedCode(code),
  });
  const pinInput = pinField("claim-pin");
  const againInput = pinField("claim-pin-again");
  const message = h("p", { id: "claim-msg", class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "btn primary" }, t("claim_submit"));

  async function submit(event) {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try {
      const result = await claimPhone(ctx.transport, ctx.replica.deviceId, codeInput.value, pinInput.value, againInput.value);
      if (result.error) {
        message.textContent = typeof result.error === "string" ? t(result.error) : result.error.message;
        return;
      }
      if (!(await mayReplace(ctx, result.session))) return;
      await adopt(ctx.db, result.session, result.credential);
      history.replaceState(null, "", "#/home"); // the used code leaves the address bar
      await ctx.enter(result.session);
    } finally {
      button.disabled = false;
    }
  }

  return h(
    "main",
    { id: "main" },
    h(
      "form",
      { id: "claim", class: "card", onsubmit: submit },
      h("h1", null, t("claim_title")),
      h("p", null, t("claim_intro")),
      field(t("claim_code"), codeInput),
      field(t("claim_new_pin"), pinInput, h("p", { class: "hint" }, t("claim_pin_hint"))),
      field(t("claim_pin_again"), againInput),
      button,
      message,
      h("button", { type: "button", class: "btn", id: "claim-back", onclick: back }, t("back")),
    ),
  );
}

function pinField(id) {
  return h("input", { id, type: "password", inputmode: "numeric", autocomplete: "new-password", maxlength: "6", pattern: "[0-9]{6}", required: true });
}

/** Another account's data on this phone is deleted first, if the person agrees (as at login). */
async function mayReplace(ctx, session) {
  const previous = await getMeta(ctx.db, "session");
  if (!previous || previous.user.id === session.user.id) return true;
  const { pending } = await ctx.replica.counts();
  if (pending && !window.confirm(t("switch_account_warning", { n: pending }))) return false;
  await clearAccount(ctx.db);
  return true;
}
