// Pieces the admin screens share: tables, errors, photos through the Bearer header, readiness
// badges, region choices, downloads, and small SVG bar charts with a table for screen readers.
import { h, select } from "../dom.js";
import { quantity } from "../format.js";
import { currentLang, label } from "../i18n.js";
import { fileName } from "./api.js";
import { adminZone, month, when } from "./dates.js";
import { at } from "./words.js";

const SVG = "http://www.w3.org/2000/svg";

/** A phone-sized screen (admin.css switches at the same width). */
export function isNarrow() {
  return window.matchMedia("(max-width: 760px)").matches;
}

export function errorBox(error) {
  return h("div", { class: "error-box", role: "alert" }, error && error.message ? error.message : String(error));
}

/**
 * A table: columns [{title, num}] and rows of cells (text or nodes). With `cards: true` it becomes
 * a card per row on a phone (admin.css), each cell under its column's title (data-label).
 */
export function table(columns, rows, attrs = {}) {
  const { cards, ...rest } = attrs;
  const cell = (value, i) => {
    const column = columns[i] || {};
    if (!cards) return h("td", { class: column.num ? "num" : null }, value);
    return h("td", { class: column.num ? "num" : null, "data-label": typeof column.title === "string" ? column.title : "" }, h("span", { class: "cell" }, value));
  };
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: cards ? "data cards" : "data", ...rest },
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.title)))),
      h("tbody", null, rows.map((row) => h("tr", null, row.map(cell)))),
    ),
  );
}

/** "1234.5" -> "1.234,5" (id) or "1,234.5" (en). */
export function number(text) {
  if (text === null || text === undefined || text === "") return "";
  const [whole, part] = String(text).split(".");
  const sep = currentLang() === "en" ? [",", "."] : [".", ","];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep[0]);
  return part ? `${grouped}${sep[1]}${part}` : grouped;
}

/** A moment in the admin's zone, with the zone's name ("1 Des 2026 08.15 WIB"). */
export function moment(env, iso) {
  return when(iso, adminZone(env.ctx.session.user));
}

export function kg(text) {
  return `${number(text)} kg`;
}

export function qtyUnit(text, unit) {
  return quantity(text, label("unit", unit));
}

/** A photo (thumbnail) from the API: fetched with the Bearer header, shown by an object URL. */
export function photo(env, sha, alt, size = "thumb") {
  const img = h("img", { alt, width: "96", height: "96", class: "thumb-img", loading: "lazy" });
  env.queue(async () => {
    try {
      const answer = await env.api.file(`/api/v1/blobs/${sha}`, { size });
      if (!img.isConnected && !document.body.contains(img)) return;
      img.src = env.scope.url(answer.blob);
    } catch {
      img.replaceWith(h("span", { class: "thumb-missing", title: sha.slice(0, 12), role: "img", "aria-label": alt }, "📷"));
    }
  });
  return img;
}

export function readinessBadge(state) {
  return h("span", { class: `badge ${state}` }, at(`state_${state}`));
}

/** A requirement key ("pirt_or_bpom_md") in words, by the rules' document names. */
export function requirementName(env, key) {
  const docs = env.state.rules ? env.state.rules.documents : {};
  const lang = currentLang();
  return key
    .split("_or_")
    .map((kind) => (docs[kind] ? docs[kind].name[lang] : label("certification", kind)))
    .join(` ${at("or")} `);
}

/** The readiness summary of a product in a line: state, and what is missing, expired or expiring. */
export function readinessLine(env, readiness) {
  if (!readiness) return null;
  const parts = [];
  for (const kind of ["missing", "expired", "expiring"]) {
    if (readiness[kind] && readiness[kind].length) parts.push(`${at(kind)}: ${readiness[kind].map((key) => requirementName(env, key)).join(", ")}`);
  }
  return h("span", { class: "readiness" }, readinessBadge(readiness.state), parts.length ? ` ${parts.join("; ")}` : "");
}

/** A region select: the admin's regions and the kecamatan (or kabupaten) under them. */
export async function regionChoices(env) {
  if (!env.state.regionChoices) {
    const mine = env.ctx.session.user.regions || [];
    const choices = [];
    for (const code of mine) {
      const children = await env.api.json("GET", "/api/v1/regions", { params: { parent: code } }).catch(() => []);
      const own = await env.api.json("GET", "/api/v1/regions", { params: { parent: code.split(".").slice(0, -1).join(".") || undefined } }).catch(() => []);
      const self = (own || []).find((r) => r.code === code);
      choices.push([code, self ? `${self.name} (${code})` : code]);
      for (const child of children || []) choices.push([child.code, `— ${child.name}`]);
    }
    env.state.regionChoices = choices;
  }
  return env.state.regionChoices;
}

export function regionSelect(choices, value, attrs) {
  return select([["", at("all_regions")], ...choices], value || "", attrs);
}

/** Save a file answer (api.file) under the name the server gives it; answers {name, size}. */
export async function saveResponse(env, answer, fallback) {
  const name = fileName(answer, fallback);
  const blob = answer.blob;
  const link = h("a", { href: env.scope.url(blob), download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  return { name, size: blob.size };
}

// -- charts ----------------------------------------------------------------------------------

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

function svgTitle(text) {
  const title = svg("title");
  title.textContent = text;
  return title;
}

/**
 * Horizontal bars: rows [{label, value (a number), shown (text)}]. The SVG is an image with a
 * label that reads the figures; the same figures are a table under "Tampilkan sebagai tabel".
 */
export function barChart({ id, title, rows, valueTitle }) {
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  const rowHeight = 28;
  // Drawn at the phone's own width there, so that its words stay readable (not a 640 wide drawing shrunk).
  const narrow = isNarrow();
  const labelWidth = narrow ? 120 : 180;
  const width = narrow ? 340 : 640;
  const barSpace = width - labelWidth - (narrow ? 90 : 110);
  const longest = narrow ? 16 : 24;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowHeight + 4}`, role: "img", "aria-label": at("chart_label", { title, items: rows.map((r) => `${r.label} ${r.shown}`).join("; ") }) });
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    const name = svg("text", { x: labelWidth - 8, y: y + 18, "text-anchor": "end", "font-size": 13, fill: "#111" });
    name.textContent = row.label.length > longest ? `${row.label.slice(0, longest - 1)}…` : row.label;
    const length = Math.max(row.value > 0 ? 2 : 0, (row.value / max) * barSpace);
    const bar = svg("rect", { x: labelWidth, y: y + 4, width: length.toFixed(1), height: rowHeight - 10, rx: 3, fill: row.color || "#155724" }, svgTitle(`${row.label}: ${row.shown}`));
    const value = svg("text", { x: labelWidth + length + 6, y: y + 18, "font-size": 13, fill: "#111" });
    value.textContent = row.shown;
    chart.append(name, bar, value);
  });
  return h(
    "figure",
    { class: "chart", id },
    h("figcaption", null, title),
    rows.length ? chart : h("p", { class: "empty" }, "—"),
    h("details", null, h("summary", null, at("show_table")), table([{ title: "" }, { title: valueTitle || title, num: true }], rows.map((r) => [r.label, r.shown]))),
  );
}

/** Vertical grouped bars per month: months [{month, producers, products}]. */
export function monthChart({ id, title, months, series }) {
  const narrow = isNarrow();
  const width = narrow ? 340 : 640;
  const height = narrow ? 160 : 200;
  const max = Math.max(1, ...months.flatMap((m) => series.map((s) => m[s.key])));
  const slot = (width - 40) / Math.max(1, months.length);
  const bar = Math.max(2, (slot - 8) / series.length);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 40}`, role: "img", "aria-label": at("chart_label", { title, items: months.map((m) => `${month(m.month)}: ${series.map((s) => `${s.title} ${m[s.key]}`).join(", ")}`).join("; ") }) });
  months.forEach((m, i) => {
    const x0 = 40 + i * slot;
    series.forEach((s, j) => {
      const value = m[s.key];
      const h0 = (value / max) * (height - 20);
      chart.append(svg("rect", { x: (x0 + j * bar).toFixed(1), y: (height - h0).toFixed(1), width: (bar - 1).toFixed(1), height: h0.toFixed(1), fill: s.color }, svgTitle(`${month(m.month)} ${s.title}: ${value}`)));
    });
    if (narrow && (months.length - 1 - i) % 2) return; // every other month's name on a phone
    const text = svg("text", { x: (x0 + (bar * series.length) / 2).toFixed(1), y: height + 16, "text-anchor": "middle", "font-size": 11, fill: "#111" });
    text.textContent = month(m.month).replace(/ \d\d(\d\d)$/, " $1"); // "Nov 26"
    chart.append(text);
  });
  const axis = svg("text", { x: 0, y: 14, "font-size": 11, fill: "#111" });
  axis.textContent = String(max);
  chart.append(axis, svg("line", { x1: 36, x2: width, y1: height, y2: height, stroke: "#555" }));
  const legend = h("p", { class: "legend" }, series.map((s) => h("span", { style: `margin-right:16px` }, h("span", { "aria-hidden": "true", style: `color:${s.color}` }, "■ "), s.title)));
  return h(
    "figure",
    { class: "chart", id },
    h("figcaption", null, title),
    chart,
    legend,
    h("details", null, h("summary", null, at("show_table")),
      table([{ title: at("month") }, ...series.map((s) => ({ title: s.title, num: true }))], months.map((m) => [month(m.month), ...series.map((s) => String(m[s.key]))]))),
  );
}

/** A capacity fill bar with its figures in words. */
export function fillBar(totals) {
  const percent = Math.min(100, Number(totals.fill_percent) || 0);
  const text = at("fill", { net: number(totals.net_kg), capacity: number(totals.capacity_kg), percent: number(totals.fill_percent) });
  const bar = svg("svg", { viewBox: "0 0 400 24", "aria-hidden": "true", preserveAspectRatio: "none" },
    svg("rect", { x: 0, y: 0, width: 400, height: 24, rx: 4, fill: "#e3e3e3" }),
    svg("rect", { x: 0, y: 0, width: (percent * 4).toFixed(1), height: 24, rx: 4, fill: percent > 99.999 ? "#7a4100" : "#155724" }));
  return h("div", { class: "fill", id: "plan-fill" }, bar, h("span", { role: "status" }, text));
}
