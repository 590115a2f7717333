// One case of the Azure datastore benchmark, in its own process (for its own peak RSS).
// Prints one JSON line. Run by bench/cases/azure-bench.ts inside a loopback-only namespace.
import { randomFillSync, randomUUID } from "node:crypto";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { ContentStore } from "../../src/datastore/content-store.ts";
import { AzureBackend } from "../../src/datastore/azure/blob-adapter.ts";
import { ArtifactReader, TaskDatastore } from "../../src/datastore/task-datastore.ts";

const [mode = "weft", count = "100", sizeMiB = "1", endpoint = "", account = "", key = ""] = process.argv.slice(2);
const n = Number(count);
const bytes = Number(sizeMiB) * 1024 * 1024;
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const gc = (globalThis as { gc?: () => void }).gc!;
const container = "bench";
const prefix = `run-${randomUUID().slice(0, 8)}`;

let values: Buffer[] | undefined = Array.from({ length: n }, () => randomFillSync(Buffer.allocUnsafe(bytes)));
let save = 0;
let load = 0;

if (mode === "sdk") {
  // The SDK's own best: parallel blobs, large blocks, parallel block transfer.
  const client = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key)).getContainerClient(container);
  const options = { blockSize: 8 * 1024 * 1024, concurrency: 8, maxSingleShotSize: 8 * 1024 * 1024 };
  const names = values.map((_, i) => `${prefix}/${i}`);
  const inParallel = async (work: (i: number) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(16, n) }, async () => {
      while (next < n) await work(next++);
    }));
  };
  let t = process.hrtime.bigint();
  await inParallel((i) => client.getBlockBlobClient(names[i]!).uploadData(values![i]!, options));
  save = seconds(t);
  values = undefined;
  gc();
  t = process.hrtime.bigint();
  await inParallel((i) => client.getBlobClient(names[i]!).downloadToBuffer(0, undefined, options));
  load = seconds(t);
} else {
  const backend = await AzureBackend.open({ endpoint, container, prefix, auth: { method: "account-key", accountName: account, accountKey: key }, workload: "default" });
  const content = new ContentStore(backend, "Bench/data");
  const store = new TaskDatastore(backend, content, { flow: "Bench", run: "1", step: "s", task: "1" });
  let t = process.hrtime.bigint();
  const records = await store.saveArtifacts(new Map(values.map((v, i) => [`a${i}`, v])));
  save = seconds(t);
  values = undefined;
  gc();
  const reader = new ArtifactReader(content, "Bench/1/s/1", { artifacts: records, next: [], foreachStack: [] });
  t = process.hrtime.bigint();
  // As a task's prefetch does: every artifact in parallel, each verified against its hash.
  await Promise.all(Object.keys(records).map((name) => reader.load(name)));
  load = seconds(t);
}
console.log(JSON.stringify({ mode, n, sizeMiB: Number(sizeMiB), save, load, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
