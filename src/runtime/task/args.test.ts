import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseTaskArgv, taskArgv } from "./args.ts";

const base = ["--flow", "F", "--run", "r", "--step", "s", "--task", "0", "--datastore-root", "/d"];

describe("weft step's lost-attempt facts", () => {
  test("a fallback takes the exit code and end Argo saw, and round-trips through taskArgv", () => {
    const args = parseTaskArgv([...base, "--attempt", "2", "--fallback", "--lost-exit-code", "137", "--lost-finished-at", "2026-01-31T12:00:05Z"]);
    assert.deepEqual(args.lost, { exitCode: 137, finishedAt: "2026-01-31T12:00:05Z" });
    assert.deepEqual(parseTaskArgv(taskArgv(args).slice(1)), args);
  });

  test("an empty value or an Argo variable left unresolved is unknown", () => {
    assert.deepEqual(parseTaskArgv([...base, "--attempt", "1", "--fallback", "--lost-exit-code", "{{tasks.s.exitCode}}", "--lost-finished-at", ""]).lost, {});
  });

  test("a malformed fact, or facts without --fallback, are refused saying what is expected", () => {
    assert.throws(() => parseTaskArgv([...base, "--attempt", "1", "--fallback", "--lost-exit-code", "killed"]), /--lost-exit-code must be a container exit code such as 137, got "killed"/);
    assert.throws(() => parseTaskArgv([...base, "--attempt", "1", "--fallback", "--lost-finished-at", "yesterday"]), /--lost-finished-at must be a UTC time such as/);
    assert.throws(() => parseTaskArgv([...base, "--lost-exit-code", "137"]), /add --fallback/);
  });
});

test("--context-on-stdin and --result-fd round-trip through taskArgv; a result fd below 3 is refused", () => {
  const args = parseTaskArgv([...base, "--context-on-stdin", "--result-fd", "3"]);
  assert.equal(args.contextOnStdin, true);
  assert.equal(args.resultFd, 3);
  assert.throws(() => parseTaskArgv([...base, "--result-fd", "1"]), /--result-fd must be a file descriptor number of 3 or more, got "1"/);
  assert.deepEqual(parseTaskArgv(taskArgv(args).slice(1)), args);
  assert.equal(parseTaskArgv(base).contextOnStdin, undefined);
});
