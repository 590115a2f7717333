// The ends of attempts nobody recorded. The local runner watches each attempt's process
// and records how a lost one ended (killed, timed out) before it starts @catchError's
// fallback; on Argo no process watches the pod, so the fallback attempt records them
// itself, from what Argo reported of the last one (its exit code and end) and from the
// starts the attempts recorded. The exceptions read as the local runner's do.
import { constants } from "node:os";
import type { TaskPolicy } from "../../compute/types.ts";
import type { AttemptRecord, ErrorInfo } from "../../metadata/types.ts";
import type { LostFacts } from "./args.ts";

/**
 * An attempt records its start a little after its pod started (container start-up,
 * reading the run spec), while the pod's deadline counts from the pod's start; Argo's
 * times have whole seconds. An attempt that ran to within this much of its @timeout is
 * read as timed out.
 */
export const DEADLINE_ALLOWANCE_SECONDS = 5;

const SIGNALS = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

export interface LostAttemptsRequest {
  /** `Flow/run/step/task`, named in the exceptions. */
  pathspec: string;
  /** The task's attempts as recorded, in order. */
  attempts: AttemptRecord[];
  /** The fallback's own attempt number: every attempt before it had no result. */
  fallbackAttempt: number;
  policy: Pick<TaskPolicy, "timeoutSeconds" | "secondsBetweenRetries">;
  /** What the orchestrator saw of the attempt just before the fallback. */
  facts: LostFacts;
  now: string;
}

/**
 * The ends to record: one for each attempt before the fallback that recorded its start
 * but no end. The one just before the fallback ended when the orchestrator says (else
 * now), an earlier one when the next attempt started. Attempts that recorded their own
 * failure are left alone.
 */
export function lostAttemptEnds(request: LostAttemptsRequest): AttemptRecord[] {
  const { attempts, fallbackAttempt, facts, now } = request;
  const ends: AttemptRecord[] = [];
  for (const [i, record] of attempts.entries()) {
    if (record.attempt >= fallbackAttempt || record.ok !== undefined) continue;
    const last = record.attempt === fallbackAttempt - 1;
    const finishedAt = (last ? facts.finishedAt : attempts[i + 1]?.startedAt) ?? now;
    // A retry waits out the backoff before it starts; that time is not the lost attempt's.
    const waited = last ? 0 : request.policy.secondsBetweenRetries;
    const ranSeconds = (Date.parse(finishedAt) - Date.parse(record.startedAt)) / 1000 - waited;
    const exception = describeLoss(request, record.attempt, ranSeconds, last ? facts.exitCode : undefined, last);
    ends.push({ attempt: record.attempt, startedAt: record.startedAt, finishedAt, ok: false, exception });
  }
  return ends;
}

/** Why an attempt left no result, worded as the local runner words what it saw. */
function describeLoss(request: LostAttemptsRequest, attempt: number, ranSeconds: number, exitCode: number | undefined, last: boolean): ErrorInfo {
  const task = `Task ${request.pathspec}`;
  const timeout = request.policy.timeoutSeconds;
  if (timeout !== undefined && ranSeconds >= timeout - DEADLINE_ALLOWANCE_SECONDS) return { type: "Timeout", message: `${task} timed out.` };
  if (!last) return { type: "Killed", message: `${task} attempt ${attempt} ended without a result (killed by a signal or the OOM killer, or its pod went away) and was retried.` };
  if (exitCode === undefined) return { type: "Killed", message: `${task} ended without a result or an exit code: its pod was deleted, evicted or never started.` };
  const signal = exitCode > 128 ? SIGNALS.get(exitCode - 128) : undefined;
  if (signal) return { type: "Killed", message: `${task} killed by ${signal}.` };
  if (exitCode === 0) return { type: "NoResult", message: `${task} exited without saving its result.` };
  return { type: "ExitedUnrecorded", message: `${task} ended with exit code ${exitCode}, without recording why; see its stderr.` };
}
