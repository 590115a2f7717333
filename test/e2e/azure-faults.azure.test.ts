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
});
