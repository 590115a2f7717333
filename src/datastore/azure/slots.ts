/**
 * Runs at most `limit` tasks at once; the others wait their turn in the order they
 * came. The Azure backend bounds blob downloads with it across calls: a step that
 * prefetches a hundred artifacts asks for each on its own, and holding a hundred
 * responses at once would cost memory without adding throughput.
 */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A released slot passes straight to the next waiter, so `active` never drops in between.
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
