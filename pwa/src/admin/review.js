// The review queue: submitted products of the admin's regions with photos, producer, village,
// stock on hand and readiness; approve, ask for changes or reject with a note, one by one or
// the selected ones at once (POST /api/v1/reviews, each decision a `review` op through the apply
// path, so it reaches the producer's phone); decision history; produk unggulan.
import { field, h, select } from "../dom.js";
import { rupiah } from "../format.js";
import { choices, label } from "../i18n.js";
import { statusBadge } from "../ui/products.js";
import { day } from "./dates.js";
import { at } from "./words.js";
import { errorBox, moment, photo, qtyUnit, readinessBadge, readinessLine, regionChoices, regionSelect, requirementName, table } from "./ui.js";

const PAGE = 50;
const DECISIONS = [
  ["approved", "approve", "approve"],
  ["needs_changes", "needs_changes", "changes"],
  ["rejected", "reject", "reject"],
];

export async function ensureRules(env) {
  if (!env.state.rules) env.state.rules = await env.api.json("GET", "/api/v1/readiness/rules");
  return env.state.rules;
}

async function featuredIds(env) {
  const groups = await env.api.json("GET", "/api/v1/featured");
  return new Set(groups.flatMap((group) => group.products.map((p) => p.id)));
}

/** Send decisions [{product_id, decision, note}]; answers the server's results, one per decision. */
async function send(env, decisions) {
  const answer = await env.api.json("POST", "/api/v1/reviews", { body: { decisions } });
  return answer.results;
}

function historyList(env, reviews) {
  if (!reviews.length) return h("p", { class: "empty" }, at("no_history"));
  return h(
    "ul",
    { class: "reviews history-list" },
    [...reviews].reverse().map((r) =>
      h("li", null, h("span", null, statusBadge(r.decision), ` ${moment(env, r.at)} · ${at("by")} ${r.reviewer_name || r.reviewer_id}`), r.note ? h("p", null, r.note) : null),
    ),
  );
}

/** "Riwayat keputusan": loaded when opened. */
function historyDetails(env, productId) {
  const body = h("div");
  let loaded = false;
  const details = h("details", { class: "history" }, h("summary", null, at("history")), body);
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    body.textContent = at("loading");
    try {
      const reviews = await env.api.json("GET", `/api/v1/products/${productId}/reviews`);
      body.textContent = "";
      body.append(historyList(env, reviews));
    } catch (error) {
      loaded = false;
      body.textContent = "";
      body.append(errorBox(error));
    }
  });
  return details;
}

function featureButton(env, item, featured, onChange) {
  if (item.status !== "approved") return null;
  const on = featured.has(item.id);
  return h(
    "button",
    {
      type: "button",
      class: "btn",
      "aria-pressed": String(on),
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await env.api.json(on ? "DELETE" : "PUT", `/api/v1/products/${item.id}/featured`);
          if (on) featured.delete(item.id);
          else featured.add(item.id);
          env.flash(at(on ? "featured_off" : "featured_on"));
          onChange();
        } catch (error) {
          button.disabled = false;
          button.after(errorBox(error));
        }
      },
    },
    at(on ? "unfeature" : "feature"),
  );
}

/** A note and the three decisions for one product. */
function decisionForm(env, item, onDecided) {
  const note = h("textarea", { id: `note-${item.id}`, class: "note", maxlength: "1000", rows: "2" });
  const message = h("p", { class: "field-error", role: "alert" });
  async function decide(decision) {
    message.textContent = "";
    if (decision !== "approved" && !note.value.trim()) {
      message.textContent = at("note_needed");
      note.focus();
      return;
    }
    try {
      const [result] = await send(env, [{ product_id: item.id, decision, note: note.value.trim() || undefined }]);
      if (result.status === "rejected") throw result;
      env.flash(at("decided", { decision: label("status", decision), name: item.name }));
      onDecided(decision);
    } catch (error) {
      message.textContent = error.error ? error.error.message : error.message;
    }
  }
  return h(
    "div",
    { class: "decide" },
    field(at("note_for"), note),
    h("div", { class: "buttons" },
      DECISIONS.map(([decision, key, style]) =>
        h("button", { type: "button", class: `btn ${style}`, "data-decision": decision, onclick: () => decide(decision) }, at(key)))),
    message,
  );
}

function facts(env, item) {
  const pair = (term, value) => (value === null || value === undefined || value === "" ? null : [h("dt", null, term), h("dd", null, value)]);
  const producer = item.producer || {};
  const place = [item.village && item.village.name, item.kecamatan && item.kecamatan.name && `Kec. ${item.kecamatan.name}`].filter(Boolean).join(", ");
  return h(
    "dl",
    { class: "facts" },
    pair(at("producer"), [producer.name, producer.kind ? ` (${label("producer_kind", producer.kind)})` : "", producer.phone ? ` · ${producer.phone}` : ""].join("")),
    pair(at("village"), place || (item.village && item.village.code)),
    pair(at("category"), label("category", item.category)),
    pair(at("stock_on_hand"), h("span", { class: "stock" }, qtyUnit(item.stock_on_hand, item.unit))),
    pair(at("price"), item.price_idr != null ? `${rupiah(item.price_idr)} / ${label("unit", item.unit)}` : null),
    pair(at("hs_code"), item.hs_code),
    pair(at("readiness"), readinessLine(env, item.readiness)),
  );
}

export async function reviewScreen(env) {
  await ensureRules(env);
  const filters = env.state.review || (env.state.review = { status: "submitted", category: "", kecamatan: "" });
  const regions = await regionChoices(env);
  const status = select(choices("status").map((v) => [v, label("status", v)]), filters.status, { id: "filter-status" });
  const category = select([["", at("all")], ...choices("category").map((v) => [v, label("category", v)])], filters.category, { id: "filter-category" });
  const region = regionSelect(regions, filters.kecamatan, { id: "filter-region" });
  const list = h("ul", { class: "queue", id: "queue", "aria-live": "polite" });
  const count = h("p", { class: "count", id: "queue-count" });
  const more = h("button", { type: "button", class: "btn", id: "load-more", hidden: true, onclick: () => load(false) }, at("load_more"));
  const problem = h("div");
  const selected = new Set();
  const items = new Map();
  env.state.items = env.state.items || new Map();
  let cursor = null;
  let featured = new Set();

  const selectAll = h("input", { type: "checkbox", id: "select-all", onchange: () => {
    for (const box of list.querySelectorAll("input.pick")) {
      box.checked = selectAll.checked;
      if (box.checked) selected.add(box.value);
      else selected.delete(box.value);
    }
    showSelected();
  } });
  const selectedCount = h("span", { id: "selected-count" });
  const bulkNote = h("textarea", { id: "bulk-note", maxlength: "1000", rows: "2" });
  const bulkMessage = h("p", { class: "field-error", role: "alert" });
  // A compact bar that stays in view (a row of choices and the three decisions); the note opens
  // under it on demand, so on a phone the bar covers a fifth of the screen, not most of it.
  const noteField = h("div", { class: "bulk-note", id: "bulk-note-field", hidden: true }, field(at("bulk_note"), bulkNote));
  const noteToggle = h("button", { type: "button", class: "btn note-toggle", id: "bulk-note-toggle", "aria-expanded": "false", "aria-controls": "bulk-note-field",
    onclick: () => showNote(noteField.hidden) }, at("note"));
  function showNote(open) {
    noteField.hidden = !open;
    noteToggle.setAttribute("aria-expanded", String(open));
    if (open) bulkNote.focus();
  }
  const bulkBar = h(
    "section",
    { class: "bulk", "aria-label": at("bulk_title") },
    h("div", { class: "bulk-row" },
      h("label", { class: "inline pick-all", for: "select-all" }, selectAll, h("span", { class: "wide-only" }, at("select_all")), h("span", { class: "narrow-only" }, at("all"))),
      selectedCount,
      noteToggle),
    h("div", { class: "buttons bulk-decisions" },
      DECISIONS.map(([decision, key, style]) => h("button", { type: "button", class: `btn ${style}`, id: `bulk-${decision}`, onclick: () => bulk(decision) },
        at(key), h("span", { class: "wide-only" }, at("for_selected"))))),
    noteField,
    bulkMessage,
  );

  function showSelected() {
    selectedCount.textContent = at("n_selected", { n: selected.size });
    count.textContent = at("n_items", { n: items.size });
  }

  function removeItem(id) {
    const element = document.getElementById(`item-${id}`);
    if (element) element.remove();
    items.delete(id);
    selected.delete(id);
    showSelected();
  }

  function afterDecision(id, decision) {
    if (decision !== filters.status) removeItem(id);
    else env.rerender();
  }

  function itemElement(item) {
    const pick = h("input", { type: "checkbox", class: "pick", value: item.id, "aria-label": at("select_item", { name: item.name }), checked: selected.has(item.id),
      onchange: () => {
        if (pick.checked) selected.add(item.id);
        else selected.delete(item.id);
        showSelected();
      } });
    const photos = (item.photos || []).slice(0, 4);
    const element = h(
      "li",
      { class: "qitem", id: `item-${item.id}`, "data-name": item.name },
      pick,
      h("div", { class: "thumbs" }, photos.length ? photos.map((sha) => photo(env, sha, item.name)) : h("span", { class: "thumb-missing", "aria-hidden": "true" }, "📷")),
      h(
        "div",
        { class: "body" },
        h("h2", null, h("a", { href: `#/admin/products/${item.id}` }, item.name), " ", statusBadge(item.status),
          featured.has(item.id) ? h("span", { class: "badge featured" }, ` ${at("featured")}`) : null),
        facts(env, item),
        item.description ? h("p", { class: "hint" }, item.description) : null,
        historyDetails(env, item.id),
        featureButton(env, item, featured, () => element.replaceWith(itemElement(item))),
      ),
      decisionForm(env, item, (decision) => afterDecision(item.id, decision)),
    );
    return element;
  }

  async function load(fresh) {
    problem.textContent = "";
    if (fresh) {
      list.textContent = "";
      items.clear();
      selected.clear();
      cursor = null;
      selectAll.checked = false;
    }
    more.hidden = true;
    list.setAttribute("aria-busy", "true");
    try {
      if (fresh && filters.status === "approved") featured = await featuredIds(env);
      const params = { status: filters.status, category: filters.category, kecamatan: filters.kecamatan, limit: PAGE, cursor };
      const page = await env.api.json("GET", "/api/v1/review-queue", { params });
      for (const item of page.items) {
        items.set(item.id, item);
        env.state.items.set(item.id, item);
        list.append(itemElement(item));
      }
      cursor = page.cursor;
      more.hidden = !cursor;
      if (!items.size) list.append(h("li", { class: "empty" }, at("queue_empty")));
    } catch (error) {
      problem.append(errorBox(error));
    }
    list.removeAttribute("aria-busy");
    showSelected();
  }

  async function bulk(decision) {
    bulkMessage.textContent = "";
    const ids = [...selected];
    if (!ids.length) {
      bulkMessage.textContent = at("nothing_selected");
      return;
    }
    const note = bulkNote.value.trim();
    if (decision !== "approved" && !note) {
      bulkMessage.textContent = at("note_needed");
      showNote(true);
      return;
    }
    if (!window.confirm(at("bulk_confirm", { decision: label("status", decision), n: ids.length }))) return;
    try {
      const results = await send(env, ids.map((id) => ({ product_id: id, decision, note: note || undefined })));
      const failed = [];
      results.forEach((result, i) => {
        if (result.status === "rejected") failed.push(`${items.get(ids[i]).name}: ${result.error.message}`);
        else afterDecision(ids[i], decision);
      });
      if (failed.length) bulkMessage.textContent = failed.join("; ");
      env.flash(at("decided_n", { decision: label("status", decision), n: results.length - failed.length }));
      bulkNote.value = "";
    } catch (error) {
      bulkMessage.textContent = error.message;
    }
  }

  for (const [control, key] of [[status, "status"], [category, "category"], [region, "kecamatan"]]) {
    control.addEventListener("change", () => {
      filters[key] = control.value;
      load(true);
    });
  }
  await load(true);
  return h(
    "main",
    { id: "main" },
    h("h1", null, at("review_title")),
    h("div", { class: "toolbar", role: "search" }, field(at("status"), status), field(at("category"), category), field(at("region"), region)),
    bulkBar,
    count,
    problem,
    list,
    more,
  );
}

/** Readiness of one product: each requirement, when documents expire, and who can help. */
function readinessTable(env, readiness) {
  const docs = readiness.documents || {};
  const statusText = (check) => {
    if (check.status === "ok") return at("check_ok");
    if (check.status === "expiring") return `${at("expiring")} (${at("days_left", { n: check.days_left })})`;
    return at(check.status);
  };
  const help = (check) => check.status === "ok" ? "" : check.documents.filter((d) => docs[d]).map((d) => `${docs[d].name}: ${docs[d].who_can_help}`).join(" ");
  return h(
    "div",
    { id: "product-readiness" },
    h("p", null, readinessBadge(readiness.state), ` ${at("as_of", { date: day(readiness.as_of) })}`),
    table(
      [{ title: at("requirement") }, { title: at("status") }, { title: at("valid_until") }, { title: at("who_can_help") }],
      readiness.requirements.map((check) => [
        h("span", null, requirementName(env, check.requirement), check.note ? h("span", { class: "hint" }, h("br"), check.note) : null),
        h("span", { class: check.status === "ok" ? "" : "warn" }, statusText(check)),
        day(check.valid_until),
        help(check),
      ]),
      { cards: true },
    ),
    readiness.recommended.length
      ? h("p", null, `${at("recommended")}: `, readiness.recommended.map((r) => `${docs[r.document] ? docs[r.document].name : r.document} (${at(r.held ? "held" : "not_held")})`).join("; "))
      : null,
  );
}

/** One product: its facts (when the queue showed it), readiness in full, history and decisions. */
export async function productScreen(env, productId) {
  await ensureRules(env);
  const item = env.state.items && env.state.items.get(productId);
  const [readiness, reviews] = await Promise.all([
    env.api.json("GET", `/api/v1/products/${productId}/readiness`),
    env.api.json("GET", `/api/v1/products/${productId}/reviews`),
  ]);
  const name = item ? item.name : productId;
  return h(
    "main",
    { id: "main" },
    h("p", null, h("a", { href: "#/admin/review" }, `← ${at("review_title")}`)),
    h("h1", null, name, " ", item ? statusBadge(item.status) : null),
    item ? h("div", { class: "thumbs" }, (item.photos || []).map((sha) => photo(env, sha, name))) : null,
    item ? facts(env, item) : null,
    h("h2", null, at("readiness")),
    readinessTable(env, readiness),
    h("h2", null, at("history")),
    historyList(env, reviews),
    item ? h("h2", null, at("details")) : null,
    item ? decisionForm(env, item, () => env.go("#/admin/review")) : null,
  );
}

export { readinessTable };
