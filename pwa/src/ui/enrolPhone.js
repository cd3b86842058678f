// "Daftarkan HP produsen": at the kecamatan hub, a facilitator gets a one-time code for a producer
// (found by the phone on the producer's record) and shows it, in big letters and as a QR, to be typed
// or scanned on the producer's own phone. The code works once, for 15 minutes.
import { askForCode, shownCode } from "../claim.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { normalizePhone } from "../phone.js";

export function enrolPhoneScreen(ctx, producerId) {
  const producer = ctx.model.producerById.get(producerId);
  const shown = h("div", { id: "enrol-code", "aria-live": "polite" }, h("p", null, t("enrol_asking")));
  const again = h("button", { type: "button", class: "btn", id: "enrol-again", onclick: ask }, t("enrol_new_code"));

  async function ask() {
    again.disabled = true;
    shown.replaceChildren(h("p", null, t("enrol_asking")));
    try {
      const answer = await askForCode(ctx.transport, normalizePhone(producer.phone || "") || producer.phone);
      shown.replaceChildren(...(answer.error ? [failure(answer.error)] : codeCard(answer)));
    } finally {
      again.disabled = false;
    }
  }

  if (producer && producer.phone) ask();
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("enrol_title", { name: producer ? producer.name : "" })),
    producer && producer.phone ? shown : h("p", { class: "error" }, t("enrol_needs_phone")),
    producer && producer.phone ? again : null,
    h("a", { href: "#/producers", class: "btn" }, t("back")),
  );
}

function codeCard(answer) {
  return [
    h("p", null, t("enrol_say")),
    h("p", { class: "claim-code", id: "enrol-code-text" }, shownCode(answer.code)),
    h("img", { class: "claim-qr", src: answer.qr, alt: t("enrol_qr_alt"), width: "240", height: "240" }),
    h("p", { class: "hint" }, t("enrol_once")),
  ];
}

function failure(error) {
  return h("p", { class: "error", role: "alert" }, typeof error === "string" ? t(error) : error.message);
}
