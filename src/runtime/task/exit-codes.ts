import { isWeftError } from "../../errors/weft-error.ts";

/**
 * How `weft step` exits, so that whatever launched it (the local runner, a pod's
 * `restartPolicy` and `backoffLimit`, an Argo `retryStrategy`) can tell a failure that
 * a retry may fix from one that will repeat. Documented in docs/task-contract.md.
 */
export const TASK_EXIT = {
  /** The attempt finished: its done marker and records are written. */
  ok: 0,
  /** The step's own code threw. A retry may help; @retry decides. */
  stepFailed: 1,
  /** The `weft step` command line is malformed. Retrying is pointless. */
  usage: 2,
  /** Storage, the metadata service or a secret store could not be reached or answered 5xx. A retry may help. */
  transient: 3,
  /**
   * The task cannot succeed as given: no such run, step or code package, a parent not
   * finished, a transition that differs from the source, an artifact that cannot be
   * saved, a secret that is missing or refused. Retrying is pointless.
   */
  invalid: 4,
} as const;

export type TaskExitCode = (typeof TASK_EXIT)[keyof typeof TASK_EXIT];

/** Exit codes after which another attempt may succeed. */
export const RETRYABLE_EXIT_CODES: readonly number[] = [TASK_EXIT.stepFailed, TASK_EXIT.transient];

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "ENETUNREACH", "EHOSTUNREACH", "EPIPE", "ECONNABORTED"]);

/**
 * The exit code for an attempt that failed with `error`. `inStep` is true when the
 * error escaped the step's own code: anything but Weft's own or a lost connection is
 * then the user's exception.
 */
export function exitCodeFor(error: unknown, inStep: boolean): TaskExitCode {
  if (isWeftError(error)) return error.transient ? TASK_EXIT.transient : TASK_EXIT.invalid;
  if (NETWORK_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? "")) return TASK_EXIT.transient;
  return inStep ? TASK_EXIT.stepFailed : TASK_EXIT.transient;
}
