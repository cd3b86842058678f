// A facilitator's producers: searchable, "Tambah produsen", "Ganti PIN" for those with a phone,
// and the form that registers one.
import { h, field, select, showFieldError } from "../dom.js";
import { draftKey, draftNote, keepWhileTyping, loadDraft, startAgain } from "../drafts.js";
import { uuid7 } from "../ids.js";
import { choices, label, t } from "../i18n.js";
import { normalizePhone } from "../phone.js";
import { sameNameIn } from "../names.js";
import { fieldProblems, problemText } from "../rules.js";
import { cacheVillages, regionNames, villageChoices } from "../regions.js";
import { virtualList } from "../vlist.js";
import { saveOnce } from "./submit.js";

const ROW_HEIGHT = 96; // name, kind and village, who entered it

export function producersScreen(ctx) {
  const search = h("input", { type: "search", id: "producer-search", placeholder: t("search_producers"), value: ctx.ui.producerQuery || "" });
  const holder = h("div");
  const names = ctx.regionNames || new Map();

  function draw() {
    const query = search.value.trim().toLowerCase();
    ctx.ui.producerQuery = search.value;
    const producers = ctx.model.producers.filter((p) => !query || String(p.name).toLowerCase().includes(query));
    holder.textContent = "";
    if (!producers.length) {
      holder.append(h("p", { class: "empty" }, t("no_producers")));
      return;
    }
    holder.append(
      virtualList({
        items: producers,
        rowHeight: ROW_HEIGHT,
        label: t("producers"),
        renderRow: (producer) => producerRow(ctx, producer, names),
      }),
    );
  }

  search.addEventListener("input", draw);
  draw();
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("producers")),
    h("a", { href: "#/producers/new", class: "btn primary block" }, t("add_producer")),
    field(t("search"), search),
    holder,
  );
}

/** A row: a tap chooses the producer; "Ganti PIN" (for one with a phone, hence an account) beside it. */
function producerRow(ctx, producer, names) {
  const choose = h(
    "button",
    { type: "button", class: "row", onclick: () => ctx.chooseProducer(producer.id) },
    h("span", { class: "row-title" }, producer.name),
    h(
      "span",
      { class: "row-sub" },
      `${label("producer_kind", producer.kind)} · ${names.get(producer.village_code) || producer.village_code || ""}`,
      ctx.model.unsentIds.has(producer.id) ? h("span", { class: "badge unsent" }, t("not_sent")) : null,
      ctx.model.enteredBy.get(producer.id)
        ? h("span", { class: "entered-by" }, t("entered_by_name", { name: ctx.model.enteredBy.get(producer.id) }))
        : null,
    ),
  );
  if (!producer.phone) return choose;
  choose.classList.add("with-action");
  const pin = h("a", { href: `#/producers/${producer.id}/pin`, class: "btn small row-action" }, t("change_pin"));
  return h("div", { class: "row-wrap" }, choose, pin);
}

/** A facilitator sets a new PIN for a producer's account (found by the record's phone), online only;
 * or, at a hub, sets up the producer's phone with a code (enrolPhone.js). */
export function pinScreen(ctx, producerId) {
  const producer = ctx.model.producerById.get(producerId);
  if (!producer) return producersScreen(ctx);
  const pinInput = h("input", { id: "new-pin", type: "password", inputmode: "numeric", autocomplete: "new-password", maxlength: "6", required: true });
  const message = h("p", { id: "pin-msg", role: "alert" });
  const button = h("button", { type: "submit", class: "btn primary" }, t("save"));

  function say(text, ok = false) {
    message.className = ok ? "ok" : "error";
    message.textContent = text;
  }

  async function submit(event) {
    event.preventDefault();
    say("");
    const pin = pinInput.value.trim();
    showFieldError(pinInput, /^[0-9]{6}$/.test(pin) ? "" : t("pin_six_digits"));
    if (!/^[0-9]{6}$/.test(pin)) return pinInput.focus();
    button.disabled = true;
    try {
      say(await changePin(ctx, producer, pin), true);
      pinInput.value = "";
    } catch (error) {
      say(error.message);
    } finally {
      button.disabled = false;
    }
    return undefined;
  }

  return h(
    "main",
    { id: "main" },
    h("h1", null, t("change_pin_for", { name: producer.name })),
    h(
      "form",
      { class: "card", id: "pin-form", onsubmit: submit },
      field(t("new_pin"), pinInput),
      button,
      message,
      h("a", { href: "#/producers", class: "btn" }, t("back")),
    ),
    ctx.hub ? h("a", { href: `#/producers/${producer.id}/enrol`, class: "btn", id: "enrol-phone" }, t("enrol_phone")) : null,
  );
}

/** PATCH the producer account's PIN; answers what to tell the person, throws with the reason. */
async function changePin(ctx, producer, pin) {
  const phone = normalizePhone(producer.phone || "");
  let accounts;
  try {
    accounts = await ctx.transport("GET", "/api/v1/users", { params: { role: "producer" } });
  } catch {
    throw new Error(t("pin_needs_signal"));
  }
  if (accounts.status !== 200) throw new Error(serverMessage(accounts));
  const account = (accounts.body || []).find((a) => a.phone === phone);
  if (!account) throw new Error(t("no_account", { phone: producer.phone }));
  let answer;
  try {
    answer = await ctx.transport("PATCH", `/api/v1/users/${account.id}`, { body: { pin } });
  } catch {
    throw new Error(t("pin_needs_signal"));
  }
  if (answer.status !== 200) throw new Error(serverMessage(answer));
  return t("pin_changed", { name: producer.name });
}

/** The server's own words for a refusal (a weak PIN's), else the status. */
function serverMessage(answer) {
  const error = answer.body && answer.body.error;
  const field = error && error.details && error.details.fields && error.details.fields.pin;
  return (field && field.message) || (error && error.message) || t("pin_failed", { status: answer.status });
}

const DRAFT = draftKey("producer", "new");

/** Register a producer (or correct a rejected one: `fix` is the rejected op). */
export async function producerForm(ctx, { fix = null } = {}) {
  // A producer account is registered by its facilitator (the server refuses it the rest).
  if (!fix && ctx.session.user.role === "producer") return notRegistered();
  const draft = fix ? null : await loadDraft(ctx.db, DRAFT);
  const initial = fix ? { ...(ctx.model.producerById.get(fix.entity_id) || {}), ...fix.fields } : draft || {};
  const regions = ctx.session.user.regions || [];
  let villages = await villageChoices(ctx.db, regions);
  if (!villages.length) {
    // Not kept yet (the form was opened right after the first login): fetch it now if we can.
    await cacheVillages(ctx.db, ctx.transport, regions).catch(() => {});
    villages = await villageChoices(ctx.db, regions);
  }
  const names = await regionNames(ctx.db);
  const name = h("input", { required: true, maxlength: "200", value: initial.name || "", autocomplete: "off" });
  const kind = select(
    choices("producer_kind").map((value) => [value, label("producer_kind", value)]),
    initial.kind || "individual",
  );
  const village = villages.length
    ? select(
        [["", t("choose_village")], ...villages.map((v) => [v.code, names.has(v.parent_code) ? `${v.name} (${names.get(v.parent_code)})` : v.name])],
        initial.village_code || (villages.length === 1 ? villages[0].code : ""),
      )
    : h("input", { value: initial.village_code || "", placeholder: "32.04.10.2001", inputmode: "decimal" });
  const phone = h("input", { type: "tel", inputmode: "tel", value: initial.phone || "", autocomplete: "off" });
  const nib = h("input", { inputmode: "numeric", maxlength: "13", value: initial.nib || "", autocomplete: "off" });

  const sameName = h("div", { id: "same-name" });
  let confirmedNew = false; // "no, a new person" was answered for the name and desa shown

  function values() {
    return { name: name.value, kind: kind.value, village_code: village.value, phone: phone.value, nib: nib.value };
  }

  /** The same name in the same desa: ask whether it is that person before making a second one. */
  function askSameName(existing) {
    const desa = names.get(existing.village_code) || existing.village_code;
    sameName.replaceChildren(
      h(
        "div",
        { class: "card warn", role: "alert" },
        h("h2", null, t("same_name_title")),
        h("p", null, t("same_name", { name: existing.name, village: desa })),
        h("button", { type: "button", class: "btn primary", id: "use-existing", onclick: () => useExisting(existing) }, t("use_existing", { name: existing.name })),
        h("button", { type: "button", class: "btn", id: "add-anyway", onclick: addAnyway }, t("add_anyway")),
      ),
    );
    sameName.scrollIntoView({ block: "nearest" });
  }

  function useExisting(existing) {
    if (keeper) keeper.discard();
    ctx.chooseProducer(existing.id);
  }

  function addAnyway() {
    confirmedNew = true;
    sameName.replaceChildren();
    form.requestSubmit();
  }

  // The server's rules, told at the field before anything is queued (pwa/src/rules.js).
  function problems(fields) {
    const found = fieldProblems("producer", fields);
    if (!fields.village_code) found.village_code = { code: "required" }; // not chosen yet
    const inputs = { name, kind, village_code: village, phone, nib };
    for (const [key, input] of Object.entries(inputs)) {
      showFieldError(input, found[key] ? problemText(t, "producer", key, found[key]) : "");
    }
    const first = Object.keys(inputs).find((key) => found[key]);
    const fold = first && inputs[first].closest("details"); // the NIB: unfold it to show what is wrong
    if (fold) fold.open = true;
    if (first) inputs[first].focus();
    return Boolean(first);
  }

  /** Saves, or answers false when nothing was saved (saveOnce gives the button back then). */
  async function save() {
    // A field left empty is sent as null: a cleared NIB is cleared, not the old one sent again.
    const fields = {
      name: name.value.trim(),
      kind: kind.value,
      village_code: village.value,
      phone: phone.value.trim() || null,
      nib: nib.value.trim() || null,
    };
    if (problems(fields)) return false;
    if (fix) {
      await ctx.replica.resend(fix, fields);
      await ctx.afterWrite(); // the fix list must lose it before it shows
      ctx.go("#/fix");
      return true;
    }
    const existing = confirmedNew ? null : sameNameIn(ctx.model.producers, fields.name, fields.village_code);
    if (existing) {
      askSameName(existing);
      return false;
    }
    keeper.stop();
    const id = uuid7();
    ctx.saveSoon("producer", id, fields, { enteredBy: ctx.enteredBy() }, { draft: DRAFT, values: values(), back: "#/producers/new" });
    ctx.chooseProducer(id);
    return true;
  }

  const form = saveOnce(
    h(
      "form",
      { class: "card", id: "producer-form" },
      field(t("name"), name),
      field(t("kind"), kind),
      field(t("village"), village, villages.length ? null : h("p", { class: "hint" }, t("no_villages"))),
      field(t("phone_optional"), phone),
      h("details", { class: "fold", id: "export-fold", open: Boolean(initial.nib) }, h("summary", null, t("export_fold")), field(t("nib_optional"), nib)),
      sameName,
      h("button", { type: "submit", class: "btn primary" }, t("save")),
      h("a", { href: fix ? "#/fix" : "#/producers", class: "btn", onclick: fix ? null : () => keeper.discard() }, t("cancel")),
    ),
    save,
  );
  // Another name or desa is another question.
  for (const input of [name, village]) input.addEventListener("change", () => {
    confirmedNew = false;
    sameName.replaceChildren();
  });
  const keeper = fix ? null : keepWhileTyping(ctx.db, DRAFT, form, values);

  return h("main", { id: "main" }, h("h1", null, fix ? t("fix") : t("add_producer")), draft ? draftNote(() => startAgain(ctx, keeper)) : null, form);
}

/** A producer account whose record its facilitator has not entered yet: whom to ask. */
function notRegistered() {
  return h(
    "main",
    { id: "main" },
    h("h1", null, t("not_registered_title")),
    h("p", { class: "card", id: "not-registered" }, t("not_registered")),
    h("a", { href: "#/products", class: "btn primary block" }, t("check_again")),
  );
}
