// The runtime image cannot be built here (no Docker engine), so its Dockerfile and
// .dockerignore are read and checked against the repository after `npm run build`.
// test/e2e/task-install.test.ts runs the image's install itself.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { copySources, inBuildContext, parseDockerfile, type Instruction } from "../helpers/dockerfile.ts";
import { repoRoot } from "../helpers/weft-cli.ts";

const instructions = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
const dockerignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8");
const finalStage = Math.max(...instructions.map((i) => i.stage));
const inFinal = (keyword: string): Instruction[] => instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);
const copies = instructions.filter((i) => i.keyword === "COPY").map((i) => ({ stage: i.stage, ...copySources(i.args) }));
const contextSources = copies.filter((c) => !c.flags.from).flatMap((c) => c.sources);

/** What a task never needs; none of it may be copied into the image or sent to the build. */
const NOT_IN_IMAGE = ["src", "test", "examples", "docs", "bench", "scripts", "node_modules", "ui", "deploy", ".weft"];

test("every stage is based on node:20-slim", () => {
  const bases = instructions.filter((i) => i.keyword === "FROM").map((i) => i.args.split(/\s+/)[0]);
  assert.ok(bases.length > 0);
  assert.deepEqual(bases.filter((b) => b !== "node:20-slim"), []);
});

test("the image installs the task-only set from the lockfile: npm ci without dev, optional or workspace packages", () => {
  const installs = instructions.filter((i) => i.keyword === "RUN" && /\bnpm (ci|install|i)\b/.test(i.args));
  assert.equal(installs.length, 1, installs.map((i) => i.args).join("\n"));
  const words = installs[0]!.args.split(/\s+/);
  assert.equal(`${words[0]} ${words[1]}`, "npm ci");
  for (const flag of ["--omit=optional", "--omit=dev", "--workspaces=false", "--ignore-scripts"]) assert.ok(words.includes(flag), `npm ci ${flag}`);
});

test("every file the Dockerfile copies exists after the build and is in the build context", () => {
  assert.ok(contextSources.length > 0);
  assert.deepEqual(contextSources.filter((s) => !existsSync(join(repoRoot, s))), [], "missing (run npm run build first)");
  const probes = contextSources.flatMap((s) => (s === "dist" || s === "bin" ? [s, `${s}/weft.mjs`, `${s}/task-main.js`, `${s}/chunks/x.js`] : [s]));
  assert.deepEqual(probes.filter((p) => existsSync(join(repoRoot, p)) && !inBuildContext(dockerignore, p)), [], "excluded by .dockerignore");
  for (const needed of ["package.json", "package-lock.json", "bin/weft.mjs", "dist/task-main.js", "dist/azure-sync-worker.js"]) {
    assert.ok(inBuildContext(dockerignore, needed), `${needed} reaches the build`);
  }
});

test("the image holds no source, tests, examples or docs", () => {
  const copied = contextSources.map((s) => s.replace(/^\.\//, "").replace(/\/+$/, ""));
  assert.ok(!copied.includes(".") && !copied.includes(""), "COPY . copies the whole context");
  assert.deepEqual(copied.filter((s) => NOT_IN_IMAGE.some((n) => s === n || s.startsWith(`${n}/`))), []);
  for (const path of [...NOT_IN_IMAGE, "src/index.ts", "examples/iris/train.ts", "README.md", "Dockerfile", "dist/ui/index.html"]) {
    assert.ok(!inBuildContext(dockerignore, path), `${path} is kept out of the build context`);
  }
});

test("the image runs as a non-root user", () => {
  const users = inFinal("USER");
  assert.ok(users.length > 0, "the final stage sets USER");
  const user = users.at(-1)!.args.split(":")[0]!;
  assert.ok(!["root", "0"].includes(user), `USER ${user}`);
  // Numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
  assert.match(user, /^\d+$/);
});

test("the entrypoint is weft, so a pod runs `weft step …`", () => {
  const entrypoints = inFinal("ENTRYPOINT");
  assert.equal(entrypoints.length, 1);
  assert.deepEqual(JSON.parse(entrypoints[0]!.args), ["weft"]);
  // `weft` is on the PATH: bin/weft.mjs linked into /usr/local/bin.
  assert.ok(inFinal("RUN").some((i) => /ln -s \S+\/bin\/weft\.mjs \/usr\/local\/bin\/weft\b/.test(i.args)));
  assert.ok(copies.some((c) => c.stage === finalStage && c.sources.includes("bin")));
  assert.ok(copies.some((c) => c.stage === finalStage && c.sources.includes("dist")));
  assert.ok(copies.some((c) => c.stage === finalStage && c.flags.from && c.sources.some((s) => s.endsWith("/node_modules"))));
});
