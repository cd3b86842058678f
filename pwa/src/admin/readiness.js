// Export readiness: the rule table per category (data from GET /api/v1/readiness/rules), the
// documents and who can help, a region's summary (counted in SQL), and the products of a status
// that still lack something, each opening to what is missing or expiring within 90 days.
import { field, h, select } from "../dom.js";
import { currentLang, label } from "../i18n.js";
import { day } from "./dates.js";
import { ensureRules } from "./review.js";
import { errorBox, isNarrow, readinessLine, regionChoices, regionSelect, requirementName, table } from "./ui.js";
import { at } from "./words.js";

const PROBLEM_PAGE = 200;
// Products not ready shown at a time, so the page stays a few screens long.
const SHOWN = { narrow: 5, wide: 20 };

function requirementText(env, req) {
  const lang = currentLang();
  const when = [];
  if (req.from) when.push(at("from_date", { date: day(req.from) }));
  if (req.when && req.when.mentions) when.push(at("when_mentions", { words: req.when.mentions.join(", ") }));
  const name = req.documents.map((d) => requirementName(env, d)).join(` ${at("or")} `);
  return h("span", null, name, when.length ? h("span", { class: "hint" }, ` (${when.join("; ")})`) : null, req.note ? h("span", { class: "hint" }, h("br"), req.note[lang]) : null);
}

function rulesTable(env, rules) {
  const lang = currentLang();
  const rows = Object.entries(rules.categories).map(([code, category]) => [
    h("b", null, category.name ? category.name[lang] : label("category", code)),
    h("ul", null, [...rules.requirements, ...category.requirements].map((req) => h("li", null, requirementText(env, req)))),
    category.recommended.map((d) => requirementName(env, d)).join(", "),
  ]);
  return table([{ title: at("category") }, { title: at("required_docs") }, { title: at("recommended") }], rows, { id: "rules-table", cards: true });
}

function documentsTable(rules) {
  const lang = currentLang();
  return table(
    [{ title: at("document") }, { title: at("what_it_is") }, { title: at("who_can_help") }],
    Object.values(rules.documents).map((doc) => [h("b", null, doc.name[lang]), doc.what[lang], doc.who_can_help[lang]]),
    { id: "documents-table", cards: true },
  );
}

function counts(row) {
  return [String(row.products), String(row.ready), String(row.missing), String(row.expiring)];
}

const COUNT_COLUMNS = () => [{ title: at("products"), num: true }, { title: at("ready"), num: true }, { title: at("state_missing"), num: true }, { title: at("expiring"), num: true }];

function summaryView(env, summary) {
  const totals = summary.totals;
  return h(
    "div",
    { id: "readiness-summary" },
    h("p", { class: "hint" }, at("as_of", { date: day(summary.as_of) })),
    h("div", { class: "big-figures" },
      [["products", totals.products], ["state_ready", totals.ready], ["state_missing", totals.missing], ["state_expiring", totals.expiring]].map(([key, n]) =>
        h("div", null, h("b", null, String(n)), at(key)))),
    h("div", { class: "grid2" },
      h("div", null, h("h3", null, at("category")),
        table([{ title: at("category") }, ...COUNT_COLUMNS()], summary.by_category.map((row) => [label("category", row.category), ...counts(row)]))),
      // By region is long (every desa of a kabupaten): open on a wide screen, one tap away on a phone.
      h("details", { class: "by-region", open: !isNarrow() },
        h("summary", null, h("h3", null, `${at("region")} (${summary.by_region.length})`)),
        table([{ title: at("region") }, ...COUNT_COLUMNS()], summary.by_region.map((row) => [row.name || row.code, ...counts(row)])))),
    h("h3", null, at("documents_title")),
    table(
      [{ title: at("requirement") }, { title: at("missing"), num: true }, { title: at("expired"), num: true }, { title: at("expiring"), num: true }],
      summary.documents.map((row) => [requirementName(env, row.requirement), String(row.missing), String(row.expired), String(row.expiring)]),
    ),
  );
}

/** The products not ready, ten at a time with "show more". */
function notReadyList(env, notReady) {
  const rows = (items) => items.map((item) => [h("a", { href: `#/admin/products/${item.id}` }, item.name), item.producer.name, item.village.name || item.village.code, readinessLine(env, item.readiness)]);
  const columns = [{ title: at("product_title") }, { title: at("producer") }, { title: at("village") }, { title: at("readiness") }];
  const holder = h("div", { id: "not-ready-list" });
  const page = isNarrow() ? SHOWN.narrow : SHOWN.wide;
  let shown = 0;
  const more = h("button", { type: "button", class: "btn", id: "not-ready-more", onclick: () => showMore() });
  function showMore() {
    shown = Math.min(notReady.length, shown + page);
    holder.textContent = "";
    holder.append(table(columns, rows(notReady.slice(0, shown)), { id: "not-ready", cards: true }));
    more.hidden = shown >= notReady.length;
    more.textContent = at("show_more", { n: Math.min(page, notReady.length - shown), total: notReady.length - shown });
  }
  showMore();
  return h("div", null, holder, more);
}

export async function readinessScreen(env) {
  const rules = await ensureRules(env);
  const filters = env.state.readiness || (env.state.readiness = { region: "", by: "kecamatan", status: "approved" });
  const regions = await regionChoices(env);
  const region = regionSelect(regions, filters.region, { id: "readiness-region" });
  const by = select([["kecamatan", at("kecamatan")], ["desa", at("desa")]], filters.by, { id: "readiness-by" });
  const status = select([["", at("all")], ...["approved", "submitted", "needs_changes", "draft"].map((v) => [v, label("status", v)])], filters.status, { id: "readiness-status" });
  const summaryHolder = h("div");
  const problemsHolder = h("div");

  async function load() {
    summaryHolder.textContent = at("loading");
    problemsHolder.textContent = "";
    try {
      const summary = await env.api.json("GET", "/api/v1/readiness/summary", { params: { region: filters.region, by: filters.by, status: filters.status } });
      summaryHolder.textContent = "";
      summaryHolder.append(summaryView(env, summary));
    } catch (error) {
      summaryHolder.textContent = "";
      summaryHolder.append(errorBox(error));
    }
    if (!filters.status) return;
    try {
      const page = await env.api.json("GET", "/api/v1/review-queue", { params: { status: filters.status, kecamatan: filters.region, limit: PROBLEM_PAGE } });
      env.state.items = env.state.items || new Map();
      const notReady = page.items.filter((item) => item.readiness.state !== "ready");
      page.items.forEach((item) => env.state.items.set(item.id, item));
      problemsHolder.append(
        h("p", { class: "hint" }, at("problems_hint", { n: page.items.length })),
        notReady.length ? notReadyList(env, notReady) : h("p", null, at("all_ready")),
      );
    } catch (error) {
      problemsHolder.append(errorBox(error));
    }
  }

  for (const [control, key] of [[region, "region"], [by, "by"], [status, "status"]]) {
    control.addEventListener("change", () => {
      filters[key] = control.value;
      load();
    });
  }
  await load();
  return h(
    "main",
    { id: "main" },
    h("h1", null, at("readiness_title")),
    h("h2", null, at("summary_title")),
    h("div", { class: "toolbar" }, field(at("region"), region), field(at("group_by"), by), field(at("status"), status)),
    summaryHolder,
    h("h2", null, at("problems_title")),
    problemsHolder,
    // The rules and the documents are reference: folded, so the page is the region's state first.
    h("details", { class: "section", id: "rules" }, h("summary", null, h("h2", null, at("rules_title"))),
      h("p", { class: "hint" }, rules.about[currentLang()]),
      rulesTable(env, rules)),
    h("details", { class: "section", id: "documents" }, h("summary", null, h("h2", null, at("documents_title"))),
      documentsTable(rules)),
  );
}
