// The Azure datastore against Azurite on this machine: save + load of 100 × 1 MiB and
// 1 × 256 MiB of random bytes through Weft's datastore (hash, codec, verify, conditional
// create) and through the raw SDK with its best settings, in one run. Target: Weft
// ≥ 85 % of the SDK's throughput, peak RSS ≤ 2× the largest artifact.
// Runs inside a loopback-only network namespace. Usage: node bench/azure-datastore.mjs
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

export async function azureDatastore() {
  const script = `ip link set lo up && exec "$0" --import tsx ${join(repoRoot, "bench/cases/azure-bench.ts")}`;
  const out = await run("unshare", ["-n", "sh", "-c", script, process.execPath], { cwd: repoRoot });
  process.stdout.write(out);
}

if (import.meta.url === `file://${process.argv[1]}`) await azureDatastore();
