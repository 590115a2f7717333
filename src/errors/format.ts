import { isWeftError } from "./weft-error.ts";

/**
 * Text for an error reaching the top of a command: a WeftError is the user's to fix
 * and reads without a stack; anything else is a bug and keeps its stack.
 */
export function formatError(error: unknown): string {
  if (isWeftError(error)) return `error: ${error.describe()}`;
  if (error instanceof Error) return `internal error (please report): ${error.stack ?? error.message}`;
  return `internal error (please report): ${String(error)}`;
}

export function exitCodeOf(error: unknown): number {
  return isWeftError(error) ? error.exitCode : 1;
}
