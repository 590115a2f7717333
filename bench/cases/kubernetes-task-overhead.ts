// Per-task overhead of running steps as Kubernetes Jobs: the N-wide foreach of
// test/fixtures/kubernetes-runs/wide-flow.ts with `--with kubernetes` on the fake cluster
// (test/kube/: an API server, a Job controller and a kubelet whose pods are local
// processes) against the same flow as local processes, both on Azurite and the metadata
// service, same --max-workers, interleaved in one run. What it leaves out: a real
// cluster's scheduling, image pulls and pod start-up (seconds on AKS), and network
// latency to the API server; what it measures is what Weft adds per task on that path
// (a Job, a watch event, a log stream) against spawning a process.
// Must run in a loopback-only network namespace (bench/kubernetes-task-overhead.mjs).
import { join } from "node:path";
import { FIXTURES, startKubernetesWorld } from "../../test/helpers/kubernetes-runs.ts";
import { runWeft } from "../../test/helpers/weft-cli.ts";
import { median } from "../lib.mjs";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const sizes = process.argv.slice(2).map(Number);

const world = await startKubernetesWorld({ container: "bench" });
try {
  let runs = 0;
  const seconds = async (width: number, onKubernetes: boolean): Promise<number> => {
    const started = performance.now();
    const args = ["run", join(FIXTURES, "wide-flow.ts"), "--width", String(width), "--max-workers", String(WORKERS), "--run-id", `bench-${runs++}`];
    const result = await runWeft(onKubernetes ? [...args, "--with", "kubernetes"] : args, { cwd: world.dir, env: world.env, timeoutMs: 600_000 });
    if (result.code !== 0) throw new Error(result.stderr);
    return (performance.now() - started) / 1000;
  };
  for (const n of sizes.length ? sizes : [50]) {
    const local: number[] = [];
    const kube: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      local.push(await seconds(n, false));
      kube.push(await seconds(n, true));
    }
    const [l, k] = [median(local), median(kube)];
    const tasks = n + 3;
    console.log(
      `kubernetes-task-overhead N=${n}: local processes ${l.toFixed(2)} s (${((l / tasks) * 1000).toFixed(0)} ms/task) | fake cluster ${k.toFixed(2)} s (${((k / tasks) * 1000).toFixed(0)} ms/task) | ` +
        `ratio ${(k / l).toFixed(2)}× (--max-workers ${WORKERS}, ${tasks} tasks, median of ${REPEATS}; local ${local.map((x) => x.toFixed(2)).join(", ")}; cluster ${kube.map((x) => x.toFixed(2)).join(", ")})`,
    );
  }
} finally {
  await world.stop();
}
