import type { StepDecorators } from "../flow/decorators/specs.ts";
import { RETRYABLE_EXIT_CODES, TASK_EXIT } from "../runtime/task/exit-codes.ts";
import type { AttemptOutcome, TaskPolicy } from "./types.ts";

/** Exit codes of `weft step` after which the attempt has recorded its own failure. */
const RECORDED_EXIT_CODES: readonly number[] = [TASK_EXIT.stepFailed, TASK_EXIT.usage, TASK_EXIT.transient, TASK_EXIT.invalid];

/** The retry and timeout policy of a step, from its validated decorators. */
export function taskPolicy(decorators: StepDecorators): TaskPolicy {
  const { retry, timeout } = decorators;
  const timeoutSeconds = timeout ? timeout.seconds + timeout.minutes * 60 + timeout.hours * 3600 : undefined;
  return {
    retries: retry?.times ?? 0,
    secondsBetweenRetries: (retry?.minutesBetweenRetries ?? 0) * 60,
    timeoutSeconds: timeoutSeconds || undefined,
    retryableExitCodes: RETRYABLE_EXIT_CODES,
  };
}

/**
 * Whether a failed attempt is followed by another: attempts remain, and the failure is
 * one a retry may fix. A timeout or a kill counts as retryable, as Metaflow does.
 */
export function shouldRetry(policy: TaskPolicy, attempt: number, outcome: AttemptOutcome): boolean {
  if (attempt >= policy.retries) return false;
  if (outcome.failure) return outcome.failure.retryable;
  if (outcome.timedOut || outcome.signal || outcome.exitCode === null) return true;
  return policy.retryableExitCodes.includes(outcome.exitCode);
}

/** Whether `weft step` itself may end the run as failed: its failure is final by the policy. */
export function isLastAttempt(policy: TaskPolicy, attempt: number, exitCode: number): boolean {
  return attempt >= policy.retries || !policy.retryableExitCodes.includes(exitCode);
}

/**
 * Whether an attempt that left no result and has no retry left is followed by
 * @catchError's fallback attempt (Metaflow's): only when the process was lost — killed,
 * timed out, crashed or gone without its result — so it could not catch the error
 * itself. A failure the task recorded (exit codes 1–4) was already caught, or cannot be.
 */
export function needsFallback(decorators: StepDecorators, wasFallback: boolean, outcome: AttemptOutcome): boolean {
  if (!decorators.catchError || wasFallback) return false;
  if (outcome.failure) return outcome.failure.type !== "LaunchFailed";
  if (outcome.launchError) return false;
  if (outcome.timedOut || outcome.signal || outcome.exitCode === null || outcome.exitCode === 0) return true;
  return !RECORDED_EXIT_CODES.includes(outcome.exitCode);
}
