// Artifacts through the CLI on the Azure datastore (Azurite over HTTPS, a workload-identity
// token) against the local datastore, interleaved in one run: a flow whose start step
// saves 100 × 1 MiB of random bytes (a hundred fields) and whose next step reads them
// all, and the same with one 256 MiB artifact. Wall time and peak RSS of each `weft run`
// (the largest of its processes, by /usr/bin/time). With BENCH_BASELINE=<another
// checkout, built>, that build's runs are interleaved too. Must run inside a
// loopback-only network namespace (bench/azure-artifacts.mjs).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, runMeasured, tempDir, weftBin, type Measured } from "../lib.mjs";
import { startAzureBench } from "./azure-env.ts";

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const builds = [{ name: "this build", bin: weftBin }, ...(process.env.BENCH_BASELINE ? [{ name: `baseline ${process.env.BENCH_BASELINE}`, bin: join(process.env.BENCH_BASELINE, "bin", "weft.mjs") }] : [])];

/** A flow saving `count` artifacts of `mib` MiB of random bytes in start, each read in the next step. */
function artifactFlow(count: number, mib: number): string {
  const names = Array.from({ length: count }, (_, i) => `a${i}`);
  return `import { randomFillSync } from "node:crypto";
import { FlowSpec, step } from "weft";
export default class ArtifactsFlow extends FlowSpec {
${names.map((n) => `  ${n}!: Buffer;`).join("\n")}
  @step start() {
${names.map((n) => `    this.${n} = randomFillSync(Buffer.allocUnsafe(${mib * 1024 * 1024}));`).join("\n")}
    this.next(this.read);
  }
  @step read() {
    let first = 0;
${names.map((n) => `    first += this.${n}[0]!;`).join("\n")}
    console.log(first);
    this.next(this.end);
  }
  @step end() {}
}
`;
}

/** Wall and CPU seconds, and peak RSS (the largest process), of one `weft run`. */
function timedRun(bin: string, flow: string, env: Record<string, string | undefined>): Promise<Measured> {
  return runMeasured(process.execPath, [bin, "run", flow], { env: { ...process.env, ...env } });
}

const bench = await startAzureBench();
try {
  for (const [count, mib] of [[100, 1], [1, 256]] as const) {
    const dir = tempDir();
    const flow = join(dir, "artifacts.ts");
    writeFileSync(flow, artifactFlow(count, mib));
    const results = builds.map((b) => ({ ...b, local: [] as Measured[], azure: [] as Measured[], azurite: [] as number[] }));
    for (let i = 0; i < REPEATS; i++) {
      for (const r of results) {
        const home = { WEFT_HOME: join(dir, `.weft-${results.indexOf(r)}`) };
        r.local.push(await timedRun(r.bin, flow, { ...bench.localEnv, ...home }));
        const cpu = bench.azuriteCpuSeconds();
        r.azure.push(await timedRun(r.bin, flow, { ...bench.azureEnv, ...home }));
        r.azurite.push(bench.azuriteCpuSeconds() - cpu);
      }
    }
    for (const r of results) {
      const [ls, as] = [median(r.local.map((x) => x.seconds)), median(r.azure.map((x) => x.seconds))];
      const [lr, ar] = [median(r.local.map((x) => x.maxRssMiB)), median(r.azure.map((x) => x.maxRssMiB))];
      const [lc, ac, azurite] = [median(r.local.map((x) => x.cpuSeconds)), median(r.azure.map((x) => x.cpuSeconds)), median(r.azurite)];
      console.log(
        `azure-artifacts ${count} × ${mib} MiB, ${r.name}: local ${ls.toFixed(2)} s, peak RSS ${lr.toFixed(0)} MiB | azure ${as.toFixed(2)} s (${(as / ls).toFixed(2)}×), peak RSS ${ar.toFixed(0)} MiB (${(ar / lr).toFixed(2)}×) | ` +
          `CPU local ${lc.toFixed(2)} s, azure ${ac.toFixed(2)} s (${(ac / lc).toFixed(2)}×) + Azurite ${azurite.toFixed(2)} s ` +
          `(medians of ${REPEATS}; runs local ${r.local.map((x) => x.seconds.toFixed(2)).join(", ")}; azure ${r.azure.map((x) => x.seconds.toFixed(2)).join(", ")})`,
      );
    }
  }
} finally {
  await bench.stop();
}
