// Every operation of the Azure backend through a proxy that fails chosen requests: each
// is tried again by the one retry policy (retry.ts), and a conditional create whose first
// try landed but whose answer was lost still reports the blob as created.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { azuriteSkipReason, startAzurite, type AzuriteHandle } from "../../../test/azure/azurite.ts";
import { startRequestFaultProxy, type Fault, type ProxiedRequest, type RequestFaultProxy } from "../../../test/azure/request-fault-proxy.ts";
import { AzureBackend } from "./blob-adapter.ts";
import type { AzureSettings } from "./credentials.ts";

const skip = azuriteSkipReason();
const CONTAINER = "weft-retry";
let azurite: AzuriteHandle;
let proxy: RequestFaultProxy;
/** The faults the next requests to a blob whose path contains `target` get, by try; later tries pass. */
let target = "";
let faults: Fault[] = [];

const settings = (endpoint: string): AzureSettings => ({
  endpoint,
  container: CONTAINER,
  prefix: `r/${randomUUID().slice(0, 8)}`,
  auth: { method: "account-key", accountName: azurite.accountName, accountKey: azurite.accountKey },
  workload: "default",
});
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes!).toString();
const faulted = () => proxy.log.filter((r) => r.fault !== "pass").map((r) => `${r.method} ${r.fault}`);

describe("AzureBackend retries every operation by one policy", { skip }, () => {
  let backend: AzureBackend;
  let direct: AzureBackend;
  before(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER).create();
    proxy = await startRequestFaultProxy(azurite, (r: ProxiedRequest) => (target && r.path.endsWith(target) ? (faults[r.try - 1] ?? "pass") : "pass"));
  });
  after(async () => {
    await proxy?.stop();
    await azurite?.stop();
  });
  beforeEach(async () => {
    target = "";
    faults = [];
    proxy.log.length = 0;
    const s = settings(proxy.blobEndpoint);
    backend = await AzureBackend.open(s);
    direct = await AzureBackend.open({ ...s, endpoint: azurite.blobEndpoint });
  });

  /** Fails the first requests to `key` with a reset, a 429 and a 503 (the SDK retried none of 429, 408 or 502). */
  const flaky = (key: string, first: Fault[] = ["reset", 429, 503]) => {
    target = `/${key}`;
    faults = first;
    proxy.resetTries();
  };

  it("putBytes of a metadata record lands through a lost answer, 429 and 503", async () => {
    flaky("_meta/state.json", ["lose-answer", 429, 503]);
    await backend.putBytes([{ key: "F/1/_meta/state.json", data: Buffer.from('{"state":"running"}'), overwrite: true }]);
    assert.equal(text((await direct.getBytes(["F/1/_meta/state.json"]))[0]), '{"state":"running"}');
    assert.deepEqual(faulted(), ["PUT lose-answer", "PUT 429", "PUT 503"]);
  });

  it("a content-addressed putBytes lands through a reset, 429 and 503", async () => {
    flaky("data/ab/abc");
    await backend.putBytes([{ key: "F/data/ab/abc", data: [Buffer.from("a"), Buffer.from("bc")], durable: true }]);
    assert.equal(text((await direct.getBytes(["F/data/ab/abc"]))[0]), "abc");
  });

  it("createExclusive whose first try landed but lost its answer reports the blob as created", async () => {
    flaky("_meta/run.json", ["lose-answer", 429]);
    assert.equal(await backend.createExclusive("F/1/_meta/run.json", Buffer.from('{"run":"1"}')), true);
    assert.equal(text((await direct.getBytes(["F/1/_meta/run.json"]))[0]), '{"run":"1"}');
    // The read of its token (HEAD) meets the same faults and is retried too.
    assert.deepEqual(faulted(), ["PUT lose-answer", "PUT 429", "HEAD lose-answer", "HEAD 429"]);
  });

  it("createExclusive still reports false for a blob another writer created, even with the same bytes", async () => {
    assert.equal(await direct.createExclusive("F/2/_meta/run.json", Buffer.from('{"run":"2"}')), true);
    flaky("_meta/run.json", ["reset"]);
    assert.equal(await backend.createExclusive("F/2/_meta/run.json", Buffer.from('{"run":"2"}')), false);
  });

  it("appendBytes appends once through a reset, 429 and 503", async () => {
    await backend.appendBytes([{ key: "F/1/s/0/0.stdout", data: Buffer.from("one\n"), offset: 0 }]);
    flaky("0.stdout");
    await backend.appendBytes([{ key: "F/1/s/0/0.stdout", data: Buffer.from("two\n"), offset: 4 }]);
    assert.equal(text((await direct.getBytes(["F/1/s/0/0.stdout"]))[0]), "one\ntwo\n");
    assert.deepEqual(faulted(), ["PUT reset", "PUT 429", "PUT 503"]);
  });

  it("getBytes, exists, sizes and list answer through a reset, 429 and 503 each", async () => {
    await direct.putBytes([{ key: "F/1/_meta/task.json", data: Buffer.from("{}") }]);
    flaky("_meta/task.json");
    assert.equal(text((await backend.getBytes(["F/1/_meta/task.json"]))[0]), "{}");
    flaky("_meta/task.json");
    assert.deepEqual(await backend.exists(["F/1/_meta/task.json"]), [true]);
    flaky("_meta/task.json");
    assert.deepEqual(await backend.sizes(["F/1/_meta/task.json"]), [2]);
    // A listing is a GET on the container; its path ends with the container's name.
    flaky(CONTAINER);
    assert.deepEqual(await backend.list("F/1/_meta/"), ["F/1/_meta/task.json"]);
    assert.ok(faulted().length >= 12, `every operation met its faults: ${faulted().join(", ")}`);
  });
});
