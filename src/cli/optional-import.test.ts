import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { WeftError } from "../errors/weft-error.ts";
import { importOptional, missingOptionalPackage } from "./optional-import.ts";

// A folder with no node_modules above it: importing a package from here fails as it
// does in a task-only install, with Node's own error.
const outside = mkdtempSync(join(tmpdir(), "weft-optional-"));
after(() => rmSync(outside, { recursive: true, force: true }));

/** Imports a module that imports `specifier`, from a folder where nothing is installed. */
function importMissing(specifier: string): Promise<unknown> {
  const file = join(outside, `${specifier.replaceAll("/", "_")}.mjs`);
  writeFileSync(file, `import ${JSON.stringify(specifier)};\n`);
  return import(pathToFileURL(file).href);
}

test("a missing compiler package becomes a CONFIG WeftError naming the package and its pinned version", async () => {
  const error = await importOptional(() => importMissing("esbuild")).catch((e: unknown) => e);
  assert.ok(error instanceof WeftError, String(error));
  assert.equal(error.code, "CONFIG");
  assert.equal(error.exitCode, 2);
  assert.match(error.message, /"esbuild" is not installed \[esbuild@\d+\.\d+\.\d+\]; Weft needs it for loading a flow/);
  assert.match(error.hint ?? "", /npm install esbuild@\d+\.\d+\.\d+/);
  assert.match(error.hint ?? "", /--omit=optional/);
});

test("scoped packages and subpaths are named by their package", async () => {
  const error = await importOptional(() => importMissing("@electric-sql/pglite/vector")).catch((e: unknown) => e);
  assert.ok(error instanceof WeftError, String(error));
  assert.match(error.message, /"@electric-sql\/pglite" is not installed .* the metadata service/);
});

test("require.resolve of a missing optional package is recognised too", () => {
  const requireOutside = createRequire(join(outside, "x.cjs"));
  let caught: unknown;
  try {
    requireOutside.resolve("commander/package.json");
  } catch (error) {
    caught = error;
  }
  assert.equal(missingOptionalPackage(caught), "commander");
});

test("a missing package that is not an optional dependency is rethrown as it is", async () => {
  const error = await importOptional(() => importMissing("left-pad")).catch((e: unknown) => e);
  assert.ok(!(error instanceof WeftError));
  assert.equal((error as NodeJS.ErrnoException).code, "ERR_MODULE_NOT_FOUND");
});

test("other failures pass through untouched", async () => {
  const boom = new Error("boom");
  await assert.rejects(importOptional(() => Promise.reject(boom)), (e) => e === boom);
  assert.equal(await importOptional(async () => 42), 42);
});
