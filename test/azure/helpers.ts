// Small helpers shared by the Azure harness tests.
//
//   await roundTrip(serviceClient)        // new container, write a blob, read it back
//   await withAzureEnv({ AZURE_CLIENT_ID: id }, () => credential.getToken(scope))
//   storageOptions(azurite)               // BlobServiceClient options: trust its cert, no retries
//   resetManagedIdentityCache()           // before each in-process ManagedIdentityCredential test
import { randomUUID } from "node:crypto";
import assert from "node:assert/strict";
import { ManagedIdentityCredential } from "@azure/identity";
import type { BlobServiceClient, StoragePipelineOptions } from "@azure/storage-blob";
import type { AzuriteHandle } from "./azurite.ts";
import { trustOptions } from "./tls.ts";

export const STORAGE_SCOPE = "https://storage.azure.com/.default";

/**
 * Creates a fresh container, uploads a blob, reads it back and checks the bytes. Returns
 * the container name. Fails on any authentication or transport error.
 */
export async function roundTrip(service: BlobServiceClient): Promise<string> {
  const name = `weft-${randomUUID().slice(0, 8)}`;
  const container = service.getContainerClient(name);
  await container.create();
  const text = `hello from ${name}`;
  await container.getBlockBlobClient("dir/hello.txt").upload(text, Buffer.byteLength(text));
  const body = await container.getBlobClient("dir/hello.txt").downloadToBuffer();
  assert.equal(body.toString("utf8"), text);
  return name;
}

/**
 * BlobServiceClient options for `azurite`: trust its certificate when HTTPS (tlsOptions
 * is passed through to core-rest-pipeline; StoragePipelineOptions does not declare it)
 * and try once, so a refusal fails fast instead of after the SDK's backoff.
 */
export function storageOptions(azurite: AzuriteHandle): StoragePipelineOptions {
  const tls = azurite.caCertPath ? trustOptions(azurite.caCertPath) : {};
  return { retryOptions: { maxTries: 1 }, ...tls } as StoragePipelineOptions;
}

/** Variables @azure/identity and MSAL read to pick or configure a credential. */
const IDENTITY_VARIABLES = /^(AZURE_|IDENTITY_|MSI_|IMDS_|IDENTITY_SERVER_THUMBPRINT$|APPSETTING_)/;

/**
 * Runs `fn` with every Azure identity variable removed from process.env and `vars` set,
 * then restores the environment exactly, even if `fn` throws. Tests in one file run one
 * at a time, so the change is not seen by other tests.
 */
export async function withAzureEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (IDENTITY_VARIABLES.test(key)) delete process.env[key];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * Forgets MSAL's process-wide managed-identity state. msal-node (5.6.0) keeps, in static
 * fields, the identity source chosen on first use (IDENTITY_ENDPOINT, IDENTITY_HEADER and
 * the first credential's HTTP client, hence its TLS options) and the tokens it got; every
 * later ManagedIdentityCredential in the process reuses them and ignores the environment.
 * Call this before a test that needs a ManagedIdentityCredential to read the environment
 * afresh. Throws if msal-node's internals no longer look as expected.
 */
export function resetManagedIdentityCache(): void {
  // Constructing reads only environment variables; no request is made without getToken.
  const probe = new ManagedIdentityCredential({ clientId: "00000000-0000-4000-8000-000000000000" });
  const app = (probe as unknown as { managedIdentityApp?: { constructor: Record<string, unknown>; managedIdentityClient?: { constructor: Record<string, unknown> } } }).managedIdentityApp;
  const appClass = app?.constructor;
  const clientClass = app?.managedIdentityClient?.constructor;
  if (!appClass || !clientClass || !("nodeStorage" in appClass)) {
    throw new Error("resetManagedIdentityCache: @azure/identity or @azure/msal-node internals changed (managedIdentityApp.managedIdentityClient, ManagedIdentityApplication.nodeStorage); update test/azure/helpers.ts");
  }
  appClass.nodeStorage = undefined;
  clientClass.identitySource = undefined;
  clientClass.sourceName = undefined;
}
