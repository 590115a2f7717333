// Artifacts through the CLI on the Azure datastore against the local one: 100 × 1 MiB
// saved in one step and read in the next, and one 256 MiB artifact, on Azurite over
// HTTPS with a workload-identity token. Targets: within 2× of local time, peak RSS
// within 1.3× of local. Runs inside a loopback-only network namespace.
// Usage: node bench/azure-artifacts.mjs   (BENCH_REPEATS=3; BENCH_BASELINE=<checkout> adds that build)
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

export async function azureArtifacts() {
  const script = `ip link set lo up && exec "$0" --import tsx ${join(repoRoot, "bench/cases/azure-artifacts.ts")}`;
  const out = await run("unshare", ["-n", "sh", "-c", script, process.execPath], { cwd: repoRoot });
  process.stdout.write(out);
}

if (import.meta.url === `file://${process.argv[1]}`) await azureArtifacts();
