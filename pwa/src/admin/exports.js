// Marketplace exports of approved products: Shopee CSV/XLSX, an Alibaba-style B2B sheet and a
// schema.org JSON feed, fetched with the Bearer header and saved under the server's file name.
import { field, h, select } from "../dom.js";
import { choices, label } from "../i18n.js";
import { errorBox, regionChoices, regionSelect, saveResponse } from "./ui.js";
import { at } from "./words.js";

const FILES = [
  ["export_shopee_csv", "/api/v1/exports/products.csv", "products.csv"],
  ["export_shopee_xlsx", "/api/v1/exports/products.xlsx", "products.xlsx"],
  ["export_b2b_csv", "/api/v1/exports/products-b2b.csv", "products-b2b.csv"],
  ["export_b2b_xlsx", "/api/v1/exports/products-b2b.xlsx", "products-b2b.xlsx"],
  ["export_feed", "/api/v1/exports/feed.json", "feed.json"],
];

export async function exportsScreen(env) {
  const regions = await regionChoices(env);
  const region = regionSelect(regions, "", { id: "export-region" });
  const category = select([["", at("all")], ...choices("category").map((v) => [v, label("category", v)])], "", { id: "export-category" });
  const featured = h("input", { type: "checkbox", id: "export-featured" });
  const status = h("div", { id: "export-status", role: "status", "aria-live": "polite" });

  async function download(event, key, path, fallback) {
    const button = event.currentTarget;
    button.disabled = true;
    status.textContent = at("downloading", { name: at(key) });
    try {
      const answer = await env.api.file(path, { region: region.value, category: category.value, featured: featured.checked ? "1" : "" });
      const saved = await saveResponse(env, answer, fallback);
      status.textContent = at("downloaded", { name: saved.name, size: `${Math.max(1, Math.ceil(saved.size / 1024))} KB` });
    } catch (error) {
      status.textContent = "";
      status.append(errorBox(error));
    } finally {
      button.disabled = false;
    }
  }

  return h(
    "main",
    { id: "main" },
    h("h1", null, at("exports_title")),
    h("p", null, at("exports_intro")),
    h("div", { class: "toolbar" }, field(at("region"), region), field(at("category"), category),
      h("label", { for: "export-featured", style: "display:flex;gap:8px;align-items:center;min-height:44px" }, featured, at("featured_only"))),
    h("div", { class: "buttons", id: "export-buttons" },
      FILES.map(([key, path, fallback]) => h("button", { type: "button", class: "btn", "data-file": fallback, onclick: (event) => download(event, key, path, fallback) }, at(key)))),
    status,
  );
}
