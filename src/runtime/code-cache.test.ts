// Each load runs in a process of its own, as tasks do: within one process V8 keeps compiled
// scripts in memory and would answer a second compile without reading the cache file. The
// loader is bundled once with esbuild, so that these processes start as plain Node.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const loader = join(mkdtempSync(join(tmpdir(), "weft-code-cache-loader-")), "code-cache.mjs");
await build({ entryPoints: [fileURLToPath(new URL("./code-cache.ts", import.meta.url))], outfile: loader, bundle: true, format: "esm", platform: "node", logLevel: "warning" });
const noOwners = process.getuid === undefined ? "no POSIX owners here" : false;
const nodeCache = "enableCompileCache" in module ? "Node 22.1+ uses its own compile cache (tested below)" : false;
const skip = noOwners || nodeCache;
const asRoot = process.getuid?.() === 0 ? false : "needs root, to give a file to another user";

/** A CommonJS file that uses its wrapper's arguments, with `lines` functions to compile. */
function fixture(lines = 50): { dir: string; file: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), "weft-code-cache-"));
  const file = join(dir, "lib.cjs");
  const fns = Array.from({ length: lines }, (_, i) => `exports.f${i} = function (x) { return x * ${i} + ${i}; };`).join("\n");
  writeFileSync(file, `"use strict";\nconst { sep } = require("node:path");\nexports.where = __filename + "|" + __dirname + "|" + sep;\nexports.add = (a, b) => a + b;\nmodule.exports.self = this === exports;\n${fns}\n`);
  return { dir, file, cache: join(dir, "home", "code-cache") };
}

/** Loads `file` through loadCommonJs in a fresh process (its cache is written as that process exits); the outcome and what the file computed. */
function load(file: string, cacheDir: string | undefined, nodeArgs: string[] = []): { outcome: string; value: number; where: string; self: boolean } {
  const script = `
    import { loadCommonJs } from ${JSON.stringify(loader)};
    const { exports: lib, outcome } = loadCommonJs(process.env.FILE, process.env.CACHE_DIR || undefined);
    console.log(JSON.stringify({ outcome, value: lib.add(2, 3) + lib.f7(1), where: lib.where, self: lib.self }));`;
  const child = spawnSync(process.execPath, [...nodeArgs, "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, FILE: file, CACHE_DIR: cacheDir ?? "" } });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { outcome: string; value: number; where: string; self: boolean };
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".v8cache"));

test("the first process compiles from source and writes the cache as it exits; the next uses it", { skip }, () => {
  const { file, dir, cache } = fixture();
  const first = load(file, cache);
  assert.deepEqual(first, { outcome: "miss", value: 19, where: `${file}|${dir}|/`, self: true });
  const [name] = cacheFiles(cache);
  assert.match(name!, /^lib\.cjs-[0-9a-f]{32}\.v8cache$/);
  assert.equal(statSync(cache).mode & 0o777, 0o700);
  assert.equal(statSync(join(cache, name!)).mode & 0o777, 0o600);
  assert.deepEqual(load(file, cache), { ...first, outcome: "hit" });
  assert.deepEqual(readdirSync(cache), [name], "no temporary file is left behind");
});

test("a changed file, or other V8 flags, never meet the old cache; one cache per file is kept", { skip }, () => {
  const { file, cache } = fixture();
  load(file, cache);
  const [before] = cacheFiles(cache);
  writeFileSync(file, readFileSync(file, "utf8").replace("return x * 7 + 7", "return x * 8 + 7"));
  assert.deepEqual([load(file, cache).outcome, load(file, cache).outcome], ["miss", "hit"]);
  assert.notDeepEqual(cacheFiles(cache), [before], "the changed file has a cache of its own");
  assert.equal(cacheFiles(cache).length, 1, "the rebuilt file's old cache is removed");
  assert.equal(load(file, cache, ["--stack-size=900"]).outcome, "miss");
});

test("a cache that V8 refuses (made for other source) is passed over and written anew", { skip }, () => {
  const { file, dir, cache } = fixture();
  load(file, cache);
  const [name] = cacheFiles(cache);
  // Another file's cache under this file's name: the checksum holds, V8 refuses it (the source's length differs).
  const other = fixture(80);
  load(other.file, cache);
  copyFileSync(join(cache, cacheFiles(cache)[0]!), join(dir, "other.v8cache"));
  copyFileSync(join(dir, "other.v8cache"), join(cache, name!));
  chmodSync(join(cache, name!), 0o600);
  const rejected = load(file, cache);
  assert.deepEqual([rejected.outcome, rejected.value], ["rejected", 19]);
  assert.notDeepEqual(readFileSync(join(cache, name!)), readFileSync(join(dir, "other.v8cache")), "rewritten");
  assert.equal(load(file, cache).outcome, "hit");
});

test("a corrupt, cut or empty cache is passed over, never handed to V8 (which would crash), and written anew", { skip }, () => {
  const { file, cache } = fixture(2000);
  load(file, cache);
  const path = join(cache, cacheFiles(cache)[0]!);
  const good = readFileSync(path);
  const flipped = Buffer.from(good);
  for (let at = 64; at < flipped.length; at += 97) flipped[at]! ^= 0xff;
  for (const bad of [flipped, good.subarray(0, good.length - 100), good.subarray(0, 20), Buffer.alloc(0)]) {
    writeFileSync(path, bad, { mode: 0o600 });
    const result = load(file, cache);
    assert.deepEqual([result.outcome, result.value], ["miss", 19]);
    assert.equal(load(file, cache).outcome, "hit", "written anew");
  }
});

test("a cache file that others may write is never used, and is replaced by a private one", { skip }, () => {
  const { file, cache } = fixture();
  load(file, cache);
  const path = join(cache, cacheFiles(cache)[0]!);
  chmodSync(path, 0o620);
  assert.equal(load(file, cache).outcome, "miss");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(load(file, cache).outcome, "hit");
});

test("a cache file or folder of another user's, or a link in place of the folder, is never used", { skip: skip || asRoot }, () => {
  const { file, dir, cache } = fixture();
  load(file, cache);
  const path = join(cache, cacheFiles(cache)[0]!);
  chownSync(path, 4242, 4242);
  assert.equal(load(file, cache).outcome, "miss", "a file of another user's");
  assert.equal(statSync(path).uid, 0, "replaced by this user's own");

  const foreign = join(dir, "foreign");
  mkdirSync(foreign, { mode: 0o700 });
  copyFileSync(path, join(foreign, cacheFiles(cache)[0]!));
  chownSync(foreign, 4242, 4242);
  assert.equal(load(file, foreign).outcome, "off");
  assert.equal(statSync(join(foreign, cacheFiles(foreign)[0]!)).uid, 0, "nothing written there either");

  const link = join(dir, "link");
  symlinkSync(cache, link);
  assert.equal(load(file, link).outcome, "off");
});

test("this user's own folder, opened to others, is closed again (0700) and used", { skip }, () => {
  const { file, cache } = fixture();
  load(file, cache);
  chmodSync(cache, 0o777);
  assert.equal(load(file, cache).outcome, "hit");
  assert.equal(statSync(cache).mode & 0o777, 0o700);
});

test("without a cache folder the file loads as with require", { skip }, () => {
  const { file, dir } = fixture();
  assert.deepEqual(load(file, undefined), { outcome: "off", value: 19, where: `${file}|${dir}|/`, self: true });
});

test("on Node 22.1+ the file is loaded with require, Node's compile cache on in the private folder", { skip: noOwners || (nodeCache ? false : `Node ${process.version} has no module.enableCompileCache`) }, () => {
  const { file, cache } = fixture();
  assert.deepEqual([load(file, cache).outcome, load(file, cache).value], ["node", 19]);
  assert.equal(statSync(cache).mode & 0o777, 0o700);
});
