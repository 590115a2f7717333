// Process-per-task overhead: a flow whose foreach fans out to N trivial tasks, run with
// --max-workers 4, against N bare `node -e 0` spawns four at a time, in the same run.
// Usage: node bench/task-overhead.mjs [N ...]   (default: 100 500)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, pool, run, tempDir, timed, weftBin } from "./lib.mjs";

const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
export default class FanOutFlow extends FlowSpec {
  items!: number[];
  @step start() { this.items = Array.from({ length: Number(process.env.FAN_OUT) }, (_, i) => i); this.next(this.work, { foreach: "items" }); }
  @step work() { this.next(this.join); }
  @step join(inputs: Inputs<FanOutFlow>) { this.next(this.end); }
  @step end() {}
}
`;
const WORKERS = 4;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

async function bareSpawns(n) {
  return timed(() => pool(n, WORKERS, () => run(process.execPath, ["-e", "0"])));
}

async function weftRun(n, dir, flow) {
  return timed(() => run(process.execPath, [weftBin, "run", flow, "--max-workers", String(WORKERS), "--max-num-splits", String(n)], { cwd: dir, env: { ...process.env, FAN_OUT: String(n), WEFT_HOME: join(dir, ".weft") } }));
}

export async function taskOverhead(sizes = [100, 500]) {
  const dir = tempDir();
  const flow = join(dir, "fanout.ts");
  writeFileSync(flow, FLOW);
  const results = [];
  for (const n of sizes) {
    const base = [];
    const weft = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < REPEATS; i++) {
      base.push(await bareSpawns(n));
      weft.push(await weftRun(n, dir, flow));
    }
    const b = median(base);
    const w = median(weft);
    results.push({ n, base: b, weft: w, ratio: w / b });
    console.log(`task-overhead N=${n}: ${n} × node -e 0 (4 at a time) ${b.toFixed(2)} s | weft foreach of ${n} tasks (--max-workers 4, ${n + 3} tasks in all) ${w.toFixed(2)} s | ratio ${(w / b).toFixed(2)}× (median of ${REPEATS})`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  await taskOverhead(sizes.length ? sizes : undefined);
}
