// The N-task foreach on the Azure datastore (Azurite over HTTPS with --oauth basic, a
// workload-identity token from the local Entra server, as a pod on AKS authenticates)
// against the same flow on the local datastore, interleaved in one run. With
// BENCH_BASELINE=<another checkout, built>, that build's runs are interleaved too, so
// two builds are compared in the same session. Must run inside a loopback-only network
// namespace (bench/azure-task-overhead.mjs).
// Usage (inside the namespace): node --import tsx bench/cases/azure-task-overhead.ts [N ...]
import { join } from "node:path";
import { fanOutProject, median, weftBin } from "../lib.mjs";
import { startAzureBench } from "./azure-env.ts";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const sizes = process.argv.slice(2).map(Number);
const builds = [{ name: "this build", bin: weftBin }, ...(process.env.BENCH_BASELINE ? [{ name: `baseline ${process.env.BENCH_BASELINE}`, bin: join(process.env.BENCH_BASELINE, "bin", "weft.mjs") }] : [])];

const bench = await startAzureBench();
try {
  for (const n of sizes.length ? sizes : [100]) {
    const runs = builds.map((build) => ({ ...build, project: fanOutProject(WORKERS, build.bin), local: [] as number[], azure: [] as number[], tokens: 0, azuriteCpu: 0 }));
    for (let i = 0; i < REPEATS; i++) {
      for (const r of runs) {
        r.local.push(await r.project.runSeconds(n, bench.localEnv));
        const [tokens, cpu] = [bench.tokenRequests(), bench.azuriteCpuSeconds()];
        r.azure.push(await r.project.runSeconds(n, bench.azureEnv));
        r.tokens += bench.tokenRequests() - tokens;
        r.azuriteCpu += bench.azuriteCpuSeconds() - cpu;
      }
    }
    for (const r of runs) {
      const [l, a] = [median(r.local), median(r.azure)];
      const ratios = r.local.map((x, i) => (r.azure[i]! / x).toFixed(2)).join(", ");
      console.log(
        `azure-task-overhead N=${n}, ${r.name}: local ${l.toFixed(2)} s (${((l / (n + 3)) * 1000).toFixed(0)} ms/task) | azure ${a.toFixed(2)} s (${((a / (n + 3)) * 1000).toFixed(0)} ms/task) | ` +
          `ratio ${(a / l).toFixed(2)}× (--max-workers ${WORKERS}, ${n + 3} tasks, medians of ${REPEATS}; ratio of each pair ${ratios}; runs local ${r.local.map((x) => x.toFixed(2)).join(", ")}; azure ${r.azure.map((x) => x.toFixed(2)).join(", ")}; ` +
          `${r.tokens} token requests in ${REPEATS} Azure runs; Azurite used ${(r.azuriteCpu / REPEATS).toFixed(1)} s of CPU per Azure run)`,
      );
    }
  }
} finally {
  await bench.stop();
}
