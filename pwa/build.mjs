// Build the PWA into pwa/dist (git-ignored): the app as ES modules named by their hash, the
// service worker with its precache list, index.html with the CSS inline, the manifest and the
// icons. esbuild targets Chrome 80, so nothing newer than what Chrome 80 runs reaches a phone.
//
// Code splitting: main.js and what it imports is the first screen (precached by the service
// worker; modulepreloaded by index.html); the admin screens (src/admin/admin.js, reached only by
// a dynamic import() once an admin logs in) are chunks of their own, fetched on demand and never
// precached, so a producer's phone neither downloads nor stores them. dist/build.json lists which
// file is which, for pwa/budget.mjs.
//   node pwa/build.mjs
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build, transform } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, "dist");
const TARGET = "chrome80";

function hash(data) {
  return createHash("sha256").update(data).digest("hex").slice(0, 10);
}

async function bundle(entry, define = {}) {
  const result = await build({
    entryPoints: [join(HERE, "src", entry)],
    bundle: true,
    format: "iife",
    target: TARGET,
    minify: true,
    legalComments: "none",
    write: false,
    define,
  });
  return result.outputFiles[0].text;
}

/** What a module file statically imports, transitively (the files it cannot run without). */
function staticClosure(outputs, file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const imported of outputs[file].imports) {
    if (imported.kind === "import-statement") staticClosure(outputs, imported.path, seen);
  }
  return seen;
}

/** The app as ES modules: {files: {name: text}, app, first: [names], admin: [names]}. */
async function bundleApp() {
  const adminCss = (await transform(readFileSync(join(HERE, "src", "admin", "admin.css"), "utf8"), { loader: "css", minify: true, target: TARGET })).code;
  const result = await build({
    entryPoints: [join(HERE, "src", "main.js")],
    bundle: true,
    format: "esm",
    splitting: true,
    outdir: join(DIST, "assets"),
    entryNames: "app.[hash]",
    chunkNames: "[name].[hash]",
    target: TARGET,
    minify: true,
    legalComments: "none",
    write: false,
    metafile: true,
    define: { __ADMIN_CSS__: JSON.stringify(adminCss.trim()) },
  });
  const base = (path) => path.split("/").pop();
  const outputs = {};
  for (const [path, meta] of Object.entries(result.metafile.outputs)) {
    outputs[base(path)] = { ...meta, imports: meta.imports.map((i) => ({ ...i, path: base(i.path) })) };
  }
  const files = Object.fromEntries(result.outputFiles.map((file) => [base(file.path), file.text]));
  const app = Object.keys(outputs).find((name) => outputs[name].entryPoint);
  const first = [...staticClosure(outputs, app)];
  const admin = Object.keys(outputs).filter((name) => !first.includes(name));
  return { files, app, first, admin };
}

async function main() {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(join(DIST, "assets"), { recursive: true });
  mkdirSync(join(DIST, "icons"), { recursive: true });

  const { files, app: appName, first, admin } = await bundleApp();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(DIST, "assets", name), text);
  const app = first.map((name) => files[name]).join("\n");
  const preload = first.filter((name) => name !== appName).map((name) => `<link rel="modulepreload" href="/assets/${name}">`);

  const css = (await transform(readFileSync(join(HERE, "app.css"), "utf8"), { loader: "css", minify: true, target: TARGET })).code;
  const html = readFileSync(join(HERE, "index.html"), "utf8")
    .replace("/*CSS*/", css.trim())
    .replace("APP_JS", appName)
    .replace("<!--PRELOAD-->", preload.join("\n"));
  writeFileSync(join(DIST, "index.html"), html);
  writeFileSync(join(DIST, "build.json"), `${JSON.stringify({ app: appName, first, admin }, null, 1)}\n`);

  copyFileSync(join(HERE, "manifest.webmanifest"), join(DIST, "manifest.webmanifest"));
  const icons = readdirSync(join(HERE, "icons")).filter((name) => name.endsWith(".png"));
  for (const name of icons) copyFileSync(join(HERE, "icons", name), join(DIST, "icons", name));

  const shell = ["/", ...first.map((name) => `/assets/${name}`), "/manifest.webmanifest", ...icons.map((name) => `/icons/${name}`)];
  const sw = await bundle("sw.js", { __PRECACHE__: JSON.stringify(shell) });
  writeFileSync(join(DIST, "sw.js"), sw);

  const all = Object.keys(files).sort().map((name) => files[name]).join("\n");
  const version = hash(all + html + sw + readFileSync(join(HERE, "manifest.webmanifest")));
  writeFileSync(join(DIST, "version.txt"), `${version}\n`);
  const size = (names) => names.map((name) => `${name} ${files[name].length} B`).join(", ");
  console.log(`built pwa/dist: version ${version}; first screen ${size(first)}; admin ${size(admin)}; sw.js ${sw.length} B, index.html ${html.length} B`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
