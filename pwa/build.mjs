// Build the PWA into pwa/dist (git-ignored): one script bundle named by its hash, the service
// worker with its precache list, index.html with the CSS inline, the manifest and the icons.
// esbuild targets Chrome 80, so nothing newer than what Chrome 80 runs reaches a phone.
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

async function main() {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(join(DIST, "assets"), { recursive: true });
  mkdirSync(join(DIST, "icons"), { recursive: true });

  const app = await bundle("main.js");
  const appName = `app.${hash(app)}.js`;
  writeFileSync(join(DIST, "assets", appName), app);

  const css = (await transform(readFileSync(join(HERE, "app.css"), "utf8"), { loader: "css", minify: true, target: TARGET })).code;
  const html = readFileSync(join(HERE, "index.html"), "utf8")
    .replace("/*CSS*/", css.trim())
    .replace("APP_JS", appName);
  writeFileSync(join(DIST, "index.html"), html);

  copyFileSync(join(HERE, "manifest.webmanifest"), join(DIST, "manifest.webmanifest"));
  const icons = readdirSync(join(HERE, "icons")).filter((name) => name.endsWith(".png"));
  for (const name of icons) copyFileSync(join(HERE, "icons", name), join(DIST, "icons", name));

  const shell = ["/", `/assets/${appName}`, "/manifest.webmanifest", ...icons.map((name) => `/icons/${name}`)];
  const sw = await bundle("sw.js", { __PRECACHE__: JSON.stringify(shell) });
  writeFileSync(join(DIST, "sw.js"), sw);

  const version = hash(app + html + sw + readFileSync(join(HERE, "manifest.webmanifest")));
  writeFileSync(join(DIST, "version.txt"), `${version}\n`);
  console.log(`built pwa/dist: version ${version}, ${appName} ${app.length} B, sw.js ${sw.length} B, index.html ${html.length} B`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
