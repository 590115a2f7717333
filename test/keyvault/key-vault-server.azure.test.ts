// Proves the fake Key Vault (key-vault-server.ts) through the official SDK only:
// SecretClient with a ClientSecretCredential against the fake Entra ID. The challenge,
// reads by name and version, and each error the service returns for a read.
// Token validation, permissions and DefaultAzureCredential: key-vault-auth.azure.test.ts.
// Run with `node scripts/test.mjs keyvault`.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import type { SecretClientOptions } from "@azure/keyvault-secrets";
import { startTokenServer, type TokenServer } from "../azure/token-server.ts";
import { entraOptions, failure, recording, secretClient } from "./helpers.ts";
import { type KeyVaultHandle, KEY_VAULT_RESOURCE, startKeyVault } from "./key-vault-server.ts";

type PipelinePolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number]["policy"];
const NOT_FOUND_SUFFIX = "was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.";

describe("fake Key Vault read through SecretClient with a client secret", { timeout: 60_000 }, () => {
  let entra: TokenServer;
  let vault: KeyVaultHandle;
  before(async () => {
    entra = await startTokenServer();
    vault = await startKeyVault({ entra });
  });
  after(async () => {
    await vault?.stop();
    await entra?.stop();
  });

  const credential = () => new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret, entraOptions(entra));
  const client = (options: SecretClientOptions = {}) => secretClient(vault, credential(), options);

  test("the first read is challenged: a 401 without a token, one vault token from Entra, then 200 with it", async () => {
    vault.setSecret("challenge-me", "opened");
    const { credential: recorded, calls } = recording(credential(), vault);
    const [vaultSeen, entraSeen] = [vault.requests.length, entra.requests.length];

    const secret = await secretClient(vault, recorded).getSecret("challenge-me");

    assert.equal(secret.value, "opened");
    assert.deepEqual(vault.requests.slice(vaultSeen).map((r) => [r.method, r.path, r.auth, r.status]), [
      ["GET", "/secrets/challenge-me/", false, 401],
      ["GET", "/secrets/challenge-me/", true, 200],
    ]);
    // The SDK turned `resource=` into a scope and `authorization=` into the tenant, and asked only after the 401.
    assert.deepEqual(calls, [{ scopes: [`${KEY_VAULT_RESOURCE}/.default`], tenantId: entra.tenantId, vaultRequestsSeen: vaultSeen + 1 }]);
    assert.deepEqual(entra.requests.slice(entraSeen).filter((r) => r.method === "POST").map((r) => [r.path, r.grant, r.resource]), [
      [`/${entra.tenantId}/oauth2/v2.0/token`, "client_credentials", KEY_VAULT_RESOURCE],
    ]);
  });

  test("a second read on the same client sends its cached token at once: no challenge, no token request", async () => {
    vault.setSecret("read-twice", "again");
    const reader = client();
    await reader.getSecret("read-twice");
    const [vaultSeen, entraSeen] = [vault.requests.length, entra.requests.length];

    assert.equal((await reader.getSecret("read-twice")).value, "again");

    assert.deepEqual(vault.requests.slice(vaultSeen).map((r) => [r.auth, r.status]), [[true, 200]]);
    assert.equal(entra.requests.length, entraSeen);
  });

  test("getSecret without a version returns the last version set, with the service's id, attributes, content type and tags", async () => {
    const before = Math.floor(Date.now() / 1000);
    vault.setSecret("db-password", "first");
    const latest = vault.setSecret("db-password", "second", { contentType: "text/plain", tags: { team: "ml" } });

    const secret = await client().getSecret("db-password");

    assert.equal(secret.value, "second");
    assert.equal(secret.name, "db-password");
    assert.equal(secret.properties.version, latest);
    assert.equal(secret.properties.id, `${vault.url}/secrets/db-password/${latest}`);
    assert.equal(secret.properties.vaultUrl, vault.url);
    assert.equal(secret.properties.contentType, "text/plain");
    assert.deepEqual(secret.properties.tags, { team: "ml" });
    assert.equal(secret.properties.enabled, true);
    assert.equal(secret.properties.recoveryLevel, "Recoverable+Purgeable");
    assert.ok(secret.properties.createdOn instanceof Date && secret.properties.createdOn.getTime() >= before * 1000);
    assert.equal(secret.properties.updatedOn?.getTime(), secret.properties.createdOn.getTime());
  });

  test("getSecret with a version returns that version after a newer one is set, and names are case-insensitive", async () => {
    const old = vault.setSecret("api-key", "v1", { version: "0123456789abcdef0123456789abcdef" });
    vault.setSecret("api-key", "v2");

    const secret = await client().getSecret("API-KEY", { version: old });

    assert.equal(secret.value, "v1");
    assert.equal(secret.properties.id, `${vault.url}/secrets/api-key/${old}`);
    assert.equal(vault.requests.at(-1)?.path, `/secrets/API-KEY/${old}`);
  });

  test("an unknown name is a 404 SecretNotFound that names the secret", async () => {
    const error = await failure(client().getSecret("no-such-secret"));
    assert.equal(error.statusCode, 404);
    assert.equal(error.code, "SecretNotFound");
    assert.equal(error.message.startsWith(`A secret with (name/id) no-such-secret ${NOT_FOUND_SUFFIX}`), true, error.message);
  });

  test("an unknown version of a known name is a 404 SecretNotFound that names name/version", async () => {
    vault.setSecret("versioned", "value");
    const missing = "ffffffffffffffffffffffffffffffff";
    const error = await failure(client().getSecret("versioned", { version: missing }));
    assert.equal(error.statusCode, 404);
    assert.equal(error.code, "SecretNotFound");
    assert.match(error.message, new RegExp(`^A secret with \\(name/id\\) versioned/${missing} was not found`));
  });

  test("a disabled latest version is a 403 Forbidden with innererror SecretDisabled; an enabled older version still reads", async () => {
    const enabled = vault.setSecret("half-off", "on");
    vault.setSecret("half-off", "off", { enabled: false });
    const reader = client();

    const error = await failure(reader.getSecret("half-off"));

    assert.equal(error.statusCode, 403);
    assert.equal(error.code, "Forbidden");
    assert.equal(error.message, "Operation get is not allowed on a disabled secret.");
    assert.equal(error.details?.error?.innerError?.code, "SecretDisabled");
    assert.equal((await reader.getSecret("half-off", { version: enabled })).value, "on");
  });

  test("a soft-deleted secret is a 404 SecretNotFound, by name and by version", async () => {
    const version = vault.setSecret("gone-soon", "bye");
    const reader = client();
    assert.equal((await reader.getSecret("gone-soon")).value, "bye");

    vault.softDelete("gone-soon");

    for (const read of [reader.getSecret("gone-soon"), reader.getSecret("gone-soon", { version })]) {
      const error = await failure(read);
      assert.deepEqual([error.statusCode, error.code], [404, "SecretNotFound"]);
    }
  });

  test("an api-version the service does not know is a 400 BadParameter naming the latest supported one", async () => {
    vault.setSecret("any-version", "x");
    // serviceVersion is typed to the versions the SDK knows; the service decides what it accepts.
    const error = await failure(client({ serviceVersion: "7.9" as SecretClientOptions["serviceVersion"] }).getSecret("any-version"));
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, "BadParameter");
    assert.equal(error.message, "The specified version (7.9) is not recognized. Consider using the latest supported version (2025-07-01).");
    assert.equal(vault.requests.at(-1)?.apiVersion, "7.9");
  });

  test("a request without api-version is a 400 BadParameter, after the challenge", async () => {
    vault.setSecret("no-version", "x");
    const stripApiVersion: PipelinePolicy = {
      name: "stripApiVersion",
      sendRequest(request, next) {
        const url = new URL(request.url);
        url.searchParams.delete("api-version");
        request.url = url.toString();
        return next(request);
      },
    };
    const seen = vault.requests.length;
    const error = await failure(client({ additionalPolicies: [{ policy: stripApiVersion, position: "perRetry" }] }).getSecret("no-version"));
    assert.deepEqual([error.statusCode, error.code], [400, "BadParameter"]);
    assert.deepEqual(vault.requests.slice(seen).map((r) => [r.apiVersion, r.auth, r.status]), [[undefined, false, 401], [undefined, true, 400]]);
  });

  test("startKeyVault refuses to listen on any address but loopback, and to point the challenge at a non-loopback authority", async () => {
    assert.equal(new URL(vault.url).hostname, "127.0.0.1");
    /** The refusal message, or "listened" (after stopping it) if it started after all. */
    const attempt = (options: Parameters<typeof startKeyVault>[0]) =>
      startKeyVault(options).then((started) => started.stop().then(() => "listened"), (error: Error) => error.message);
    for (const host of ["0.0.0.0", "::", "192.0.2.1", "10.1.2.3", "example.com", "localhost"]) {
      assert.match(await attempt({ entra, host }), /binds to loopback only/, host);
    }
    assert.match(await attempt({ entra: { ...entra, authorityHost: "https://login.microsoftonline.com" } }), /loopback https authority/);
  });
});
