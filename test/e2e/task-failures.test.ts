// Issue 11: secrets in output that is written oddly, and failures of the step's code
// that escape its `await`. Each case runs one flow through `weft run` and checks the
// terminal, the saved logs and the attempt's record.
import assert from "node:assert/strict";
import { readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findSecretValues } from "../helpers/secret-scan.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const SECRET = "hunter2-s3cret";
const FLOW = `import { FlowSpec, step, secrets } from "weft";
import { write, writeSync } from "node:fs";
export default class FailFlow extends FlowSpec {
  @secrets({ sources: ["env.API_TOKEN"] })
  @step start() {
    const token = process.env.API_TOKEN!;
    switch (process.env.MODE) {
      case "pieces": process.stdout.write("token: " + token.slice(0, 4)); process.stdout.write(token.slice(4) + "\\n"); process.stderr.write(token.slice(0, 9)); break;
      case "lines": for (const line of token.split("\\n")) console.log(line); break;
      case "fd": writeSync(1, "fd1 " + token + "\\n"); writeSync(2, Buffer.from("fd2 " + token + "\\n")); write(1, "async " + token + "\\n", () => {}); break;
      case "timer": setTimeout(() => { throw new Error("timer failed with " + token); }, 0); return new Promise(() => {});
      case "rejection": void Promise.reject(new Error("rejected with " + token)); break;
      case "exit": process.exit(7);
      case "really-exit": (process as unknown as { reallyExit(code: number): never }).reallyExit(9);
      case "null-proto": throw Object.create(null);
      case "big": { const line = "x".repeat(99) + "\\n"; for (let i = 0; i < 30000; i++) process.stdout.write(line); console.log("LAST STDOUT LINE"); throw new Error("the tail error"); }
    }
    this.next(this.end);
  }
  @step end() {}
}
`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The saved stdout and stderr of start's attempt 0. */
  logs: string;
  /** start's attempt 0 end record, or undefined when there is none. */
  end: { ok?: boolean; exception?: { type: string; message: string } } | undefined;
  dir: string;
}

async function runMode(mode: string, token = SECRET): Promise<Outcome> {
  const dir = tempProject();
  const result = await runWeft(["run", writeFlow(dir, "fail.ts", FLOW)], { cwd: dir, env: { MODE: mode, API_TOKEN: token } });
  const task = join(dir, ".weft", "datastore", "FailFlow", "1", "start", "0");
  const read = (path: string) => {
    try {
      return readFileSync(join(task, path), "utf8");
    } catch {
      return undefined;
    }
  };
  const end = read("_meta/0.end.json");
  return { ...result, logs: `${read("0.stdout") ?? ""}${read("0.stderr") ?? ""}`, end: end === undefined ? undefined : JSON.parse(end), dir };
}

function assertMasked(outcome: Outcome, values: string[]): void {
  for (const value of values) {
    assert.ok(!outcome.stdout.includes(value) && !outcome.stderr.includes(value), `"${value}" reached the terminal:\n${outcome.stdout}\n${outcome.stderr}`);
  }
  assert.deepEqual(findSecretValues(join(outcome.dir, ".weft"), values), [], "no secret value in the datastore or metadata");
}

test("a secret written in pieces is masked on the terminal and in the saved log, and a held-back prefix is written at the end", async () => {
  const outcome = await runMode("pieces");
  assert.equal(outcome.code, 0, outcome.stderr);
  assertMasked(outcome, [SECRET, SECRET.slice(4)]);
  assert.match(outcome.stdout, /token: \*\*\*\*/);
  assert.match(outcome.logs, /token: \*\*\*\*\n/);
  assert.match(outcome.logs, new RegExp(`${SECRET.slice(0, 9)}$`), "a prefix never completed is not a secret: written at close");
});

test("a multi-line secret printed line by line is masked whole", async () => {
  const token = "line-one-of-key\nline-two-of-key";
  const outcome = await runMode("lines", token);
  assert.equal(outcome.code, 0, outcome.stderr);
  assertMasked(outcome, [token, "line-one-of-key", "line-two-of-key"]);
  assert.match(outcome.logs, /\*\*\*\*/);
});

test("writes to fd 1 and 2 with fs.writeSync and fs.write are masked and saved", async () => {
  const outcome = await runMode("fd");
  assert.equal(outcome.code, 0, outcome.stderr);
  assertMasked(outcome, [SECRET]);
  for (const line of ["fd1 ****", "fd2 ****", "async ****"]) {
    assert.match(outcome.stdout + outcome.stderr, new RegExp(line.replace(/\*/g, "\\*")));
    assert.match(outcome.logs, new RegExp(line.replace(/\*/g, "\\*")));
  }
});

test("an exception thrown in a timer is masked, saved and recorded as the step's failure (exit code 1)", async () => {
  const outcome = await runMode("timer");
  assert.equal(outcome.code, 1);
  assertMasked(outcome, [SECRET]);
  assert.match(outcome.stdout + outcome.stderr, /exit code 1: the step raised an exception/);
  assert.match(outcome.logs, /Error: timer failed with \*\*\*\*/);
  assert.equal(outcome.end?.ok, false);
  assert.equal(outcome.end?.exception?.message, "timer failed with ****");
});

test("an unhandled rejection fails the attempt even when the step returned: masked, saved, recorded", async () => {
  const outcome = await runMode("rejection");
  assert.equal(outcome.code, 1);
  assertMasked(outcome, [SECRET]);
  assert.match(outcome.logs, /Error: rejected with \*\*\*\*/);
  assert.equal(outcome.end?.ok, false);
  assert.equal(outcome.end?.exception?.message, "rejected with ****");
});

test("process.exit in a step before its result is saved is recorded as a failure saying so", async () => {
  const outcome = await runMode("exit");
  assert.equal(outcome.code, 1);
  assert.match(outcome.stdout + outcome.stderr, /exit code 1: the step raised an exception/);
  assert.equal(outcome.end?.ok, false);
  assert.match(outcome.end?.exception?.message ?? "", /The step called process\.exit\(7\) before its result was saved/);
});

test("throwing a null-prototype object is recorded as the step's failure", async () => {
  const outcome = await runMode("null-proto");
  assert.equal(outcome.code, 1);
  assert.match(outcome.stdout + outcome.stderr, /exit code 1: the step raised an exception/);
  assert.match(outcome.logs, /a non-Error value was thrown: object \{\}/);
  assert.deepEqual(outcome.end?.exception, { type: "object", message: "object {}" });
});

test("the live output of a task keeps its tail past 1 MB, including the step's own error", async () => {
  const outcome = await runMode("big");
  assert.equal(outcome.code, 1);
  assert.match(outcome.stdout, /\[FailFlow\/1\/start\/0\] LAST STDOUT LINE/);
  assert.match(outcome.stdout + outcome.stderr, /Error: the tail error/);
  rmSync(outcome.dir, { recursive: true, force: true });
});

test("a task that exits around Weft (process.reallyExit) is still recorded as ended, by the runner", async () => {
  const outcome = await runMode("really-exit");
  assert.equal(outcome.code, 1);
  assert.equal(outcome.end?.ok, false);
  assert.equal(outcome.end?.exception?.type, "ExitedUnrecorded");
  assert.match(outcome.end?.exception?.message ?? "", /exit code 9, without recording why/);
});

test("a task with an attempt but no task record or end (an older runner killed after launching it) reads as unfinished; listings still work", async () => {
  const outcome = await runMode("none");
  assert.equal(outcome.code, 0, outcome.stderr);
  const end = join(outcome.dir, ".weft", "datastore", "FailFlow", "1", "end", "0");
  for (const file of ["_meta/0.end.json", "0.done.json"]) unlinkSync(join(end, file));
  // The task's record rides in its first attempt's start; older versions wrote it on its own, or not yet.
  const { task: _registered, ...start } = JSON.parse(readFileSync(join(end, "_meta/0.start.json"), "utf8")) as { task?: unknown };
  writeFileSync(join(end, "_meta/0.start.json"), JSON.stringify(start));
  const cli = (...args: string[]) => runWeft(args, { cwd: outcome.dir });
  const tasks = await cli("list", "tasks", "FailFlow/1", "--json");
  assert.equal(tasks.code, 0, tasks.stderr);
  const listed = JSON.parse(tasks.stdout) as { pathspec: string }[];
  assert.deepEqual(listed.map((t) => t.pathspec), ["FailFlow/1/start/0", "FailFlow/1/end/0"]);
  const dump = await cli("dump", "FailFlow/1");
  assert.equal(dump.code, 0, dump.stderr);
  assert.match(dump.stdout, /FailFlow\/1\/end\/0\n {2}\(no artifacts: the task has not finished successfully\)/);
  const logs = await cli("logs", "FailFlow/1/end");
  assert.equal(logs.code, 0, logs.stderr);
  // Its runner recorded its start: it started, and printed nothing.
  assert.equal(logs.stdout, "");
  assert.doesNotMatch(logs.stderr, /never started/);
});

test("a task that aborts keeps the output it printed: weft logs shows it, once", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "abort.ts", `import { FlowSpec, step } from "weft";
export default class AbortFlow extends FlowSpec {
  @step start() {
    console.log("before the crash");
    console.error("on stderr too");
    process.abort();
    this.next(this.end);
  }
  @step end() {}
}
`);
  const run = await runWeft(["run", file], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /killed by SIGABRT/);
  const logs = await runWeft(["logs", "AbortFlow/1/start"], { cwd: dir });
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal([...logs.stdout.matchAll(/before the crash/g)].length, 1, logs.stdout);
  assert.equal([...logs.stderr.matchAll(/on stderr too/g)].length, 1, logs.stderr);
});
