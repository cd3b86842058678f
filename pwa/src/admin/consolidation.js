// Consolidation: propose a pickup plan (a category or chosen products, a region, capacity in kg,
// a port and a date), see its lines by kecamatan then desa with subtotals and the capacity fill,
// edit a line's quantity or remove it, cancel, or mark it shipped (after a confirmation: stock
// drops through the apply path); the printable manifest and its CSV, fetched with the header.
import { field, h, select } from "../dom.js";
import { today } from "../format.js";
import { choices, label } from "../i18n.js";
import { numberInput } from "../numberInput.js";
import { sumQuantities } from "../quantity.js";
import { day } from "./dates.js";
import { errorBox, fillBar, kg, moment, number, qtyUnit, regionChoices, saveResponse, table } from "./ui.js";
import { at } from "./words.js";

const DEFAULT_CAPACITY = "3000";
const PORTS = ["Tanjung Priok (Jakarta)", "Tanjung Perak (Surabaya)", "Tanjung Emas (Semarang)", "Belawan (Medan)", "Makassar", "Patimban (Subang)"];

function statusText(status) {
  return at(`plan_status_${status}`);
}

function inDays(days) {
  const date = new Date(`${today()}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Field errors of a 422 shown under their inputs; anything else in the box. */
function showFailure(error, inputs, box, names = new Map()) {
  box.textContent = "";
  const fields = (error.details && error.details.fields) || {};
  let shown = false;
  for (const [name, problem] of Object.entries(fields)) {
    const input = inputs[name.split(".")[0]];
    const holder = input && document.getElementById(`${input.id}-error`);
    if (holder) {
      holder.textContent = problem.message;
      input.setAttribute("aria-invalid", "true");
      shown = true;
    }
  }
  const lines = (error.details && error.details.lines) || [];
  box.append(errorBox(error));
  if (lines.length) {
    box.append(h("ul", { class: "error-lines" }, lines.map((line) =>
      h("li", null, `${line.product_name || names.get(line.product_id) || line.product_id}: ${qtyUnit(line.qty, line.unit)} — ${at("available", { qty: qtyUnit(line.available || line.on_hand || "0", line.unit) })}`))));
  }
  if (!shown && !lines.length && error.details && error.details.over_kg) box.append(h("p", null, `+${kg(error.details.over_kg)}`));
}

async function approvedProducts(env, region) {
  const page = await env.api.json("GET", "/api/v1/review-queue", { params: { status: "approved", kecamatan: region, limit: 200 } });
  return page.items;
}

function proposeForm(env, regions) {
  const mine = regions.filter(([code]) => (env.ctx.session.user.regions || []).includes(code));
  const mode = env.state.planMode || "category";
  const byCategory = h("input", { type: "radio", name: "plan-mode", id: "mode-category", value: "category", checked: mode === "category" });
  const byProducts = h("input", { type: "radio", name: "plan-mode", id: "mode-products", value: "products", checked: mode === "products" });
  const category = select(choices("category").map((v) => [v, label("category", v)]), "coffee", { id: "plan-category", name: "category" });
  const region = select(regions, (mine[0] || regions[0] || [""])[0], { id: "plan-region", name: "region" });
  const capacity = h("input", { id: "plan-capacity", name: "capacity_kg", inputmode: "decimal", required: true });
  const capacityReader = numberInput(capacity, { unit: () => "kg", initial: DEFAULT_CAPACITY });
  const port = h("input", { id: "plan-port", name: "port", list: "ports", required: true, maxlength: "200" });
  const date = h("input", { id: "plan-date", name: "date", type: "date", value: inDays(7), required: true });
  const productBox = h("div", { class: "choices-list", id: "plan-products", role: "group", "aria-label": at("choose_products") });
  const categoryField = field(at("category"), category);
  const productsField = h("div", { class: "field" }, h("p", { class: "label" }, h("b", null, at("choose_products"))), productBox);
  const box = h("div");
  const submit = h("button", { type: "submit", class: "btn primary", id: "propose" }, at("propose"));

  async function fillProducts() {
    productBox.textContent = at("loading");
    try {
      const products = await approvedProducts(env, region.value);
      productBox.textContent = "";
      if (!products.length) productBox.append(h("p", { class: "empty" }, at("no_approved")));
      for (const p of products) {
        productBox.append(h("label", null, h("input", { type: "checkbox", value: p.id, name: "product_ids" }),
          `${p.name} — ${p.producer.name}, ${p.village.name || p.village.code} (${qtyUnit(p.stock_on_hand, p.unit)})`));
      }
    } catch (error) {
      productBox.textContent = "";
      productBox.append(errorBox(error));
    }
  }

  function showMode() {
    const products = byProducts.checked;
    env.state.planMode = products ? "products" : "category";
    categoryField.hidden = products;
    productsField.hidden = !products;
    if (products) fillProducts();
  }
  byCategory.addEventListener("change", showMode);
  byProducts.addEventListener("change", showMode);
  region.addEventListener("change", () => byProducts.checked && fillProducts());

  async function propose(event) {
    event.preventDefault();
    box.textContent = "";
    for (const input of [category, region, capacity, port, date]) {
      input.removeAttribute("aria-invalid");
      const holder = document.getElementById(`${input.id}-error`);
      if (holder) holder.textContent = "";
    }
    const read = capacityReader.check();
    if (!read.ok) return;
    const capacityText = read.value;
    if (!capacityText) {
      document.getElementById(`${capacity.id}-error`).textContent = at("capacity_kg");
      capacity.setAttribute("aria-invalid", "true");
      capacity.focus();
      return;
    }
    const body = { region: region.value, capacity_kg: capacityText, port: port.value.trim(), date: date.value };
    if (byProducts.checked) {
      body.product_ids = [...productBox.querySelectorAll("input:checked")].map((input) => input.value);
      if (!body.product_ids.length) {
        box.append(errorBox(at("nothing_selected")));
        return;
      }
    } else {
      body.category = category.value;
    }
    submit.disabled = true;
    submit.textContent = at("proposing");
    try {
      const plan = await env.api.json("POST", "/api/v1/consolidations", { body });
      env.state.skipped = { [plan.id]: plan.skipped || [] };
      env.go(`#/admin/consolidation/${plan.id}`);
    } catch (error) {
      showFailure(error, { category, region, capacity_kg: capacity, port, date, product_ids: productBox }, box);
      const skipped = (error.details && error.details.skipped) || [];
      if (skipped.length) box.append(skippedList(skipped));
    } finally {
      submit.disabled = false;
      submit.textContent = at("propose");
    }
  }

  showMode();
  return h(
    "form",
    { id: "propose-form", onsubmit: propose, novalidate: true },
    h("fieldset", { class: "buttons" }, h("legend", { class: "visually-hidden" }, at("new_plan")),
      h("label", { for: "mode-category", style: "display:flex;gap:8px;align-items:center;margin:0" }, byCategory, at("by_category")),
      h("label", { for: "mode-products", style: "display:flex;gap:8px;align-items:center;margin:0" }, byProducts, at("by_products"))),
    h("div", { class: "toolbar" }, categoryField, field(at("region"), region), field(at("capacity_kg"), capacity, capacityReader.hint), field(at("port"), port), field(at("pickup_date"), date)),
    productsField,
    h("datalist", { id: "ports" }, PORTS.map((name) => h("option", { value: name }))),
    h("div", { class: "buttons" }, submit),
    box,
  );
}

function skippedList(skipped) {
  return h("div", { class: "notice", id: "skipped" }, h("b", null, `${at("skipped")}: `),
    skipped.map((s) => `${s.product_name || s.product_id} (${at(`skip_${s.reason}`)})`).join("; "));
}

function plansTable(plans) {
  if (!plans.length) return h("p", { class: "empty" }, at("no_plans"));
  return table(
    [{ title: at("pickup_date") }, { title: at("port") }, { title: at("category") }, { title: at("region") }, { title: at("status") }, { title: at("net_kg"), num: true }, { title: "%", num: true }],
    plans.map((p) => [
      h("a", { href: `#/admin/consolidation/${p.id}` }, day(p.date)),
      p.port,
      p.category ? label("category", p.category) : "—",
      p.region.name || p.region.code,
      statusText(p.status),
      `${number(p.totals.net_kg)} / ${number(p.totals.capacity_kg)}`,
      number(p.totals.fill_percent),
    ]),
    { id: "plans", cards: true },
  );
}

export async function consolidationScreen(env) {
  const [regions, plans] = await Promise.all([regionChoices(env), env.api.json("GET", "/api/v1/consolidations", { params: { limit: 50 } })]);
  return h(
    "main",
    { id: "main" },
    h("h1", null, at("consolidation_title")),
    h("h2", null, at("new_plan")),
    proposeForm(env, regions),
    h("h2", null, at("plans")),
    plansTable(plans),
  );
}

// -- one plan ----------------------------------------------------------------------------------

/** A cell of a plan line: on a phone the line is a card, each cell under its column's title. */
function cell(key, content, className = null) {
  return h("td", { class: className, "data-label": at(key) }, h("span", { class: "cell" }, content));
}

function sumKg(lines) {
  return sumQuantities(lines.map((line) => line.net_kg));
}

export async function planScreen(env, planId) {
  const main = h("main", { id: "main" });
  const plan = await env.api.json("GET", `/api/v1/consolidations/${planId}`);
  draw(plan);
  return main;

  function draw(current) {
    const draft = current.status === "draft";
    const removed = new Set();
    const inputs = new Map();
    const box = h("div", { id: "plan-message" });
    const rows = [];
    let kecamatan = null;
    let desa = null;
    for (const line of current.lines) {
      if (line.kecamatan_code !== kecamatan) {
        kecamatan = line.kecamatan_code;
        desa = null;
        const group = current.lines.filter((l) => l.kecamatan_code === kecamatan);
        rows.push(h("tr", { class: "group" }, h("th", { colspan: "6", scope: "colgroup" }, `Kec. ${line.kecamatan_name || kecamatan}`), h("th", { class: "num" }, kg(sumKg(group))), h("th")));
      }
      if (line.village_code !== desa) {
        desa = line.village_code;
        const group = current.lines.filter((l) => l.village_code === desa);
        rows.push(h("tr", { class: "subgroup" }, h("th", { colspan: "6", scope: "colgroup" }, `${at("desa")} ${line.village_name || desa} (${desa})`), h("th", { class: "num" }, kg(sumKg(group))), h("th")));
      }
      let qty = qtyUnit(line.qty, line.unit);
      if (draft) {
        const input = h("input", { id: `qty-${line.id}`, inputmode: "decimal", "aria-label": at("qty_of", { product: line.product_name }) });
        const reader = numberInput(input, { unit: () => label("unit", line.unit), initial: line.qty });
        inputs.set(line.id, reader);
        qty = [input, reader.hint];
      }
      const row = h("tr", { id: `line-${line.id}` },
        cell("lot", String(line.lot)), cell("producer", line.producer_name || ""), cell("product_title", line.product_name || line.product_id),
        cell("hs_code", line.hs_code || ""), cell("qty", qty, "num"), cell("unit", label("unit", line.unit)),
        cell("net_kg", number(line.net_kg), "num"),
        h("td", { class: "actions" }, draft ? h("button", { type: "button", class: "btn small", "aria-label": at("remove_line", { product: line.product_name }), onclick: (event) => {
          const on = !removed.has(line.id);
          if (on) removed.add(line.id);
          else removed.delete(line.id);
          row.classList.toggle("removed", on);
          event.currentTarget.textContent = at(on ? "undo_remove" : "remove");
        } }, at("remove")) : ""));
      rows.push(row);
    }
    const totals = current.totals;
    const byUnit = Object.entries(totals.qty_by_unit).map(([unit, qty]) => qtyUnit(qty, unit)).join("; ");
    rows.push(h("tr", { class: "group" }, h("th", { colspan: "4", scope: "row" }, at("total")), h("th", { class: "num", colspan: "2" }, byUnit), h("th", { class: "num", id: "plan-total" }, kg(totals.net_kg)), h("th")));

    async function act(work, done) {
      box.textContent = "";
      try {
        const next = await work();
        draw(next);
        if (done) env.flash(done);
      } catch (error) {
        showFailure(error, {}, box, new Map(current.lines.map((line) => [line.product_id, line.product_name])));
      }
    }

    function save() {
      const edits = [];
      for (const line of current.lines) {
        if (removed.has(line.id)) {
          edits.push({ line_id: line.id, remove: true });
          continue;
        }
        const read = inputs.get(line.id).check();
        const typed = read.value;
        if (!read.ok || typed === null) {
          box.textContent = "";
          box.append(errorBox(at("qty_of", { product: line.product_name })));
          if (read.ok) document.getElementById(`qty-${line.id}`).focus();
          return;
        }
        if (typed !== line.qty) edits.push({ line_id: line.id, qty: typed });
      }
      if (!edits.length) {
        env.flash(at("no_changes"));
        return;
      }
      act(() => env.api.json("PATCH", `/api/v1/consolidations/${current.id}/lines`, { body: { lines: edits } }), at("saved"));
    }

    function cancel() {
      if (!window.confirm(at("cancel_confirm"))) return;
      act(() => env.api.json("POST", `/api/v1/consolidations/${current.id}/cancel`), at("cancelled_note"));
    }

    function ship() {
      if (!window.confirm(at("ship_confirm", { n: current.lines.length, kg: number(totals.net_kg) }))) return;
      act(() => env.api.json("POST", `/api/v1/consolidations/${current.id}/ship`), at("shipped_note"));
    }

    async function manifest() {
      const opened = window.open("", "_blank"); // opened now, while the click counts as the person's
      try {
        const html = (await env.api.file(`/api/v1/consolidations/${current.id}/manifest.html`)).blob;
        const url = env.scope.url(new Blob([html], { type: "text/html" }));
        if (opened) opened.location.href = url;
        else window.location.assign(url);
      } catch (error) {
        if (opened) opened.close();
        box.textContent = "";
        box.append(errorBox(error));
      }
    }

    async function csv() {
      try {
        const answer = await saveResponse(env, await env.api.file(`/api/v1/consolidations/${current.id}/manifest.csv`), `manifest-${current.id}.csv`);
        env.flash(at("downloaded", { name: answer.name, size: `${Math.ceil(answer.size / 1024)} KB` }));
      } catch (error) {
        box.textContent = "";
        box.append(errorBox(error));
      }
    }

    const skipped = env.state.skipped && env.state.skipped[current.id];
    const content = [
      h("p", null, h("a", { href: "#/admin/consolidation" }, `← ${at("consolidation_title")}`)),
      h("h1", null, `${at("plan")}: ${current.category ? label("category", current.category) : at("by_products")} → ${current.port}`),
      h("dl", { class: "facts", id: "plan-header" },
        h("dt", null, at("status")), h("dd", { id: "plan-status" }, statusText(current.status)),
        h("dt", null, at("region")), h("dd", null, current.region.name || current.region.code),
        h("dt", null, at("pickup_date")), h("dd", null, day(current.date)),
        h("dt", null, at("capacity_kg")), h("dd", null, kg(current.capacity_kg)),
        h("dt", null, at("created_by")), h("dd", null, `${current.created_by_name || ""} · ${moment(env, current.created_at)}`),
        current.shipped_at ? [h("dt", null, statusText("shipped")), h("dd", null, moment(env, current.shipped_at))] : null),
      fillBar(totals),
      skipped && skipped.length ? skippedList(skipped) : null,
      box,
      h("div", { class: "scroll" }, h("table", { class: "data cards", id: "plan-lines" },
        h("thead", null, h("tr", null, [at("lot"), at("producer"), at("product_title"), at("hs_code"), at("qty"), at("unit"), at("net_kg"), ""].map((title, i) =>
          h("th", { scope: "col", class: i === 4 || i === 6 ? "num" : null }, title)))),
        h("tbody", null, rows))),
      h("div", { class: "buttons" },
        draft ? h("button", { type: "button", class: "btn primary", id: "save-lines", onclick: save }, at("save_changes")) : null,
        draft ? h("button", { type: "button", class: "btn approve", id: "ship", onclick: ship }, at("ship")) : null,
        draft ? h("button", { type: "button", class: "btn danger", id: "cancel-plan", onclick: cancel }, at("cancel_plan")) : null,
        h("button", { type: "button", class: "btn", id: "open-manifest", onclick: manifest }, at("manifest")),
        h("button", { type: "button", class: "btn", id: "manifest-csv", onclick: csv }, at("manifest_csv"))),
    ];
    main.textContent = "";
    main.append(...content.filter(Boolean));
  }
}
