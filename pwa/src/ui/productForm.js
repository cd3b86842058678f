// The product form: photos first (shrunk on the phone before storing), then name, category (a
// grid of tiles, an icon and a word each), unit, weight per unit, price in rupiah, description,
// and under "Untuk ekspor (opsional)" the HS code and certifications with numbers and expiry dates.
import { h, field, radios, select, showFieldError } from "../dom.js";
import { draftKey, draftNote, keepWhileTyping, loadDraft, startAgain } from "../drafts.js";
import { uuid7 } from "../ids.js";
import { choices, label, t } from "../i18n.js";
import { icon } from "../icons.js";
import { sameValue } from "../merge.js";
import { numberInput } from "../numberInput.js";
import { sha256Hex, shrinkPhoto } from "../photos.js";
import { fieldProblems, problemText } from "../rules.js";
import { saveOnce } from "./submit.js";

function options(group) {
  return choices(group).map((value) => [value, label(group, value)]);
}

function certificationRow(cert = {}) {
  const kind = select(options("certification"), cert.kind || "pirt", { "aria-label": t("cert_kind") });
  const number = h("input", { value: cert.number || "", "aria-label": t("cert_number"), maxlength: "100", autocomplete: "off" });
  // Dates lie in the years 2000 to 2100 (SYNC-CONTRACT 1.1).
  const until = h("input", { type: "date", min: "2000-01-01", max: "2100-12-31", value: cert.valid_until || "", "aria-label": t("valid_until") });
  const row = h(
    "fieldset",
    { class: "cert" },
    h("legend", null, t("certifications")),
    field(t("cert_kind"), kind),
    field(t("cert_number"), number),
    field(t("valid_until"), until),
    h("button", { type: "button", class: "btn small", onclick: () => row.remove() }, t("remove")),
  );
  row.value = () => ({ kind: kind.value, number: number.value.trim() || null, valid_until: until.value || null });
  return row;
}

/** Add or edit a product (`productId`), or correct a rejected product op (`fix`). */
export async function productForm(ctx, { productId = null, fix = null } = {}) {
  const id = fix ? fix.entity_id : productId;
  const draftName = fix ? null : draftKey("product", id || `new:${ctx.currentProducerId()}`);
  const draft = fix ? null : await loadDraft(ctx.db, draftName);
  const current = (id && ctx.model.productById.get(id)) || {};
  const initial = fix ? { ...current, ...fix.fields } : draft ? { ...current, ...draft.fields } : current;
  const photos = [...(initial.photos || [])];
  const view = ctx.photos.view(); // kept or fetched thumbnails; URLs revoked with the screen
  const newPhotos = draft ? [...draft.newPhotos] : [];

  const name = h("input", { required: true, maxlength: "200", value: initial.name || "", autocomplete: "off" });
  const category = radios("category", choices("category"), initial.category || "coffee", (c) => label("category", c), (c) => icon(c));
  category.id = "category";
  category.setAttribute("aria-labelledby", "category-legend");
  category.setAttribute("aria-describedby", "category-error");
  const unit = select(options("unit"), initial.unit || "kg");
  const weight = h("input", { inputmode: "decimal", autocomplete: "off" });
  const weightReader = numberInput(weight, { unit: () => "kg", initial: initial.unit_weight_kg });
  const price = h("input", { inputmode: "numeric", autocomplete: "off" });
  const priceReader = numberInput(price, { price: true, initial: initial.price_idr });
  const description = h("textarea", { maxlength: "5000", rows: "3" }, initial.description || "");
  const hsCode = h("input", { inputmode: "numeric", value: initial.hs_code || "", autocomplete: "off" });
  const certs = h("div", { class: "certs" }, (initial.certifications || []).map(certificationRow));
  const thumbs = h("div", { class: "thumbs" });
  const camera = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo-input", class: "visually-hidden" });
  const photoStatus = h("p", { class: "hint", "aria-live": "polite" });

  /** A photo taken or removed: the draft keeps it as it keeps what is typed. */
  function changed() {
    thumbs.dispatchEvent(new Event("change", { bubbles: true }));
  }

  async function drawThumbs() {
    thumbs.textContent = "";
    for (const sha of photos) {
      const local = newPhotos.find((p) => p.sha256 === sha);
      const remove = () => {
        photos.splice(photos.indexOf(sha), 1);
        drawThumbs();
        changed();
      };
      thumbs.append(
        h(
          "div",
          { class: "thumb" },
          local ? h("img", { src: view.blobUrl(local.blob), alt: t("photos"), width: "96", height: "96" }) : view.photo(sha, "thumb", { alt: t("photos") }),
          h("button", { type: "button", class: "btn small", onclick: remove }, t("remove")),
        ),
      );
    }
  }

  camera.addEventListener("change", async () => {
    const file = camera.files && camera.files[0];
    if (!file) return;
    photoStatus.textContent = t("photo_saving");
    try {
      const blob = await shrinkPhoto(file);
      const sha256 = await sha256Hex(blob);
      if (!photos.includes(sha256)) {
        photos.push(sha256);
        newPhotos.push({ sha256, blob });
      }
      photoStatus.textContent = "";
      await drawThumbs();
      changed();
    } catch {
      photoStatus.textContent = t("photo_failed");
    }
    camera.value = "";
  });

  const certsError = h("p", { class: "field-error", id: "certs-error", role: "alert" });

  /** The form's fields, and the inputs whose values the server would refuse (told at each). */
  function collect() {
    const fields = { name: name.value.trim(), category: chosenCategory(), unit: unit.value };
    // Weight and price are read as typed; numberInput shows its own reason under each input.
    const weightRead = weightReader.check();
    const priceRead = priceReader.check();
    fields.unit_weight_kg = weightRead.value ?? null;
    fields.price_idr = priceRead.value ?? null;
    fields.description = description.value.trim() || null;
    fields.hs_code = hsCode.value.trim() || null; // a cleared field is null: it clears
    fields.certifications = Array.from(certs.children, (row) => row.value());
    fields.photos = [...photos];
    const found = fieldProblems("product", fields);
    const unread = { unit_weight_kg: !weightRead.ok, price_idr: !priceRead.ok };
    const inputs = { name, category, unit_weight_kg: weight, price_idr: price, description, hs_code: hsCode };
    for (const [key, input] of Object.entries(inputs)) {
      if (unread[key]) found[key] = found[key] || { code: "unread" };
      else showFieldError(input, found[key] ? problemText(t, "product", key, found[key]) : "");
    }
    certsError.textContent = found.certifications ? problemText(t, "product", "certifications", found.certifications) : "";
    // A wrong category (a rejected one brought back to fix) takes the focus to its first tile.
    const errors = Object.keys(inputs).filter((key) => found[key]).map((key) => (key === "category" ? category.querySelector("input") : inputs[key]));
    if (found.certifications) errors.push(certs.querySelector("input") || certs);
    return { fields, errors };
  }

  /** Only what changed: an untouched field keeps its clock (and its reviewer's approval). */
  function changedOnly(fields) {
    const changed = {};
    for (const [key, value] of Object.entries(fields)) {
      const before = current[key] ?? (key === "certifications" || key === "photos" ? [] : null);
      if (!sameValue(before, value)) changed[key] = value;
    }
    return changed;
  }

  /** What is typed, as it is, with the photos taken (a draft keeps the text, not what it means). */
  function values() {
    const fields = { name: name.value, category: chosenCategory(), unit: unit.value, description: description.value, hs_code: hsCode.value };
    fields.certifications = Array.from(certs.children, (row) => row.value());
    fields.photos = [...photos];
    const typed = { weight: weight.value, price: price.value };
    return { fields, typed, newPhotos: newPhotos.filter((p) => photos.includes(p.sha256)) };
  }

  async function save() {
    const { fields, errors } = collect();
    if (errors.length) {
      const fold = errors[0].closest("details"); // an export field: unfold it to show what is wrong
      if (fold) fold.open = true;
      errors[0].focus();
      return false;
    }
    if (keeper) keeper.stop();
    const kept = newPhotos.filter((p) => fields.photos.includes(p.sha256));
    const extra = { enteredBy: ctx.enteredBy(), photos: kept.map((p) => ({ ...p, product_id: id || null })) };
    const later = { draft: draftName, values: values(), back: location.hash };
    if (fix) {
      await ctx.replica.resend(fix, fields, extra);
      await ctx.afterWrite(); // the fix list must lose it before it shows
      ctx.go("#/fix");
      return true;
    }
    if (id) {
      const changed = changedOnly(fields);
      if (Object.keys(changed).length) ctx.saveSoon("product", id, changed, extra, later);
      else keeper.discard(); // nothing changed: nothing to keep
      ctx.go(`#/products/${id}`);
      return true;
    }
    const newId = uuid7();
    const created = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length)));
    created.producer_id = ctx.currentProducerId();
    created.status = "draft";
    extra.photos = extra.photos.map((p) => ({ ...p, product_id: newId }));
    ctx.saveSoon("product", newId, created, extra, later);
    ctx.go(`#/products/${newId}`);
    return true;
  }

  /** The category tapped, or null when none is (a rejected one that is no longer a choice). */
  function chosenCategory() {
    const input = category.querySelector("input:checked");
    return input ? input.value : null;
  }

  /** The category tiles under their word, with the place to tell what is wrong with the choice. */
  function categoryField() {
    const error = h("p", { class: "field-error", id: "category-error", role: "alert" });
    return h("fieldset", { class: "field" }, h("legend", { id: "category-legend" }, t("category")), category, error);
  }

  /** HS code and certifications: needed to export only, folded away until wanted. */
  function exportFold() {
    const filled = Boolean(initial.hs_code || (initial.certifications || []).length);
    return h(
      "details",
      { class: "fold", id: "export-fold", open: filled },
      h("summary", null, t("export_fold")),
      field(t("hs_code"), hsCode),
      h("h2", null, t("certifications")),
      certs,
      certsError,
      h("button", { type: "button", class: "btn", onclick: () => certs.append(certificationRow()) }, t("add_certification")),
    );
  }

  if (draft) {
    weight.value = draft.typed.weight;
    price.value = draft.typed.price;
    for (const input of [weight, price]) input.dispatchEvent(new Event("input")); // their "= ..." lines
  }
  await drawThumbs();
  const back = fix ? "#/fix" : id ? `#/products/${id}` : "#/products";
  const main = h(
    "main",
    { id: "main" },
    h("h1", null, fix ? t("fix") : id ? t("edit") : t("add_product")),
    draft ? draftNote(() => startAgain(ctx, keeper)) : null,
    h(
      "form",
      { class: "card", id: "product-form" },
      h("h2", { class: "first" }, t("photos")),
      thumbs,
      h("label", { for: "photo-input", class: "btn" }, t("take_photo")),
      camera,
      photoStatus,
      field(t("name"), name),
      categoryField(),
      field(t("unit"), unit),
      field(t("unit_weight"), weight, weightReader.hint),
      field(t("price"), price, priceReader.hint),
      field(t("description"), description),
      exportFold(),
      h("button", { type: "submit", class: "btn primary" }, t("save")),
      h("a", { href: back, class: "btn", onclick: fix ? null : () => keeper.discard() }, t("cancel")),
    ),
  );
  const form = main.querySelector("#product-form");
  saveOnce(form, save);
  const keeper = fix ? null : keepWhileTyping(ctx.db, draftName, form, values);

  main.release = view.release;
  return main;
}
