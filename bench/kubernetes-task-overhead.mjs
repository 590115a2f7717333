// Per-task overhead of Kubernetes Jobs on the fake cluster against local processes, on
// Azurite and the metadata service (bench/cases/kubernetes-task-overhead.ts), inside a
// loopback-only network namespace. Usage: node bench/kubernetes-task-overhead.mjs [N ...]
import { join } from "node:path";
import { repoRoot, run } from "./lib.mjs";

export async function kubernetesTaskOverhead(sizes = []) {
  const script = `ip link set lo up && exec "$0" --import tsx ${join(repoRoot, "bench/cases/kubernetes-task-overhead.ts")} "$@"`;
  process.stdout.write(await run("unshare", ["-n", "sh", "-c", script, process.execPath, ...sizes.map(String)], { cwd: repoRoot }));
}

if (import.meta.url === `file://${process.argv[1]}`) await kubernetesTaskOverhead(process.argv.slice(2).map(Number));
