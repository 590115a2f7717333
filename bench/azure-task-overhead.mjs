// Task overhead on the Azure datastore: the N-task foreach (bench/lib.mjs fanOutProject,
// --max-workers 2) on Azurite over HTTPS with a workload-identity token from a local
// Entra server, against the same flow on the local datastore, interleaved in one run.
// Runs inside a loopback-only network namespace, like scripts/test.mjs. Target ≤ 1.5×.
// Usage: node bench/azure-task-overhead.mjs [N ...]   (default: 100; BENCH_REPEATS=3;
// BENCH_BASELINE=<another checkout, built> interleaves that build's runs too)
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

export async function azureTaskOverhead(sizes = []) {
  const script = `ip link set lo up && exec "$0" --import tsx ${join(repoRoot, "bench/cases/azure-task-overhead.ts")} "$@"`;
  const out = await run("unshare", ["-n", "sh", "-c", script, process.execPath, ...sizes.map(String)], { cwd: repoRoot });
  process.stdout.write(out);
}

if (import.meta.url === `file://${process.argv[1]}`) await azureTaskOverhead(process.argv.slice(2).map(Number));
