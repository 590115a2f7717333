// Builds dist/ from src/ with esbuild: one ESM chunked build so the CLI, the task
// entrypoint and the public modules share a single copy of the runtime. The build goes
// to a fresh folder that then replaces dist/, so task processes starting meanwhile
// (a run in progress while Weft is rebuilt) never see a half-written dist/.
import { build, transform } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtinModules } from "node:module";

// Dependencies stay external (node_modules), except the Azure SDK and what it imports:
// those are bundled into Weft's lazily loaded Azure chunks. A task on the Azure
// datastore otherwise resolves, reads and compiles some 300 small ESM/CJS files of the
// SDK at start-up, which cost most of its time (docs/benchmarks.md, 2026-11-30 "Azure
// task overhead"). Bundled, they are a few files read once. They are still loaded only
// when the Azure datastore or Key Vault is chosen.
const bundleAzure = {
  name: "bundle-azure-sdk",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      // The SDK's CommonJS says require("crypto"): keep built-ins external, spelled node:crypto.
      if (builtinModules.includes(args.path)) return { path: `node:${args.path}`, external: true };
      const fromSdk = /[\\/]node_modules[\\/]/.test(args.importer);
      if (args.path.startsWith("@azure/") || fromSdk) return undefined; // bundled
      return { path: args.path, external: true };
    });
  },
};

const root = new URL("..", import.meta.url).pathname;
const next = `${root}dist.next-${process.pid}`;
const old = `${root}dist.old-${process.pid}`;

// The storage SDK goes apart, as one CommonJS file: Node 20 can keep V8's compiled code
// of a CommonJS file between processes (src/runtime/code-cache.ts), not of an ES module.
// src/datastore/azure/storage-sdk.ts loads it; `import.meta.weftStorageSdkBundle` names it.
const STORAGE_SDK_BUNDLE = "azure-storage-blob.cjs";
const sdk = await build({
  absWorkingDir: root,
  stdin: { contents: 'export * from "@azure/storage-blob";', resolveDir: root, sourcefile: "azure-storage-blob.js" },
  outfile: `${next}/${STORAGE_SDK_BUNDLE}`,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  plugins: [bundleAzure],
  // The SDK's ES modules read import.meta.url (storage-common's CRC64), which CommonJS has not.
  define: { "import.meta.url": "__weftImportMetaUrl" },
  banner: { js: 'var __weftImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});
// The code cache compiles the file with vm.Script, which has no import() of its own.
await asciiOnly(`${next}/${STORAGE_SDK_BUNDLE}`);
const dynamic = Object.entries(sdk.metafile.inputs).flatMap(([file, input]) => input.imports.filter((i) => i.kind === "dynamic-import").map((i) => `${file} → ${i.path}`));
if (dynamic.length) throw new Error(`the storage SDK bundle would call import(), which its loader cannot serve:\n${dynamic.join("\n")}`);

const main = await build({
  absWorkingDir: root,
  entryPoints: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    cards: "src/cards/index.ts",
    cli: "src/cli/main.ts",
    "task-main": "src/runtime/task/main.ts",
    "azure-sync-worker": "src/datastore/azure/sync-worker.ts",
    "azure-code-cache": "src/datastore/azure/warm-code-cache.ts",
  },
  outdir: next,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [bundleAzure],
  // Bundled CommonJS (msal-node, jsonwebtoken) calls require() for Node built-ins.
  banner: { js: 'import { createRequire as __weftCreateRequire } from "node:module"; const require = __weftCreateRequire(import.meta.url);' },
  define: { "import.meta.weftStorageSdkBundle": JSON.stringify(STORAGE_SDK_BUNDLE) },
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
const copies = Object.entries(main.metafile.outputs).filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes("node_modules/@azure/storage-blob/")));
if (copies.length) throw new Error(`the ES module build carries a second copy of the storage SDK (${copies.map(([file]) => file).join(", ")}): storageSdk() in src/datastore/azure/storage-sdk.ts must stay a test that esbuild folds`);
await buildUi(`${next}/ui`);
try {
  renameSync(`${root}dist`, old);
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
renameSync(next, `${root}dist`);
rmSync(old, { recursive: true, force: true });

/**
 * Escapes the non-ASCII characters that esbuild leaves in a file (in comments: it escapes
 * those of strings itself). One such character makes V8 hold the whole source as UTF-16
 * and Node decode it as UTF-8, a few milliseconds of every task that loads the file. The
 * file's code is checked unchanged (the same once comments are dropped); when it is not,
 * the file stays as it was, and loads a little slower.
 */
async function asciiOnly(file) {
  const text = readFileSync(file, "utf8");
  const escaped = text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (escaped === text) return;
  const code = async (source) => (await transform(source, { minifyWhitespace: true, legalComments: "none", format: "cjs" })).code;
  if ((await code(text)) === (await code(escaped))) writeFileSync(file, escaped);
  else console.warn(`weft build: ${file} has non-ASCII characters outside comments; left as they are.`);
}

/**
 * The web UI (ui/, Vite + React) into `out`. Its inputs (ui/ and the versions of what it
 * bundles) are hashed: when they match the last build's, that build is copied instead,
 * so `node scripts/build.mjs` after a change to src/ alone stays fast.
 */
async function buildUi(out) {
  const hash = createHash("sha256");
  const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  for (const file of files(`${root}ui`).sort()) hash.update(file.slice(root.length)).update(readFileSync(file));
  for (const dep of ["vite", "react", "react-dom", "@dagrejs/dagre", "@tanstack/react-virtual", "@vitejs/plugin-react"]) {
    const manifest = `${root}node_modules/${dep}/package.json`;
    hash.update(`${dep}@${existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : "missing"}`);
  }
  const inputs = hash.digest("hex");
  const previous = `${root}dist/ui`;
  if (existsSync(`${previous}/.inputs`) && readFileSync(`${previous}/.inputs`, "utf8") === inputs && statSync(`${previous}/index.html`, { throwIfNoEntry: false })) {
    cpSync(previous, out, { recursive: true });
    return;
  }
  let vite;
  try {
    vite = await import("vite");
  } catch {
    // An install without devDependencies builds no UI; `weft ui` then says how to build it.
    console.warn("weft build: vite is not installed, so the web UI (dist/ui) is not built.");
    return;
  }
  await vite.build({ configFile: `${root}ui/vite.config.ts`, build: { outDir: out, emptyOutDir: true }, logLevel: "warn" });
  writeFileSync(`${out}/.inputs`, inputs);
}
