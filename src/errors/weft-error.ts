/**
 * Stable error codes. A code never changes meaning once shipped; tests and scripts
 * may match on it.
 */
export type ErrorCode =
  | "USAGE"
  | "CONFIG"
  | "FLOW_LOAD"
  | "FLOW_INVALID"
  | "FLOW_FAILED"
  | "RUN_INTERRUPTED"
  | "TASK_FAILED"
  | "ARTIFACT_UNSERIALIZABLE"
  | "ARTIFACT_CONFLICT"
  | "ARTIFACT_CORRUPT"
  | "TRANSITION_MISMATCH"
  | "PARAMETER"
  | "NOT_FOUND"
  | "DATASTORE"
  | "METADATA_SERVICE"
  | "KUBERNETES";

/** Usage and configuration problems exit 2; a flow that is invalid or failed exits 1. */
const EXIT_CODE_BY_CODE: Partial<Record<ErrorCode, 1 | 2>> = { USAGE: 2, CONFIG: 2, PARAMETER: 2 };

export interface WeftErrorOptions {
  /** What the user should do about it. */
  hint?: string;
  cause?: unknown;
  /**
   * The failure may pass if the same thing is tried again (a lost connection, a 503,
   * throttling), as opposed to one that will fail the same way every time.
   */
  transient?: boolean;
}

/**
 * An error that is the user's to fix. The CLI prints it without a stack trace; any
 * other thrown value is a bug in Weft and is printed with its stack.
 */
export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WeftError";
    this.code = code;
    this.hint = options.hint;
    this.transient = options.transient ?? false;
  }

  get exitCode(): 1 | 2 {
    return EXIT_CODE_BY_CODE[this.code] ?? 1;
  }

  /** The message and the hint, as printed to a user. */
  describe(): string {
    return this.hint ? `${this.message}\n  ${this.hint}` : this.message;
  }
}

export function isWeftError(value: unknown): value is WeftError {
  return value instanceof WeftError;
}

/**
 * For `.catch(absentIfNotFound)`: undefined when the thing read does not exist; any
 * other failure (a 403, a reset, a corrupt record) is rethrown, never taken for absence.
 */
export function absentIfNotFound(error: unknown): undefined {
  if (isWeftError(error) && error.code === "NOT_FOUND") return undefined;
  throw error;
}
