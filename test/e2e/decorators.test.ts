import assert from "node:assert/strict";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const flaky = (decorator: string) => `import { FlowSpec, step, current, retry, catchError } from "weft";
export default class FlakyFlow extends FlowSpec {
  attempts!: number;
  ${decorator}
  @step start() {
    console.log("attempt", current.retryCount, "pid", process.pid);
    if (current.retryCount < 2) throw new Error("flaky failure " + current.retryCount);
    this.attempts = current.retryCount + 1;
    this.next(this.end);
  }
  @step end() { console.log("succeeded after", this.attempts, "attempts"); }
}
`;

test("@retry runs a failed step again in a fresh process, each attempt with its own logs", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "flaky.ts", flaky("@retry({ times: 2 })"));
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /succeeded after 3 attempts/);
  const pids = [...result.stdout.matchAll(/attempt (\d) pid (\d+)/g)].map((m) => m[2]);
  assert.equal(new Set(pids).size, 3, "three processes");
  assert.match(result.stderr, /retrying \(attempt 2 of 3\)/);
  const logs = await runWeft(["logs", "FlakyFlow/1/start/0", "--all-attempts"], { cwd: dir });
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /attempt 0\) ──\nattempt 0 pid/);
  assert.match(logs.stdout, /attempt 2\) ──\nattempt 2 pid/);
  assert.match(logs.stderr, /flaky failure 0/);
  const latest = await runWeft(["logs", "FlakyFlow/1/start/0", "--stream", "stdout"], { cwd: dir });
  assert.match(latest.stdout, /^attempt 2 pid \d+\n$/);
});

test("after an attempt that left a done marker and was then killed, the next step reads the retry's artifacts", async () => {
  // Attempt 0 finishes (its done marker is written) and is killed on its way out, so the
  // runner retries it: the successor must read attempt 1, the highest, not attempt 0.
  const dir = tempProject();
  const file = writeFlow(dir, "killed.ts", `import { FlowSpec, step, current, retry } from "weft";
export default class KilledFlow extends FlowSpec {
  attempt!: number;
  @retry({ times: 1 })
  @step start() {
    this.attempt = current.retryCount;
    if (current.retryCount === 0) process.once("exit", () => process.kill(process.pid, "SIGKILL"));
    this.next(this.end);
  }
  @step end() { console.log("read attempt", this.attempt); }
}
`);
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /killed by SIGKILL; retrying/);
  assert.match(result.stdout, /read attempt 1/);
});

test("without enough retries the run fails and says how to resume", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "flaky.ts", flaky("@retry({ times: 1 })"));
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Error: flaky failure 1\n\[FlakyFlow\/1\/start\/0\]\s+at FlakyFlow\.start \(.*flaky\.ts:7:\d+\)/, "the stack names the user's file and line");
  assert.doesNotMatch(result.stderr, /task-main\.js|dist\/chunks/, "no frames of Weft itself");
  assert.match(result.stderr, /Run FlakyFlow\/1 failed: Task FlakyFlow\/1\/start\/0 failed \(exit code 1: the step raised an exception\)/);
});

test("--with retry:times=2 adds the decorator to every step from the command line", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "flaky.ts", flaky(""));
  const result = await runWeft(["run", file, "--with", "retry:times=2"], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /succeeded after 3 attempts/);
});

test("--with an unknown decorator or option is refused before the run starts", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "flaky.ts", flaky(""));
  const unknown = await runWeft(["run", file, "--with", "retyr"], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown decorator "retyr".*\n.*Known step decorators: retry, catchError/);
  const badOption = await runWeft(["run", file, "--with", "retry:tims=3"], { cwd: dir });
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /@retry/);
  assert.match(badOption.stderr, /tims/);
});

test("@catchError stores the error in an artifact and the flow continues", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "catch.ts",
    `import { FlowSpec, step, catchError, retry } from "weft";
export default class CatchFlow extends FlowSpec {
  failure!: { type: string; message: string } | undefined;
  before!: string;
  partial!: string;
  @step start() { this.before = "kept"; this.next(this.risky); }
  @catchError({ var: "failure" }) @retry({ times: 1 })
  @step risky() { this.partial = "assigned"; throw new TypeError("model diverged"); this.next(this.end); }
  @step end() { console.log("caught", this.failure?.type, this.failure?.message, this.before, this.partial); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /caught TypeError model diverged kept assigned/);
  assert.match(result.stderr, /@catchError caught in step risky/);
  assert.equal([...result.stderr.matchAll(/CatchFlow\/1\/risky\/0\] task started/g)].length + [...result.stderr.matchAll(/retrying/g)].length >= 2, true);
});

test("@catchError keeps the artifacts the step set before it threw, with their last values, and not those after", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "partial.ts",
    `import { FlowSpec, step, catchError } from "weft";
export default class PartialFlow extends FlowSpec {
  failure!: { message: string } | undefined;
  a!: string;
  b!: string;
  counter!: number;
  inherited!: string;
  @step start() { this.inherited = "from start"; this.counter = 0; this.next(this.risky); }
  @catchError({ var: "failure" })
  @step risky() {
    this.a = "set before";
    this.counter = 1;
    this.counter = 2;
    this.inherited = "changed before";
    if (this.a) throw new Error("halfway");
    this.b = "set after";
    this.counter = 3;
    this.next(this.end);
  }
  @step end() { console.log("seen", JSON.stringify([this.a, this.b ?? null, this.counter, this.inherited, this.failure?.message])); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /seen \["set before",null,2,"changed before","halfway"\]/);
});

test("@timeout kills an attempt that runs too long and counts it as a failure", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "slow.ts",
    `import { FlowSpec, step, timeout } from "weft";
export default class SlowFlow extends FlowSpec {
  @timeout({ seconds: 1 })
  @step start() { const until = Date.now() + 60_000; while (Date.now() < until) {} this.next(this.end); }
  @step end() {}
}
`,
  );
  const started = Date.now();
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.ok(Date.now() - started < 20_000, "killed well before the step would end");
  assert.match(result.stderr, /SlowFlow\/1\/start\/0\] task failed: timed out/);
});

test("@environment sets variables in the step's process only", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "env.ts",
    `import { FlowSpec, step, environment } from "weft";
export default class EnvFlow extends FlowSpec {
  @environment({ vars: { MODEL_MODE: "fast" } })
  @step start() { console.log("start sees", process.env.MODEL_MODE); this.next(this.end); }
  @step end() { console.log("end sees", process.env.MODEL_MODE ?? "nothing"); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /start sees fast/);
  assert.match(result.stdout, /end sees nothing/);
});

test("@resources options are validated and recorded with the attempt", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "res.ts",
    `import { FlowSpec, step, resources } from "weft";
export default class ResFlow extends FlowSpec {
  @resources({ cpu: 2, memory: 4096 })
  @step start() { this.next(this.end); }
  @step end() {}
}
`,
  );
  const ok = await runWeft(["run", file], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const attempt = JSON.parse(readFileSync(join(dir, ".weft", "datastore", "ResFlow", "1", "start", "0", "_meta", "0.start.json"), "utf8"));
  assert.deepEqual(attempt.info.decorators.resources, { cpu: 2, memory: 4096 });
  const bad = writeFlow(dir, "bad.ts", `import { FlowSpec, step, resources } from "weft";
export default class BadRes extends FlowSpec {
  @resources({ cpu: -1 })
  @step start() { this.next(this.end); }
  @step end() {}
}
`);
  const refused = await runWeft(["run", bad], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Invalid option "cpu" of @resources on step "start"/);
});

const lostAttemptFlow = (name: string, body: string, decorators: string) => `import { FlowSpec, step, catchError, timeout, retry } from "weft";
export default class ${name} extends FlowSpec {
  failure!: { type: string; message: string } | undefined;
  before!: string;
  @step start() { this.before = "kept"; this.next(this.risky); }
  ${decorators}
  @step risky() { console.log("risky ran"); ${body} this.next(this.end); }
  @step end() { console.log("caught", this.failure?.type, "|", this.failure?.message, "|", this.before); }
}
`;

test("@catchError catches an attempt that timed out: a fallback attempt stores the error and the flow goes on", async () => {
  const dir = tempProject();
  // 5 s: the body must have started (and printed) before the deadline, on a loaded machine too.
  const file = writeFlow(dir, "timeout.ts", lostAttemptFlow("TimeoutCatchFlow", "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);", '@catchError({ var: "failure" }) @timeout({ seconds: 5 })'));
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /caught Timeout \| Task TimeoutCatchFlow\/1\/risky\/0 timed out\. \| kept/);
  assert.equal([...result.stdout.matchAll(/risky ran/g)].length, 1, "the fallback attempt does not run the step");
  const dump = await runWeft(["dump", "TimeoutCatchFlow/1/risky/0", "--artifact", "failure"], { cwd: dir });
  assert.match(dump.stdout, /Timeout/);
});

test("@catchError catches an attempt killed by SIGKILL once its retries are used up", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "killed.ts", lostAttemptFlow("KilledCatchFlow", 'process.kill(process.pid, "SIGKILL");', '@catchError({ var: "failure" }) @retry({ times: 1 })'));
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal([...result.stdout.matchAll(/risky ran/g)].length, 2, "the retry runs the step, the fallback does not");
  assert.match(result.stdout, /caught Killed \| Task KilledCatchFlow\/1\/risky\/0 killed by SIGKILL\. \| kept/);
});
