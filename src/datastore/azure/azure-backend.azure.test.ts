// The Azure Blob backend against Azurite: the shared StorageBackend contract, each
// storage-credential method, large blobs, and the failures Azurite can produce for real.
// Runs in a loopback-only network namespace (scripts/test.mjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { azuriteSkipReason, freePort, startAzurite, type AzuriteHandle } from "../../../test/azure/azurite.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { storageBackendContract } from "../backend-contract.ts";
import { AzureBackend } from "./blob-adapter.ts";
import type { AzureAuth, AzureSettings } from "./credentials.ts";

const skip = azuriteSkipReason();
let azurite: AzuriteHandle;
const CONTAINER = "weft-tests";

const settings = (auth?: AzureAuth, overrides: Partial<AzureSettings> = {}): AzureSettings => ({
  endpoint: azurite.blobEndpoint,
  container: CONTAINER,
  prefix: `t/${randomUUID().slice(0, 8)}`,
  auth: auth ?? { method: "account-key", accountName: azurite.accountName, accountKey: azurite.accountKey },
  workload: "default",
  ...overrides,
});

function sas(permissions: string, expiresOn: Date): string {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  return generateBlobSASQueryParameters({ containerName: CONTAINER, permissions: ContainerSASPermissions.parse(permissions), startsOn: new Date(Date.now() - 60_000), expiresOn }, credential).toString();
}

async function failure(promise: Promise<unknown>): Promise<WeftError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WeftError, `expected a WeftError, got ${(error as Error).stack}`);
    return error;
  }
  throw new Error("expected a failure");
}

describe("AzureBackend against Azurite", { skip }, () => {
  before(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER).create();
  });
  after(() => azurite?.stop());

  storageBackendContract("AzureBackend (account key)", async () => ({ backend: await AzureBackend.open(settings()), cleanup: async () => {} }));

  it("reads and writes with a connection string", async () => {
    const backend = await AzureBackend.open(settings({ method: "connection-string", connectionString: azurite.connectionString }, { endpoint: undefined }));
    await backend.putBytes([{ key: "a/b", data: Buffer.from("via connection string") }]);
    assert.equal(Buffer.from((await backend.getBytes(["a/b"]))[0]!).toString(), "via connection string");
  });

  it("reads and writes with an account SAS token", async () => {
    const backend = await AzureBackend.open(settings({ method: "sas", accountName: azurite.accountName, sasToken: sas("racwdl", new Date(Date.now() + 3_600_000)) }));
    await backend.putBytes([{ key: "a/b", data: Buffer.from("via sas") }]);
    assert.equal(Buffer.from((await backend.getBytes(["a/b"]))[0]!).toString(), "via sas");
    assert.deepEqual(await backend.list("a/"), ["a/b"]);
  });

  it("moves a blob larger than one request through staged blocks and parallel ranges", async () => {
    const backend = await AzureBackend.open(settings());
    const big = randomBytes(20 * 1024 * 1024 + 123);
    await backend.putBytes([{ key: "big", data: [big.subarray(0, 5), big.subarray(5)], durable: true }]);
    const [back] = await backend.getBytes(["big"]);
    assert.equal(Buffer.compare(Buffer.from(back!), big), 0);
  });

  it("refuses a wrong account key with the cause and the fix, and no stack of the SDK", async () => {
    const backend = await AzureBackend.open(settings({ method: "account-key", accountName: azurite.accountName, accountKey: Buffer.from("wrong key").toString("base64") }));
    const error = await failure(backend.getBytes(["x"]));
    assert.equal(error.code, "DATASTORE");
    assert.match(error.message, /refused the account key \(403 (AuthenticationFailed|AuthorizationFailure)\)/);
    assert.match(error.hint ?? "", /AZURE_STORAGE_ACCOUNT_KEY/);
  });

  it("says when a SAS token has expired", async () => {
    const backend = await AzureBackend.open(settings({ method: "sas", accountName: azurite.accountName, sasToken: sas("racwdl", new Date(Date.now() - 30_000)) }));
    const error = await failure(backend.putBytes([{ key: "x", data: Buffer.from("x") }]));
    assert.match(error.message, /refused the SAS token \(403 \w+\).*: the SAS token expired at \d{4}-/);
    assert.match(error.hint ?? "", /new SAS token/);
    assert.doesNotMatch(`${error.message} ${error.hint}`, /sig=/, "no signature in the message");
  });

  it("says how to create a missing container", async () => {
    const backend = await AzureBackend.open(settings(undefined, { container: "no-such-container" }));
    const error = await failure(backend.putBytes([{ key: "x", data: Buffer.from("x") }]));
    assert.match(error.message, /Container "no-such-container" does not exist/);
    assert.match(error.hint ?? "", /az storage container create --name no-such-container/);
  });

  it("names an unreachable endpoint and what to check", async () => {
    const port = await freePort();
    const backend = await AzureBackend.open(settings(undefined, { endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }));
    const error = await failure(backend.exists(["x"]));
    assert.match(error.message, new RegExp(`Cannot reach the blob endpoint http://127.0.0.1:${port}/devstoreaccount1 \\(ECONNREFUSED\\)`));
    assert.match(error.hint ?? "", /firewall/);
  });

  it("names the missing data role when the service answers 403 AuthorizationPermissionMismatch", async () => {
    // Azurite has no RBAC; a local server answers as Blob Storage does for an identity without the role.
    const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>`;
    const server = createServer((_req, res) => res.writeHead(403, { "content-type": "application/xml", "x-ms-error-code": "AuthorizationPermissionMismatch" }).end(body));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const backend = await AzureBackend.open(settings(undefined, { endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }));
      const error = await failure(backend.putBytes([{ key: "x", data: Buffer.from("x") }]));
      assert.match(error.message, /Access denied \(403\)/);
      assert.match(error.hint ?? "", /Storage Blob Data Contributor/);
      assert.match(error.hint ?? "", /"Contributor" or "Owner" alone/);
    } finally {
      server.close();
    }
  });

  it("retries an append whose answer was lost without adding its bytes twice", async () => {
    // Forwards to Azurite; the first Append Block that lands there loses its answer.
    const upstream = new URL(azurite.blobEndpoint);
    const appends: string[] = [];
    const server = createServer((req, res) => {
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const isAppend = req.url?.includes("comp=appendblock");
        const drop = isAppend && answer.statusCode === 201 && !appends.includes("201 dropped");
        if (isAppend) appends.push(`${answer.statusCode}${drop ? " dropped" : ""}`);
        if (drop) {
          answer.resume();
          answer.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const backend = await AzureBackend.open(settings(undefined, { endpoint: `http://127.0.0.1:${port}${upstream.pathname}` }));
      await backend.appendBytes([{ key: "log", data: Buffer.from("once\n"), offset: 0 }]);
      await backend.appendBytes([{ key: "log", data: Buffer.from("twice?\n"), offset: 5 }]);
      // 404 (no blob yet), 201 (answer lost), 412 (the SDK's retry), 201 (the next append).
      assert.deepEqual(appends, ["404", "201 dropped", "412", "201"]);
      assert.equal(Buffer.from((await backend.getBytes(["log"]))[0]!).toString(), "once\ntwice?\n");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("reads a blob synchronously for a lazy artifact, and null for a missing one", async () => {
    const backend = await AzureBackend.open(settings());
    await backend.putBytes([{ key: "lazy/value", data: Buffer.from("read without await") }]);
    assert.equal(Buffer.from(backend.getBytesSync("lazy/value")!).toString(), "read without await");
    assert.equal(backend.getBytesSync("lazy/missing"), null);
  });

  it("writes and reads blobs without loading Node's undici (~23 ms of CPU a task), which the SDK's form-data policy would", async () => {
    // In a process of its own: the test runner may have loaded undici already.
    const script = `
      const { AzureBackend } = await import(${JSON.stringify(new URL("./blob-adapter.ts", import.meta.url).href)});
      const backend = await AzureBackend.open(JSON.parse(process.env.SETTINGS));
      await backend.putBytes([{ key: "undici/a", data: Buffer.from("x") }]);
      const [read] = await backend.getBytes(["undici/a"]);
      console.log(JSON.stringify({ read: Buffer.from(read).toString(), undici: process.moduleLoadList.filter((m) => m.includes("undici")) }));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { ...process.env, SETTINGS: JSON.stringify(settings()) }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    assert.equal(await new Promise((resolve) => child.on("close", resolve)), 0);
    assert.deepEqual(JSON.parse(out), { read: "x", undici: [] });
  });
});
