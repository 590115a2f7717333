// Artifact throughput on the local datastore: save and load 100 × 1 MiB and 1 × 256 MiB
// of random bytes through Weft's task datastore (hash, codec, atomic durable write,
// verified read) and through plain fs.writeFile/readFile of the same bytes, each case in
// its own process. Prints MB/s, the ratio to plain fs, and peak RSS against the largest
// artifact. Usage: node bench/artifact-throughput.mjs
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

const CASES = [
  { count: 100, sizeMiB: 1 },
  { count: 1, sizeMiB: 256 },
];

async function measure(mode, count, sizeMiB) {
  const out = await run(process.execPath, ["--expose-gc", "--import", "tsx", join(repoRoot, "bench/cases/artifact-io.ts"), mode, String(count), String(sizeMiB)], { cwd: repoRoot });
  return JSON.parse(out.trim().split("\n").pop());
}

export async function artifactThroughput() {
  const results = [];
  for (const { count, sizeMiB } of CASES) {
    const fs = await measure("fs", count, sizeMiB);
    const weft = await measure("weft", count, sizeMiB);
    const mb = (count * sizeMiB * 1048576) / 1e6;
    const rate = (s) => (mb / s).toFixed(0);
    console.log(
      `artifact-throughput ${count} × ${sizeMiB} MiB: save ${rate(weft.save)} MB/s (fs ${rate(fs.save)} MB/s, ${(fs.save / weft.save).toFixed(2)}× of fs) | ` +
        `load ${rate(weft.load)} MB/s (fs ${rate(fs.load)} MB/s, ${(fs.load / weft.load).toFixed(2)}× of fs) | ` +
        `peak RSS ${weft.maxRssMiB.toFixed(0)} MiB (fs ${fs.maxRssMiB.toFixed(0)} MiB): Weft adds ${(weft.maxRssMiB - fs.maxRssMiB).toFixed(0)} MiB; ` +
        `peak is ${(weft.maxRssMiB / (count * sizeMiB)).toFixed(2)}× the bytes held, ${(weft.maxRssMiB / sizeMiB).toFixed(2)}× the largest artifact`,
    );
    results.push({ count, sizeMiB, fs, weft });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await artifactThroughput();
