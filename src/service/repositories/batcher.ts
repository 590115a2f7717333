interface Pending<In, Out> {
  item: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the calls made while the event loop reads one round of requests into one
 * flush: under load, sixty-four task registrations become one INSERT and one commit
 * instead of sixty-four. A lone call waits only for the next `setImmediate`.
 */
export class Batcher<In, Out> {
  private pending: Pending<In, Out>[] = [];

  /** `flush` answers one outcome per input, in order: a failed item fails only its own caller. */
  constructor(
    private readonly flush: (items: In[]) => Promise<PromiseSettledResult<Out>[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.run());
      else if (this.pending.length >= this.maxBatch) void this.run();
    });
  }

  private async run(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      const outcomes = await this.flush(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.status === "fulfilled") p.resolve(outcome.value);
        else p.reject(outcome.reason);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
