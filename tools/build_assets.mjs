// Builds the browser code of samverkan from the npm packages pinned in package-lock.json.
//
//   node tools/build_assets.mjs          (npm run build; minified, with source maps)
//   node tools/build_assets.mjs --dev    (not minified; quicker to read in the browser)
//
// Each page entry in web/assets/ becomes one IIFE script (ES2020) and one style sheet in
// web/static/build/; fonts referenced by the bpmn-js / dmn-js style sheets are copied to
// web/static/build/fonts/. web/static/build/manifest.json lists every file with its size and a
// sha384 integrity value, and the versions of the packages that went in. The folder is emptied
// first and is git-ignored: it is made on every `make install`, never committed.
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "web", "assets");
const outdir = join(root, "web", "static", "build");
const dev = process.argv.includes("--dev");

// name -> sources. The script and the style sheet of one page share its name.
const ENTRIES = {
  case_diagram: { js: "case_diagram.js", css: "case_diagram.css" },
  designer: { js: "designer.js", css: "designer.css" },
  dmn_editor: { js: "dmn_editor.js", css: "dmn_editor.css" },
};

// The packages whose code or style sheets end up in the bundles (reported in the manifest).
const BUNDLED_PACKAGES = [
  "bpmn-js",
  "diagram-js",
  "bpmn-js-properties-panel",
  "@bpmn-io/properties-panel",
  "camunda-bpmn-js-behaviors",
  "camunda-bpmn-moddle",
  "diagram-js-minimap",
  "bpmn-moddle",
  "dmn-js",
  "dmn-moddle",
  "esbuild",
];

async function packageVersion(name) {
  const text = await readFile(join(root, "node_modules", name, "package.json"), "utf8");
  return JSON.parse(text).version;
}

async function listFiles(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else found.push(path);
  }
  return found.sort();
}

async function main() {
  const started = performance.now();
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });

  const entryPoints = [];
  for (const [name, files] of Object.entries(ENTRIES)) {
    entryPoints.push({ in: join(src, files.js), out: name });
    entryPoints.push({ in: join(src, files.css), out: name });
  }

  const result = await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    format: "iife",
    target: "es2020",
    platform: "browser",
    minify: !dev,
    sourcemap: dev ? "inline" : "linked",
    legalComments: "linked",
    charset: "utf8",
    metafile: true,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
    // Fonts of bpmn-js / dmn-js (palette and context pad icons) are served as files, so that a
    // Content-Security-Policy without `data:` in font-src works.
    loader: {
      ".woff": "file",
      ".woff2": "file",
      ".ttf": "file",
      ".eot": "file",
      ".svg": "file",
    },
    assetNames: "fonts/[name]-[hash]",
  });

  const files = {};
  for (const path of await listFiles(outdir)) {
    const body = await readFile(path);
    const name = relative(outdir, path).split("\\").join("/");
    files[name] = {
      bytes: (await stat(path)).size,
      integrity: `sha384-${createHash("sha384").update(body).digest("base64")}`,
    };
  }

  const packages = {};
  for (const name of BUNDLED_PACKAGES) packages[name] = await packageVersion(name);

  const entries = {};
  for (const name of Object.keys(ENTRIES)) entries[name] = { js: `${name}.js`, css: `${name}.css` };

  const manifest = { entries, files, packages, mode: dev ? "development" : "production" };
  await writeFile(join(outdir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  for (const name of Object.keys(ENTRIES)) {
    const js = files[`${name}.js`].bytes;
    const css = files[`${name}.css`].bytes;
    console.log(`${name}: ${(js / 1024).toFixed(0)} KiB js, ${(css / 1024).toFixed(0)} KiB css`);
  }
  const warnings = result.warnings.length ? `, ${result.warnings.length} warning(s)` : "";
  console.log(`built web/static/build/ in ${seconds} s${warnings}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
