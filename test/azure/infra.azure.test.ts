// Proves the Azure test harness against Azurite: shared key (connection string, account
// key), account SAS, HTTPS trust, and exactly which bearer tokens `--oauth basic` accepts.
// Credential flows through the fake Entra ID are in infra-credentials.azure.test.ts.
// Run with `node scripts/test.mjs azure` (inside a loopback-only network namespace).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { TokenCredential } from "@azure/core-auth";
import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobServiceClient,
  StorageSharedKeyCredential, generateAccountSASQueryParameters,
} from "@azure/storage-blob";
import { type AzuriteHandle, azuriteSkipReason, startAzurite } from "./azurite.ts";
import { roundTrip, storageOptions } from "./helpers.ts";
import type { Claims } from "./jwt.ts";
import { type TokenServer, startTokenServer } from "./token-server.ts";

const skip = azuriteSkipReason();

/** The RestError a storage call rejects with (fails the test if it succeeds). */
async function storageError(call: Promise<unknown>): Promise<StorageFailure> {
  const error = await call.then(() => assert.fail("expected the storage call to be refused"), (e: unknown) => e);
  return error as StorageFailure;
}

interface StorageFailure {
  statusCode?: number;
  code?: string;
  message: string;
  /** The parsed error body; Azurite puts its reason in `authenticationErrorDetail`. */
  details?: { authenticationErrorDetail?: string };
}

describe("Azurite over HTTP", { skip, timeout: 60_000 }, () => {
  let azurite: AzuriteHandle;
  before(async () => (azurite = await startAzurite()));
  after(() => azurite?.stop());

  test("listens on a 127.0.0.1 port with the well-known devstoreaccount1 account", () => {
    assert.match(azurite.blobEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    assert.equal(azurite.accountName, "devstoreaccount1");
    assert.match(azurite.connectionString, new RegExp(`BlobEndpoint=${azurite.blobEndpoint};`));
  });

  test("a client from the connection string creates a container and writes and reads a blob", async () => {
    await roundTrip(BlobServiceClient.fromConnectionString(azurite.connectionString, storageOptions(azurite)));
  });

  test("a client with the account name and key writes and reads a blob", async () => {
    const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    await roundTrip(new BlobServiceClient(azurite.blobEndpoint, key, storageOptions(azurite)));
  });

  // Real Azure says AuthenticationFailed; Azurite 3.35 says AuthorizationFailure.
  test("a wrong account key is refused with 403", async () => {
    const key = new StorageSharedKeyCredential(azurite.accountName, randomBytes(64).toString("base64"));
    const client = new BlobServiceClient(azurite.blobEndpoint, key, storageOptions(azurite));
    const error = await storageError(client.getContainerClient("refused").create());
    assert.equal(error.statusCode, 403);
    assert.match(String(error.code), /^(AuthenticationFailed|AuthorizationFailure)$/);
  });

  test("an account SAS from generateAccountSASQueryParameters writes and reads a blob", async () => {
    const sas = generateAccountSASQueryParameters({
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse("rwdlac"),
      resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
      services: AccountSASServices.parse("b").toString(),
    }, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)).toString();
    await roundTrip(new BlobServiceClient(`${azurite.blobEndpoint}?${sas}`, undefined, storageOptions(azurite)));
  });

  test("a read-only account SAS cannot create a container", async () => {
    const sas = generateAccountSASQueryParameters({
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: AccountSASPermissions.parse("rl"),
      resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
      services: AccountSASServices.parse("b").toString(),
    }, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)).toString();
    const client = new BlobServiceClient(`${azurite.blobEndpoint}?${sas}`, undefined, storageOptions(azurite));
    const error = await storageError(client.getContainerClient("readonly").create());
    assert.equal(error.statusCode, 403);
  });
});

describe("Azurite over HTTPS with --oauth basic", { skip, timeout: 60_000 }, () => {
  let azurite: AzuriteHandle;
  let entra: TokenServer;
  before(async () => ([azurite, entra] = await Promise.all([startAzurite({ oauth: true }), startTokenServer()])));
  after(() => Promise.all([azurite?.stop(), entra?.stop()]));

  /** A credential that always hands out `token`, to test Azurite's checks directly. */
  const fixed = (token: string): TokenCredential => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) });
  const storageToken = (overrides: Claims = {}) => entra.issueToken("https://storage.azure.com", overrides).accessToken;

  test("serves https on 127.0.0.1 with its own certificate", () => {
    assert.match(azurite.blobEndpoint, /^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    assert.ok(azurite.https && azurite.oauth && azurite.caCertPath);
  });

  test("a client that does not trust the test certificate is refused at the TLS handshake", async () => {
    const client = BlobServiceClient.fromConnectionString(azurite.connectionString, { retryOptions: { maxTries: 1 } });
    const error = await storageError(client.getContainerClient("untrusted").create());
    assert.match(String(error.code), /SELF_SIGNED|UNABLE_TO_VERIFY/, `got ${error.code}: ${error.message}`);
  });

  test("the https connection string with the certificate trusted writes and reads a blob", async () => {
    await roundTrip(BlobServiceClient.fromConnectionString(azurite.connectionString, storageOptions(azurite)));
  });

  test("a token with aud https://storage.azure.com and a sts.windows.net issuer is accepted", async () => {
    await roundTrip(new BlobServiceClient(azurite.blobEndpoint, fixed(storageToken()), storageOptions(azurite)));
  });

  test("a token for the account's own blob host is accepted", async () => {
    const token = storageToken({ aud: `https://${azurite.accountName}.blob.core.windows.net` });
    await roundTrip(new BlobServiceClient(azurite.blobEndpoint, fixed(token), storageOptions(azurite)));
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refused: [string, () => Claims, RegExp][] = [
    ["an audience that is not storage", () => ({ aud: "https://vault.azure.net" }), /audience/i],
    ["another account's blob host", () => ({ aud: "https://someoneelse.blob.core.windows.net" }), /audience/i],
    ["the v2.0 issuer login.microsoftonline.com/<tenant>/v2.0", () => ({ iss: `https://login.microsoftonline.com/${entra.tenantId}/v2.0` }), /issuer/i],
    ["an expired token", () => ({ exp: now() - 600 }), /expired/i],
    ["a token not valid yet (nbf in the future)", () => ({ nbf: now() + 600 }), /lifetime/i],
    ["a token without iat", () => ({ iat: undefined }), /bearer is not supported/i],
  ];
  for (const [what, claims, detail] of refused) {
    test(`${what} is refused with 403 AuthenticationFailed`, async () => {
      const client = new BlobServiceClient(azurite.blobEndpoint, fixed(storageToken(claims())), storageOptions(azurite));
      const error = await storageError(client.getContainerClient("refused").create());
      assert.equal(error.statusCode, 403);
      assert.equal(error.code, "AuthenticationFailed");
      assert.match(String(error.details?.authenticationErrorDetail), detail);
    });
  }
});
