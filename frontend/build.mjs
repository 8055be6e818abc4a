// Build Talk London's static assets into ../static/ (no CDN, everything vendored).
//   npm --prefix frontend ci && npm --prefix frontend run build
import * as sass from "sass";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules = join(here, "node_modules");
const staticDir = resolve(here, "..", "static");
const govukDist = join(nodeModules, "govuk-frontend", "dist", "govuk");
const ASSETS_URL = "/static/assets/"; // must match $govuk-assets-path in scss/app.scss

const write = (path, contents) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  console.log(`  wrote ${path.slice(staticDir.length - "static".length)} (${Buffer.byteLength(contents)} bytes)`);
};

// Source maps are not shipped; drop the trailing comments so browsers and
// Django's ManifestStaticFilesStorage don't look for missing .map files.
const stripSourceMap = (text) => text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");

// 1. Sass -> static/css/app.css (compressed)
const result = sass.compile(join(here, "scss", "app.scss"), {
  loadPaths: [nodeModules],
  style: "compressed",
  sourceMap: false,
  quietDeps: true,
});
let css = result.css
  // The footer's crown SVG slot is never rendered by our templates: drop its rule.
  .replace(/\.govuk-footer__crown\{[^}]*\}/g, "");
if (/GDS Transport/i.test(css)) throw new Error("GDS Transport leaked into app.css");
if (/crown|crest/i.test(css)) throw new Error("crown/crest reference leaked into app.css");
write(join(staticDir, "css", "app.css"), css + "\n");

// 2. Any GOV.UK assets (fonts/images) the compiled CSS actually references
const assetUrls = [...css.matchAll(/url\(["']?([^"')]+)["']?\)/g)].map((m) => m[1]);
for (const url of new Set(assetUrls)) {
  if (!url.startsWith(ASSETS_URL)) continue;
  const rel = url.slice(ASSETS_URL.length).split(/[?#]/)[0];
  const src = join(govukDist, "assets", rel);
  if (!existsSync(src)) throw new Error(`CSS references ${url} but ${src} does not exist`);
  write(join(staticDir, "assets", rel), readFileSync(src));
}

// 3. GOV.UK Frontend JS (ES module)
write(join(staticDir, "js", "govuk-frontend.min.js"), stripSourceMap(readFileSync(join(govukDist, "govuk-frontend.min.js"), "utf8")));

// 4. Vega browser builds (UMD) for charts
for (const [pkg, file] of [
  ["vega", "vega.min.js"],
  ["vega-lite", "vega-lite.min.js"],
  ["vega-embed", "vega-embed.min.js"],
]) {
  write(join(staticDir, "vendor", file), stripSourceMap(readFileSync(join(nodeModules, pkg, "build", file), "utf8")));
}
console.log("Build complete.");
