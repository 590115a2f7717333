import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MemoryBackend } from "../../../test/helpers/memory-backend.ts";
import { layout } from "../../datastore/layout.ts";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { codePackagePath, codePackageSha } from "./code-package.ts";

const where = { flow: "PkgFlow", run: "7" };

/** A package of about 4 MiB, so that writing it takes long enough for a reader to race it. */
function makePackage(): { code: Buffer; map: Buffer; sha: string; key: string } {
  const code = Buffer.from(`export default 1; // ${randomBytes(2 * 1024 * 1024).toString("hex")}\n`);
  const map = Buffer.from(JSON.stringify({ version: 3, mappings: "" }));
  const sha = codePackageSha(code, map);
  return { code, map, sha, key: layout.codePackage(where.flow, sha) };
}

async function store(backend: MemoryBackend | LocalBackend, pkg: ReturnType<typeof makePackage>, code = pkg.code): Promise<void> {
  await backend.putBytes([{ key: `${pkg.key}.map`, data: pkg.map }, { key: pkg.key, data: code }]);
}

const verifies = (path: string, sha: string) => codePackageSha(readFileSync(path), readFileSync(`${path}.map`)) === sha;

describe("codePackagePath", () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), "weft-code-test-"));
  });
  afterEach(() => {
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("downloads the package and its map from a backend without local files, under the cache", async () => {
    const backend = new MemoryBackend();
    const pkg = makePackage();
    await store(backend, pkg);
    const path = await codePackagePath(backend, pkg, where, cacheDir);
    assert.equal(path, join(cacheDir, pkg.sha, "flow.mjs"));
    assert.ok(readFileSync(path).equals(pkg.code));
    assert.ok(readFileSync(`${path}.map`).equals(pkg.map));
  });

  it("gives every one of many concurrent callers a complete, verified file, and leaves no temp file", async () => {
    const backend = new MemoryBackend();
    const pkg = makePackage();
    await store(backend, pkg);
    // Each caller checks the file the moment its call resolves, while others still write.
    const checks = await Promise.all(Array.from({ length: 12 }, () => codePackagePath(backend, pkg, where, cacheDir).then((path) => verifies(path, pkg.sha))));
    assert.deepEqual(checks, new Array(12).fill(true));
    assert.deepEqual(readdirSync(join(cacheDir, pkg.sha)).sort(), ["flow.mjs", "flow.mjs.map"]);
  });

  it("gives a caller that arrives while another is still writing the cache a complete file", async () => {
    const backend = new MemoryBackend();
    const pkg = makePackage();
    await store(backend, pkg);
    const path = join(cacheDir, pkg.sha, "flow.mjs");
    let settled = false;
    const first = codePackagePath(backend, pkg, where, cacheDir).finally(() => (settled = true));
    // Large files are written in several chunks: between them, late callers look at the cache.
    const late: boolean[] = [];
    while (!settled) {
      if (existsSync(path)) late.push(verifies(await codePackagePath(backend, pkg, where, cacheDir), pkg.sha));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(verifies(await first, pkg.sha));
    assert.ok(late.every(Boolean), `${late.filter((ok) => !ok).length} of ${late.length} late callers got a file that does not verify`);
  });

  it("uses a verified cached copy without reading the datastore", async () => {
    const backend = new MemoryBackend();
    const pkg = makePackage();
    await store(backend, pkg);
    await codePackagePath(backend, pkg, where, cacheDir);
    const reads = backend.calls.getBytes;
    await codePackagePath(backend, pkg, where, cacheDir);
    assert.equal(backend.calls.getBytes, reads);
  });

  for (const [what, damage] of [
    ["a corrupted cached file", (code: Buffer) => Buffer.concat([code.subarray(0, 100), Buffer.from("X"), code.subarray(101)])],
    ["a half-written cached file", (code: Buffer) => code.subarray(0, code.byteLength >> 1)],
  ] as const) {
    it(`replaces ${what} with a verified download`, async () => {
      const backend = new MemoryBackend();
      const pkg = makePackage();
      await store(backend, pkg);
      mkdirSync(join(cacheDir, pkg.sha), { recursive: true });
      writeFileSync(join(cacheDir, pkg.sha, "flow.mjs"), damage(pkg.code));
      writeFileSync(join(cacheDir, pkg.sha, "flow.mjs.map"), pkg.map);
      const path = await codePackagePath(backend, pkg, where, cacheDir);
      assert.ok(readFileSync(path).equals(pkg.code));
      assert.ok(verifies(path, pkg.sha));
    });
  }

  it("refuses bytes that do not hash to the sha, naming the run, the key and both hashes, and caches nothing", async () => {
    const backend = new MemoryBackend();
    const pkg = makePackage();
    const tampered = Buffer.concat([pkg.code, Buffer.from("// changed\n")]);
    await store(backend, pkg, tampered);
    const actual = codePackageSha(tampered, pkg.map);
    await assert.rejects(codePackagePath(backend, pkg, where, cacheDir), (error: unknown) => {
      assert.ok(error instanceof WeftError);
      assert.equal(error.code, "DATASTORE");
      assert.equal(error.message, `The code package of run PkgFlow/7 in memory://test (${pkg.key}) is corrupt: its SHA-256 is ${actual}, expected ${pkg.sha}.`);
      assert.match(error.hint ?? "", /Start a new run/);
      return true;
    });
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it("fails with NOT_FOUND naming the key when the package is missing", async () => {
    const pkg = makePackage();
    await assert.rejects(codePackagePath(new MemoryBackend(), pkg, where, cacheDir), (error: unknown) => error instanceof WeftError && error.code === "NOT_FOUND" && error.message.includes(pkg.key) && error.message.includes("PkgFlow/7"));
  });

  it("refuses a sha that is not a hex digest before touching the cache", async () => {
    await assert.rejects(codePackagePath(new MemoryBackend(), { sha: "../../etc", key: "PkgFlow/code/x/flow.mjs" }, where, cacheDir), (error: unknown) => error instanceof WeftError && error.code === "DATASTORE");
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it("uses the datastore's own file on a backend with local files", async () => {
    const root = join(cacheDir, "datastore");
    const backend = new LocalBackend(root);
    const pkg = makePackage();
    await store(backend, pkg);
    assert.equal(await codePackagePath(backend, pkg, where, join(cacheDir, "cache")), backend.localPath(pkg.key));
  });
});
