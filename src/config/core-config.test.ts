import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { WeftError } from "../errors/weft-error.ts";
import { resolveCoreConfig } from "./core-config.ts";
import { CORE_KEYS } from "./core-keys.ts";
import { resolveConfig } from "./resolve.ts";

const env = {
  WEFT_DEFAULT_DATASTORE: "azure",
  WEFT_DATASTORE_SYSROOT_AZURE: "runs/weft",
  WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: " https://127.0.0.1:10000/devstoreaccount1 ",
  WEFT_AZURE_STORAGE_WORKLOAD_TYPE: "high_throughput",
  AZURE_CLIENT_ID: "client",
  WEFT_KUBERNETES_NAMESPACE: "ml-jobs",
};

test("resolveCoreConfig gives every core key the value and source resolveConfig gives it", () => {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), "weft-core-config-")));
  try {
    const options = { env, cwd, userHome: cwd };
    const core = resolveCoreConfig(options);
    const full = resolveConfig(options);
    for (const name of Object.keys(CORE_KEYS) as (keyof typeof CORE_KEYS)[]) {
      assert.equal(core.values[name], full.values[name], name);
      assert.equal(core.sources[name], full.sources[name], name);
    }
    assert.equal(core.values.azureBlobEndpoint, "https://127.0.0.1:10000/devstoreaccount1");
    assert.equal(core.values.azureWorkloadType, "highCpu");
    assert.ok(!("kubernetesNamespace" in core.values));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("resolveCoreConfig refuses a bad value with resolveConfig's message", () => {
  const bad = { env: { WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: "not a url" }, cwd: tmpdir(), userHome: tmpdir() };
  const message = (resolve: () => unknown) => {
    try {
      resolve();
    } catch (error) {
      assert.ok(error instanceof WeftError);
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(message(() => resolveCoreConfig(bad)), message(() => resolveConfig(bad)));
  assert.match(message(() => resolveCoreConfig(bad)), /WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT.*must be a URL/);
});

test("the Azure datastore's settings resolve without importing zod, which would cost every task ~65 ms", async () => {
  // What src/datastore/registry.ts imports to open the Azure datastore in a task process.
  const entries = ["src/config/core-config.ts", "src/datastore/azure/settings.ts", "src/datastore/azure/credential-secret.ts"];
  const result = await build({ entryPoints: entries, bundle: true, write: false, metafile: true, format: "esm", platform: "node", packages: "external", outdir: join(tmpdir(), "weft-core-config"), logLevel: "silent" });
  const packages = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && !i.path.startsWith("node:")).map((i) => i.path));
  assert.deepEqual(packages.filter((p) => p === "zod" || p.startsWith("zod/")), []);
  // The check can fail: the full configuration does import it.
  const full = await build({ entryPoints: ["src/config/resolve.ts"], bundle: true, write: false, metafile: true, format: "esm", platform: "node", packages: "external", outdir: join(tmpdir(), "weft-core-config"), logLevel: "silent" });
  assert.ok(Object.values(full.metafile.inputs).some((input) => input.imports.some((i) => i.path === "zod")));
});
