/** How long a task waits at its end for the reader of its output pipes: generous, since a slow runner is still a runner. */
const DRAIN_LIMIT_MS = 30_000;

/**
 * Resolves once everything written to process.stdout and process.stderr has been
 * handed to the OS, or after `limitMs`. A pipe whose reader is slower than the task
 * holds the rest in memory, and process.exit would drop it: from about 1 MB of output,
 * the tail, including the step's own error. Writes to a file or a terminal are
 * synchronous and need no wait. The limit is for a reader that stopped reading.
 */
export async function drainOutput(limitMs = DRAIN_LIMIT_MS): Promise<void> {
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0 && !stream.destroyed);
  if (pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  // Writes complete in order: the callback of an empty write fires once all before it are out.
  const drained = pending.map((stream) => new Promise<void>((resolve) => stream.write("", () => resolve())));
  await Promise.race([Promise.all(drained), new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}
