import { WeftError } from "../../errors/weft-error.ts";
import type { AttemptOutcome, LaunchedAttempt } from "../types.ts";

/** An attempt that could not be launched at all: its outcome says why and what to do. */
export function failedLaunch(error: Error): LaunchedAttempt {
  const retryable = (error as { transient?: boolean }).transient === true;
  const message = error instanceof WeftError && error.hint ? `${error.message} ${error.hint}` : error.message;
  const outcome: AttemptOutcome = { exitCode: null, signal: null, timedOut: false, launchError: message, failure: { type: "LaunchFailed", message, retryable } };
  return { pid: undefined, handle: undefined, done: Promise.resolve(outcome), kill: () => {} };
}
