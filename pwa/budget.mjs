// The PWA's budgets, printed and checked (CI runs this): what the first screen needs is at most
// 60 KB gzip in all; the login screen (its HTML and CSS) lies in the first 14 KB of index.html
// (one round trip: the first paint needs nothing else); nothing names another origin; the
// script is built for Chrome 80. The first screen's scripts are the app module and the chunks it
// statically imports (dist/build.json, written by the build; index.html modulepreloads them);
// the admin chunks, loaded by import() only after an admin logs in, are printed apart and are not
// part of the first screen.
//   node pwa/budget.mjs            (after node pwa/build.mjs)
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "dist");
const SHELL_BUDGET = 60 * 1024;
const FIRST_PAINT_BUDGET = 14 * 1024;
const FIRST_PAINT_MARK = "<!--/first-paint-->";

function gz(data) {
  return gzipSync(data, { level: 9 }).length; // as the server sends them
}

const failures = [];
function check(ok, message) {
  console.log(`${ok ? "ok  " : "FAIL"} ${message}`);
  if (!ok) failures.push(message);
}

const html = readFileSync(join(DIST, "index.html"), "utf8");
const built = JSON.parse(readFileSync(join(DIST, "build.json"), "utf8"));
const script = html.match(/src="\/assets\/([^"]+)"/)[1];
// Everything the login screen loads: the page, its scripts, the manifest and the icons it links.
const firstScreen = [
  "index.html",
  ...built.first.map((name) => `assets/${name}`),
  "manifest.webmanifest",
  ...[...html.matchAll(/href="\/(icons\/[^"]+)"/g)].map((m) => m[1]),
];
console.log("first screen (bytes raw / gzip -9):");
let total = 0;
for (const name of firstScreen) {
  const data = readFileSync(join(DIST, name));
  total += gz(data);
  console.log(`  ${name.padEnd(32)} ${String(data.length).padStart(7)} ${String(gz(data)).padStart(7)}`);
}
const sw = readFileSync(join(DIST, "sw.js"));
const precacheOnly = readdirSync(join(DIST, "icons")).filter((n) => !firstScreen.includes(`icons/${n}`));
console.log(`  (after the first paint: sw.js ${sw.length} / ${gz(sw)}; precached icons ${precacheOnly.join(", ")})`);
check(total <= SHELL_BUDGET, `first screen total ${total} B gzip <= ${SHELL_BUDGET} B`);
const linked = [script, ...[...html.matchAll(/<link rel="modulepreload" href="\/assets\/([^"]+)"/g)].map((m) => m[1])];
check(script === built.app && built.first.every((name) => linked.includes(name)) && linked.every((name) => built.first.includes(name)),
  "index.html loads the app module and modulepreloads exactly the chunks it imports");
let adminTotal = 0;
console.log("admin screens (import() after an admin logs in; not precached, not in the first screen):");
for (const name of built.admin) {
  const data = readFileSync(join(DIST, "assets", name));
  adminTotal += gz(data);
  console.log(`  ${`assets/${name}`.padEnd(32)} ${String(data.length).padStart(7)} ${String(gz(data)).padStart(7)}`);
}
console.log(`  admin total ${adminTotal} B gzip`);
const swText = sw.toString();
check(built.admin.length > 0 && built.admin.every((name) => !html.includes(name) && !swText.includes(name)),
  "the admin chunks are neither in index.html nor precached by the service worker");

const mark = html.indexOf(FIRST_PAINT_MARK);
const head = html.slice(0, mark);
const headGz = gz(head);
check(mark > 0 && head.includes("</style>") && head.includes('id="login"') && head.includes("</form>"),
  "the login screen's HTML and all CSS come before the first-paint mark");
check(headGz <= FIRST_PAINT_BUDGET, `first paint in the first ${headGz} B gzip (${head.length} B raw) <= ${FIRST_PAINT_BUDGET} B`);
// A module script is deferred: it runs after the document is parsed, like a defer script.
check(!/<link[^>]+rel="stylesheet"/.test(html) && /<script type="module" src=/.test(html) && !/<script(?![^>]*type="module")[^>]*src=/.test(html),
  "no render-blocking stylesheet or script");

const scripts = [...built.first, ...built.admin].map((name) => readFileSync(join(DIST, "assets", name), "utf8"));
const texts = [html, ...scripts, sw.toString(), readFileSync(join(DIST, "manifest.webmanifest"), "utf8")];
const foreign = texts.flatMap((text) => text.match(/(?:src|href|url\()=?["']?https?:\/\/[^"')\s]+/g) || []);
check(foreign.length === 0, `no resource from another origin${foreign.length ? `: ${foreign.join(" ")}` : ""}`);

const buildScript = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "build.mjs"), "utf8");
check(/const TARGET = "chrome80"/.test(buildScript), "built for Chrome 80 (esbuild target chrome80)");

console.log(failures.length ? `budget: ${failures.length} over` : "budget: all within");
process.exit(failures.length ? 1 : 0);
