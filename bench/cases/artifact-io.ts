// One case of the artifact throughput benchmark, in a process of its own so that its
// peak RSS is its own. Prints one JSON line. Run by bench/artifact-throughput.mjs.
import { randomFillSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../src/datastore/content-store.ts";
import { LocalBackend } from "../../src/datastore/local/local-backend.ts";
import { ArtifactReader, TaskDatastore } from "../../src/datastore/task-datastore.ts";

const [mode = "weft", count = "100", sizeMiB = "1"] = process.argv.slice(2);
const n = Number(count);
const bytes = Number(sizeMiB) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "weft-io-"));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const gc = (globalThis as { gc?: () => void }).gc!;

function makeValues(): Buffer[] {
  return Array.from({ length: n }, () => randomFillSync(Buffer.allocUnsafe(bytes)));
}

let save = 0;
let load = 0;
if (mode === "fs") {
  let values: Buffer[] | undefined = makeValues();
  mkdirSync(join(dir, "files"));
  let t = process.hrtime.bigint();
  values.forEach((v, i) => writeFileSync(join(dir, "files", String(i)), v));
  save = seconds(t);
  values = undefined;
  gc();
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) readFileSync(join(dir, "files", String(i)));
  load = seconds(t);
} else {
  const backend = new LocalBackend(dir);
  const content = new ContentStore(backend, "Bench/data");
  const store = new TaskDatastore(backend, content, { flow: "Bench", run: "1", step: "s", task: "1" });
  let values: Buffer[] | undefined = makeValues();
  let t = process.hrtime.bigint();
  const records = await store.saveArtifacts(new Map(values.map((v, i) => [`a${i}`, v])));
  save = seconds(t);
  values = undefined;
  gc();
  const reader = new ArtifactReader(content, "Bench/1/s/1", { artifacts: records, next: [], foreachStack: [] });
  t = process.hrtime.bigint();
  let checksum = 0;
  for (let i = 0; i < n; i++) {
    // Loaded, verified against its hash, then dropped: as a step reading artifacts one by one.
    checksum += (reader.loadSync(`a${i}`) as Buffer)[0]!;
    (reader as unknown as { cache: Map<string, unknown> }).cache.clear();
  }
  load = seconds(t);
  if (Number.isNaN(checksum)) throw new Error("unreachable");
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, n, sizeMiB: Number(sizeMiB), save, load, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
