// Runs every benchmark, or those named: `npm run bench [-- task-overhead]`.
// Each prints its figures as ratios against a baseline measured in the same run.
import { taskOverhead } from "./task-overhead.mjs";

const BENCHMARKS = { "task-overhead": () => taskOverhead() };

const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in BENCHMARKS)) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(", ")}`);
    process.exit(2);
  }
}
for (const name of chosen.length ? chosen : Object.keys(BENCHMARKS)) await BENCHMARKS[name]();
