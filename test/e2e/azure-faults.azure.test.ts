// A flow on the Azure datastore through a proxy that resets connections, cuts them
// mid-transfer and answers 503: the SDK's retries carry it, and every artifact verifies.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { resolveConfig } from "../../src/config/resolve.ts";
import { Flow, namespace, useConfig } from "../../src/client/index.ts";
import { azuriteSkipReason, startAzurite, type AzuriteHandle } from "../azure/azurite.ts";
import { startFaultProxy, type FaultProxy } from "../azure/fault-proxy.ts";
import { startRequestFaultProxy } from "../azure/request-fault-proxy.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
import { createHash, randomBytes } from "node:crypto";
export default class FlakyNetFlow extends FlowSpec {
  items!: number[];
  blob!: Buffer;
  digest!: string;
  digests!: string[];
  @step start() { this.items = [0, 1, 2, 3, 4, 5]; this.next(this.work, { foreach: "items" }); }
  @step work() {
    // One large artifact goes through staged blocks; the others in single requests.
    this.blob = randomBytes(this.input === 0 ? 12 * 1024 * 1024 : 200_000);
    this.digest = createHash("sha256").update(this.blob).digest("hex");
    this.next(this.join);
  }
  @step join(inputs: Inputs<FlakyNetFlow>) {
    this.digests = [...inputs].map((i) => {
      if (createHash("sha256").update(i.blob).digest("hex") !== i.digest) throw new Error("a blob changed in transit");
      return i.digest;
    });
    this.next(this.end);
  }
  @step end() { console.log("verified", this.digests.length); }
}
`;

const skip = azuriteSkipReason();
let azurite: AzuriteHandle;
let proxy: FaultProxy;

describe("the Azure datastore over an unreliable network", { skip }, () => {
  before(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("faults").create();
    // Cuts land mid-transfer often, but not so often that an 8 MiB range can never finish on a loaded machine.
    proxy = await startFaultProxy(azurite, { reset: 0.12, busy: 0.12, cutAfterMs: [150, 1500] });
  });
  after(async () => {
    await proxy?.stop();
    await azurite?.stop();
  });

  it("a flow succeeds through connection resets, cut transfers and 503s, and every artifact verifies", { timeout: 240_000 }, async () => {
    const dir = tempProject();
    const env: NodeJS.ProcessEnv = {
      WEFT_DEFAULT_DATASTORE: "azure",
      WEFT_DATASTORE_SYSROOT_AZURE: "faults/runs",
      WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: proxy.blobEndpoint,
      AZURE_STORAGE_ACCOUNT_NAME: azurite.accountName,
      AZURE_STORAGE_ACCOUNT_KEY: azurite.accountKey,
    };
    const result = await runWeft(["run", writeFlow(dir, "flaky.ts", FLOW), "--with", "retry:times=2"], { cwd: dir, env, timeoutMs: 240_000 });
    assert.equal(result.code, 0, `${JSON.stringify(proxy.stats)}\n${result.stderr.slice(-3000)}`);
    assert.match(result.stdout, /verified 6/);
    assert.ok(proxy.stats.resets + proxy.stats.busy + proxy.stats.cuts >= 5, `faults were injected: ${JSON.stringify(proxy.stats)}`);

    // Read everything back directly from Azurite: each artifact is checked against its hash on load.
    useConfig(resolveConfig({ env: { ...process.env, ...env, WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: azurite.blobEndpoint, WEFT_HOME: join(dir, ".weft") }, cwd: dir }));
    namespace(null);
    const run = await (await Flow.get("FlakyNetFlow")).latestSuccessfulRun();
    assert.ok(run);
    let checked = 0;
    for await (const step of run.steps()) {
      for await (const task of step.tasks()) {
        for await (const artifact of task.artifacts()) {
          await artifact.value();
          checked++;
        }
      }
    }
    assert.ok(checked >= 20, `checked ${checked} artifacts`);
  });

  it("a flow succeeds when every metadata write loses its first answer and is then throttled (429)", { timeout: 240_000 }, async () => {
    // Writes of run, task and attempt records and of the run spec: the first try lands but
    // its answer is lost, the second is answered 429. The SDK's policy retried neither a
    // lost answer of a conditional create nor a 429, so the run failed recording a task.
    const isMetadataWrite = (path: string) => /\/_meta\/[^/]+$|\/_run\.json$/.test(path);
    const metadata = await startRequestFaultProxy(azurite, (r) => (r.method === "PUT" && isMetadataWrite(r.path) ? (["lose-answer", 429][r.try - 1] ?? "pass") as "lose-answer" | 429 | "pass" : "pass"));
    try {
      const dir = tempProject();
      const env: NodeJS.ProcessEnv = {
        WEFT_DEFAULT_DATASTORE: "azure",
        WEFT_DATASTORE_SYSROOT_AZURE: "faults/metadata",
        WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: metadata.blobEndpoint,
        AZURE_STORAGE_ACCOUNT_NAME: azurite.accountName,
        AZURE_STORAGE_ACCOUNT_KEY: azurite.accountKey,
      };
      const result = await runWeft(["run", writeFlow(dir, "flaky.ts", FLOW)], { cwd: dir, env, timeoutMs: 240_000 });
      assert.equal(result.code, 0, result.stderr.slice(-3000));
      assert.match(result.stdout, /verified 6/);
      const lost = metadata.log.filter((r) => r.fault === "lose-answer").map((r) => r.path);
      assert.ok(lost.some((p) => p.endsWith("/1/_meta/run.json")), "the run id's exclusive create lost its answer");
      assert.ok(lost.some((p) => p.endsWith("/_run.json")), "the run spec's exclusive create lost its answer");
      assert.ok(lost.filter((p) => p.endsWith("/_meta/0.start.json")).length >= 9, `every task's first record lost its first answer: ${lost.length} lost`);

      // The run kept id 1 (its lost create was recognised as its own) and is the only run.
      useConfig(resolveConfig({ env: { ...process.env, ...env, WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: azurite.blobEndpoint, WEFT_HOME: join(dir, ".weft") }, cwd: dir }));
      namespace(null);
      const runs = await (await Flow.get("FlakyNetFlow")).runs().toArray();
      assert.deepEqual(runs.map((r) => [r.id, r.successful]), [["1", true]]);
    } finally {
      await metadata.stop();
    }
  });
});
