import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { resolveConfig } from "../../src/config/resolve.ts";
import { ContentStore } from "../../src/datastore/content-store.ts";
import { LocalBackend } from "../../src/datastore/local/local-backend.ts";
import { TaskDatastore } from "../../src/datastore/task-datastore.ts";
import { Flow, namespace, useConfig } from "../../src/client/index.ts";
import { descendants, killHard } from "../helpers/processes.ts";
import { runWeft, tempProject, weftBin, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
import { createHash, randomBytes } from "node:crypto";
export default class CrashFlow extends FlowSpec {
  items!: number[];
  blob!: Buffer;
  digest!: string;
  digests!: string[];
  @step start() { this.items = Array.from({ length: 16 }, (_, i) => i); this.next(this.work, { foreach: "items" }); }
  @step async work() {
    this.blob = randomBytes(150_000 + (this.input as number) * 1000);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 250));
    this.digest = createHash("sha256").update(this.blob).digest("hex");
    this.next(this.join);
  }
  @step join(inputs: Inputs<CrashFlow>) {
    this.digests = [...inputs].map((i) => {
      if (createHash("sha256").update(i.blob).digest("hex") !== i.digest) throw new Error("blob does not match its digest");
      return i.digest;
    });
    this.next(this.end);
  }
  @step end() { console.log("verified", this.digests.length); }
}
`;

/** mulberry32: the seed is printed on failure so a run can be replayed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts `weft args…` and, after `delayMs`, SIGKILLs the runner with all its tasks, or
 * one running task (waiting for one to exist). Resolves to the runner's exit code.
 */
async function runAndKill(args: string[], cwd: string, delayMs: number, killWhole: boolean): Promise<number | null> {
  const child = spawn(process.execPath, [weftBin, ...args], { cwd, env: { ...process.env, WEFT_HOME: join(cwd, ".weft"), USER: "tester" }, stdio: "ignore" });
  let exited = false;
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => ((exited = true), resolve(code))));
  await new Promise((r) => setTimeout(r, delayMs));
  while (!exited) {
    const tasks = descendants(child.pid!).filter((pid) => pid !== child.pid);
    if (killWhole) {
      killHard(child.pid!);
      tasks.forEach(killHard);
      break;
    }
    if (tasks.length) {
      killHard(tasks[Math.floor(tasks.length / 2)]!);
      break;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  const code = await done;
  // Tasks orphaned by a killed runner must not outlive the test.
  for (const pid of descendants(child.pid!)) killHard(pid);
  return code;
}

/** As `weft resume` decides: the newest run that wrote its run spec, unless it succeeded. */
function hasResumableRun(dir: string): boolean {
  const flowDir = join(dir, ".weft", "datastore", "CrashFlow");
  if (!existsSync(flowDir)) return false;
  const runs = readdirSync(flowDir).filter((r) => /^\d+$/.test(r)).sort((a, b) => Number(b) - Number(a));
  const newest = runs.map((r) => join(flowDir, r)).find((run) => existsSync(join(run, "_run.json")));
  if (!newest) return false;
  const state = join(newest, "_meta", "state.json");
  return !existsSync(state) || JSON.parse(readFileSync(state, "utf8")).status !== "succeeded";
}

/** Every task with a done marker has every artifact present and matching its hash. */
async function verifyDatastore(root: string): Promise<number> {
  const backend = new LocalBackend(root);
  const content = new ContentStore(backend, "CrashFlow/data");
  let checked = 0;
  const flowDir = join(root, "CrashFlow");
  if (!existsSync(flowDir)) return 0;
  for (const run of readdirSync(flowDir).filter((r) => /^\d+$/.test(r))) {
    for (const step of readdirSync(join(flowDir, run)).filter((s) => !s.startsWith("_"))) {
      for (const task of readdirSync(join(flowDir, run, step))) {
        const store = new TaskDatastore(backend, content, { flow: "CrashFlow", run, step, task });
        const attempt = await store.doneAttempt();
        if (attempt === undefined) continue;
        const reader = await store.readDone();
        for (const name of Object.keys(reader.data.artifacts)) {
          reader.loadSync(name);
          checked++;
        }
      }
    }
  }
  return checked;
}

test("SIGKILL at random moments never leaves a task that reads as done with missing or corrupt artifacts; resume finishes the run", { timeout: 240_000 }, async () => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  const random = rng(seed);
  const dir = tempProject("weft-crash-");
  const file = writeFlow(dir, "crash.ts", FLOW);
  const kills: string[] = [];
  let lastSucceeded = true;
  let interrupted = 0;
  for (let round = 0; round < 8; round++) {
    // After a success, or when every run so far was killed before writing its run spec,
    // there is nothing to resume: start a fresh run to interrupt.
    const resumable = !lastSucceeded && hasResumableRun(dir);
    const args = resumable ? ["resume", file, "--max-workers", "3"] : ["run", file, "--max-workers", "3"];
    const delay = Math.floor(100 + random() * 1400);
    const whole = random() < 0.6;
    const code = await runAndKill(args, dir, delay, whole);
    kills.push(`${args[0]}: ${whole ? "runner and tasks" : "one task"} killed after ${delay} ms → exit ${code}`);
    if (code !== 0) interrupted++;
    await verifyDatastore(join(dir, ".weft", "datastore"));
    lastSucceeded = code === 0;
  }
  const history = `seed ${seed}:\n  ${kills.join("\n  ")}`;
  assert.ok(interrupted >= 5, `only ${interrupted} of 8 rounds were interrupted; ${history}`);
  if (!lastSucceeded) {
    const resumable = hasResumableRun(dir);
    const final = await runWeft([resumable ? "resume" : "run", file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(final.code, 0, `${history}\n${final.stderr}`);
  }
  const checked = await verifyDatastore(join(dir, ".weft", "datastore"));
  assert.ok(checked > 30, `${history}: verified ${checked} artifacts`);

  useConfig(resolveConfig({ env: { ...process.env, WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir }));
  namespace(null);
  const run = await (await Flow.get("CrashFlow")).latestSuccessfulRun();
  assert.ok(run, `seed ${seed}: a successful run exists`);
  const digests = (await run.data("digests")) as string[];
  assert.equal(digests.length, 16);
  const tasks = await run.step("work").tasks().toArray();
  assert.equal(tasks.length, 16);
  for (const t of tasks) assert.equal(await t.data("digest"), digests[t.foreachStack.at(-1)!.index]);
  // Every runner is gone: no run may read as running, and one that reads as
  // successful has its result.
  for (const r of await (await Flow.get("CrashFlow")).runs().toArray()) {
    assert.ok(r.finished, `${history}: run ${r.id} reads as running though its runner is gone`);
    if (r.successful) assert.equal(((await r.data("digests")) as string[]).length, 16, `${history}: run ${r.id}`);
  }
});
