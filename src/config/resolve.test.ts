import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { findHome, resolveConfig, type ResolveOptions } from "./resolve.ts";

function configError(...patterns: (RegExp | string)[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${err}`);
    assert.equal(err.code, "CONFIG");
    assert.equal(err.exitCode, 2);
    for (const p of patterns) {
      if (typeof p === "string") assert.ok(err.message.includes(p), `message lacks ${JSON.stringify(p)}: ${err.message}`);
      else assert.match(err.message, p);
    }
    return true;
  };
}

/** Whether `dir` or one of its parents holds a `.weft` folder, which would change the default home. */
function ancestorHasWeft(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".weft"))) return true;
    if (dirname(d) === d) return false;
  }
}

describe("resolveConfig", () => {
  let root: string;
  let cwd: string;
  let userHome: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "weft-config-")));
    cwd = join(root, "project");
    userHome = join(root, "home");
    mkdirSync(cwd, { recursive: true });
    mkdirSync(join(userHome, ".weft"), { recursive: true });
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const writeProfile = (name: string, content: unknown) => {
    const path = join(userHome, ".weft", name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };
  const resolve = (options: ResolveOptions = {}) => resolveConfig({ env: {}, cwd, userHome, ...options });

  describe("precedence", () => {
    it("takes a flag over the environment, the environment over the profile, the profile over the default", () => {
      const profilePath = writeProfile("config.json", {
        WEFT_KUBERNETES_NAMESPACE: "from-profile",
        WEFT_KUBERNETES_SERVICE_ACCOUNT: "from-profile",
        WEFT_KUBERNETES_CONTAINER_IMAGE: "from-profile",
      });
      const config = resolve({
        flags: { kubernetesNamespace: "from-flag" },
        env: { WEFT_KUBERNETES_NAMESPACE: "from-env", WEFT_KUBERNETES_SERVICE_ACCOUNT: "from-env" },
      });
      assert.equal(config.values.kubernetesNamespace, "from-flag");
      assert.equal(config.values.kubernetesServiceAccount, "from-env");
      assert.equal(config.values.kubernetesContainerImage, "from-profile");
      assert.equal(config.values.datastore, "local");
      assert.equal(config.values.kubernetesSecrets, undefined);
      assert.deepEqual(
        [config.sources.kubernetesNamespace, config.sources.kubernetesServiceAccount, config.sources.kubernetesContainerImage, config.sources.datastore, config.sources.kubernetesSecrets],
        ["flag", "env", "profile", "default", undefined],
      );
      assert.equal(config.profilePath, profilePath);
    });

    it("reports each default with source default", () => {
      const config = resolve();
      assert.deepEqual(
        [config.values.datastore, config.values.metadata, config.values.azureWorkloadType, config.values.azureClientProvider, config.values.secretsBackend],
        ["local", "local", "default", "azure-default", undefined],
      );
      for (const key of ["home", "user", "datastore", "datastoreSysrootLocal", "metadata", "azureWorkloadType", "azureClientProvider"] as const) {
        assert.equal(config.sources[key], "default", key);
      }
      // SPEC §5: without a Key Vault prefix, bare secret ids must name their type.
      assert.equal(config.sources.secretsBackend, undefined);
      assert.equal(config.profilePath, undefined);
    });

    it("treats an empty environment variable as unset", () => {
      writeProfile("config.json", { WEFT_DEFAULT_METADATA: "service" });
      const config = resolve({ env: { WEFT_DEFAULT_DATASTORE: "", WEFT_DEFAULT_METADATA: "" } });
      assert.equal(config.values.datastore, "local");
      assert.equal(config.sources.datastore, "default");
      assert.equal(config.values.metadata, "service");
      assert.equal(config.sources.metadata, "profile");
    });

    it("defaults the secrets backend to az-key-vault when a Key Vault prefix is set", () => {
      const config = resolve({ env: { WEFT_AZURE_KEY_VAULT_PREFIX: "https://kv.vault.azure.net/" } });
      assert.equal(config.values.secretsBackend, "az-key-vault");
    });

    it("reads the user from the given environment, not the process's", () => {
      assert.equal(resolve({ env: { USER: "weft-test-user-from-env" } }).values.user, "weft-test-user-from-env");
      assert.equal(resolve({ env: { WEFT_USER: "explicit" } }).values.user, "explicit");
    });
  });

  describe("profiles", () => {
    it("WEFT_PROFILE=name reads ~/.weft/config_name.json instead of config.json", () => {
      writeProfile("config.json", { WEFT_KUBERNETES_NAMESPACE: "default-profile" });
      const path = writeProfile("config_staging.json", { WEFT_KUBERNETES_NAMESPACE: "staging" });
      const config = resolve({ env: { WEFT_PROFILE: "staging" } });
      assert.equal(config.values.kubernetesNamespace, "staging");
      assert.equal(config.profilePath, path);
    });

    it("a missing named profile is a CONFIG error naming the profile and its file", () => {
      assert.throws(() => resolve({ env: { WEFT_PROFILE: "nope" } }), configError('"nope"', join(userHome, ".weft", "config_nope.json"), "WEFT_PROFILE"));
    });

    it("a missing default profile is not an error", () => {
      rmSync(join(userHome, ".weft"), { recursive: true });
      assert.equal(resolve().profilePath, undefined);
    });

    it("invalid profile JSON is a CONFIG error naming the file", () => {
      const path = writeProfile("config.json", "{ not json");
      assert.throws(() => resolve(), configError(path, /not valid JSON/));
    });

    it("a profile that is not a JSON object is a CONFIG error naming the file", () => {
      const path = writeProfile("config.json", '["WEFT_DEFAULT_DATASTORE", "local"]');
      assert.throws(() => resolve(), configError(path, /JSON object/));
    });

    it("a non-string profile value is read as its JSON text", () => {
      writeProfile("config.json", { WEFT_KUBERNETES_NODE_SELECTOR: { pool: "gpu" } });
      assert.equal(resolve().values.kubernetesNodeSelector, '{"pool":"gpu"}');
    });
  });

  describe("invalid values", () => {
    it("invalid WEFT_DEFAULT_DATASTORE names the variable, the value and the allowed values", () => {
      assert.throws(() => resolve({ env: { WEFT_DEFAULT_DATASTORE: "s3" } }), configError("WEFT_DEFAULT_DATASTORE", '"s3"', '"local"', '"azure"', "in the environment"));
    });

    it("an invalid profile value names the profile file", () => {
      const path = writeProfile("config.json", { WEFT_DEFAULT_METADATA: "postgres" });
      assert.throws(() => resolve(), configError("WEFT_DEFAULT_METADATA", '"postgres"', `in ${path}`, '"local" or "service"'));
    });

    it("an invalid flag value says it was given as a flag", () => {
      assert.throws(() => resolve({ flags: { serviceUrl: "not a url" } }), configError("WEFT_SERVICE_URL", "given as a flag"));
    });
  });

  describe("WEFT_AZURE_STORAGE_WORKLOAD_TYPE", () => {
    it("aliases general to default and high_throughput to highCpu", () => {
      assert.equal(resolve({ env: { WEFT_AZURE_STORAGE_WORKLOAD_TYPE: "general" } }).values.azureWorkloadType, "default");
      assert.equal(resolve({ env: { WEFT_AZURE_STORAGE_WORKLOAD_TYPE: "high_throughput" } }).values.azureWorkloadType, "highCpu");
    });

    it("accepts default, highCpu and highMemory as they are", () => {
      for (const v of ["default", "highCpu", "highMemory"]) assert.equal(resolve({ env: { WEFT_AZURE_STORAGE_WORKLOAD_TYPE: v } }).values.azureWorkloadType, v);
    });

    it("rejects another value, listing the allowed ones", () => {
      assert.throws(() => resolve({ env: { WEFT_AZURE_STORAGE_WORKLOAD_TYPE: "turbo" } }), configError("WEFT_AZURE_STORAGE_WORKLOAD_TYPE", '"turbo"', '"default", "highCpu" or "highMemory"'));
    });
  });

  describe("WEFT_HOME and the local datastore root", () => {
    it("default to the nearest .weft folder in cwd or its parents", (t) => {
      if (ancestorHasWeft(root)) return t.skip(`a parent of ${root} holds a .weft folder`);
      mkdirSync(join(cwd, ".weft"));
      const nested = join(cwd, "src", "flows");
      mkdirSync(nested, { recursive: true });
      const config = resolve({ cwd: nested });
      assert.equal(config.values.home, join(cwd, ".weft"));
      assert.equal(config.values.datastoreSysrootLocal, join(cwd, ".weft", "datastore"));
      assert.equal(findHome(nested), join(cwd, ".weft"));
    });

    it("default to <cwd>/.weft when no .weft folder exists above", (t) => {
      if (ancestorHasWeft(root)) return t.skip(`a parent of ${root} holds a .weft folder`);
      const config = resolve();
      assert.equal(config.values.home, join(cwd, ".weft"));
      assert.equal(config.values.datastoreSysrootLocal, join(cwd, ".weft", "datastore"));
    });

    it("skip a .weft file that is not a folder", (t) => {
      if (ancestorHasWeft(root)) return t.skip(`a parent of ${root} holds a .weft folder`);
      const inner = join(cwd, "inner");
      mkdirSync(inner);
      writeFileSync(join(inner, ".weft"), "not a folder");
      mkdirSync(join(cwd, ".weft"));
      assert.equal(resolve({ cwd: inner }).values.home, join(cwd, ".weft"));
    });

    it("resolve a relative WEFT_HOME against cwd, and put the datastore under it", () => {
      const config = resolve({ env: { WEFT_HOME: "state" } });
      assert.equal(config.values.home, join(cwd, "state"));
      assert.equal(config.sources.home, "env");
      assert.equal(config.values.datastoreSysrootLocal, join(cwd, "state", "datastore"));
      assert.equal(config.sources.datastoreSysrootLocal, "default");
    });

    it("take WEFT_DATASTORE_SYSROOT_LOCAL over the home-based default", () => {
      const config = resolve({ env: { WEFT_HOME: join(root, "h"), WEFT_DATASTORE_SYSROOT_LOCAL: join(root, "elsewhere") } });
      assert.equal(config.values.datastoreSysrootLocal, join(root, "elsewhere"));
      assert.equal(config.sources.datastoreSysrootLocal, "env");
    });
  });

  describe("secrets", () => {
    const secret = "hunter2-weft-token";

    it("a secret set alongside an invalid value does not appear in the error", () => {
      assert.throws(
        () => resolve({ env: { WEFT_SERVICE_AUTH_TOKEN: secret, WEFT_SERVICE_URL: "nope", WEFT_DEFAULT_METADATA: "service" } }),
        (err: unknown) => configError("WEFT_SERVICE_URL")(err) && !String((err as WeftError).describe()).includes(secret),
      );
    });

    it("a secret in a profile file with a syntax error does not appear in the error, even in part", () => {
      writeProfile("config.json", `{"WEFT_SERVICE_URL": "https://meta.example.com", "WEFT_SERVICE_AUTH_TOKEN": '${secret}'}`);
      assert.throws(
        () => resolve(),
        (err: unknown) => {
          configError("config.json")(err);
          const shown = (err as WeftError).describe();
          assert.ok(!shown.includes(secret.slice(0, 7)), `the secret is printed: ${shown}`);
          return true;
        },
      );
    });

    it("a secret is resolved with its source", () => {
      const config = resolve({ env: { WEFT_SERVICE_AUTH_TOKEN: secret } });
      assert.equal(config.values.serviceAuthToken, secret);
      assert.equal(config.sources.serviceAuthToken, "env");
    });
  });
});
