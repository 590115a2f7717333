import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lostAttemptEnds, type LostAttemptsRequest } from "./lost-attempts.ts";

const PATH = "F/argo-f-x1/work/0";
const request = (over: Partial<LostAttemptsRequest>): LostAttemptsRequest => ({
  pathspec: PATH,
  attempts: [{ attempt: 0, startedAt: "2026-01-01T00:00:00.500Z" }],
  fallbackAttempt: 1,
  policy: { timeoutSeconds: undefined, secondsBetweenRetries: 0 },
  facts: {},
  now: "2026-01-01T00:01:00.000Z",
  ...over,
});

describe("lostAttemptEnds", () => {
  test("a pod killed by SIGKILL reads as the local runner records it, ending when Argo says", () => {
    assert.deepEqual(lostAttemptEnds(request({ facts: { exitCode: 137, finishedAt: "2026-01-01T00:00:04Z" } })), [
      { attempt: 0, startedAt: "2026-01-01T00:00:00.500Z", finishedAt: "2026-01-01T00:00:04Z", ok: false, exception: { type: "Killed", message: `Task ${PATH} killed by SIGKILL.` } },
    ]);
  });

  test("an attempt that ran to its @timeout, less the pod's start-up, timed out; one killed well before did not", () => {
    const policy = { timeoutSeconds: 10, secondsBetweenRetries: 0 };
    const at = (finishedAt: string) => lostAttemptEnds(request({ policy, facts: { exitCode: 137, finishedAt } }))[0]!.exception;
    assert.deepEqual(at("2026-01-01T00:00:06Z"), { type: "Timeout", message: `Task ${PATH} timed out.` });
    assert.equal(at("2026-01-01T00:00:05Z")!.type, "Killed");
  });

  test("exit code 0 without a result, another code, or none at all each say what happened", () => {
    const of = (exitCode: number | undefined) => lostAttemptEnds(request({ facts: exitCode === undefined ? {} : { exitCode } }))[0]!.exception!;
    assert.deepEqual(of(0), { type: "NoResult", message: `Task ${PATH} exited without saving its result.` });
    assert.deepEqual(of(42), { type: "ExitedUnrecorded", message: `Task ${PATH} ended with exit code 42, without recording why; see its stderr.` });
    assert.equal(of(undefined).type, "Killed");
    assert.match(of(undefined).message, /without a result or an exit code: its pod was deleted, evicted or never started/);
    assert.equal(lostAttemptEnds(request({}))[0]!.finishedAt, "2026-01-01T00:01:00.000Z", "without Argo's end, now");
  });

  test("earlier retried attempts end when the next one started, their backoff not counted; recorded ends are left alone", () => {
    const attempts = [
      { attempt: 0, startedAt: "2026-01-01T00:00:00Z" },
      { attempt: 1, startedAt: "2026-01-01T00:01:05Z", finishedAt: "2026-01-01T00:01:06Z", ok: false, exception: { type: "Error", message: "raised" } },
      { attempt: 2, startedAt: "2026-01-01T00:02:07Z" },
    ];
    const ends = lostAttemptEnds(request({ attempts, fallbackAttempt: 3, policy: { timeoutSeconds: 10, secondsBetweenRetries: 60 }, facts: { exitCode: 137, finishedAt: "2026-01-01T00:02:08Z" } }));
    assert.deepEqual(ends.map((e) => [e.attempt, e.finishedAt, e.exception!.type]), [
      [0, "2026-01-01T00:01:05Z", "Timeout"],
      [2, "2026-01-01T00:02:08Z", "Killed"],
    ]);
    assert.deepEqual(lostAttemptEnds(request({ attempts: attempts.slice(1, 2), fallbackAttempt: 2 })), []);
  });
});
