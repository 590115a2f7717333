/**
 * Metadata writes that need not hold up the step: sent at once and awaited together
 * before the attempt's end is recorded, so a remote service's round trips overlap
 * with loading and running the step instead of adding to them.
 */
export class PendingWrites {
  private readonly writes: Promise<unknown>[] = [];

  add(write: Promise<unknown>): void {
    // Observed here so a failure waits for `settle` instead of crashing the process.
    write.catch(() => {});
    this.writes.push(write);
  }

  /** Resolves when every write has landed; rejects with the first failure. */
  async settle(): Promise<void> {
    await Promise.all(this.writes);
  }
}
