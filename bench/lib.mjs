// Shared helpers for benchmarks: timing, spawning, medians.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = new URL("..", import.meta.url).pathname;
export const weftBin = join(repoRoot, "bin", "weft.mjs");

export function tempDir(prefix = "weft-bench-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a command to completion; rejects on a non-zero exit with its output. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${output.slice(-6000)}`))));
  });
}

/**
 * Runs a command to completion under /usr/bin/time: its wall seconds, the CPU seconds
 * (user + system) of it and every descendant it waited for, and the peak RSS of the
 * largest of them. CPU time holds still on a loaded machine, where wall time does not.
 */
export async function runMeasured(command, args, options = {}) {
  const out = await run("/usr/bin/time", ["-f", "weft-bench-time %e %U %S %M", command, ...args], options);
  const m = /weft-bench-time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(out);
  if (!m) throw new Error(`no /usr/bin/time figures in the output of ${command}:\n${out.slice(-2000)}`);
  return { seconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), maxRssMiB: Number(m[4]) / 1024 };
}

/** Wall time of `fn` in seconds. */
export async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `count` jobs with at most `concurrency` at once. */
export async function pool(count, concurrency, job) {
  let next = 0;
  const worker = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const FAN_OUT_FLOW = `import { FlowSpec, step, type Inputs } from "weft";
export default class FanOutFlow extends FlowSpec {
  items!: number[];
  @step start() { this.items = Array.from({ length: Number(process.env.FAN_OUT) }, (_, i) => i); this.next(this.work, { foreach: "items" }); }
  @step work() { this.next(this.join); }
  @step join(inputs: Inputs<FanOutFlow>) { this.next(this.end); }
  @step end() {}
}
`;

/**
 * A temp project with a flow whose foreach fans out to N trivial tasks (N + 3 in all);
 * `runSeconds(n, env)` times one `weft run` of it with `workers` at once, by the Weft
 * whose bin/weft.mjs is `bin` (another checkout, to compare builds in one session).
 */
export function fanOutProject(workers = 4, bin = weftBin) {
  const dir = tempDir();
  const flow = join(dir, "fanout.ts");
  writeFileSync(flow, FAN_OUT_FLOW);
  const args = (n) => [bin, "run", flow, "--max-workers", String(workers), "--max-num-splits", String(n)];
  return {
    runSeconds: (n, env = {}) => timed(() => run(process.execPath, args(n), { cwd: dir, env: { ...process.env, FAN_OUT: String(n), WEFT_HOME: join(dir, ".weft"), ...env } })),
    /** One run's wall and CPU seconds and peak RSS (runMeasured). */
    runMeasured: (n, env = {}) => runMeasured(process.execPath, args(n), { cwd: dir, env: { ...process.env, FAN_OUT: String(n), WEFT_HOME: join(dir, ".weft"), ...env } }),
  };
}

/** `weft service ARGS` with WEFT_HOME=home; resolves once it listens, with its URL and a stop(). */
export async function startWeftService(args, home) {
  const child = spawn(process.execPath, [weftBin, "service", "--port", "0", ...args], { env: { ...process.env, WEFT_HOME: home }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`weft service exited ${code}: ${stderr}`)));
  });
  return { url, stop: () => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM"))) };
}
