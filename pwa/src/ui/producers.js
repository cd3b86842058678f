// A facilitator's producers: searchable, "Tambah produsen", and the form that registers one.
import { h, field, select, showFieldError } from "../dom.js";
import { draftKey, draftNote, dropDraft, keepWhileTyping, loadDraft } from "../drafts.js";
import { uuid7 } from "../ids.js";
import { choices, label, t } from "../i18n.js";
import { sameNameIn } from "../names.js";
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
        renderRow: (producer) =>
          h(
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
          ),
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
        [["", t("choose_village")], ...villages.map((v) => [v.code, `${v.name} (${names.get(v.parent_code) || v.parent_code})`])],
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
    if (keeper) keeper.stop();
    dropDraft(ctx.db, DRAFT).catch(() => {});
    ctx.chooseProducer(existing.id);
  }

  function addAnyway() {
    confirmedNew = true;
    sameName.replaceChildren();
    form.requestSubmit();
  }

  async function save() {
    showFieldError(name, name.value.trim() ? "" : t("required"));
    showFieldError(village, village.value ? "" : t("required"));
    if (!name.value.trim() || !village.value) return false;
    const fields = { name: name.value.trim(), kind: kind.value, village_code: village.value };
    if (phone.value.trim()) fields.phone = phone.value.trim();
    if (nib.value.trim()) fields.nib = nib.value.trim();
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
    const saved = await ctx.replica.upsert("producer", id, fields, { enteredBy: ctx.enteredBy(), draft: DRAFT });
    await ctx.afterWrite({ saved });
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
      field(t("nib_optional"), nib),
      sameName,
      h("button", { type: "submit", class: "btn primary" }, t("save")),
      h("a", { href: fix ? "#/fix" : "#/producers", class: "btn", onclick: fix ? null : discard }, t("cancel")),
    ),
    save,
  );
  // Another name or desa is another question.
  for (const input of [name, village]) input.addEventListener("change", () => {
    confirmedNew = false;
    sameName.replaceChildren();
  });
  const keeper = fix ? null : keepWhileTyping(ctx.db, DRAFT, form, values);

  function discard() {
    keeper.stop();
    dropDraft(ctx.db, DRAFT).catch(() => {});
  }

  function startAgain() {
    discard();
    ctx.go("#/producers/new");
  }

  return h("main", { id: "main" }, h("h1", null, fix ? t("fix") : t("add_producer")), draft ? draftNote(startAgain) : null, form);
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
