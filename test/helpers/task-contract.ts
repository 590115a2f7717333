// What the task-contract tests share: the fixture flow, the shell script that plays the
// orchestrator, and a view of a run through the client API.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, weftBin, type CliResult } from "./weft-cli.ts";

export const CONTRACT_FLOW = join(repoRoot, "test", "fixtures", "task-contract", "contract-flow.ts");
const SCRIPT = join(repoRoot, "test", "fixtures", "task-contract", "run-tasks.sh");
const DESCRIBE = join(repoRoot, "test", "fixtures", "task-contract", "describe-run.mjs");
const CLIENT = pathToFileURL(join(repoRoot, "dist", "client.js")).href;

/**
 * Runs argv in `cwd` with exactly `env`, as `env -i` would; `input`, when given, is its
 * stdin. `fd3` is what it wrote to a pipe on file descriptor 3 (`--result-fd 3`).
 */
export function runClean(argv: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<CliResult & { fd3: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe", "pipe"] });
    child.stdin?.end(input);
    let stdout = "";
    let stderr = "";
    let fd3 = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as Readable).on("data", (d: Buffer) => (fd3 += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, fd3 }));
  });
}

export interface ScriptRun {
  run: string;
  datastore: string;
  datastoreRoot: string;
  metadata: string;
  /** Everything each task's environment holds (HOME is added: a fresh folder). */
  taskEnv: Record<string, string>;
}

/** Runs every task of a ContractFlow run through run-tasks.sh: `weft step` calls with `env -i`, no runner. */
export function runTasksScript(dir: string, options: ScriptRun): Promise<CliResult> {
  const envFile = join(dir, `${options.run}.env`);
  const vars = { HOME: mkdtempSync(join(dir, "task-home-")), ...options.taskEnv };
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n"));
  return runClean(["sh", SCRIPT], dir, {
    PATH: process.env.PATH,
    NODE: process.execPath,
    WEFT_BIN: weftBin,
    RUN: options.run,
    DATASTORE: options.datastore,
    DATASTORE_ROOT: options.datastoreRoot,
    METADATA: options.metadata,
    TASK_ENV: envFile,
  });
}

/** What the client API sees of a run (describe-run.mjs), run in `dir` with `env`. */
export async function describeRun(dir: string, pathspec: string, env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const result = await runClean([process.execPath, DESCRIBE, CLIENT, pathspec], dir, env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** The tasks of a ContractFlow run. */
export const CONTRACT_TASKS = ["a/0", "b/0", "body/0", "body/1", "body/2", "end/0", "join/0", "joinBranches/0", "start/0"];
