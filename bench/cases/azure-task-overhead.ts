// The N-task foreach on the Azure datastore (Azurite over HTTPS with --oauth basic, a
// workload-identity token from the local Entra server, as a pod on AKS authenticates)
// against the same flow on the local datastore, interleaved in one run. Besides wall
// time, the CPU time of each run (runner and tasks) and Azurite's: on a machine shared
// with other work the wall time swings, CPU time much less. With BENCH_BASELINE=<another
// checkout, built>, that build's runs are interleaved too, so two builds are compared in
// the same session. Must run inside a loopback-only network namespace
// (bench/azure-task-overhead.mjs).
// Usage (inside the namespace): node --import tsx bench/cases/azure-task-overhead.ts [N ...]
import { join } from "node:path";
import { fanOutProject, median, weftBin, type Measured } from "../lib.mjs";
import { startAzureBench } from "./azure-env.ts";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const sizes = process.argv.slice(2).map(Number);
const builds = [{ name: "this build", bin: weftBin }, ...(process.env.BENCH_BASELINE ? [{ name: `baseline ${process.env.BENCH_BASELINE}`, bin: join(process.env.BENCH_BASELINE, "bin", "weft.mjs") }] : [])];

const bench = await startAzureBench();
try {
  for (const n of sizes.length ? sizes : [100]) {
    const runs = builds.map((build) => ({ ...build, project: fanOutProject(WORKERS, build.bin), local: [] as Measured[], azure: [] as Measured[], azurite: [] as number[], tokens: 0 }));
    for (let i = 0; i < REPEATS; i++) {
      for (const r of runs) {
        r.local.push(await r.project.runMeasured(n, bench.localEnv));
        const [tokens, cpu] = [bench.tokenRequests(), bench.azuriteCpuSeconds()];
        r.azure.push(await r.project.runMeasured(n, bench.azureEnv));
        r.tokens += bench.tokenRequests() - tokens;
        r.azurite.push(bench.azuriteCpuSeconds() - cpu);
      }
    }
    for (const r of runs) {
      const wall = (xs: Measured[]) => median(xs.map((x) => x.seconds));
      const cpu = (xs: Measured[]) => median(xs.map((x) => x.cpuSeconds));
      const [l, a, lc, ac, azurite] = [wall(r.local), wall(r.azure), cpu(r.local), cpu(r.azure), median(r.azurite)];
      const pairs = r.local.map((x, i) => (r.azure[i]!.seconds / x.seconds).toFixed(2)).join(", ");
      console.log(
        `azure-task-overhead N=${n}, ${r.name}: local ${l.toFixed(2)} s (${((l / (n + 3)) * 1000).toFixed(0)} ms/task) | azure ${a.toFixed(2)} s (${((a / (n + 3)) * 1000).toFixed(0)} ms/task) | ` +
          `ratio ${(a / l).toFixed(2)}× (--max-workers ${WORKERS}, ${n + 3} tasks, medians of ${REPEATS}; each pair ${pairs}) | ` +
          `CPU local ${lc.toFixed(2)} s, azure ${ac.toFixed(2)} s (${(ac / lc).toFixed(2)}×) + Azurite ${azurite.toFixed(2)} s (${((ac + azurite) / lc).toFixed(2)}× with it) | ` +
          `${r.tokens} token requests in ${REPEATS} Azure runs`,
      );
    }
  }
} finally {
  await bench.stop();
}
