import type { StepDecorators } from "../flow/decorators/specs.ts";
import type { Recorder, TaskArgs } from "../runtime/task/args.ts";

/**
 * Why an attempt ended without `weft step` saying so, as its compute saw it: a pod that
 * could not pull its image, was evicted or OOM-killed. Recorded as the attempt's
 * exception: `type` names it, `message` names what and how to fix it.
 */
export interface AttemptFailure {
  type: string;
  message: string;
  /** A retry may pass; false where it would fail the same way (a wrong image name). */
  retryable: boolean;
}

/** How an attempt ended, as the compute backend saw it. */
export interface AttemptOutcome {
  /** `weft step`'s exit code (see runtime/task/exit-codes.ts); null when killed or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed because it ran past its policy's timeout. */
  timedOut: boolean;
  /** Set when the attempt could not be started at all, saying why. */
  launchError?: string;
  /** Set when the compute knows why the attempt ended better than an exit code says. */
  failure?: AttemptFailure;
  /** The done marker the task handed back over a pipe (`--result-fd`), as it stored it; the datastore has it too. */
  result?: Uint8Array;
}

/** One attempt to launch: the `weft step` arguments, its environment and its policy. */
export interface AttemptRequest {
  args: TaskArgs;
  /** The task's whole environment: nothing else is inherited. */
  env: NodeJS.ProcessEnv;
  policy: TaskPolicy;
  /** The step's validated decorators (a backend reads its own: `kubernetes`, `resources`). */
  decorators: StepDecorators;
  /**
   * A copy of what the task reads first from the datastore (runner-pipes.ts), made when
   * asked. A backend that can write it to the task's stdin passes `--context-on-stdin`;
   * another never asks.
   */
  context?: () => Uint8Array;
  /** Each line the attempt prints, as it prints it (for the terminal). */
  onLine: (stream: "stdout" | "stderr", line: string) => void;
  /** Where the attempt is while it is not yet running or has no output (a pod pulling its image), for the terminal. */
  onStatus?: (text: string) => void;
}

/** A launched attempt. */
export interface LaunchedAttempt {
  /** What the backend calls it, for records: a pid, a Job name. */
  readonly handle: string | undefined;
  /** The pid, when it runs on this machine. */
  readonly pid: number | undefined;
  readonly done: Promise<AttemptOutcome>;
  /** Its output reaches `onLine` with stdout and stderr merged (a pod's log), all as stdout. */
  readonly combinedOutput?: boolean;
  /** Stops the attempt and everything it started; `done` then settles. */
  kill(): void;
}

/**
 * Where task attempts run: a process on this machine, a Kubernetes Job. A backend
 * launches exactly the `weft step` command of the task contract (docs/task-contract.md)
 * and enforces the policy's timeout; retries are the caller's, by the policy.
 */
export interface ComputeBackend {
  /** The registry key: "local", "kubernetes". */
  readonly kind: string;
  /** Who records the attempts it launches (`weft step --recorder`): the runner, or each task itself. */
  readonly recorder: Recorder;
  launch(request: AttemptRequest): LaunchedAttempt;
  /** Lets go of connections and watches; attempts still running are not touched. */
  close?(): void;
}

/**
 * What @retry and @timeout mean, as data a backend can compile: a local scheduler loop,
 * a Job's `backoffLimit` and `activeDeadlineSeconds`, an Argo `retryStrategy`.
 */
export interface TaskPolicy {
  /** Attempts after the first: attempt numbers run from 0 to `retries`. */
  retries: number;
  /** Wait before each retry. */
  secondsBetweenRetries: number;
  /** Kill an attempt that runs longer; undefined for no limit. */
  timeoutSeconds: number | undefined;
  /** `weft step` exit codes after which a retry may succeed; any other failure is final. */
  retryableExitCodes: readonly number[];
}
