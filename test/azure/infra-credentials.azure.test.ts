// Proves the fake Entra ID (token-server.ts) and fake `az` (fake-az.ts) against HTTPS
// Azurite with --oauth basic: each @azure/identity credential gets a token that Azurite
// accepts, wrong secrets fail the Entra way, and spawned processes trust both servers
// through caBundle(). Run with `node scripts/test.mjs azure`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential,
  type TokenCredential, WorkloadIdentityCredential,
} from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { type AzuriteHandle, azuriteSkipReason, caBundle, startAzurite } from "./azurite.ts";
import { type FakeAz, writeFakeAz } from "./fake-az.ts";
import { STORAGE_SCOPE, resetManagedIdentityCache, roundTrip, storageOptions, withAzureEnv } from "./helpers.ts";
import { decodeJwt, signJwt } from "./jwt.ts";
import { type TokenServer, type TokenServerRequest, startTokenServer } from "./token-server.ts";
import { trustOptions } from "./tls.ts";

const run = promisify(execFile);

describe("token credentials against oauth Azurite", { skip: azuriteSkipReason(), timeout: 90_000 }, () => {
  let azurite: AzuriteHandle;
  let entra: TokenServer;
  before(async () => ([azurite, entra] = await Promise.all([startAzurite({ oauth: true }), startTokenServer()])));
  after(() => Promise.all([azurite?.stop(), entra?.stop()]));

  /** Options every credential needs here: the fake authority and trust in its certificate. */
  const entraOptions = () => ({ authorityHost: entra.authorityHost, disableInstanceDiscovery: true, ...trustOptions(entra.caCertPath) });
  /** Round-trips a blob with `credential` and returns the token-server requests it caused. */
  const useCredential = async (credential: TokenCredential): Promise<TokenServerRequest[]> => {
    const seen = entra.requests.length;
    await roundTrip(new BlobServiceClient(azurite.blobEndpoint, credential, storageOptions(azurite)));
    return entra.requests.slice(seen);
  };
  const failure = (credential: TokenCredential) => credential.getToken(STORAGE_SCOPE).then(() => assert.fail("expected getToken to fail"), (e: Error) => e);
  const tokenRequests = (requests: TokenServerRequest[]) => requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));

  test("ClientSecretCredential fetches OpenID discovery, then a client_credentials token that Azurite accepts", async () => {
    const requests = await useCredential(new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret, entraOptions()));
    assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), [
      `GET /${entra.tenantId}/v2.0/.well-known/openid-configuration`,
      `POST /${entra.tenantId}/oauth2/v2.0/token`,
    ]);
    assert.deepEqual(tokenRequests(requests).map((r) => [r.grant, r.clientAuth, r.resource]), [["client_credentials", "client_secret", "https://storage.azure.com"]]);
  });

  test("the token carries the storage audience and a v1 sts.windows.net issuer for the tenant", async () => {
    const credential = new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret, entraOptions());
    const claims = decodeJwt((await credential.getToken(STORAGE_SCOPE)).token);
    assert.equal(claims.aud, "https://storage.azure.com");
    assert.equal(claims.iss, `https://sts.windows.net/${entra.tenantId}/`);
    assert.equal(claims.appid, entra.clientId);
  });

  test("ClientSecretCredential with a wrong secret fails with AADSTS7000215", async () => {
    const error = await failure(new ClientSecretCredential(entra.tenantId, entra.clientId, "not-the-secret", entraOptions()));
    assert.match(error.message, /invalid_client.*AADSTS7000215: Invalid client secret provided/s);
  });

  test("ClientSecretCredential with an unknown client id fails with AADSTS700016", async () => {
    const error = await failure(new ClientSecretCredential(entra.tenantId, "11111111-2222-4333-8444-555555555555", entra.clientSecret, entraOptions()));
    assert.match(error.message, /AADSTS700016/);
  });

  // Entra answers discovery for an unknown tenant with 400 AADSTS90002; MSAL reports only that
  // it could not resolve the endpoints.
  test("ClientSecretCredential with an unknown tenant fails at OpenID discovery", async () => {
    const tenant = "99999999-2222-4333-8444-555555555555";
    const seen = entra.requests.length;
    const error = await failure(new ClientSecretCredential(tenant, entra.clientId, entra.clientSecret, entraOptions()));
    assert.match(error.message, /endpoints_resolution_error/);
    assert.deepEqual(entra.requests.slice(seen).map((r) => r.path), [`/${tenant}/v2.0/.well-known/openid-configuration`]);
  });

  test("WorkloadIdentityCredential exchanges the federated token file for a token Azurite accepts", async () => {
    const credential = new WorkloadIdentityCredential({ tenantId: entra.tenantId, clientId: entra.clientId, tokenFilePath: entra.federatedTokenFile, ...entraOptions() });
    const requests = tokenRequests(await useCredential(credential));
    assert.deepEqual(requests.map((r) => [r.grant, r.clientAuth]), [["client_credentials", "client_assertion"]]);
  });

  test("WorkloadIdentityCredential with a foreign assertion fails with AADSTS700211", async () => {
    const foreign = join(entra.federatedTokenFile, "..", "foreign-token");
    writeFileSync(foreign, signJwt({ iss: "https://elsewhere.invalid/", sub: "someone", aud: "api://AzureADTokenExchange" }, "k"));
    const error = await failure(new WorkloadIdentityCredential({ tenantId: entra.tenantId, clientId: entra.clientId, tokenFilePath: foreign, ...entraOptions() }));
    assert.match(error.message, /AADSTS700211/);
  });

  const appService = () => ({ IDENTITY_ENDPOINT: entra.identityEndpoint, IDENTITY_HEADER: entra.identityHeader });
  /** Runs `fn` with these variables and MSAL's process-wide managed-identity cache emptied. */
  const asManagedIdentity = <T>(env: Record<string, string>, fn: () => Promise<T>) =>
    withAzureEnv(env, async () => (resetManagedIdentityCache(), await fn()));

  test("ManagedIdentityCredential with App Service IDENTITY_ENDPOINT and IDENTITY_HEADER gets a token Azurite accepts", async () => {
    const requests = await asManagedIdentity(appService(), () => useCredential(new ManagedIdentityCredential(trustOptions(entra.caCertPath))));
    assert.deepEqual(requests.map((r) => [r.method, r.path, r.resource]), [["GET", "/msi/token", "https://storage.azure.com"]]);
  });

  test("ManagedIdentityCredential with a wrong IDENTITY_HEADER is refused", async () => {
    const env = { ...appService(), IDENTITY_HEADER: "wrong" };
    const error = await asManagedIdentity(env, () => failure(new ManagedIdentityCredential(trustOptions(entra.caCertPath))));
    assert.match(error.message, /X-IDENTITY-HEADER/);
  });

  // Documents why resetManagedIdentityCache() exists; if this starts failing, msal-node no
  // longer caches the source process-wide and the reset may be unnecessary.
  test("without a reset, a second ManagedIdentityCredential ignores a changed IDENTITY_HEADER", async () => {
    await asManagedIdentity(appService(), () => new ManagedIdentityCredential(trustOptions(entra.caCertPath)).getToken(STORAGE_SCOPE));
    const env = { ...appService(), IDENTITY_HEADER: "wrong" };
    const seen = entra.requests.length;
    const token = await withAzureEnv(env, () => new ManagedIdentityCredential().getToken("https://vault.azure.net/.default"));
    assert.equal(decodeJwt(token.token).aud, "https://vault.azure.net");
    assert.deepEqual(entra.requests.slice(seen).map((r) => r.path), ["/msi/token"]);
  });

  // AZURE_TOKEN_CREDENTIALS narrows the chain so that nothing else (IMDS, dev tools) is tried.
  // The authority host comes from AZURE_AUTHORITY_HOST alone here; options only turn off
  // instance discovery (else MSAL asks login.microsoftonline.com) and add the CA.
  test("DefaultAzureCredential with AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID and AZURE_AUTHORITY_HOST uses the client secret", async () => {
    const env = { AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential", AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId, AZURE_CLIENT_SECRET: entra.clientSecret, AZURE_AUTHORITY_HOST: entra.authorityHost };
    const options = { disableInstanceDiscovery: true, ...trustOptions(entra.caCertPath) };
    const requests = await withAzureEnv(env, () => useCredential(new DefaultAzureCredential(options)));
    assert.deepEqual(tokenRequests(requests).map((r) => r.clientAuth), ["client_secret"]);
  });

  test("DefaultAzureCredential with AZURE_FEDERATED_TOKEN_FILE uses workload identity", async () => {
    const env = { AZURE_TOKEN_CREDENTIALS: "WorkloadIdentityCredential", AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId, AZURE_FEDERATED_TOKEN_FILE: entra.federatedTokenFile, AZURE_AUTHORITY_HOST: entra.authorityHost };
    const requests = await withAzureEnv(env, () => useCredential(new DefaultAzureCredential(entraOptions())));
    assert.deepEqual(tokenRequests(requests).map((r) => r.clientAuth), ["client_assertion"]);
  });

  // "prod", not "ManagedIdentityCredential": for that single name identity 4.13.1 builds the
  // credential without the caller's options, so tlsOptions would be dropped.
  test("DefaultAzureCredential's prod chain with only IDENTITY_ENDPOINT set uses managed identity", async () => {
    const env = { AZURE_TOKEN_CREDENTIALS: "prod", ...appService() };
    const requests = await asManagedIdentity(env, () => useCredential(new DefaultAzureCredential(entraOptions())));
    assert.deepEqual(requests.map((r) => r.path), ["/msi/token"]);
  });

  describe("with the fake az on PATH", () => {
    let az: FakeAz;
    let loggedOut: FakeAz;
    before(() => ((az = writeFakeAz(entra)), (loggedOut = writeFakeAz(entra, { loggedIn: false }))));
    after(() => (az?.dispose(), loggedOut?.dispose()));
    const onPath = (fake: FakeAz) => ({ PATH: `${fake.dir}${delimiter}${process.env.PATH}` });

    test("AzureCliCredential runs az account get-access-token and Azurite accepts the token", async () => {
      await withAzureEnv(onPath(az), () => useCredential(new AzureCliCredential()));
      assert.deepEqual(az.invocations().at(-1), ["account", "get-access-token", "--output", "json", "--resource", "https://storage.azure.com"]);
    });

    test("az account get-access-token --scope prints the Azure CLI's JSON fields", async () => {
      const { stdout } = await run(join(az.dir, "az"), ["account", "get-access-token", "--scope", STORAGE_SCOPE]);
      const printed = JSON.parse(stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(printed).sort(), ["accessToken", "expiresOn", "expires_on", "subscription", "tenant", "tokenType"]);
      assert.match(String(printed.expiresOn), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      assert.equal(printed.tenant, entra.tenantId);
      assert.equal(decodeJwt(String(printed.accessToken)).aud, "https://storage.azure.com");
    });

    test("AzureCliCredential says to run az login when az is logged out", async () => {
      const error = await withAzureEnv(onPath(loggedOut), () => failure(new AzureCliCredential()));
      assert.equal(error.name, "CredentialUnavailableError");
      assert.match(error.message, /az login/);
    });
  });

  test("a spawned node process trusts Azurite and the token server through caBundle() and not without", async () => {
    const urls = [`${azurite.blobEndpoint}?comp=list`, `${entra.authorityHost}/${entra.tenantId}/v2.0/.well-known/openid-configuration`];
    const script = `const https = require("node:https"); Promise.all(${JSON.stringify(urls)}.map((u) => new Promise((ok) =>
      https.get(u, (r) => { r.resume(); ok(r.statusCode); }).on("error", (e) => ok(e.code))))).then((s) => console.log(JSON.stringify(s)));`;
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined };
    const trusted = await run(process.execPath, ["-e", script], { env: { ...env, NODE_EXTRA_CA_CERTS: caBundle() } });
    assert.deepEqual(JSON.parse(trusted.stdout), [403, 200]);
    const untrusted = await run(process.execPath, ["-e", script], { env: { ...env, NODE_EXTRA_CA_CERTS: undefined } });
    assert.deepEqual((JSON.parse(untrusted.stdout) as string[]).map((s) => /CERT/.test(s)), [true, true]);
  });
});
