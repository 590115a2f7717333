// Lazy loading: a step that inherits a 1 GiB artifact and never reads it, against the
// same step inheriting no such artifact. Both runs are made once; then the step's task
// is executed again and again through `weft step` (the per-task entrypoint) against
// each run, alternating, and the medians compared. Target: ≤ 1.05×.
// Usage: node bench/lazy-artifacts.mjs [sizeMiB]   (default 1024)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, run, tempDir, timed, weftBin } from "./lib.mjs";

const FLOW = `import { FlowSpec, step } from "weft";
import { randomFillSync } from "node:crypto";
export default class LazyBenchFlow extends FlowSpec {
  payload!: Buffer;
  small!: number;
  result!: number;
  @step start() {
    const mib = Number(process.env.PAYLOAD_MIB ?? 0);
    if (mib > 0) this.payload = randomFillSync(Buffer.allocUnsafe(mib * 1024 * 1024));
    this.small = 41;
    this.next(this.touch);
  }
  @step touch() { this.result = this.small + 1; this.next(this.end); }
  @step end() {}
}
`;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);

export async function lazyArtifacts(sizeMiB = 1024) {
  const dir = tempDir("weft-lazy-");
  const flow = join(dir, "lazy.ts");
  writeFileSync(flow, FLOW);
  const env = { ...process.env, WEFT_HOME: join(dir, ".weft") };
  await run(process.execPath, [weftBin, "run", flow], { cwd: dir, env: { ...env, PAYLOAD_MIB: String(sizeMiB) } });
  await run(process.execPath, [weftBin, "run", flow], { cwd: dir, env: { ...env, PAYLOAD_MIB: "0" } });
  const step = (runId, task) =>
    run(process.execPath, [weftBin, "step", "--flow", "LazyBenchFlow", "--run", runId, "--step", "touch", "--task", String(task), "--inputs", "start/1", "--datastore", "local", "--datastore-root", join(dir, ".weft", "datastore"), "--metadata", "local"], { cwd: dir, env });
  const withBig = [];
  const without = [];
  for (let i = 0; i < REPEATS; i++) {
    withBig.push(await timed(() => step("1", 100 + i)));
    without.push(await timed(() => step("2", 100 + i)));
  }
  const a = median(withBig);
  const b = median(without);
  console.log(`lazy-artifacts: step inheriting an untouched ${sizeMiB} MiB artifact ${(a * 1000).toFixed(0)} ms | same step without it ${(b * 1000).toFixed(0)} ms | ratio ${(a / b).toFixed(3)}× (median of ${REPEATS})`);
  return { withBig: a, without: b, ratio: a / b };
}

if (import.meta.url === `file://${process.argv[1]}`) await lazyArtifacts(Number(process.argv[2] ?? 1024));
