// @secrets from Azure Key Vault through the real CLI: the official SDK and
// DefaultAzureCredential (configured from environment variables) against a local vault,
// Entra server and Azurite, in a loopback-only network namespace.
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { azuriteSkipReason, caBundle, startAzurite, type AzuriteHandle } from "../azure/azurite.ts";
import { startTokenServer, type TokenServer } from "../azure/token-server.ts";
import { startKeyVault, type KeyVaultHandle } from "../keyvault/key-vault-server.ts";
import { findSecretValues } from "../helpers/secret-scan.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const skip = azuriteSkipReason();
let entra: TokenServer;
let vault: KeyVaultHandle;
let azurite: AzuriteHandle;
let firstApiKey = "";
const digest = (value: string) => createHash("sha256").update(value).digest("hex");
const VALUES = { dbPassword: "kv-s3cret-pass-123", apiKeyV1: "api-key-version-one", apiKeyV2: "api-key-version-two", cfgPass: "p@ss-from-json-999" };

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AZURE_|IDENTITY_|MSI_|WEFT_)/.test(k)) base[k] = v;
  return {
    ...base,
    AZURE_TENANT_ID: entra.tenantId,
    AZURE_CLIENT_ID: entra.clientId,
    AZURE_CLIENT_SECRET: entra.clientSecret,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
    AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential",
    WEFT_AZURE_KEY_VAULT_PREFIX: vault.url,
    NODE_EXTRA_CA_CERTS: caBundle(),
    ...extra,
  };
}


describe("@secrets from Azure Key Vault", { skip }, () => {
  before(async () => {
    entra = await startTokenServer();
    [vault, azurite] = await Promise.all([startKeyVault({ entra }), startAzurite()]);
    vault.setSecret("db-password", VALUES.dbPassword);
    firstApiKey = vault.setSecret("api-key", VALUES.apiKeyV1);
    vault.setSecret("api-key", VALUES.apiKeyV2);
    vault.setSecret("cfg", JSON.stringify({ CFG_USER: "svc-weft", CFG_PASS: VALUES.cfgPass }));
    vault.setSecret("storage-conn", azurite.connectionString);
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("kvstore").create();
  });
  after(async () => {
    await Promise.all([vault?.stop(), azurite?.stop(), entra?.stop()]);
  });

  it("fetches by bare name, name/version and full URL with JSON expansion, masks the values and stores none of them", async () => {
    const dir = tempProject();
    const file = writeFlow(dir, "kv.ts", `import { FlowSpec, step, secrets } from "weft";
import { createHash } from "node:crypto";
export default class VaultFlow extends FlowSpec {
  checks!: Record<string, boolean>;
  @secrets({ sources: [
    "db-password",
    "api-key/${firstApiKey}",
    { type: "az-key-vault", id: "${vault.url}/secrets/cfg", options: { json: true } },
  ] })
  @step start() {
    console.log("db", process.env.db_password, "api", process.env.api_key, "cfg", process.env.CFG_PASS);
    // Digests, not the values: the flow's source (its code package) must not hold a secret either.
    const digest = (v: string | undefined) => createHash("sha256").update(v ?? "").digest("hex");
    this.checks = {
      db: digest(process.env.db_password) === ${JSON.stringify(digest(VALUES.dbPassword))},
      pinnedVersion: digest(process.env.api_key) === ${JSON.stringify(digest(VALUES.apiKeyV1))},
      json: process.env.CFG_USER === "svc-weft" && digest(process.env.CFG_PASS) === ${JSON.stringify(digest(VALUES.cfgPass))},
    };
    this.next(this.end);
  }
  @step end() { console.log("checks", JSON.stringify(this.checks), "end sees", process.env.db_password ?? "nothing"); }
}
`);
    const result = await runWeft(["run", file], { cwd: dir, env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /db \*\*\*\* api \*\*\*\* cfg \*\*\*\*/);
    assert.match(result.stdout, /checks \{"db":true,"pinnedVersion":true,"json":true\} end sees nothing/);
    assert.deepEqual(findSecretValues(join(dir, ".weft"), Object.values(VALUES)), []);
    assert.ok(vault.requests.some((r) => r.path.startsWith(`/secrets/api-key/${firstApiKey}`)), "the pinned version was asked for");
  });

  it("fails the task naming vault, secret and version, and the likely cause: missing secret, refused credential, unreachable vault, denied identity", async () => {
    const dir = tempProject();
    const flow = (source: string) => `import { FlowSpec, step, secrets } from "weft";
export default class MissingFlow extends FlowSpec {
  @secrets({ sources: [${JSON.stringify(source)}] })
  @step start() { console.log("step ran"); this.next(this.end); }
  @step end() {}
}
`;
    const missing = await runWeft(["run", writeFlow(dir, "missing.ts", flow("no-such-secret"))], { cwd: dir, env: env() });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`Cannot read secret "no-such-secret" \\(latest version\\) in vault ${vault.url.replace(/[.:/]/g, "\\$&")}: not found \\(404\\)`));
    assert.match(missing.stderr, /soft-deleted/);
    assert.doesNotMatch(missing.stdout, /step ran/);
    const noCredential = await runWeft(["run", writeFlow(dir, "nocred.ts", flow("db-password"))], { cwd: dir, env: env({ AZURE_CLIENT_SECRET: "not-the-secret" }) });
    assert.equal(noCredential.code, 1);
    assert.match(noCredential.stderr, /Cannot read secret "db-password" \(latest version\) in vault .*: no usable Azure credential \(401\)[\s\S]*az login/);
    const unreachable = await runWeft(["run", writeFlow(dir, "unreachable.ts", flow("https://127.0.0.1:9/secrets/db-password"))], { cwd: dir, env: env() });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /in vault https:\/\/127\.0\.0\.1:9: the vault is unreachable \(ECONNREFUSED\)[\s\S]*firewall/);
    for (const r of [missing, noCredential, unreachable]) assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    vault.deny("*", "rbac");
    try {
      const denied = await runWeft(["run", writeFlow(dir, "denied.ts", flow("db-password"))], { cwd: dir, env: env() });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /access denied \(403/);
      assert.match(denied.stderr, /Key Vault Secrets User/);
    } finally {
      vault.allow("*");
    }
  });

  it("lets the Azure datastore take its connection string from a Key Vault secret", async () => {
    const dir = tempProject();
    const file = writeFlow(dir, "store.ts", `import { FlowSpec, step } from "weft";
export default class StoredFlow extends FlowSpec {
  total!: number;
  @step start() { this.total = 41 + 1; this.next(this.end); }
  @step end() { console.log("total", this.total); }
}
`);
    const storeEnv = env({ WEFT_DEFAULT_DATASTORE: "azure", WEFT_DATASTORE_SYSROOT_AZURE: "kvstore/runs", WEFT_AZURE_STORAGE_CREDENTIAL_SECRET: "storage-conn" });
    const result = await runWeft(["run", file], { cwd: dir, env: storeEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /total 42/);
    const shown = await runWeft(["configure", "show"], { cwd: dir, env: storeEnv });
    assert.match(shown.stdout, /Azure authentication: connection string or SAS token from Key Vault secret storage-conn/);
    assert.ok(!shown.stdout.includes(azurite.accountKey));
  });
});
