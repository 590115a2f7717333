import { WeftError } from "../../errors/weft-error.ts";

/**
 * Failures of the step's code that never reach the `await` of the step: an exception
 * thrown in a timer or event handler, a promise rejected with no handler, a call to
 * process.exit, or an event loop left with nothing to do while the step has not
 * finished. Without a guard Node prints them through its fatal handler (unmasked, not
 * saved) or exits at once, and the attempt is never recorded as ended.
 */
export interface AttemptGuard {
  /** Rejects with the first such failure while the attempt runs; never resolves. */
  readonly failure: Promise<never>;
  /** Whether `error` came from the guard: a failure of the step's code (exit code 1). */
  caused(error: unknown): boolean;
  /**
   * Resolves once failures already under way have surfaced (Node reports a rejection
   * without a handler only after the current ticks), and rejects with the first one, if
   * any: call it before taking the step's result as good.
   */
  settled(): Promise<void>;
  /**
   * The attempt's outcome is decided (its result saved, or its failure being
   * recorded): from now on process.exit exits, and later failures are only reported
   * on stderr, through the log capture.
   */
  decide(): void;
}

/**
 * Installs the guard for the rest of the task process's life. `step` names the step
 * in messages.
 */
export function guardAttempt(step: string): AttemptGuard {
  let reject: (error: unknown) => void = () => {};
  const failure = new Promise<never>((_, r) => (reject = r));
  // Nobody may be awaiting it when it rejects (after the result is saved): not an unhandled rejection itself.
  failure.catch(() => {});
  const caused = new Set<unknown>();
  let decided = false;
  const fail = (error: unknown) => {
    // process.exit's own error, thrown again where the step's code did not catch it.
    if (caused.has(error)) return;
    if (decided) {
      process.stderr.write(`weft step: after the attempt's outcome was decided, the step's code failed: ${describeThrown(error)}\n`);
      return;
    }
    caused.add(error);
    decided = true;
    reject(error);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  // The loop ran dry with the step's promise still pending: nothing will ever settle it.
  process.on("beforeExit", () => {
    if (!decided) fail(new WeftError("FLOW_FAILED", `Step "${step}" never finished: its promise is still pending, and nothing is left that could settle it.`, { hint: "Await every promise the step starts, and make sure each one settles." }));
  });
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    if (decided) return exit(code);
    const error = new WeftError("FLOW_FAILED", `The step called process.exit(${code ?? ""}) before its result was saved.`, {
      hint: "Throw an error to fail the step, or return from it to finish; the task process ends by itself once the attempt is recorded.",
    });
    fail(error);
    // Like Python's SystemExit, which Metaflow steps see: unwinds the step's code, which must not go on as if nothing happened.
    throw error;
  }) as typeof process.exit;
  return {
    failure,
    caused: (error) => caused.has(error),
    settled: async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.race([failure, undefined]);
    },
    decide: () => {
      decided = true;
    },
  };
}

/** Any thrown value as text, even one that cannot be converted (`Object.create(null)`). */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return textOf(error);
}

/** A thrown value that is not an Error, as text: String() where it works, else its inspected form. */
export function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    // A null-prototype object has no toString.
    return Object.prototype.toString.call(value) === "[object Object]" ? `object ${safeJson(value)}` : Object.prototype.toString.call(value);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "{}";
  } catch {
    return "{…}";
  }
}
