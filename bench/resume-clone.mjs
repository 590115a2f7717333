// Resume and listing at scale: a foreach of N (default 1000) trivial tasks whose end
// step fails; then `weft resume` reuses the N + 2 finished tasks and runs end again.
// Reports the time spent cloning (target < 2 s for 1,000) beside the fresh run, and
// the time to list the N tasks of the step through the client (target < 1 s).
// Usage: node bench/resume-clone.mjs [N]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, run, tempDir, timed, weftBin } from "./lib.mjs";

const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
export default class CloneBenchFlow extends FlowSpec {
  items!: number[];
  doubled!: number;
  @step start() { this.items = Array.from({ length: Number(process.env.FAN_OUT) }, (_, i) => i); this.next(this.work, { foreach: "items" }); }
  @step work() { this.doubled = (this.input as number) * 2; this.next(this.join); }
  @step join(inputs: Inputs<CloneBenchFlow>) { this.next(this.end); }
  @step end() { if (process.env.FAIL_END === "1") throw new Error("failing on purpose"); }
}
`;

// A plain Node script, as a user's report script would be: the built client, no TypeScript.
const LIST = `
import { Run, namespace } from "${repoRoot}dist/client.js";
namespace(null);
const start = performance.now();
const tasks = await (await Run.get("CloneBenchFlow/1")).step("work").tasks().toArray();
console.log(JSON.stringify({ count: tasks.length, seconds: (performance.now() - start) / 1000, successful: tasks.every((t) => t.successful) }));
`;

export async function resumeClone(n = 1000) {
  const dir = tempDir("weft-clone-");
  const flow = join(dir, "clone.ts");
  writeFileSync(flow, FLOW);
  writeFileSync(join(dir, "list.mjs"), LIST);
  const env = { ...process.env, WEFT_HOME: join(dir, ".weft"), FAN_OUT: String(n) };
  const runArgs = [weftBin, "run", flow, "--max-workers", "4", "--max-num-splits", String(n)];
  let freshOutput = "";
  const fresh = await timed(() => run(process.execPath, runArgs, { cwd: dir, env: { ...env, FAIL_END: "1" } }).catch((error) => (freshOutput = error.message)));
  // The fresh run must fail exactly at end, with every other task finished.
  if (!/CloneBenchFlow\/1\/end\/\d+ failed/.test(freshOutput)) throw new Error(`the fresh run did not fail at end:\n${freshOutput.slice(-3000)}`);
  let output = "";
  const resumed = await timed(async () => (output = await run(process.execPath, [weftBin, "resume", flow], { cwd: dir, env })));
  const cloned = /Reused (\d+) finished tasks of run 1 in ([\d.]+) s/.exec(output);
  if (!cloned) throw new Error(`resume did not report its clones:\n${output.slice(-2000)}`);
  const clone = Number(cloned[2]);
  console.log(`resume-clone N=${n}: fresh run ${fresh.toFixed(1)} s | resume reused ${cloned[1]} tasks in ${clone.toFixed(2)} s (${((clone / fresh) * 100).toFixed(1)}% of the fresh run), whole resume ${resumed.toFixed(2)} s`);
  const listed = JSON.parse((await run(process.execPath, [join(dir, "list.mjs")], { cwd: dir, env })).trim().split("\n").pop());
  console.log(`client-listing N=${n}: run.step("work").tasks() listed ${listed.count} tasks in ${listed.seconds.toFixed(2)} s (all successful: ${listed.successful})`);
  return { fresh, clone, resumed, list: listed.seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) await resumeClone(Number(process.argv[2] ?? 1000));
