import assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import { execFileSync, execSync, fork, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { installChildOutput } from "./child-output.ts";

const originalSpawnSync = childProcess.spawnSync;

/** What the patched functions forwarded, per stream of this process. */
function collector() {
  const got = { stdout: "", stderr: "" };
  const writers = { stdout: (c: Uint8Array | string) => void (got.stdout += c.toString()), stderr: (c: Uint8Array | string) => void (got.stderr += c.toString()) };
  return { got, writers };
}

describe("installChildOutput", () => {
  let got: { stdout: string; stderr: string };
  let uninstall: () => void;
  beforeEach(() => {
    const c = collector();
    got = c.got;
    uninstall = installChildOutput(c.writers);
  });
  afterEach(() => uninstall());

  it("forwards spawnSync output with stdio inherit, and returns null outputs as inherit does", () => {
    const result = spawnSync("sh", ["-c", "echo to-out; echo to-err >&2"], { stdio: "inherit" });
    assert.equal(result.status, 0);
    assert.deepEqual(got, { stdout: "to-out\n", stderr: "to-err\n" });
    assert.equal(result.stdout, null);
    assert.equal(result.stderr, null);
    assert.deepEqual(result.output, [null, null, null]);
  });

  it("is seen through ESM named imports and the namespace alike", () => {
    childProcess.spawnSync("sh", ["-c", "echo via-namespace"], { stdio: "inherit" });
    assert.equal(got.stdout, "via-namespace\n");
  });

  it("forwards entries 1, 2, process.stdout and process.stderr, and leaves other entries to the caller", () => {
    const result = spawnSync("sh", ["-c", "echo a; echo b >&2"], { stdio: ["ignore", process.stderr, "pipe"] });
    assert.equal(got.stderr, "a\n", "the child's stdout went to this process's stderr");
    assert.equal(result.stderr.toString(), "b\n", "a pipe the caller asked for is the caller's");
    spawnSync("sh", ["-c", "echo c; echo d >&2"], { stdio: [0, 2, 1] });
    assert.equal(got.stderr, "a\nc\n");
    assert.equal(got.stdout, "d\n");
  });

  it("forwards execSync's inherited stderr without putting it into the error message", () => {
    assert.equal(execSync("echo out; echo err >&2", { stdio: "inherit" }), null);
    assert.deepEqual(got, { stdout: "out\n", stderr: "err\n" });
    assert.throws(
      () => execSync("echo failing >&2; exit 3", { stdio: ["ignore", "pipe", "inherit"] }),
      (error: Error & { status?: number; stderr?: unknown }) => {
        assert.equal(error.status, 3);
        assert.equal(error.message.trim(), "Command failed: echo failing >&2; exit 3");
        assert.equal(error.stderr, null);
        return true;
      },
    );
    assert.equal(got.stderr, "err\nfailing\n");
  });

  it("leaves execSync's default stderr as Node handles it: written through process.stderr", () => {
    // Node pipes it and writes it with process.stderr.write itself, which LogCapture hooks.
    const write = process.stderr.write;
    let written = "";
    process.stderr.write = ((chunk: Uint8Array | string) => ((written += chunk.toString()), true)) as typeof write;
    try {
      assert.equal(execSync("echo result; echo note >&2").toString(), "result\n");
    } finally {
      process.stderr.write = write;
    }
    assert.equal(written, "note\n");
    assert.equal(got.stderr, "");
  });

  it("forwards execFileSync with stdio inherit, with arguments or without", () => {
    assert.equal(execFileSync("sh", ["-c", "echo with-args"], { stdio: "inherit" }), null);
    assert.equal(execFileSync("true", { stdio: "inherit" }), null);
    assert.equal(got.stdout, "with-args\n");
  });

  it("forwards a large sync output whole, with no maxBuffer limit", () => {
    const result = spawnSync("sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' 'y'; echo"], { stdio: "inherit", maxBuffer: 1024 });
    assert.equal(result.error, undefined);
    assert.equal(got.stdout.length, 3_000_001);
  });

  it("forwards async spawn output with stdio inherit as it arrives, with no stream left for the caller", async () => {
    const child = spawn("sh", ["-c", "echo async-out; echo async-err >&2"], { stdio: "inherit" });
    assert.equal(child.stdout, null);
    assert.equal(child.stderr, null);
    assert.deepEqual(child.stdio.slice(0, 3), [null, null, null]);
    await once(child, "close");
    assert.deepEqual(got, { stdout: "async-out\n", stderr: "async-err\n" });
  });

  it("forwards spawn called without arguments", async () => {
    const child = spawn("true", { stdio: "inherit" });
    const [code] = await once(child, "close");
    assert.equal(code, 0);
  });

  it("forwards fork's output, inherited by default", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-fork-"));
    try {
      const script = join(dir, "child.cjs");
      writeFileSync(script, "console.log('from fork'); console.error('fork err'); process.disconnect();");
      const child = fork(script);
      await once(child, "close");
      assert.deepEqual(got, { stdout: "from fork\n", stderr: "fork err\n" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves pipes the caller asked for alone", async () => {
    const result = spawnSync("sh", ["-c", "echo piped"]);
    assert.equal(result.stdout.toString(), "piped\n");
    const child = spawn("sh", ["-c", "echo mine"], { stdio: "pipe" });
    let mine = "";
    child.stdout.on("data", (d: Buffer) => (mine += d.toString()));
    await once(child, "close");
    assert.equal(mine, "mine\n");
    assert.deepEqual(got, { stdout: "", stderr: "" });
  });

  it("restores the originals when uninstalled", () => {
    uninstall();
    const result = spawnSync("sh", ["-c", "true"], { stdio: "inherit" });
    assert.equal(result.status, 0);
    assert.equal(childProcess.spawnSync, originalSpawnSync);
    assert.equal(spawnSync, originalSpawnSync, "the named import too");
    uninstall = installChildOutput(collector().writers);
  });
});

describe("openTaskLogs", () => {
  it("saves, once and masked, the task's own output and its children's, which also reach the terminal once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-task-logs-"));
    try {
      const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
      const script = join(dir, "task.mts");
      writeFileSync(
        script,
        `import { spawn, spawnSync, execSync } from "node:child_process";
import { once } from "node:events";
import { LocalBackend } from ${JSON.stringify(here("../../datastore/local/local-backend.ts"))};
import { Redactor } from ${JSON.stringify(here("../../secrets/redactor.ts"))};
import { openTaskLogs } from ${JSON.stringify(here("./log-capture.ts"))};
import { routeChildOutput } from ${JSON.stringify(here("./child-output.ts"))};
const redactor = new Redactor();
redactor.add("hunter2-secret", "env.PASSWORD");
const logs = openTaskLogs(new LocalBackend(${JSON.stringify(join(dir, "store"))}), { flow: "F", run: "1", step: "s", task: "t" }, 0, redactor);
routeChildOutput(logs);
console.log("own line");
spawnSync("sh", ["-c", "echo sync child hunter2-secret"], { stdio: "inherit" });
execSync("echo exec child err >&2");
execSync("echo exec inherit err >&2", { stdio: "inherit" });
const child = spawn("sh", ["-c", "echo async child; echo async child err >&2"], { stdio: "inherit" });
await once(child, "exit");
await logs.close();
`,
      );
      // From the repository, where tsx resolves.
      const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", cwd: here("../../..") });
      assert.equal(run.status, 0, run.stderr);
      const saved = (stream: string) => readFileSync(join(dir, "store", "F", "1", "s", "t", `0.${stream}`), "utf8");
      const outLines = ["own line", "sync child ****", "async child"];
      const errLines = ["exec child err", "exec inherit err", "async child err"];
      for (const [live, file, lines] of [[run.stdout, saved("stdout"), outLines], [run.stderr, saved("stderr"), errLines]] as const) {
        assert.deepEqual(file.trim().split("\n").sort(), [...lines].sort());
        assert.deepEqual(live.trim().split("\n").sort(), [...lines].sort(), "each line reaches the terminal once");
      }
      assert.doesNotMatch(run.stdout, /hunter2-secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
