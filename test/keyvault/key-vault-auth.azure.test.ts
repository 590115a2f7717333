// Proves who the fake Key Vault (key-vault-server.ts) lets in, through the official SDK
// only: which tokens it refuses with 401, the two 403 wordings for a denied principal,
// and DefaultAzureCredential driven by environment variables, in this process and in a
// child process that trusts the servers through caBundle(). Run with
// `node scripts/test.mjs keyvault`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { caBundle, trustOptions } from "../azure/tls.ts";
import { withAzureEnv } from "../azure/helpers.ts";
import { nowSeconds } from "../azure/jwt.ts";
import { startTokenServer, type TokenServer } from "../azure/token-server.ts";
import { entraOptions, failure, fixedToken, secretClient } from "./helpers.ts";
import { type KeyVaultHandle, KEY_VAULT_RESOURCE, startKeyVault } from "./key-vault-server.ts";

const run = promisify(execFile);
const repoRoot = new URL("../..", import.meta.url).pathname;

describe("fake Key Vault authentication and authorization through SecretClient", { timeout: 60_000 }, () => {
  let entra: TokenServer;
  let vault: KeyVaultHandle;
  before(async () => {
    entra = await startTokenServer();
    vault = await startKeyVault({ entra });
    vault.setSecret("guarded", "let-me-in");
  });
  after(async () => {
    await vault?.stop();
    await entra?.stop();
  });

  const secretCredential = () => new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret, entraOptions(entra));
  /** Reads `guarded` with a client that presents exactly `token` after the challenge. */
  const readWith = (token: string) => secretClient(vault, fixedToken(token)).getSecret("guarded");
  const vaultToken = (claims: Record<string, unknown> = {}) => entra.issueToken(KEY_VAULT_RESOURCE, claims).accessToken;

  test("a token the token server issued for https://storage.azure.com is refused with 401 AKV10022 after the challenge", async () => {
    const seen = vault.requests.length;
    const error = await failure(readWith(entra.issueToken("https://storage.azure.com").accessToken));
    assert.deepEqual([error.statusCode, error.code], [401, "Unauthorized"]);
    assert.equal(error.message, `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: https://storage.azure.com.`);
    assert.deepEqual(vault.requests.slice(seen).map((r) => [r.auth, r.status]), [[false, 401], [true, 401]]);
    // Every 401 carries the challenge, as the service's do.
    assert.equal(error.response?.headers.get("www-authenticate"), `Bearer authorization="${entra.authorityHost}/${entra.tenantId}", resource="${KEY_VAULT_RESOURCE}"`);
  });

  test("a vault token is refused with 401 when another tenant issued it, it expired beyond the clock skew, or its claims were altered", async () => {
    const otherTenant = randomUUID();
    const [head, , signature] = vaultToken().split(".");
    const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(vaultToken().split(".")[1] ?? "", "base64url").toString()), oid: randomUUID() })).toString("base64url");
    const cases: [string, string, RegExp][] = [
      ["other tenant", vaultToken({ iss: `https://sts.windows.net/${otherTenant}/`, tid: otherTenant }), /^AKV10032: Invalid issuer\. Expected one of https:\/\/sts\.windows\.net\/[-0-9a-f]+\/, .* found https:\/\/sts\.windows\.net\/[-0-9a-f]+\/\.$/],
      ["expired", vaultToken({ iat: nowSeconds() - 4000, nbf: nowSeconds() - 4000, exp: nowSeconds() - 301 }), /^Token is expired/],
      ["not yet valid", vaultToken({ nbf: nowSeconds() + 600 }), /^Token is not yet valid/],
      ["altered claims", `${head}.${forgedClaims}.${signature}`, /^Token signature validation failed/],
      ["not a JWT", "not-a-jwt", /^AKV10000/],
    ];
    for (const [label, token, message] of cases) {
      const error = await failure(readWith(token));
      assert.deepEqual([error.statusCode, error.code], [401, "Unauthorized"], label);
      assert.match(error.message, message, label);
    }
  });

  test("a vault token signed by a different token server is refused with 401", async () => {
    const stranger = await startTokenServer();
    try {
      // Same claims shape, tenant and audience; only the signing key differs.
      const token = stranger.issueToken(KEY_VAULT_RESOURCE, { iss: `https://sts.windows.net/${entra.tenantId}/`, tid: entra.tenantId }).accessToken;
      const error = await failure(readWith(token));
      assert.deepEqual([error.statusCode, error.code], [401, "Unauthorized"]);
      assert.match(error.message, /signature validation failed/);
    } finally {
      await stranger.stop();
    }
  });

  test("a vault token within the five-minute clock skew of its expiry is still accepted", async () => {
    const secret = await readWith(vaultToken({ exp: nowSeconds() - 60 }));
    assert.equal(secret.value, "let-me-in");
  });

  test("a principal denied under RBAC gets 403 Forbidden with innererror ForbiddenByRbac naming the caller and the getSecret action", async () => {
    vault.deny(entra.clientId, "rbac");
    try {
      const error = await failure(secretClient(vault, secretCredential()).getSecret("guarded"));
      assert.equal(error.statusCode, 403);
      assert.equal(error.code, "Forbidden");
      assert.equal(error.details?.error?.innerError?.code, "ForbiddenByRbac");
      assert.match(error.message, /^Caller is not authorized to perform action on resource\.\r\n/);
      assert.ok(error.message.includes(`Caller: appid=${entra.clientId};oid=${entra.clientId};iss=https://sts.windows.net/${entra.tenantId}/\r\n`), error.message);
      assert.ok(error.message.includes("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'"), error.message);
      // A denied caller learns nothing about existence: an unknown name is 403 too, not 404.
      assert.equal((await failure(secretClient(vault, secretCredential()).getSecret("never-set"))).statusCode, 403);
    } finally {
      vault.allow(entra.clientId);
    }
  });

  test("a principal denied under access policies gets 403 Forbidden with innererror AccessDenied", async () => {
    vault.deny(entra.clientId, "accessPolicy");
    try {
      const error = await failure(secretClient(vault, secretCredential()).getSecret("guarded"));
      assert.deepEqual([error.statusCode, error.code, error.details?.error?.innerError?.code], [403, "Forbidden", "AccessDenied"]);
      assert.equal(error.message, `The user, group or application 'appid=${entra.clientId};oid=${entra.clientId};iss=https://sts.windows.net/${entra.tenantId}/' does not have secrets get permission on key vault '${vault.vaultName};location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`);
    } finally {
      vault.allow(entra.clientId);
    }
  });

  test("a denial applies to the named principal only, \"*\" denies everyone, and allow lifts it", async () => {
    const other = randomUUID();
    const otherToken = vaultToken({ oid: other, appid: other, sub: other });
    vault.deny(entra.clientId, "rbac");
    try {
      assert.equal((await readWith(otherToken)).value, "let-me-in");
      vault.deny("*", "accessPolicy");
      assert.equal((await failure(readWith(otherToken))).details?.error?.innerError?.code, "AccessDenied");
    } finally {
      vault.allow("*");
      vault.allow(entra.clientId);
    }
    assert.equal((await secretClient(vault, secretCredential()).getSecret("guarded")).value, "let-me-in");
  });

  test("DefaultAzureCredential pinned by AZURE_TOKEN_CREDENTIALS=EnvironmentCredential reads with the environment's client secret, and tries nothing else", async () => {
    const env = {
      AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential", AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId,
      AZURE_CLIENT_SECRET: entra.clientSecret, AZURE_AUTHORITY_HOST: entra.authorityHost,
    };
    const read = () => secretClient(vault, new DefaultAzureCredential({ disableInstanceDiscovery: true, ...trustOptions(entra.caCertPath) })).getSecret("guarded");
    const seen = entra.requests.length;
    assert.equal((await withAzureEnv(env, read)).value, "let-me-in");
    assert.deepEqual(entra.requests.slice(seen).filter((r) => r.method === "POST").map((r) => [r.clientAuth, r.resource]), [["client_secret", KEY_VAULT_RESOURCE]]);
    // Without the secret the one-credential chain gives up, naming only EnvironmentCredential.
    const { AZURE_CLIENT_SECRET: _, ...withoutSecret } = env;
    const error = await withAzureEnv(withoutSecret, () => failure(read()));
    assert.match(error.message, /EnvironmentCredential/);
    assert.doesNotMatch(error.message, /ManagedIdentityCredential|WorkloadIdentityCredential|AzureCliCredential/);
  });

  test("a child process that trusts caBundle() through NODE_EXTRA_CA_CERTS reads a secret with env-configured DefaultAzureCredential", async () => {
    const script = `
      import { DefaultAzureCredential } from "@azure/identity";
      import { SecretClient } from "@azure/keyvault-secrets";
      const credential = new DefaultAzureCredential({ disableInstanceDiscovery: true });
      const client = new SecretClient(process.env.VAULT_URL, credential, { disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } });
      const secret = await client.getSecret("guarded");
      process.stdout.write(JSON.stringify({ value: secret.value, id: secret.properties.id }));`;
    const env = {
      PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_EXTRA_CA_CERTS: caBundle(), VAULT_URL: vault.url,
      AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential", AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId,
      AZURE_CLIENT_SECRET: entra.clientSecret, AZURE_AUTHORITY_HOST: entra.authorityHost,
    };
    const seen = vault.requests.length;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, env, timeout: 30_000 });
    const result = JSON.parse(stdout) as { value: string; id: string };
    assert.equal(result.value, "let-me-in");
    assert.match(result.id, new RegExp(`^${vault.url}/secrets/guarded/[0-9a-f]{32}$`));
    assert.deepEqual(vault.requests.slice(seen).map((r) => [r.auth, r.status]), [[false, 401], [true, 200]]);
  });
});
