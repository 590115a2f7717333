// Process-per-task overhead: a flow whose foreach fans out to N trivial tasks, run with
// --max-workers 4, against N bare `node -e 0` spawns four at a time, in the same run.
// Usage: node bench/task-overhead.mjs [N ...]   (default: 100 500)
import { fanOutProject, median, pool, run, timed } from "./lib.mjs";

const WORKERS = 4;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

async function bareSpawns(n) {
  return timed(() => pool(n, WORKERS, () => run(process.execPath, ["-e", "0"])));
}

export async function taskOverhead(sizes = [100, 500]) {
  const project = fanOutProject(WORKERS);
  const results = [];
  for (const n of sizes) {
    const base = [];
    const weft = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < REPEATS; i++) {
      base.push(await bareSpawns(n));
      weft.push(await project.runSeconds(n));
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
